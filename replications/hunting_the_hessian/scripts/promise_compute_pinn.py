"""Part 1 compute job: reaction PINN, Adam -> L-BFGS -> NNCG and the GD control (RLFLU24).

Runs on CPU whatever the configured device (see the log line and the README's runtime
section): the published numbers of this step are float64 CPU arithmetic, and NNCG's Nystrom
sketch, CG and dense spectra are numpy, so every Hessian-vector product crosses to the host.
"""

from __future__ import annotations

import sys

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, configured_device, pin_threads
from replications.hunting_the_hessian.promise_pinn import pinn_experiment


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    print(
        f"[promise_pinn] configured device: {configured_device()}; this step runs on CPU by "
        "design (float64 numpy Nystrom / CG / dense spectra around torch HVPs; the recorded "
        "numbers are CPU arithmetic)",
        file=sys.stderr,
    )
    params = params_of(args)["pinn"]
    prog = Progress(params["nncg"]["iters"], "promise_pinn")
    result = pinn_experiment(params, progress=prog.step)
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
