"""Summaries of the PROMISE suite: shares solved, linear-phase fits, tuning cost (pure)."""

from __future__ import annotations

import numpy as np

SKETCHY_METHODS = ("sketchy_svrg", "sketchy_saga", "sketchy_katyusha")
BASELINE_METHODS = ("svrg", "saga", "l_katyusha")


def solve_passes(suite: dict, loss: str) -> dict[str, dict[str, float | None]]:
    """method -> problem -> data passes to ``f - f* <= tol`` (None if unsolved); baselines are
    the best of their grid (oracle tuning, PROMISE Sec. 6.1)."""
    out: dict[str, dict[str, float | None]] = {m: {} for m in SKETCHY_METHODS + BASELINE_METHODS}
    for name, rec in suite["problems"].items():
        if rec["loss"] != loss:
            continue
        for m in SKETCHY_METHODS:
            out[m][name] = rec["sketchy"][m]["solved_at"]
        for m in BASELINE_METHODS:
            out[m][name] = rec["grid"][m]["solved_at"]
    return out


def share_solved(suite: dict, loss: str) -> dict:
    """Numbers and shares of problems solved within the budget, per method."""
    sp = solve_passes(suite, loss)
    n = len(next(iter(sp.values())))
    solved = {m: sum(v is not None for v in d.values()) for m, d in sp.items()}
    return {
        "n_problems": n,
        "solved": solved,
        "share": {m: s / n for m, s in solved.items()},
        "passes_to_tol": sp,
    }


def profile(suite: dict, loss: str, grid: np.ndarray) -> dict[str, np.ndarray]:
    """Share of problems solved within ``x`` data passes, for each ``x`` in ``grid``."""
    sp = solve_passes(suite, loss)
    out = {}
    for m, d in sp.items():
        vals = np.array([np.inf if v is None else v for v in d.values()])
        out[m] = (vals[None, :] <= grid[:, None]).mean(axis=1)
    return out


def phase_r2(
    passes: list | np.ndarray, subopt: list | np.ndarray, low: float, high: float
) -> float:
    """R^2 of a straight-line fit of log10(f - f*) vs passes over the records with
    ``low <= f - f* <= high``; 0.0 when fewer than 4 records fall in the window."""
    x, s = np.asarray(passes, dtype=float), np.asarray(subopt, dtype=float)
    mask = np.isfinite(s) & (s >= low) & (s <= high)
    if mask.sum() < 4:
        return 0.0
    xs, ys = x[mask], np.log10(s[mask])
    coef = np.polyfit(xs, ys, 1)
    resid = ys - np.polyval(coef, xs)
    ss_tot = float(((ys - ys.mean()) ** 2).sum())
    return 1.0 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else 1.0


def linear_phase_r2(suite: dict, low: float, high: float) -> dict[str, float]:
    """:func:`phase_r2` of SketchySVRG on every problem of the suite."""
    return {
        name: phase_r2(
            rec["sketchy"]["sketchy_svrg"]["passes"],
            rec["sketchy"]["sketchy_svrg"]["subopt"],
            low,
            high,
        )
        for name, rec in suite["problems"].items()
    }


def curve_r2(suite: dict, method: str, low: float, high: float) -> dict[str, float]:
    """:func:`phase_r2` of a recorded curve (``rec["curves"][method]``, curve problems only)."""
    return {
        name: phase_r2(rec["curves"][method]["passes"], rec["curves"][method]["subopt"], low, high)
        for name, rec in suite["problems"].items()
        if method in rec.get("curves", {})
    }


def tuning_cost(suite: dict) -> dict:
    """Data passes spent by the baselines' grids vs the default Sketchy runs (to tol / budget).

    ``best_only_ratio`` (the claim's control) counts only the run at each baseline's best grid
    step: the cost of the tuned baselines without the search.
    """
    out = {}
    budget = suite["max_passes"]
    for loss in ("ridge", "logistic"):
        grid = default = best_only = 0.0
        for rec in suite["problems"].values():
            if rec["loss"] != loss:
                continue
            for m in BASELINE_METHODS:
                grid += sum(r["passes_used"] for r in rec["grid"][m]["runs"])
                best = rec["grid"][m]["best_step"]
                best_only += next(
                    r["passes_used"] for r in rec["grid"][m]["runs"] if r["step"] == best
                )
            for m in SKETCHY_METHODS:
                s = rec["sketchy"][m]["solved_at"]
                default += budget if s is None else s
        out[loss] = {
            "grid_passes": grid,
            "default_passes": default,
            "ratio": grid / default if default > 0 else float("inf"),
            "best_only_passes": best_only,
            "best_only_ratio": best_only / default if default > 0 else float("inf"),
        }
    return out


def block_cost(ny: dict) -> int:
    """Block products of a fixed-sketch Nystrom PCG run (cost model P1-D16): its operator
    applications with the sketch's ``sketch_cost`` columns counted as one block product."""
    return int(ny["cost"] - ny["sketch_cost"] + 1)


def adaptive_block_cost(ad: dict, rank0: int, max_rank: int) -> int:
    """Block products of an adaptive-rank run: operator applications minus the sketch's columns
    (``rank``), plus one block for the first sketch and one per rank doubling (the doublings
    ``rank0 -> min(2 rank, max_rank)`` that reach ``rank``); power iterations count one each."""
    r, doublings = rank0, 0
    while r < ad["rank"]:
        r, doublings = min(2 * r, max_rank), doublings + 1
    return int(ad["cost"] - ad["rank"] + 1 + doublings)
