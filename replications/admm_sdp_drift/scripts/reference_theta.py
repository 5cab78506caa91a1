"""Cache the interior-point reference of a 1dc.n theta SDP (cvxpy + Clarabel), run by hand.

Not a workflow rule: on 1dc.128 it takes minutes of one core (above the default-scale budget),
so its result is kept in ``replications/admm_sdp_drift/reference/`` and read by the measure
rule (deviation D7). Regenerate with::

    OMP_NUM_THREADS=1 .venv/bin/python replications/admm_sdp_drift/scripts/reference_theta.py \
        --L 7 --out replications/admm_sdp_drift/reference/clarabel_1dc128.json
"""

from __future__ import annotations

from replications._workflow.runtime import pin_threads

pin_threads(1)

import argparse  # noqa: E402
from importlib.metadata import version  # noqa: E402

from replications._workflow.io import write_json  # noqa: E402
from replications.admm_sdp_drift.device import cpu_by_design  # noqa: E402
from replications.admm_sdp_drift.experiments import clarabel_theta  # noqa: E402
from replications.admm_sdp_drift.instances import coding_graph, theta_sdp  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--L", type=int, required=True, help="word length: the graph is 1dc.2^L")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cpu_by_design("reference_theta")
    if not 2 <= args.L <= 10:
        raise ValueError(f"--L {args.L} is not allowed: need 2 <= L <= 10")
    n = 2**args.L
    sdp = theta_sdp(n, coding_graph(args.L))
    ref = clarabel_theta(sdp)
    write_json(
        args.out,
        {
            "instance": f"1dc.{n}",
            "n": sdp.n,
            "m": sdp.m,
            "reference": ref,
            "versions": {p: version(p) for p in ("cvxpy", "clarabel", "numpy")},
            "command": f"scripts/reference_theta.py --L {args.L}",
        },
    )


if __name__ == "__main__":
    main()
