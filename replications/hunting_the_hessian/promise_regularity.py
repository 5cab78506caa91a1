"""PROMISE's quadratic regularity along SketchySAGA's trajectory (Sec. 6.6; card R4).

For each preconditioner period (one epoch for logistic regression, the whole run for ridge,
PROMISE's defaults) ``gamma`` (:func:`shared.sketchy.quadratic_regularity`) is measured on
every pair of consecutive iterates of the period, relative to the Hessian at the point where
the period's preconditioner was built; the period's quadratic regularity ratio is
``gamma_u / gamma_l`` = max / min over its pairs (deviation P1-D15).

Pure functions of the ``regularity`` block and the suite's testbed; randomness only from the
block's seed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from replications.hunting_the_hessian.promise_problems import testbed
from shared.sketchy import GLM, glm_solution, quadratic_regularity, sketchy_saga


def trajectory_regularity(
    prob: GLM,
    *,
    epochs: int,
    rank: int,
    rho: float,
    batch_size: int,
    seed: int,
    nodes: int,
) -> dict:
    """Run SketchySAGA (defaults: refresh every epoch for logistic, once for ridge) and return
    ``gamma`` per pair, grouped by preconditioner period."""
    per_epoch = prob.loss != "ridge"  # PROMISE default update policy (shared.sketchy)
    state: dict = {"prev": np.zeros(prob.dim), "w0": np.zeros(prob.dim), "epoch": 0}
    periods: dict[int, list[float]] = {}

    def observe(epoch: int, w: np.ndarray) -> None:
        if per_epoch and epoch != state["epoch"]:
            state["w0"] = state["prev"]  # the refresh point: the iterate before this epoch
            state["epoch"] = epoch
        period = epoch if per_epoch else 0
        if np.any(w != state["prev"]):
            periods.setdefault(period, []).append(
                quadratic_regularity(prob, state["prev"], w, state["w0"], nodes=nodes)
            )
        state["prev"] = w.copy()

    res = sketchy_saga(
        prob,
        max_passes=float(epochs),
        rank=rank,
        rho=rho,
        batch_size=batch_size,
        seed=seed,
        iterate_callback=observe,
    )
    ratios = [max(g) / min(g) for g in periods.values() if g]
    gammas = [x for g in periods.values() for x in g]
    return {
        "period_ratios": ratios,
        "median_ratio": float(np.median(ratios)),
        "max_ratio": float(np.max(ratios)),
        "gamma_min": float(np.min(gammas)),
        "gamma_max": float(np.max(gammas)),
        "max_abs_gamma_minus_1": float(np.max(np.abs(np.asarray(gammas) - 1.0))),
        "n_pairs": len(gammas),
        "n_precond_updates": res.n_precond_updates,
        "values": res.values.tolist(),
    }


def regularity_experiment(
    params: dict, suite: dict, progress: Callable[[str], None] | None = None
) -> dict:
    """Quadratic regularity on every logistic testbed problem and on ``ridge_problems``
    (the check), with ``kappa(H(w*))`` of each problem (the logistic claim's control)."""
    problems = testbed(suite)
    names = [k for k, p in problems.items() if p.loss == "logistic"] + list(
        params["ridge_problems"]
    )
    sk = params["sketchy"]
    out: dict = {"problems": {}, "epochs": params["epochs"]}
    for name in names:
        prob = problems[name]
        w_star, _, _ = glm_solution(prob)
        ev = np.linalg.eigvalsh(prob.hessian(w_star))
        out["problems"][name] = {
            "loss": prob.loss,
            "kappa": float(ev[-1] / ev[0]),
        } | trajectory_regularity(
            prob,
            epochs=params["epochs"],
            rank=sk["rank"],
            rho=sk["rho"],
            batch_size=sk["batch_size"],
            seed=params["seed"],
            nodes=params["quadrature_nodes"],
        )
        if progress:
            progress(name)
    return out
