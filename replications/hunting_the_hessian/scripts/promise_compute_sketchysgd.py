"""Part 1 compute job: SketchySGD vs tuned SGD, noise ball vs batch size, Hessian spectra."""

from __future__ import annotations

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian.promise_sketchysgd import sketchysgd_experiment


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    all_params = params_of(args)
    params, suite = all_params["sketchysgd"], all_params["suite"]  # runs on the suite's testbed
    n_problems = len(suite["decays"]) * 2 + sum(len(v) for v in suite["sklearn"].values())
    prog = Progress(n_problems + 2, "promise_sketchysgd")  # + the ball and the spectra
    result = sketchysgd_experiment(params, suite, progress=lambda name: prog.step(note=name))
    result["suite_params"] = suite
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
