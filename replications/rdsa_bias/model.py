"""Test functions of the RDSA experiments, with exact derivatives and Gaussian smoothings.

The objectives are those of the official 2RDSA code ([P3], ``loss_myexample.m``, p = N = 10):

* type 1, quadratic: f(x) = x^T A x + b^T x, A = (1/N) upper-triangular ones, b = 1, Hessian
  A + A^T = (I + 1 1^T)/N, minimiser x* = -(A + A^T)^{-1} b = -N/(N+1) 1;
* type 2, Spall's (2000) fourth-order loss f(x) = x^T A^T A x + 0.1 sum (Ax)^3 + 0.01 sum (Ax)^4,
  minimiser x* = 0;
* type 5, Rastrigin f(x) = sum_i (x_i^2 - 10 cos 2 pi x_i) + 10 N + 1, minimiser x* = 0.

and the non-polynomial objective of the D12 Newton experiment (paper card section 6, optional
extension), f(x) = x^T A x + sum_i (exp(x_i) - 1 - x_i), whose central stencils are biased
for every m, with its polynomial control f_c(x) = x^T A x + |x|^2 / 2 (the same Hessian at
x* = 0, every central estimator unbiased).

All functions take points of shape (..., N). The Rastrigin helpers also give the increment
f(x + s) - f(x) in a cancellation-free form and the exact Gaussian-smoothing increments used by
:func:`shared.zeroth_order.gaussian_rdsa_bias`.

References
----------
.. [P3] Prashanth, Bhatnagar, Fu, Marcus, IEEE TAC 62(5), 2017; code prashla/RDSA.
.. [S00] Spall, IEEE TAC 45(10), 2000, Sec. V (fourth-order loss).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TWO_PI = 2.0 * np.pi


def upper_ones(n: int) -> np.ndarray:
    """A = (1/n) * upper-triangular matrix of ones ([P3] code: ``1/p*toeplitz(e1, ones)``)."""
    if n < 1:
        raise ValueError(f"n={n} is not allowed: need n >= 1")
    return np.triu(np.ones((n, n))) / n


# --- quadratic (type 1) --------------------------------------------------------------------


def quadratic(x: np.ndarray) -> np.ndarray:
    """f(x) = x^T A x + 1^T x with A = upper_ones(N)."""
    x = np.asarray(x, dtype=np.float64)
    A = upper_ones(x.shape[-1])
    return np.sum((x @ A.T) * x, -1) + x.sum(-1)


def quadratic_fast(x: np.ndarray) -> np.ndarray:
    """The same quadratic in O(N): x^T A x = ((sum x)^2 + sum x^2) / (2N) for A = upper_ones(N).

    (1/N) sum_{i <= j} x_i x_j = (1/N) [(sum x)^2 + sum x^2] / 2; equal to :func:`quadratic` up
    to round-off, for the N = 100 studies where the dense form costs N^2 per evaluation.
    """
    x = np.asarray(x, dtype=np.float64)
    s = x.sum(-1)
    return (s * s + np.sum(x * x, -1)) / (2.0 * x.shape[-1]) + s


def quadratic_hessian(n: int) -> np.ndarray:
    """A + A^T = (I + 1 1^T) / n (the Hessian of the non-symmetric form)."""
    A = upper_ones(n)
    return A + A.T


def quadratic_minimiser(n: int) -> np.ndarray:
    """x* = -n/(n+1) 1 (-0.9091 for n = 10, the code's ``getOptima``)."""
    return -np.full(n, n / (n + 1.0))


# --- Spall's quartic (type 2) ---------------------------------------------------------------


def quartic(x: np.ndarray) -> np.ndarray:
    """f(x) = x^T A^T A x + 0.1 sum (Ax)^3 + 0.01 sum (Ax)^4, A = upper_ones(N) ([S00])."""
    x = np.asarray(x, dtype=np.float64)
    A = upper_ones(x.shape[-1])
    ax = x @ A.T
    ax2 = ax * ax
    return np.sum(ax2 * (1.0 + 0.1 * ax + 0.01 * ax2), -1)


def quartic_minimiser(n: int) -> np.ndarray:
    return np.zeros(n)


# --- Rastrigin (type 5) ---------------------------------------------------------------------


def rastrigin(x: np.ndarray) -> np.ndarray:
    """f(x) = sum (x_i^2 - 10 cos 2 pi x_i) + 10 N + 1 ([P3] code, type 5)."""
    x = np.asarray(x, dtype=np.float64)
    return np.sum(x**2 - 10.0 * np.cos(TWO_PI * x), -1) + 10.0 * x.shape[-1] + 1.0


def rastrigin_increment(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """f(x + s) - f(x) without cancellation.

    (x+s)^2 - x^2 = s (2x + s) and cos(2 pi (x+s)) - cos(2 pi x) = -2 sin(2 pi x + pi s) sin(pi s),
    so the increment is sum_i [s_i (2 x_i + s_i) + 20 sin(2 pi x_i + pi s_i) sin(pi s_i)]:
    O(|s|) with relative round-off, where f(x + s) - f(x) in floating point loses ~|f|/|s| eps.
    """
    x = np.asarray(x, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    inc = s * (2.0 * x + s) + 20.0 * np.sin(TWO_PI * x + np.pi * s) * np.sin(np.pi * s)
    return inc.sum(-1)


def rastrigin_gradient(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return 2.0 * x + 20.0 * np.pi * np.sin(TWO_PI * x)


def rastrigin_hessian(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.diag(2.0 + 40.0 * np.pi**2 * np.cos(TWO_PI * x))


def rastrigin_smoothing_increments(
    x: np.ndarray,
) -> tuple[Callable[[float], np.ndarray], Callable[[float], np.ndarray]]:
    """Gaussian-smoothing increments of Rastrigin at x (exact, separable).

    f_s(x) = E f(x + s u), u ~ N(0, I): E cos(2 pi (x+su)) = cos(2 pi x) exp(-2 pi^2 s^2), so

    grad f_s - grad f = 20 pi sin(2 pi x) expm1(-2 pi^2 s^2),
    hess f_s - hess f = diag(40 pi^2 cos(2 pi x) expm1(-2 pi^2 s^2)).

    Returns
    -------
    (s -> gradient increment (N,), s -> Hessian increment (N, N))
    """
    x = np.asarray(x, dtype=np.float64)

    def grad_inc(s: float) -> np.ndarray:
        return 20.0 * np.pi * np.sin(TWO_PI * x) * np.expm1(-2.0 * np.pi**2 * s**2)

    def hess_inc(s: float) -> np.ndarray:
        return np.diag(40.0 * np.pi**2 * np.cos(TWO_PI * x) * np.expm1(-2.0 * np.pi**2 * s**2))

    return grad_inc, hess_inc


def rastrigin_miscentred_shift(
    x: np.ndarray, deltas: np.ndarray, law, m: int, n_nodes: int = 40
) -> np.ndarray:
    """Extra diagonal of E[H'_m] - E[H_m] for the mis-centred RDSA Hessian on Rastrigin at x.

    The mis-centred estimator (card pitfall 4) uses M'(d)_ii = d_i^2 / (m4 - m2^2) instead of
    (d_i^2 - m2) / (m4 - m2^2), so E[H'_m(delta)] = E[H_m(delta)] + s(delta) I with
    s(delta) = m2 / (m4 - m2^2) * E[D_m(delta)], D_m(delta) = sum_j b_j f(x + j delta d) /
    delta^2. Since E[D_m] -> m2 tr(H), its bias tends to m2^2 tr(H) / (m4 - m2^2) I: it is not
    asymptotically unbiased. Rastrigin is separable, so E[D_m] is a sum of 1-D expectations of
    the increments of :func:`rastrigin_increment`, computed with the law's quadrature (exact
    for the Bernoulli laws; ``n_nodes`` Gauss nodes otherwise, far beyond the smoothness
    needed at these delta).

    Returns
    -------
    ndarray (len(deltas),)
    """
    from shared.zeroth_order import make_stencil

    x = np.asarray(x, dtype=np.float64)
    deltas = np.asarray(deltas, dtype=np.float64)
    nodes, weights = law.quadrature(n_nodes)
    st = make_stencil(int(m))
    out = np.zeros(len(deltas))
    for b_j, j in zip(st.hess_weights, st.offsets, strict=True):
        if j == 0 or b_j == 0:
            continue
        t = j * deltas[:, None, None] * nodes[None, None, :]  # (delta, 1, node)
        xi = x[None, :, None]
        inc = t * (2.0 * xi + t) + 20.0 * np.sin(TWO_PI * xi + np.pi * t) * np.sin(np.pi * t)
        out += b_j * np.sum(inc * weights, axis=(-2, -1))
    return law.m2 / law.kappa * out / deltas**2


# --- non-polynomial objective of the D12 Newton experiment ------------------------------------


def expquad(x: np.ndarray) -> np.ndarray:
    """f(x) = x^T A x + sum_i (exp(x_i) - 1 - x_i), A = upper_ones(N); x* = 0, f(x*) = 0.

    Strictly convex with Hessian (I + 1 1^T)/N + diag(exp(x)); its directional derivatives of
    every order are nonzero, so the (2m+1)-point central stencils are biased for every m.
    """
    x = np.asarray(x, dtype=np.float64)
    A = upper_ones(x.shape[-1])
    return np.sum((x @ A.T) * x, -1) + np.sum(np.expm1(x) - x, -1)


def expquad_control(x: np.ndarray) -> np.ndarray:
    """f_c(x) = x^T A x + |x|^2 / 2: :func:`expquad`'s Hessian at x* = 0, but a quadratic."""
    x = np.asarray(x, dtype=np.float64)
    A = upper_ones(x.shape[-1])
    return np.sum((x @ A.T) * x, -1) + 0.5 * np.sum(x * x, -1)


def expquad_gradient(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    A = upper_ones(x.shape[-1])
    return x @ (A + A.T).T + np.expm1(x)


def expquad_hessian(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return quadratic_hessian(x.shape[-1]) + np.diag(np.exp(x))


def uniform_exp_gradient_bias(c: float, m: int) -> float:
    """Exact bias of one coordinate of E[g_m] for :func:`expquad` at x* = 0, U[-1, 1] directions.

    Only the separable part h(u) = exp(u) - 1 - u is biased (the quadratic part is not) and,
    by independence and E d = 0, E[d_l sum_i h(t d_i)] = E[d h(t d)] with
    E[d exp(t d)] = cosh(t)/t - sinh(t)/t^2 and E[d (1 + t d)] = t/3, so the bias is
    (1/(m2 c)) sum_j a_j E[d h(j c d)] with m2 = 1/3 and the central weights a_j. Used for the
    a priori design of D12 (the bias-only error of the linearised fixed point is
    -H^{-1} b 1 with H 1 = 2.1 * 1 for N = 10).
    """
    from shared.zeroth_order import make_stencil

    if not (np.isfinite(c) and c > 0):
        raise ValueError(f"c={c!r} is not allowed: need a finite number > 0")
    st = make_stencil(int(m))
    total = 0.0
    for a_j, j in zip(st.grad_weights, st.offsets, strict=True):
        if j == 0 or a_j == 0:
            continue
        t = j * c
        total += a_j * (np.cosh(t) / t - np.sinh(t) / t**2 - t / 3.0)
    return float(total / (c / 3.0))


FUNCTIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[int], np.ndarray]]] = {
    "quadratic": (quadratic, quadratic_minimiser),
    "quartic": (quartic, quartic_minimiser),
}


def relative_frobenius(err: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """||err||_F / ||ref||_F over the last two axes (or the 2-norm over the last axis)."""
    if err.ndim >= 2 and ref.ndim == 2:
        return np.linalg.norm(err, axis=(-2, -1)) / np.linalg.norm(ref)
    return np.linalg.norm(err, axis=-1) / np.linalg.norm(ref)


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])
