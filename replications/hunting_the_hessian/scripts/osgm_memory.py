"""Peak memory (tracemalloc) of HDM-Best and SciPy L-BFGS-B on a separable quadratic (I/O only)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from shared.first_order import scipy_quasi_newton
from shared.osgm import hdm_best


def peak_floats(run, n: int) -> float:
    """Peak traced allocation during ``run()``, in vectors of n float64 (rounded)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Rounded to whole vectors of n floats: the few hundred bytes of Python objects allocated
    # alongside vary from run to run, and rounding keeps the result file byte-deterministic.
    return float(round((peak - base) / (8.0 * n)))


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)["osgm"]["memory"]
    iters = int(p["iters"])
    out = {}
    for n in p["sizes"]:
        h = np.logspace(0, 2, int(n))

        def fun(x, h=h):
            e = x - 1.0
            he = h * e
            return 0.5 * float(e @ he), he

        x0 = np.zeros(int(n))
        rec = {
            "HDM-Best": peak_floats(
                lambda fun=fun, x0=x0: hdm_best(
                    fun, x0, 100.0, eta_p=1e-2, eta_b=1.0, tol=1e-300, max_iter=iters
                ),
                int(n),
            )
        }
        for m in p["memories"]:
            rec[f"L-BFGS-M{m}"] = peak_floats(
                lambda fun=fun, x0=x0, m=m: scipy_quasi_newton(
                    fun, x0, memory=m, tol=1e-300, max_evals=iters
                ),
                int(n),
            )
        out[str(n)] = rec
    write_json(args.out_json, {"peak_floats_per_dim": out, "iters": iters})


if __name__ == "__main__":
    main()
