"""Part 1 compute job: the PROMISE suite, default Sketchy methods vs tuned baselines."""

from __future__ import annotations

import sys

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian.promise_experiments import promise_suite


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    params = params_of(args)["suite"]
    n_problems = len(params["decays"]) * 2 + sum(len(v) for v in params["sklearn"].values())
    prog = Progress(n_problems, "promise_suite")
    result = promise_suite(
        params,
        progress=lambda name: prog.step(note=name),
        log=lambda s: print(s, file=sys.stderr),
    )
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
