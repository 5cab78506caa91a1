"""PROMISE's linear rate against the condition number at a fixed effective dimension (card R6).

PROMISE (Frangella, Rathore, Zhao & Udell, JMLR 2024, Sec. 5, recalled: card tag [recall])
proves linear convergence of SketchySVRG / SketchySAGA / SketchyKatyusha at a rate set by the
preconditioned problem, with a sketch of size ~ d_eff; for ridge regression the rate does not
depend on the condition number. The talk's table lists the sketch size as O~(d_eff^nu(A)).

The check (deviation P1-D14) builds pairs of ridge problems whose Hessians have the same
effective dimension ``d_eff^mu`` but condition numbers 100x apart: 4 eigenvalues in a top
cluster, 4 in a bottom cluster at ``lambda_low`` and zeros, with ``mu = c lambda_low``. Then
``d_eff^mu`` does not depend on ``lambda_low`` (up to the top cluster's ``mu / lambda``) while
``kappa(H) = (lambda_1 + mu) / mu`` scales like ``1 / lambda_low``. Each direction carries the
same suboptimality mass, so a method whose rate follows kappa slows down visibly.

Pure functions of the ``rate`` parameter block; randomness only from its seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shared.sketch import effective_dimension
from shared.sketchy import GLM, glm_solution, sketchy_svrg, svrg

#: Minimum number of records with ``f - f* >= floor`` for a slope (ledger flag too_few_records).
MIN_RECORDS = 3


def cluster_spectrum(params: dict, lambda_low: float) -> np.ndarray:
    """Hessian eigenvalues (descending): the top cluster, the bottom cluster at ``lambda_low``,
    then zeros up to ``p``."""
    top, bot = params["top"], params["bottom"]
    hi = np.logspace(np.log10(top["high"]), np.log10(top["low"]), top["count"])
    lo = np.logspace(np.log10(bot["span"] * lambda_low), np.log10(lambda_low), bot["count"])
    zeros = np.zeros(params["p"] - top["count"] - bot["count"])
    return np.concatenate([hi, lo, zeros])


def cluster_ridge_pair(params: dict, seed: int) -> list[tuple[float, GLM, np.ndarray]]:
    """The ridge problems of one seed, one per ``lambda_low`` (paired: same ``U, V, g``, noise).

    ``A = U diag(sqrt(n lambda)) V^T`` with Haar ``U`` (n x p, orthonormal columns) and ``V``
    (p x p), so ``A^T A / n = V diag(lambda) V^T``; true coefficients ``V c`` with ``c_j =
    g_j / sqrt(lambda_j)`` (0 where ``lambda_j = 0``), so each eigendirection holds the same
    suboptimality ``g_j^2 / 2`` at ``w = 0``; targets ``A w_true + noise eps``;
    ``mu = mu_over_low lambda_low``.

    Returns
    -------
    list of (lambda_low, problem, eigenvalues)
    """
    rng = np.random.default_rng(seed)
    n, p = params["n"], params["p"]
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    g = rng.standard_normal(p)
    eps = rng.standard_normal(n)
    out = []
    for low in params["lambda_lows"]:
        lam = cluster_spectrum(params, float(low))
        A = (U * np.sqrt(n * lam)) @ V.T
        c = np.where(lam > 0, g / np.sqrt(np.where(lam > 0, lam, 1.0)), 0.0)
        y = A @ (V @ c) + params["noise"] * eps
        out.append((float(low), GLM(A, y, params["mu_over_low"] * float(low), "ridge"), lam))
    return out


def log_slope(passes: np.ndarray, subopt: np.ndarray, floor: float) -> tuple[float, int]:
    """Rate of a run: minus the least-squares slope of ``log10(f - f*)`` per data pass over all
    records with ``f - f* >= floor``; returns ``(rate, number of records used)`` (rate NaN with
    fewer than :data:`MIN_RECORDS` records)."""
    passes, subopt = np.asarray(passes, dtype=float), np.asarray(subopt, dtype=float)
    mask = np.isfinite(subopt) & (subopt >= floor)
    k = int(mask.sum())
    if k < MIN_RECORDS:
        return float("nan"), k
    slope = np.polyfit(passes[mask], np.log10(subopt[mask]), 1)[0]
    return float(-slope), k


def auto_svrg_step(problem: GLM) -> float:
    """The SketchySGD paper's "auto" SVRG step ``max{1/(2(n mu + L)), 1/(3 L)}`` with ridge
    ``L = ||A||_F^2 / n + mu`` (card Sec. 3.6)."""
    L = float(np.sum(problem.A**2)) / problem.n + problem.mu
    return max(1.0 / (2.0 * (problem.n * problem.mu + L)), 1.0 / (3.0 * L))


def _record(res, f_star: float, floor: float) -> dict:
    sub = res.values - f_star
    rate, k = log_slope(res.passes, sub, floor)
    return {
        "passes": res.passes.tolist(),
        "subopt": sub.tolist(),
        "rate": rate,
        "n_records": k,
        "diverged": bool(res.diverged),
        "step_sizes": res.step_sizes.tolist(),
    }


def rate_experiment(params: dict, progress: Callable[[str], None] | None = None) -> dict:
    """Per seed and ``lambda_low``: SketchySVRG with ``rho = mu`` and with the default ``rho``,
    and plain SVRG with the auto step; rates, d_eff and kappa of every problem."""
    sk = params["sketchy"]
    floor = params["floor"]
    out: dict = {"runs": []}
    for seed in params["seeds"]:
        for low, prob, lam in cluster_ridge_pair(params, seed):
            _, f_star, _ = glm_solution(prob)
            rec: dict = {
                "seed": seed,
                "lambda_low": low,
                "mu": prob.mu,
                "d_eff": effective_dimension(lam, prob.mu),
                "kappa": float((lam[0] + prob.mu) / (lam[-1] + prob.mu)),
                "f_star": f_star,
            }
            for key, rho in (("sketchy_rho_mu", prob.mu), ("sketchy_default", sk["default_rho"])):
                res = sketchy_svrg(
                    prob,
                    max_passes=params["max_passes"],
                    rank=sk["rank"],
                    rho=rho,
                    batch_size=sk["batch_size"],
                    f_star=f_star,
                    stop_tol=floor,
                    seed=seed,
                )
                rec[key] = _record(res, f_star, floor) | {"rho": rho}
            step = auto_svrg_step(prob)
            res = svrg(
                prob,
                step,
                max_passes=params["max_passes"],
                batch_size=sk["batch_size"],
                f_star=f_star,
                stop_tol=floor,
                seed=seed,
            )
            rec["svrg_auto"] = _record(res, f_star, floor) | {"step": step}
            out["runs"].append(rec)
            if progress:
                progress(f"seed {seed} lambda_low {low:g}")
    return out


def rate_pairs(result: dict, key: str) -> dict:
    """Per seed: rate(hard) / rate(easy) of run ``key`` (hard = smallest ``lambda_low``), and the
    flags of the ledger's inconclusive rules (either run of the pair)."""
    out: dict = {"ratio": [], "diverged": [], "too_few_records": [], "cases": []}
    for seed in dict.fromkeys(r["seed"] for r in result["runs"]):
        rows = sorted(
            (r for r in result["runs"] if r["seed"] == seed), key=lambda r: -r["lambda_low"]
        )
        easy, hard = rows[0][key], rows[-1][key]
        out["ratio"].append(hard["rate"] / easy["rate"])
        out["diverged"].append(bool(easy["diverged"] or hard["diverged"]))
        out["too_few_records"].append(bool(min(easy["n_records"], hard["n_records"]) < MIN_RECORDS))
        out["cases"].append(
            f"seed {seed}: rate {hard['rate']:.4g} (kappa {rows[-1]['kappa']:.3g}) / "
            f"{easy['rate']:.4g} (kappa {rows[0]['kappa']:.3g}) decades per pass"
        )
    return out
