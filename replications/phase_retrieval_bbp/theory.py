"""Random-matrix prediction of the BBP transition of the Hessian at a random initial condition.

At a random point ``w`` (independent of ``w*``), restricted to ``w^perp`` the Riemannian Hessian is
(paper card ``phase_retrieval.md`` Sec. 3.6 (a), [derived])::

    H(0) = -4 alpha D - mu_0 I,    D = (1/M) sum_mu T_mu z_mu z_mu^T,
    T = (G^2 - 3 G'^2) / (a + G^2) <= 1,

with ``G = x.w*/sqrt(N)`` and ``G' = x.w/sqrt(N)`` independent standard normals. ``D`` is a spiked
weighted Wishart matrix (Lu & Li 2017; Mondelli & Montanari 2018, Lemma 2). For ``lambda > 1``::

    F1(l) = E[T (G^2 - 1) / (l - T)],   F2(l) = E[T^2 / (l - T)^2],
    psi(l) = l (1/alpha + E[T / (l - T)]),   phi(l) = l E[T G^2 / (l - T)].

The bulk edge of ``D`` is ``psi(lbar)`` with ``F2(lbar) = 1/alpha``; an outlier ``psi(l*)`` with
``F1(l*) = 1/alpha`` exists iff ``l* > lbar``. The threshold solves ``F1(l_c) = F2(l_c)``,
``alpha_BBP^init = 1 / F2(l_c)`` (edge regime otherwise: ``1/F1(1+)``). The squared overlap of the
bottom eigenvector of ``H`` with ``w*/|w*|`` is ``psi'(l*) / (psi'(l*) - phi'(l*))`` with
``psi' = 1/alpha - F2`` and ``phi'(l) = -E[T^2 G^2/(l - T)^2]``.

Inner expectations over ``G'`` are closed-form: with ``y = G^2`` and ``c = l (a + y) - y > 0``,
``T/(l - T) = (y + c)/(c + 3 G'^2) - 1`` and
``J0(c) = E[1/(c + 3G'^2)] = sqrt(pi/(6c)) erfcx(sqrt(c/6))``, ``J1 = E[1/(c+3G'^2)^2] = -J0'(c)``.
The outer expectation over ``G`` is adaptive 1-D quadrature.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special

__all__ = ["BBPPrediction", "alpha_bbp_init", "expectations", "mu0", "predict"]


def _check_a(a: float) -> float:
    if not np.isfinite(a) or a <= 0:
        raise ValueError(f"a={a!r} is not allowed: need a finite a > 0")
    return float(a)


def _j0(c: np.ndarray) -> np.ndarray:
    return np.sqrt(np.pi / (6.0 * c)) * special.erfcx(np.sqrt(c / 6.0))


def _j1(c: np.ndarray) -> np.ndarray:
    # -d/dc of sqrt(pi/6) c^(-1/2) erfcx(s), s = sqrt(c/6); erfcx'(s) = 2 s erfcx(s) - 2/sqrt(pi).
    s = np.sqrt(c / 6.0)
    e = special.erfcx(s)
    de = 2.0 * s * e - 2.0 / np.sqrt(np.pi)
    k = np.sqrt(np.pi / 6.0)
    return -k * (-0.5 * c**-1.5 * e + c**-0.5 * de / (2.0 * np.sqrt(6.0 * c)))


def mu0(alpha: float, a: float) -> float:
    """Lagrange multiplier at a random point: ``4 alpha [(3 + a) E[1/(a + G^2)] - 1]``."""
    a = _check_a(a)
    e = np.sqrt(np.pi / (2.0 * a)) * special.erfcx(np.sqrt(a / 2.0))
    return 4.0 * alpha * ((3.0 + a) * e - 1.0)


def _gauss_expect(fun, a: float) -> float:
    """``E[fun(G^2)]`` for ``G ~ N(0,1)`` by adaptive quadrature (break points near sqrt a)."""
    dens = lambda g: fun(g * g) * np.sqrt(2.0 / np.pi) * np.exp(-0.5 * g * g)  # noqa: E731
    ra = np.sqrt(a)
    pts = [0.0, ra, 10 * ra, 1.0, 3.0, 40.0]
    pts = sorted(set(min(p, 40.0) for p in pts))
    total = 0.0
    for lo, hi in itertools.pairwise(pts):
        if hi > lo:
            total += integrate.quad(dens, lo, hi, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
    return total


def expectations(lam: float, a: float) -> dict[str, float]:
    """``F1, F2, E[T/(l-T)], E[T G^2/(l-T)], E[T^2 G^2/(l-T)^2]`` at ``lambda = lam > 1``."""
    a = _check_a(a)
    if not lam > 1.0:
        raise ValueError(f"lam={lam!r} is not allowed: the resolvent needs lambda > sup T = 1")

    def c_of(y):
        return lam * (a + y) - y

    def inner1(y):  # E_G'[T/(l-T)]
        c = c_of(y)
        return (y + c) * _j0(c) - 1.0

    def inner2(y):  # E_G'[T^2/(l-T)^2]
        c = c_of(y)
        return (y + c) ** 2 * _j1(c) - 2.0 * (y + c) * _j0(c) + 1.0

    return {
        "F1": _gauss_expect(lambda y: (y - 1.0) * inner1(y), a),
        "F2": _gauss_expect(inner2, a),
        "ET": _gauss_expect(inner1, a),
        "ETG": _gauss_expect(lambda y: y * inner1(y), a),
        "ET2G": _gauss_expect(lambda y: y * inner2(y), a),
    }


def _solve_log(fun, lo: float = -12.0, hi: float = 8.0) -> float | None:
    """Root of ``fun(lambda)`` for lambda = 1 + exp(s), s in [lo, hi] (grid bracket + brentq)."""
    grid = np.linspace(lo, hi, 81)
    vals = np.array([fun(1.0 + np.exp(s)) for s in grid])
    idx = np.where(np.sign(vals[:-1]) != np.sign(vals[1:]))[0]
    if idx.size == 0:
        return None
    i = int(idx[-1])  # the largest root: the relevant branch for lambda > lbar
    s = optimize.brentq(lambda s: fun(1.0 + np.exp(s)), grid[i], grid[i + 1], xtol=1e-13)
    return 1.0 + float(np.exp(s))


def alpha_bbp_init(a: float) -> tuple[float, float, str]:
    """``(alpha_BBP^init, lambda_c, regime)`` for the loss parameter ``a`` (card Sec. 3.6 (a)).

    ``regime`` is ``"root"`` (``F1 = F2`` at some ``lambda_c > 1``) or ``"edge"``
    (``alpha = 1/F1(1+)``, ``lambda_c = 1+``).
    """
    a = _check_a(a)
    lc = _solve_log(lambda lam: (lambda e: e["F1"] - e["F2"])(expectations(lam, a)))
    if lc is not None:
        return 1.0 / expectations(lc, a)["F2"], lc, "root"
    f1 = expectations(1.0 + 1e-9, a)["F1"]
    return 1.0 / f1, 1.0, "edge"


@dataclass(frozen=True)
class BBPPrediction:
    """Random-matrix prediction at ``(alpha, a)`` (eigenvalues of H(0) on ``w^perp``).

    Attributes
    ----------
    alpha, a : float
    mu0 : float
        Lagrange multiplier at a random point.
    edge : float
        Bottom edge of the bulk of ``H(0)``.
    outlier : float
        Outlier eigenvalue (``nan`` if none).
    overlap2 : float
        Squared overlap of the bottom eigenvector with ``w*/|w*|`` (0 if no outlier).
    has_outlier : bool
    """

    alpha: float
    a: float
    mu0: float
    edge: float
    outlier: float
    overlap2: float
    has_outlier: bool


def predict(alpha: float, a: float) -> BBPPrediction:
    """Bulk edge, outlier and squared overlap of ``H(0)`` at ``(alpha, a)`` (card Sec. 3.6 (a))."""
    a = _check_a(a)
    if not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha={alpha!r} is not allowed: need alpha > 0")
    m0 = mu0(alpha, a)

    def psi(lam, e):
        return lam * (1.0 / alpha + e["ET"])

    lbar = _solve_log(lambda lam: expectations(lam, a)["F2"] - 1.0 / alpha)
    lbar = 1.0 + 1e-9 if lbar is None else lbar
    ebar = expectations(lbar, a)
    edge = -4.0 * alpha * psi(lbar, ebar) - m0
    lstar = _solve_log(lambda lam: expectations(lam, a)["F1"] - 1.0 / alpha)
    if lstar is None or lstar <= lbar:
        return BBPPrediction(alpha, a, m0, edge, float("nan"), 0.0, False)
    es = expectations(lstar, a)
    dpsi = 1.0 / alpha - es["F2"]
    dphi = -es["ET2G"]
    ov2 = dpsi / (dpsi - dphi)
    out = -4.0 * alpha * psi(lstar, es) - m0
    return BBPPrediction(alpha, a, m0, edge, out, float(ov2), True)
