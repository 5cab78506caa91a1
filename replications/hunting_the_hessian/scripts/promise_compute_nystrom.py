"""Part 1 compute job: Nystrom error vs sketch size and stable vs naive formula (TYUC17)."""

from __future__ import annotations

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian.promise_experiments import nystrom_error


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    params = params_of(args)["nystrom"]
    prog = Progress(len(params["classes"]) * len(params["sketch_sizes"]), "promise_nystrom")
    result = nystrom_error(params, progress=prog.step)
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
