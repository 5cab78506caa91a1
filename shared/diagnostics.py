"""Detectors of slow drift and unstable unrolling: step angles, step-window PCA, derivative norms.

Inputs are plain arrays of iterates or steps, one row per iteration (any trailing shape is
flattened). Everything is deterministic; no randomness is involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shared._validate import check_choice, check_int

__all__ = [
    "DerivativeNorms",
    "StepPCA",
    "WindowedStepPCA",
    "derivative_norms",
    "participation_ratio",
    "spike_mask",
    "step_angles",
    "step_cosines",
    "step_pca",
    "steps_from_iterates",
    "windowed_step_pca",
]


def _as_rows(x: Any, name: str, min_rows: int) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} has shape {arr.shape}: need one row per iteration, shape (T, ...) with T >= "
            f"{min_rows}"
        )
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} has dtype {arr.dtype}: need real numbers")
    arr = arr.reshape(arr.shape[0], -1).astype(np.float64)
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} has {arr.shape[0]} rows: need at least {min_rows}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf: need finite values")
    return arr


def steps_from_iterates(iterates: Any) -> np.ndarray:
    """Steps ``s_t = x_{t+1} - x_t`` from iterates of shape (T, ...); returns (T - 1, d)."""
    x = _as_rows(iterates, "iterates", 2)
    return np.diff(x, axis=0)


def step_cosines(steps: Any) -> np.ndarray:
    """Cosines of the angles between consecutive steps.

    ``c_t = <s_t, s_{t+1}> / (||s_t|| ||s_{t+1}||)``; ``c_t`` near -1 signals oscillation across a
    sharp valley (the edge of stability), near +1 a slow, consistent drift. A zero step gives NaN.

    Parameters
    ----------
    steps : array_like, shape (T, ...)
        One step per row (T >= 2).

    Returns
    -------
    ndarray, shape (T - 1,)
        The cosines, in [-1, 1] (NaN where a step is zero).

    References
    ----------
    J. Cohen, S. Kaur, Y. Li, J. Z. Kolter and A. Talwalkar, "Gradient descent on neural networks
    typically occurs at the edge of stability", ICLR 2021, Sec. 3 (oscillation along the top
    Hessian eigenvector).
    """
    s = _as_rows(steps, "steps", 2)
    norms = np.linalg.norm(s, axis=1)
    dots = np.einsum("ij,ij->i", s[:-1], s[1:])
    denom = norms[:-1] * norms[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(denom > 0, dots / np.where(denom > 0, denom, 1.0), np.nan)
    return np.clip(c, -1.0, 1.0)


def step_angles(steps: Any, *, degrees: bool = False) -> np.ndarray:
    """Angles between consecutive steps, ``arccos`` of :func:`step_cosines` (radians by default).

    Parameters
    ----------
    steps : array_like, shape (T, ...)
        One step per row (T >= 2).
    degrees : bool
        Return degrees instead of radians.

    Returns
    -------
    ndarray, shape (T - 1,)
        Angles in [0, pi] (or [0, 180]); NaN where a step is zero.

    References
    ----------
    See :func:`step_cosines`.
    """
    a = np.arccos(step_cosines(steps))
    return np.degrees(a) if degrees else a


def participation_ratio(variances: Any) -> float:
    """Participation ratio ``(sum_i v_i)^2 / sum_i v_i^2`` of nonnegative variances.

    It is 1 when one direction carries all the variance and ``k`` for ``k`` equal directions.

    Parameters
    ----------
    variances : array_like
        Nonnegative variances (eigenvalues of a covariance matrix), not all zero.

    Returns
    -------
    float
        The effective number of directions.

    References
    ----------
    P. Gao, E. Trautmann, B. Yu et al., "A theory of multineuronal dimensionality, dynamics and
    measurement", bioRxiv 214262, 2017, Sec. "Dimensionality" (participation ratio).
    """
    v = np.asarray(variances, dtype=np.float64).reshape(-1)
    if v.size == 0 or np.any(v < 0) or not np.all(np.isfinite(v)) or v.sum() == 0:
        raise ValueError("variances must be finite, nonnegative and not all zero")
    return float(v.sum() ** 2 / np.sum(v * v))


@dataclass(frozen=True, eq=False)
class StepPCA:
    """PCA of a window of steps.

    Attributes
    ----------
    explained_variance_ratio : ndarray, shape (min(T, d),)
        Fractions of the total (uncentred, unless ``center``) second moment, descending.
    components : ndarray, shape (min(T, d), d)
        Principal directions (rows, orthonormal).
    participation_ratio : float
        ``(sum v)^2 / sum v^2`` of the variances: the effective dimension of the window.
    n_components_90 : int
        Fewest components explaining at least 90% of the variance.
    """

    explained_variance_ratio: np.ndarray
    components: np.ndarray
    participation_ratio: float
    n_components_90: int


def step_pca(steps: Any, *, normalize: bool = True, center: bool = False) -> StepPCA:
    """Principal components of a window of steps (or step directions).

    With the rows ``u_t = s_t / ||s_t||`` (``normalize``) or ``u_t = s_t`` and the SVD
    ``[u_1 ... u_T]^T = W diag(sigma) V^T``, the explained-variance ratios are
    ``sigma_i^2 / sum_j sigma_j^2``. Without centring, a drift along one direction gives a ratio
    near 1 for the first component even though the steps are all alike.

    Parameters
    ----------
    steps : array_like, shape (T, ...)
        One step per row (T >= 1). Zero steps are dropped when ``normalize``.
    normalize : bool
        Use unit step directions (default), so that a few large steps do not dominate.
    center : bool
        Subtract the mean row first (classical PCA). Default False (second moment about zero,
        which detects a common drift direction).

    Returns
    -------
    StepPCA
        ``explained_variance_ratio``, ``components``, ``participation_ratio``,
        ``n_components_90``.

    References
    ----------
    G. Gur-Ari, D. A. Roberts and E. Dyer, "Gradient descent happens in a tiny subspace",
    arXiv:1812.04754, 2018, Sec. 2 (overlap of steps with a low-dimensional subspace).
    """
    s = _as_rows(steps, "steps", 1)
    if normalize:
        norms = np.linalg.norm(s, axis=1)
        s = s[norms > 0] / norms[norms > 0, None]
    if center:
        s = s - s.mean(axis=0)
    if s.shape[0] == 0 or not np.any(s):
        raise ValueError("steps has no nonzero variation: every step (after centring) is zero")
    _, sigma, Vt = np.linalg.svd(s, full_matrices=False)
    var = sigma**2
    ratio = var / var.sum()
    n90 = int(np.searchsorted(np.cumsum(ratio), 0.9 - 1e-12) + 1)
    return StepPCA(
        explained_variance_ratio=ratio,
        components=Vt,
        participation_ratio=participation_ratio(var),
        n_components_90=min(n90, ratio.size),
    )


@dataclass(frozen=True, eq=False)
class WindowedStepPCA:
    """:func:`step_pca` over sliding windows.

    Attributes
    ----------
    starts : ndarray, shape (w,)
        First step index of each window.
    top_ratio : ndarray, shape (w,)
        Explained-variance ratio of the first component in each window.
    participation_ratio : ndarray, shape (w,)
        Effective dimension of each window.
    explained_variance_ratio : ndarray, shape (w, k)
        All ratios, ``k = min(window, d)`` (zero-padded if a window lost zero steps).
    """

    starts: np.ndarray
    top_ratio: np.ndarray
    participation_ratio: np.ndarray
    explained_variance_ratio: np.ndarray


def windowed_step_pca(
    steps: Any,
    window: int,
    *,
    stride: int = 1,
    normalize: bool = True,
    center: bool = False,
) -> WindowedStepPCA:
    """PCA of sliding windows of ``window`` consecutive steps (see :func:`step_pca`).

    Parameters
    ----------
    steps : array_like, shape (T, ...)
        One step per row.
    window : int
        Steps per window, ``1 <= window <= T``.
    stride : int
        Offset between consecutive windows (>= 1).
    normalize, center : bool
        As in :func:`step_pca`.

    Returns
    -------
    WindowedStepPCA
        ``starts``, ``top_ratio``, ``participation_ratio``, ``explained_variance_ratio``.

    References
    ----------
    G. Gur-Ari, D. A. Roberts and E. Dyer, arXiv:1812.04754, 2018, Sec. 2.
    """
    s = _as_rows(steps, "steps", 1)
    T, d = s.shape
    window = check_int(window, "window", low=1, high=T)
    stride = check_int(stride, "stride", low=1)
    starts = np.arange(0, T - window + 1, stride)
    k = min(window, d)
    ratios = np.zeros((starts.size, k))
    prs = np.empty(starts.size)
    for i, t in enumerate(starts):
        res = step_pca(s[t : t + window], normalize=normalize, center=center)
        ratios[i, : res.explained_variance_ratio.size] = res.explained_variance_ratio[:k]
        prs[i] = res.participation_ratio
    return WindowedStepPCA(
        starts=starts,
        top_ratio=ratios[:, 0].copy(),
        participation_ratio=prs,
        explained_variance_ratio=ratios,
    )


@dataclass(frozen=True, eq=False)
class DerivativeNorms:
    """Norms of derivative iterates and their geometric growth rate.

    Attributes
    ----------
    norms : ndarray, shape (T,)
        ``||J_t||`` for each iterate.
    log_growth_rate : float
        Least-squares slope of ``log ||J_t||`` against ``t`` (over nonzero norms).
    growth_factor : float
        ``exp(log_growth_rate)``: > 1 means the unrolled derivative diverges geometrically.
    peak_index : int
        Index of the largest norm (the end of the "burn-in" phase of unrolling).
    """

    norms: np.ndarray
    log_growth_rate: float
    growth_factor: float
    peak_index: int


def derivative_norms(derivatives: Any, *, ord: str = "fro") -> DerivativeNorms:
    """Norms of derivative iterates ``J_t = d x_t / d theta`` of an unrolled iteration.

    For an iteration ``x_{t+1} = Phi(x_t, theta)``, forward-mode unrolling gives
    ``J_{t+1} = D_x Phi J_t + D_theta Phi``; near a fixed point it converges at the rate of
    ``||D_x Phi||`` but can first grow (the burn-in of unrolling). ``log ||J_t||`` is fitted by a
    line in ``t``; its slope is the empirical log growth rate.

    Parameters
    ----------
    derivatives : array_like, shape (T, ...)
        One derivative iterate per row: vectors (T, d) or matrices (T, d, p).
    ord : {"fro", "2"}
        Frobenius norm (default; Euclidean for vectors) or spectral norm (matrices only).

    Returns
    -------
    DerivativeNorms
        ``norms``, ``log_growth_rate``, ``growth_factor``, ``peak_index``.

    References
    ----------
    D. Scieur, G. Gidel, Q. Bertrand and F. Pedregosa, "The curse of unrolling: rate of
    differentiating through optimization", NeurIPS 2022, Sec. 3 (burn-in of the derivative
    iterates of gradient descent).
    """
    ord = check_choice(ord, "ord", ("fro", "2"))
    arr = np.asarray(derivatives)
    if arr.ndim < 2:
        raise ValueError(
            f"derivatives has shape {arr.shape}: need one derivative per row, shape (T, ...)"
        )
    if ord == "2":
        if arr.ndim != 3:
            raise ValueError(
                f"ord='2' needs matrices, shape (T, d, p); derivatives has shape {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError("derivatives contains NaN or inf: need finite values")
        norms = np.linalg.norm(arr.astype(np.float64), ord=2, axis=(1, 2))
    else:
        rows = _as_rows(arr, "derivatives", 1)
        norms = np.linalg.norm(rows, axis=1)
    t = np.arange(norms.size, dtype=np.float64)
    ok = norms > 0
    if ok.sum() >= 2:
        slope = float(np.polyfit(t[ok], np.log(norms[ok]), 1)[0])
    else:
        slope = float("nan")
    return DerivativeNorms(
        norms=norms,
        log_growth_rate=slope,
        growth_factor=float(np.exp(slope)),
        peak_index=int(np.argmax(norms)),
    )


def spike_mask(angles: np.ndarray, factor: float = 100.0, window: int = 101) -> np.ndarray:
    """Boolean mask of sparse spikes in a step-angle sequence: ``angle > factor * rolling median``.

    A slow drift shows nearly parallel consecutive steps (tiny angles) with occasional spikes;
    this flags the spikes relative to the local baseline over ``window`` entries.

    The rolling median is centred, edge-padded and ignores NaNs; NaN angles are never spikes.

    Parameters
    ----------
    angles : (k,) array of angles (radians).
    factor : float > 1, how many times the local median a spike must exceed (default 100, the
        "spikes to 1e-2..1 over a 1e-4 baseline" of the Mittelmann angle panels of Kang & Yang,
        arXiv:2602.20103, official code figures).
    window : odd int >= 3, length of the rolling window.

    Returns
    -------
    (k,) bool array.
    """
    a = np.asarray(angles, dtype=float).reshape(-1)
    if window < 3 or window % 2 == 0:
        raise ValueError(f"window={window} is not allowed: need an odd integer >= 3")
    if factor <= 1:
        raise ValueError(f"factor={factor} is not allowed: need factor > 1")
    if a.size == 0:
        return np.zeros(0, dtype=bool)
    half = window // 2
    padded = np.pad(a, half, mode="edge")
    views = np.lib.stride_tricks.sliding_window_view(padded, window)
    with np.errstate(invalid="ignore"):
        med = np.nanmedian(views, axis=1) if np.isnan(a).any() else np.median(views, axis=1)
        return np.isfinite(a) & (a > factor * med)
