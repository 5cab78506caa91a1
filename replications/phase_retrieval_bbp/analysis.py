"""Small statistics of the claims: Wilson intervals, P = 1/2 crossings, log-N fits, and the rules of
the plateau and spectral-outlier claims (D9, D10): late-window overlaps, the 1/sqrt(N) floor, the
time of outlier loss and the alpha_TS bracket."""

from __future__ import annotations

import numpy as np

__all__ = [
    "FLOOR_FACTOR",
    "M_ESCAPE",
    "OUTLIER_GAP",
    "bracket",
    "half_crossing",
    "late_window",
    "log_log_slope",
    "logn_slope",
    "outlier_loss_time",
    "spectral_outlier",
    "stop_checkpoint",
    "wilson_interval",
]

#: The noise ceiling of an overlap |v.w*|/sqrt(N) is FLOOR_FACTOR / sqrt(N) (claims *-plateau).
FLOOR_FACTOR = 3.0
#: A spectral outlier is lambda_1 < 0 with lambda_2 - lambda_1 >= OUTLIER_GAP (D10, card C5).
OUTLIER_GAP = 1.0
#: |m| at which a random-start run counts as escaped (random-start-outlier-loss-time).
M_ESCAPE = 0.5


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


def spectral_outlier(lam1: float, lam2: float, gap: float = OUTLIER_GAP) -> bool:
    """Spectral outlier (D10): ``lam1 < 0`` and separated from the bulk, ``lam2 - lam1 >= gap``."""
    return bool(lam1 < 0.0 and lam2 - lam1 >= gap)


def stop_checkpoint(checkpoints: list[float], t_final: float, status: str) -> int:
    """Index of the plateau checkpoint at which a run stopped (D9).

    A run stopped by the plateau rule stopped on the first step reaching a checkpoint ``t_k``, so
    ``t_k <= t_final < t_k + eta``; a run that timed out stopped at the last checkpoint.
    """
    cps = sorted(float(c) for c in checkpoints)
    if status != "plateau":
        return len(cps) - 1
    ks = [i for i, c in enumerate(cps) if c <= t_final + 1e-9]
    if not ks or ks[-1] == 0:
        raise ValueError(f"t_final={t_final} is not after a second checkpoint of {cps}")
    return ks[-1]


def late_window(
    t_req: list[float], values: list[float], checkpoints: list[float], k_stop: int
) -> list[float]:
    """Values recorded at the last two checkpoints ``t_(k-1), t_k`` of a run (its late window).

    ``t_req`` are the requested record times (one record each, in this order).
    """
    cps = sorted(float(c) for c in checkpoints)
    if not 1 <= k_stop < len(cps):
        raise ValueError(f"k_stop={k_stop} is not allowed: need 1 <= k_stop < {len(cps)}")
    want = (cps[k_stop - 1], cps[k_stop])
    out = [v for t, v in zip(t_req, values, strict=True) if any(abs(t - c) < 1e-9 for c in want)]
    if len(out) != 2:
        raise ValueError(f"records at checkpoints {want} not found in {t_req}")
    return out


def log_log_slope(ns: list[int], q: list[float]) -> float:
    """Least-squares slope of ``log q`` against ``log N`` (``nan`` if fewer than two sizes)."""
    x, yv = np.log(np.asarray(ns, float)), np.log(np.asarray(q, float))
    if x.size < 2 or not np.all(np.isfinite(yv)):
        return float("nan")
    return float(np.polyfit(x, yv, 1)[0])


def outlier_loss_time(
    t_req: list[float],
    overlap: list[float],
    m: list[float],
    n: int,
    t_stop: float,
    *,
    floor_factor: float = FLOOR_FACTOR,
    m_escape: float = M_ESCAPE,
) -> dict:
    """Time at which a run loses the outlier towards the signal, and its escape time.

    ``overlap`` is ``|v1.w*_perp|/|w*_perp|`` per record. The records that count are those at
    requested times ``t <= t_stop`` (the plateau checkpoint) taken before the escape, the first
    record with ``|m| >= m_escape``. ``t_BBP`` is the first such record ``t > 0`` from which on
    every counted record has ``overlap < floor_factor / sqrt(N)`` (``None``: not lost).

    Returns
    -------
    dict
        ``t_bbp``, ``t_escape`` (``None`` if never), ``lost`` (``t_bbp`` is not ``None``),
        ``escaped_first`` (escaped and not lost before), ``ceiling``.
    """
    ceiling = floor_factor / np.sqrt(n)
    t_esc = next((t for t, mm in zip(t_req, m, strict=True) if mm >= m_escape), None)
    counted = [
        (t, o)
        for t, o in zip(t_req, overlap, strict=True)
        if t <= t_stop + 1e-9 and (t_esc is None or t < t_esc)
    ]
    t_bbp = None
    for j, (t, _) in enumerate(counted):
        if t > 0 and all(o < ceiling for _, o in counted[j:]):
            t_bbp = t
            break
    return {
        "t_bbp": t_bbp,
        "t_escape": t_esc,
        "lost": t_bbp is not None,
        "escaped_first": t_esc is not None and t_bbp is None,
        "ceiling": float(ceiling),
    }


def bracket(lost: dict[float, bool], fallback: float) -> tuple[float, float | None]:
    """``(lower, upper)`` bracket of a transition on an alpha grid.

    ``lower`` is the largest alpha where the outlier is lost (``fallback`` if none), ``upper``
    the smallest alpha above ``lower`` where it is kept (``None``: the bracket is open).
    """
    lost_alphas = [al for al, v in lost.items() if v]
    lower = max(lost_alphas) if lost_alphas else float(fallback)
    kept = [al for al, v in lost.items() if not v and al > lower]
    return float(lower), (float(min(kept)) if kept else None)
