"""Part 1 compute job: one experiment (see RUNNERS) -> results JSON."""

from __future__ import annotations

import sys

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian import promise_experiments as ex
from replications.hunting_the_hessian.promise_pinn import pinn_experiment
from replications.hunting_the_hessian.promise_preconditioners import preconditioner_experiment
from replications.hunting_the_hessian.promise_rate import rate_experiment
from replications.hunting_the_hessian.promise_regularity import regularity_experiment
from replications.hunting_the_hessian.promise_sketchysgd import sketchysgd_experiment
from replications.hunting_the_hessian.promise_streaming import streaming_experiment

RUNNERS = {
    "nystrom": (ex.nystrom_error, lambda p: len(p["classes"]) * len(p["sketch_sizes"])),
    "pcg": (ex.pcg_experiments, lambda p: sum(len(s["mus"]) for s in p["spectra"].values())),
    "rf": (ex.rf_experiment, lambda p: len(p["mus"])),
    "suite": (ex.promise_suite, None),
    "pinn": (pinn_experiment, lambda p: p["nncg"]["iters"]),
    "sketchysgd": (sketchysgd_experiment, None),
    "precond": (preconditioner_experiment, None),
    "streaming": (
        streaming_experiment,
        lambda p: 1 + p["grid_points"] + (p.get("control_preconditioner") is not None),
    ),
    "rate": (rate_experiment, lambda p: len(p["seeds"]) * len(p["lambda_lows"])),
    "regularity": (regularity_experiment, None),
}
# Experiments that run on the suite's testbed (its problem definitions live in the suite block).
ON_TESTBED = {"sketchysgd": 2, "precond": 2}  # extra progress steps after the problems


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--experiment", required=True, choices=sorted(RUNNERS))
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    all_params = params_of(args)
    params = all_params[args.experiment]
    fn, count = RUNNERS[args.experiment]
    if args.experiment == "suite":
        n_problems = len(params["decays"]) * 2 + sum(len(v) for v in params["sklearn"].values())
        prog = Progress(n_problems, "promise_suite")
        result = fn(
            params,
            progress=lambda name: prog.step(note=name),
            log=lambda s: print(s, file=sys.stderr),
        )
    elif args.experiment in ON_TESTBED:
        suite = all_params["suite"]
        n_problems = len(suite["decays"]) * 2 + sum(len(v) for v in suite["sklearn"].values())
        prog = Progress(n_problems + ON_TESTBED[args.experiment], f"promise_{args.experiment}")
        result = fn(params, suite, progress=lambda name: prog.step(note=name))
        result["suite_params"] = suite
    elif args.experiment == "regularity":  # every logistic testbed problem + the ridge check
        suite = all_params["suite"]
        n_logistic = len(suite["decays"]) + len(suite["sklearn"]["logistic"])
        prog = Progress(n_logistic + len(params["ridge_problems"]), "promise_regularity")
        result = fn(params, suite, progress=lambda name: prog.step(note=name))
        result["suite_params"] = suite
    elif args.experiment in ("streaming", "rate"):  # report the name of each finished run
        prog = Progress(count(params), f"promise_{args.experiment}")
        result = fn(params, progress=lambda name: prog.step(note=name))
    else:
        prog = Progress(count(params), f"promise_{args.experiment}")
        result = fn(params, progress=prog.step)
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
