"""The solved-instance protocol of the HDM paper: twelve methods, their grids, one instance.

Protocol (card ``osgm.md`` sections 3.8 and 4.2): unregularised sum loss with bias, start
``x0 = randn/||randn||`` (seeded, shared by all methods), ``||grad f||_inf < 1e-4`` within a
budget of 1000 gradient evaluations (solved if fewer than 999), each method's grid searched with
the "fewest evaluations, first wins" rule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shared import first_order as fo
from shared.osgm import hdm_best

METHODS = (
    "GD",
    "GD-HB",
    "AGD-CVX",
    "AGD-SCVX",
    "Adam",
    "AdaGrad",
    "L-BFGS-M1",
    "L-BFGS-M3",
    "L-BFGS-M5",
    "L-BFGS-M10",
    "BFGS",
    "OSGM",
)


def method_grids(L: float, grids: dict) -> dict[str, tuple[Callable, list[dict]]]:
    """Each method's runner ``run(fun, x0, max_evals=..., **entry)`` and its grid.

    ``grids`` holds the paper's grids (params.yaml): heavy-ball betas, Adam/AdaGrad learning
    rates (the string ``"1/L"`` stands for 1/L), HDM-Best ``eta_p`` in units of 1/L and
    ``eta_b``.
    """

    def lrs(values):
        return [{"lr": 1.0 / L if v == "1/L" else float(v)} for v in values]

    tol = grids["tol"]
    out: dict[str, tuple[Callable, list[dict]]] = {
        "GD": (lambda fun, x0, **k: fo.gd(fun, x0, L, tol=tol, **k), [{}]),
        "GD-HB": (
            lambda fun, x0, **k: fo.heavy_ball(fun, x0, L, tol=tol, **k),
            [{"beta": float(b)} for b in grids["hb_beta"]],
        ),
        "AGD-CVX": (lambda fun, x0, **k: fo.agd_convex(fun, x0, L, tol=tol, **k), [{}]),
        "AGD-SCVX": (
            lambda fun, x0, **k: fo.agd_strongly_convex(
                fun, x0, L, mu=grids["scvx_mu"], tol=tol, **k
            ),
            [{}],
        ),
        "Adam": (lambda fun, x0, **k: fo.adam(fun, x0, tol=tol, **k), lrs(grids["adam_lr"])),
        "AdaGrad": (
            lambda fun, x0, **k: fo.adagrad(fun, x0, tol=tol, **k),
            lrs(grids["adagrad_lr"]),
        ),
        "BFGS": (
            lambda fun, x0, **k: fo.scipy_quasi_newton(fun, x0, memory=None, tol=tol, **k),
            [{}],
        ),
    }
    for m in (1, 3, 5, 10):
        out[f"L-BFGS-M{m}"] = (
            lambda fun, x0, m=m, **k: fo.scipy_quasi_newton(fun, x0, memory=m, tol=tol, **k),
            [{}],
        )
    hdm_grid = [
        {"eta_p": float(a) / L, "eta_b": float(b)}
        for a in grids["hdm_eta_p_times_L"]
        for b in grids["hdm_eta_b"]
    ]
    out["OSGM"] = (
        lambda fun, x0, max_evals, **k: hdm_best(
            fun, x0, L, tol=tol, max_iter=grids["max_evals"], max_evals=max_evals, **k
        ),
        hdm_grid,
    )
    return {m: out[m] for m in METHODS}


def run_instance(fun, x0: np.ndarray, L: float, grids: dict, *, keep_history: bool = False) -> dict:
    """Run the twelve methods with their grids on one instance.

    Returns
    -------
    dict
        method -> {"solved", "n_grad", "f", "grad_inf", "best_index", "n_runs"} and, with
        ``keep_history``, ``f_hist`` / ``ginf_hist`` of the selected run.
    """
    max_evals = int(grids["max_evals"])
    out = {}
    for name, (runner, grid) in method_grids(L, grids).items():
        gr = fo.grid_search(
            lambda max_evals, _r=runner, **e: _r(fun, x0, max_evals=max_evals, **e),
            grid,
            max_evals=max_evals,
        )
        b = gr.best
        rec = {
            "solved": fo.is_solved(b, max_evals),
            "n_grad": int(b.n_grad),
            "f": float(b.f),
            "grad_inf": float(b.ginf_hist.min()) if b.ginf_hist.size else float("nan"),
            "best_index": gr.best_index,
            "n_runs": gr.n_runs,
        }
        if keep_history:
            rec["f_hist"] = np.asarray(b.f_hist, dtype=float)
            rec["ginf_hist"] = np.asarray(b.ginf_hist, dtype=float)
        out[name] = rec
    return out
