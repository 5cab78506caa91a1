"""Part 1 compute job: PROMISE rate vs condition number at fixed effective dimension."""

from __future__ import annotations

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian.promise_rate import rate_experiment


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    params = params_of(args)["rate"]
    prog = Progress(len(params["seeds"]) * len(params["lambda_lows"]), "promise_rate")
    result = rate_experiment(params, progress=lambda name: prog.step(note=name))
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
