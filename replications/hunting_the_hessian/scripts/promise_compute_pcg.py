"""Part 1 compute job: condition numbers and CG / Nystrom PCG iterations (FTU23)."""

from __future__ import annotations

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.hunting_the_hessian.promise_experiments import pcg_experiments


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    params = params_of(args)["pcg"]
    prog = Progress(sum(len(s["mus"]) for s in params["spectra"].values()), "promise_pcg")
    result = pcg_experiments(params, progress=prog.step)
    result["params"] = params
    write_json(args.out_json, result)


if __name__ == "__main__":
    main()
