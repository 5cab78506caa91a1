"""Small statistics for the success-rate claims: Wilson intervals, P = 1/2 crossings, log-N fits."""

from __future__ import annotations

import numpy as np

__all__ = ["half_crossing", "logn_slope", "wilson_interval"]


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``k / n`` (Wilson 1927, JASA 22:209)."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"k={k}, n={n}: need n >= 1 and 0 <= k <= n")
    p = k / n
    den = 1.0 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return float(max(0.0, c - h)), float(min(1.0, c + h))


def half_crossing(alphas: np.ndarray, p: np.ndarray, level: float = 0.5) -> float:
    """First alpha (ascending grid) where ``p`` reaches ``level``, by linear interpolation.

    Returns ``alphas[0]`` if ``p[0] >= level`` already (a lower bound) and ``nan`` if never reached.
    """
    alphas, p = np.asarray(alphas, float), np.asarray(p, float)
    if alphas.shape != p.shape or alphas.ndim != 1:
        raise ValueError(f"alphas {alphas.shape} and p {p.shape} must be 1-D of equal length")
    if p[0] >= level:
        return float(alphas[0])
    for i in range(1, len(p)):
        if p[i] >= level:
            return float(
                alphas[i - 1] + (level - p[i - 1]) * (alphas[i] - alphas[i - 1]) / (p[i] - p[i - 1])
            )
    return float("nan")


def logn_slope(
    ns: list[int],
    alphas: np.ndarray,
    success: list[np.ndarray],
    *,
    n_boot: int = 400,
    seed: int = 0,
) -> dict:
    """Least-squares slope of ``alpha_1/2(N)`` against ``log N`` with a seed-bootstrap error.

    ``success[i]`` is an (n_alpha, n_seeds) 0/1 array for ``ns[i]``; the bootstrap resamples the
    seeds of every (N, alpha) point independently.
    """
    rng = np.random.default_rng(seed)
    x = np.log(np.asarray(ns, float))

    def fit(succ: list[np.ndarray]) -> tuple[float, np.ndarray]:
        a_half = np.array([half_crossing(alphas, s.mean(1)) for s in succ])
        ok = np.isfinite(a_half)
        if ok.sum() < 2:
            return float("nan"), a_half
        return float(np.polyfit(x[ok], a_half[ok], 1)[0]), a_half

    slope, a_half = fit(success)
    boots = []
    for _ in range(n_boot):
        res = [s[:, rng.integers(0, s.shape[1], s.shape[1])] for s in success]
        boots.append(fit(res)[0])
    boots = np.array(boots)
    boots = boots[np.isfinite(boots)]
    return {
        "slope": slope,
        "slope_stderr": float(boots.std(ddof=1)) if boots.size > 2 else float("nan"),
        "alpha_half": a_half.tolist(),
        "log_n": x.tolist(),
    }
