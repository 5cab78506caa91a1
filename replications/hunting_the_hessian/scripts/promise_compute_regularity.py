"""Part 1 compute job: PROMISE quadratic regularity along SketchySAGA."""

from __future__ import annotations

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian.promise_regularity import regularity_experiment


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    all_params = params_of(args)
    params, suite = all_params["regularity"], all_params["suite"]  # the testbed's problems
    n_logistic = len(suite["decays"]) + len(suite["sklearn"]["logistic"])
    prog = Progress(n_logistic + len(params["ridge_problems"]), "promise_regularity")
    result = regularity_experiment(params, suite, progress=lambda name: prog.step(note=name))
    result["suite_params"] = suite
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
