"""Part 1 compute job: one experiment (nystrom | pcg | rf | suite | pinn) -> results JSON."""

from __future__ import annotations

import sys

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian import promise_experiments as ex
from replications.hunting_the_hessian.promise_pinn import pinn_experiment

RUNNERS = {
    "nystrom": (ex.nystrom_error, lambda p: len(p["classes"]) * len(p["sketch_sizes"])),
    "pcg": (ex.pcg_experiments, lambda p: sum(len(s["mus"]) for s in p["spectra"].values())),
    "rf": (ex.rf_experiment, lambda p: len(p["mus"])),
    "suite": (ex.promise_suite, None),
    "pinn": (pinn_experiment, lambda p: p["nncg"]["iters"]),
}


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--experiment", required=True, choices=sorted(RUNNERS))
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    params = params_of(args)[args.experiment]
    fn, count = RUNNERS[args.experiment]
    if args.experiment == "suite":
        n_problems = len(params["decays"]) * 2 + sum(len(v) for v in params["sklearn"].values())
        prog = Progress(n_problems, "promise_suite")
        result = fn(
            params,
            progress=lambda name: prog.step(note=name),
            log=lambda s: print(s, file=sys.stderr),
        )
    else:
        prog = Progress(count(params), f"promise_{args.experiment}")
        result = fn(params, progress=prog.step)
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
