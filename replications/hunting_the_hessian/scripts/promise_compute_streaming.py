"""Part 1 compute job: streamed random-features logistic regression (SketchySGD S4)."""

from __future__ import annotations

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian.promise_streaming import streaming_experiment


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    params = params_of(args)["streaming"]
    runs = 1 + params["grid_points"] + (params.get("control_preconditioner") is not None)
    prog = Progress(runs, "promise_streaming")
    result = streaming_experiment(params, progress=lambda name: prog.step(note=name))
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
