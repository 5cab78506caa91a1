"""ADMM on random SDPs with a prescribed optimal face (known optimal value by construction).

Writes results/admm_sdp_drift/face.json: per seed the ADMM objective, KKT residuals, iterations
and the constructed optimal value.
"""

from __future__ import annotations

from replications._workflow.runtime import pin_threads

pin_threads(1)

import numpy as np  # noqa: E402

from replications._workflow.cli import params_of, parser  # noqa: E402
from replications._workflow.io import write_json  # noqa: E402
from replications.admm_sdp_drift.device import cpu_by_design  # noqa: E402
from replications.admm_sdp_drift.instances import face_sdp  # noqa: E402
from shared.admm_sdp import SigmaRule, kkt_residuals, run_admm, scale_sdp, state_from_z  # noqa: E402


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    cpu_by_design("face")
    f = params_of(args)["face"]
    out = {}
    for seed in f["seeds"]:
        inst = face_sdp(f["n"], f["r"], f["m_pp"], f["m_nn"], seed)
        data = scale_sdp(inst.sdp, scale=True)
        n = inst.sdp.n
        st = state_from_z(np.zeros(n * (n + 1) // 2), 1.0, inst.sdp.m)
        res = run_admm(data, st, 1.0, f["max_iter"], tol=1e-10, rule=SigmaRule("adaptive"))
        r = kkt_residuals(data, res.state)
        out[str(seed)] = {
            "n_iter": res.n_iter,
            "converged": res.converged,
            "pobj": r["pobj"],
            "dobj": r["dobj"],
            "kkt": r["kkt"],
            "reference": inst.optimal_value,
            "rel_error": abs(r["pobj"] - inst.optimal_value) / (1 + abs(inst.optimal_value)),
            "rank_X_final": int(np.count_nonzero(res.state.eigvals > 1e-8)),
        }
    write_json(args.out_json, {"face": out, "params": f})


if __name__ == "__main__":
    main()
