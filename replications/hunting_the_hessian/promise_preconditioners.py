"""PROMISE preconditioners (Sec. 6.1) and sensitivity to rank / update frequency (Sec. 6.5).

Pure functions of the parameter blocks (``params_promise.yaml``: ``precond`` and the testbed of
``suite``); the compute script does the I/O. Every run is stopped at the suite's tolerance
(``f - f* <= 1e-4``) or its budget, and only the data passes to the tolerance are kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from replications.hunting_the_hessian.promise_problems import testbed
from shared.sketchy import glm_solution, sketchy_katyusha, sketchy_saga, sketchy_svrg, slbfgs

SOLVERS = {
    "sketchy_svrg": sketchy_svrg,
    "sketchy_saga": sketchy_saga,
    "sketchy_katyusha": sketchy_katyusha,
}


def _passes_to_tol(res, f_star: float, tol: float) -> float | None:
    hit = np.nonzero(res.values - f_star <= tol)[0]
    return float(res.passes[hit[0]]) if hit.size else None


def preconditioner_experiment(
    params: dict, suite: dict, progress: Callable[[str], None] | None = None
) -> dict:
    """Passes to ``tol`` of each Sketchy method with each preconditioner on every testbed
    problem (defaults otherwise), tuned SLBFGS (``slbfgs`` block, optional), and the rank x
    update-period grid of the sensitivity study."""
    problems = testbed(suite)
    sk = params["sketchy"]
    tol, budget = suite["tol"], suite["max_passes"]
    stars = {name: glm_solution(prob)[1] for name, prob in problems.items()}
    out: dict = {"tol": tol, "max_passes": budget, "profiles": {}, "sensitivity": []}
    for name, prob in problems.items():
        rec: dict = {"loss": prob.loss}
        for m in params["methods"]:
            rec[m] = {}
            for kind in params["preconditioners"]:
                res = SOLVERS[m](
                    prob,
                    max_passes=budget,
                    rank=sk["rank"],
                    rho=sk["rho"],
                    batch_size=sk["batch_size"],
                    f_star=stars[name],
                    stop_tol=tol,
                    seed=params["seed"],
                    preconditioner=kind,
                )
                rec[m][kind] = _passes_to_tol(res, stars[name], tol)
        out["profiles"][name] = rec
        sl = params.get("slbfgs")
        if sl is not None:
            # Tuned SLBFGS (PROMISE baseline): best of the grid = fewest passes to tol.
            lo, hi = sl["grids"][prob.loss]
            runs = []
            for step in np.logspace(np.log10(lo), np.log10(hi), sl["grid_points"]).tolist():
                res = slbfgs(
                    prob,
                    step,
                    max_passes=budget,
                    batch_size=sk["batch_size"],
                    memory=sl["memory"],
                    f_star=stars[name],
                    stop_tol=tol,
                    seed=params["seed"],
                )
                runs.append({"step": step, "passes": _passes_to_tol(res, stars[name], tol)})
            solved = [r for r in runs if r["passes"] is not None]
            best = min(solved, key=lambda r: r["passes"]) if solved else None
            out.setdefault("slbfgs", {})[name] = {
                "loss": prob.loss,
                "runs": runs,
                "solved_at": None if best is None else best["passes"],
                "best_step": None if best is None else best["step"],
            }
        if progress:
            progress(name)
    sens = params["sensitivity"]
    for name in sens["problems"]:
        prob = problems[name]
        for period in sens["update_epochs"]:
            for rank in sens["ranks"]:
                res = SOLVERS[sens["method"]](
                    prob,
                    max_passes=budget,
                    rank=min(rank, prob.dim),
                    rho=sk["rho"],
                    batch_size=sk["batch_size"],
                    update_epochs=period,
                    f_star=stars[name],
                    stop_tol=tol,
                    seed=params["seed"],
                )
                out["sensitivity"].append(
                    {
                        "problem": name,
                        "rank": rank,
                        "update_epochs": period,
                        "passes": _passes_to_tol(res, stars[name], tol),
                        "n_precond_updates": res.n_precond_updates,
                    }
                )
        if progress:
            progress(f"sensitivity {name}")
    return out


def solved_counts(result: dict) -> dict:
    """loss -> method -> preconditioner -> (#solved, #problems)."""
    out: dict = {}
    for rec in result["profiles"].values():
        loss = rec["loss"]
        for m, per in rec.items():
            if m == "loss":
                continue
            for kind, passes in per.items():
                cell = out.setdefault(loss, {}).setdefault(m, {}).setdefault(kind, [0, 0])
                cell[0] += passes is not None
                cell[1] += 1
    return out


def _ratio(a: float | None, b: float | None, budget: float | None = None) -> float:
    """``a / b`` for passes-to-tol with None = unsolved = +inf (both unsolved -> 1); with
    ``budget``, None counts as ``budget`` passes instead (a lower bound of its passes)."""
    if budget is not None:
        a, b = (budget if a is None else a), (budget if b is None else b)
    if a is None and b is None:
        return 1.0
    if a is None:
        return float("inf")
    if b is None:
        return 0.0
    return a / b


def frequency_spread(result: dict) -> dict[str, float]:
    """(problem, rank) -> max/min passes over the update periods (None = unsolved = +inf)."""
    out: dict[str, float] = {}
    rows = result["sensitivity"]
    for name in dict.fromkeys(r["problem"] for r in rows):
        for rank in dict.fromkeys(r["rank"] for r in rows):
            vals = [r["passes"] for r in rows if r["problem"] == name and r["rank"] == rank]
            solved = [v for v in vals if v is not None]
            if not solved:
                out[f"{name} r={rank}"] = 1.0
            elif len(solved) < len(vals):
                out[f"{name} r={rank}"] = float("inf")
            else:
                out[f"{name} r={rank}"] = max(solved) / min(solved)
    return out


def rank_spread(result: dict, *, budget: float | None = None) -> dict[str, float]:
    """(problem, period) -> max/min passes over the ranks (None = unsolved = +inf; all unsolved
    -> 1): :func:`frequency_spread` with the two factors swapped (its claim's control). With
    ``budget``, an unsolved run counts as ``budget`` passes (a lower bound of the spread)."""
    out: dict[str, float] = {}
    rows = result["sensitivity"]
    for name in dict.fromkeys(r["problem"] for r in rows):
        for period in dict.fromkeys(r["update_epochs"] for r in rows):
            vals = [
                r["passes"] for r in rows if r["problem"] == name and r["update_epochs"] == period
            ]
            if budget is not None:
                vals = [budget if v is None else v for v in vals]
            solved = [v for v in vals if v is not None]
            label = "never" if period is None else f"{period} ep"
            if not solved:
                out[f"{name} update {label}"] = 1.0
            elif len(solved) < len(vals):
                out[f"{name} update {label}"] = float("inf")
            else:
                out[f"{name} update {label}"] = max(solved) / min(solved)
    return out


def rank_growth(
    result: dict, *, reverse: bool = False, budget: float | None = None
) -> dict[str, float]:
    """(problem, period) -> largest passes(r_next)/passes(r) over consecutive ranks; with
    ``reverse`` the ranks are read from the largest down (the rank claim's control); with
    ``budget`` an unsolved run counts as ``budget`` passes (a lower bound)."""
    out: dict[str, float] = {}
    rows = result["sensitivity"]
    for name in dict.fromkeys(r["problem"] for r in rows):
        for period in dict.fromkeys(r["update_epochs"] for r in rows):
            sel = sorted(
                (r for r in rows if r["problem"] == name and r["update_epochs"] == period),
                key=lambda r: r["rank"],
                reverse=reverse,
            )
            ratios = [_ratio(b["passes"], a["passes"], budget) for a, b in itertools.pairwise(sel)]
            label = "never" if period is None else f"{period} ep"
            out[f"{name} update {label}"] = max(ratios) if ratios else 1.0
    return out


def slbfgs_comparison(result: dict) -> dict[str, dict]:
    """loss -> {"slbfgs": #solved by tuned SLBFGS, method: #solved with NySSN, "n": #problems}."""
    out: dict[str, dict] = {}
    for name, rec in result["slbfgs"].items():
        cell = out.setdefault(rec["loss"], {"slbfgs": 0, "n": 0})
        cell["slbfgs"] += rec["solved_at"] is not None
        cell["n"] += 1
        for m, per in result["profiles"][name].items():
            if m != "loss":
                cell[m] = cell.get(m, 0) + (per["nyssn"] is not None)
    return out
