"""Exchangeable trace and diagonal estimators: XTrace, XNysTrace, XDiag and Hutchinson's diagonal.

Every estimator takes an *operator* (anything ``scipy.sparse.linalg.aslinearoperator`` accepts,
assumed real symmetric; positive semidefinite for XNysTrace), a budget ``num_matvecs`` of
products with it, and an explicit ``seed``. Each returns its estimate with a standard error.

The leave-one-out ("exchangeable") estimators use every test vector twice: once to build a
low-rank approximation and once, left out of it, as a Hutchinson probe of the remainder. Their
per-vector estimates ``t_i`` are each unbiased; the estimate is their mean and the standard error
``std(t_i) / sqrt(s)`` (Epperly, Tropp & Webber 2024, Sec. 2.2 and 4.4).

The n x s work (products, QR) goes through a small backend so that the same code runs on torch
tensors (:mod:`shared.torch_linalg`); the s x s algebra is done in float64 numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from shared._validate import as_square_operator, check_choice, check_int, matmat, rng_from
from shared.linalg import TraceResult

__all__ = [
    "DiagonalResult",
    "diagonal_estimate",
    "xnystrace",
    "xtrace",
]

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class DiagonalResult:
    """A randomized estimate of ``diag(A)``.

    Attributes
    ----------
    values : ndarray, shape (n,)
        The estimate of the diagonal.
    stderr : ndarray, shape (n,)
        Entrywise standard errors (sample standard deviation of the per-probe estimates over the
        square root of their number).
    n_matvec : int
        Number of operator applications to single vectors.
    method : str
        ``"hutchinson"`` or ``"xdiag"``.
    """

    values: np.ndarray
    stderr: np.ndarray
    n_matvec: int
    method: str


class _NumpyBlock:
    """n x s block operations on float64 numpy arrays."""

    def __init__(self, op: Any, rng: np.random.Generator, n: int) -> None:
        self.op = op
        self.rng = rng
        self.n = n

    def apply(self, X: np.ndarray) -> np.ndarray:
        return matmat(self.op, X)

    def signs(self, s: int) -> np.ndarray:
        return self.rng.choice(np.array([-1.0, 1.0]), size=(self.n, s))

    @staticmethod
    def qr(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.linalg.qr(X)

    @staticmethod
    def gram(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """``X^T Y`` as a float64 numpy array."""
        return np.asarray(X.T @ Y, dtype=np.float64)

    @staticmethod
    def colsum_prod(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """``diag(X^T Y)``."""
        return np.einsum("ij,ij->j", X, Y)

    @staticmethod
    def host(X: Any) -> np.ndarray:
        return np.asarray(X, dtype=np.float64)

    @staticmethod
    def from_host(X: np.ndarray, like: Any) -> Any:
        return X


def _stderr(values: np.ndarray, axis: int = 0) -> Any:
    s = values.shape[axis]
    if s < 2:
        return np.full(np.delete(values.shape, axis), np.nan) if values.ndim > 1 else np.nan
    return values.std(axis=axis, ddof=1) / np.sqrt(s)


def _loo_vectors(R: np.ndarray) -> np.ndarray:
    """Columns ``s_i`` of ``R^{-T}`` normalised to unit length.

    ``Q (I - s_i s_i^T)`` is an orthonormal basis of the range of ``Y`` without its column ``i``
    (``Y = Q R``), Epperly, Tropp & Webber 2024, Sec. 2.1.
    """
    S = scipy.linalg.solve_triangular(R, np.eye(R.shape[0]), lower=False).T  # R^{-T}
    return S / np.linalg.norm(S, axis=0)


def xtrace_core(be: Any, s: int) -> tuple[np.ndarray, int]:
    """Per-vector XTrace estimates ``t_i`` from ``s`` test vectors (``2 s`` products)."""
    Omega = be.signs(s)
    Y = be.apply(Omega)
    Q, R_t = be.qr(Y)
    Z = be.apply(Q)
    R = be.host(R_t)
    H = be.gram(Q, Z)
    H = (H + H.T) / 2
    W = be.gram(Q, Omega)
    oy = be.host(be.colsum_prod(Omega, Y))  # omega_i^T A omega_i
    if np.any(np.abs(np.diag(R)) <= 1e3 * _EPS * max(np.abs(R).max(), 1e-300)):
        # A Omega is rank deficient: A has rank < s and Q already spans its range; every
        # leave-one-out basis still does, so the estimate is tr(Q^T A Q) with zero spread.
        t = np.full(s, float(np.trace(H)))
        return t, 2 * s
    S = _loo_vectors(R)
    # Leave-one-out basis Q_(i) = Q (I - s_i s_i^T):
    #   tr(Q_(i)^T A Q_(i)) = tr(H) - s_i^T H s_i,
    #   x_i = (I - Q_(i) Q_(i)^T) omega_i = omega_i - Q u_i,  u_i = w_i - s_i (s_i^T w_i),
    #   x_i^T A x_i = omega_i^T y_i - 2 u_i^T r_i + u_i^T H u_i  (Q^T y_i = r_i, A symmetric).
    U = W - S * np.einsum("ij,ij->j", S, W)
    t = (
        np.trace(H)
        - np.einsum("ij,ij->j", S, H @ S)
        + oy
        - 2.0 * np.einsum("ij,ij->j", U, R)
        + np.einsum("ij,ij->j", U, H @ U)
    )
    return t, 2 * s


def xnystrace_core(be: Any, s: int) -> tuple[np.ndarray, int]:
    """Per-vector XNysTrace estimates ``t_i`` from ``s`` test vectors (``s`` products)."""
    Omega = be.signs(s)
    Y = be.apply(Omega)
    y_fro = float(np.sqrt(np.sum(be.host(be.colsum_prod(Y, Y)))))
    n = be.n
    # Shift nu = sqrt(n) eps ||Y||_F: a sketch of A + nu I, the shift removed at the end.
    nu = max(np.sqrt(n) * _EPS * y_fro, 1e-300)
    Y = Y + nu * Omega
    H = be.gram(Omega, Y)
    H = (H + H.T) / 2
    _, R_t = be.qr(Y)
    R = be.host(R_t)
    try:
        C = scipy.linalg.cholesky(H, lower=False)
    except np.linalg.LinAlgError:
        lam_min = float(np.linalg.eigvalsh(H)[0])
        if lam_min < -1e-8 * max(np.abs(H).max(), _EPS):
            raise ValueError(
                f"Omega^T A Omega has eigenvalue {lam_min:.3e} < 0: XNysTrace needs a positive "
                "semidefinite operator (use xtrace for indefinite ones)"
            ) from None
        extra = abs(lam_min) + nu
        nu += extra
        Y = Y + extra * Omega
        H = be.gram(Omega, Y)
        H = (H + H.T) / 2
        _, R_t = be.qr(Y)
        R = be.host(R_t)
        C = scipy.linalg.cholesky(H, lower=False)
    # Nystrom A_nys = Y H^{-1} Y^T = B B^T with B = Y C^{-1}, ||B v|| = ||R C^{-1} v||.
    # Leaving omega_i out removes g_i g_i^T / d_i (g_i = Y H^{-1} e_i, d_i = (H^{-1})_ii), and
    # omega_i^T (A - A_nys,(i)) omega_i = (omega_i^T g_i)^2 / d_i = 1 / d_i. So
    #   t_i = ||B||_F^2 - ||g_i||^2 / d_i + 1 / d_i - nu n.
    F = scipy.linalg.solve_triangular(C, R.T, trans="T", lower=False).T  # R C^{-1}
    K = scipy.linalg.solve_triangular(C, np.eye(s), trans="T", lower=False)  # C^{-T}
    d = np.sum(K * K, axis=0)
    g2 = np.sum((F @ K) ** 2, axis=0)
    t = np.sum(F * F) - g2 / d + 1.0 / d - nu * n
    return t, s


def xtrace(
    A: Any,
    num_matvecs: int,
    *,
    seed: int | np.random.Generator = 0,
) -> TraceResult:
    """XTrace: exchangeable Hutch++ estimate of ``tr(A)`` for a symmetric operator.

    With ``s = num_matvecs // 2`` Rademacher test vectors ``Omega``, ``Y = A Omega = Q R`` and
    ``Q_(i) = Q (I - s_i s_i^T)`` the basis of ``Y`` without column ``i`` (``s_i`` the normalised
    ``i``-th column of ``R^{-T}``), each vector gives the unbiased estimate

        t_i = tr(Q_(i)^T A Q_(i)) + omega_i^T (I - Q_(i) Q_(i)^T) A (I - Q_(i) Q_(i)^T) omega_i,

    and XTrace returns their mean. All ``t_i`` follow from ``Y``, ``A Q`` and s x s algebra, so
    the cost is ``2 s`` products (the same as Hutch++ with ``s`` sketch vectors), while every
    vector serves both the low-rank part and the residual probe.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Real symmetric operator.
    num_matvecs : int
        Budget of products, ``2 <= num_matvecs <= 2 n``; an odd budget uses ``num_matvecs - 1``.
    seed : int or numpy.random.Generator
        Randomness of the Rademacher test vectors.

    Returns
    -------
    TraceResult
        ``value``, ``stderr`` (``std(t_i) / sqrt(s)``), ``n_matvec`` (``2 s``), ``method="xtrace"``.

    References
    ----------
    E. N. Epperly, J. A. Tropp and R. J. Webber, "XTrace: making the most of every sample in
    stochastic trace estimation", SIAM J. Matrix Anal. Appl. 45(1):1-23, 2024, Sec. 2 (the
    estimator, eq. (2.3)) and Sec. 2.1 (the leave-one-out bases from one QR).
    """
    op = as_square_operator(A)
    n = op.shape[0]
    m = check_int(num_matvecs, "num_matvecs", low=2, high=2 * n)
    be = _NumpyBlock(op, rng_from(seed), n)
    t, used = xtrace_core(be, m // 2)
    return TraceResult(value=float(t.mean()), stderr=_stderr(t), n_matvec=used, method="xtrace")


def xnystrace(
    A: Any,
    num_matvecs: int,
    *,
    seed: int | np.random.Generator = 0,
) -> TraceResult:
    """XNysTrace: exchangeable Nystrom estimate of ``tr(A)`` for a positive semidefinite operator.

    With ``s = num_matvecs`` Rademacher test vectors, ``Y = A Omega``, ``H = Omega^T Y`` and the
    Nystrom approximation ``A_nys = Y H^{-1} Y^T``, leaving ``omega_i`` out of it removes the rank
    one term ``g_i g_i^T / d_i`` (``g_i = Y H^{-1} e_i``, ``d_i = (H^{-1})_ii``), and

        t_i = tr(A_nys,(i)) + omega_i^T (A - A_nys,(i)) omega_i = ||B||_F^2 - ||g_i||^2/d_i + 1/d_i,

    with ``A_nys = B B^T``. Each ``t_i`` is unbiased; XNysTrace returns their mean. Every product
    is used once (no second pass as in XTrace). A shift ``nu = sqrt(n) eps ||Y||_F`` stabilises
    the Cholesky factorisation of ``H`` (the estimate of ``tr(A + nu I)`` minus ``nu n``).

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Symmetric positive semidefinite operator.
    num_matvecs : int
        Number of test vectors and products, ``2 <= num_matvecs <= n``.
    seed : int or numpy.random.Generator
        Randomness of the Rademacher test vectors.

    Returns
    -------
    TraceResult
        ``value``, ``stderr``, ``n_matvec`` and ``method="xnystrace"``.

    References
    ----------
    E. N. Epperly, J. A. Tropp and R. J. Webber, SIAM J. Matrix Anal. Appl. 45(1):1-23, 2024,
    Sec. 3 (XNysTrace and its leave-one-out Nystrom formula) and Sec. 4.4 (error estimate).
    Z. Frangella, J. A. Tropp and M. Udell, SIAM J. Matrix Anal. Appl. 44(2), 2023, Alg. 2.1
    (the shifted Nystrom approximation).
    """
    op = as_square_operator(A)
    n = op.shape[0]
    m = check_int(num_matvecs, "num_matvecs", low=2, high=n)
    be = _NumpyBlock(op, rng_from(seed), n)
    t, used = xnystrace_core(be, m)
    return TraceResult(value=float(t.mean()), stderr=_stderr(t), n_matvec=used, method="xnystrace")


def diagonal_core(be: Any, m: int, method: str) -> tuple[Any, Any, int]:
    """Per-probe diagonal estimates (rows of an s x n host array) and the products used."""
    if method == "hutchinson":
        Omega = be.signs(m)
        est = Omega * be.apply(Omega)  # column i: omega_i * (A omega_i)
        return be.host(est).T, m
    s = m // 2
    Omega = be.signs(s)
    Y = be.apply(Omega)
    Q, R_t = be.qr(Y)
    Z = be.apply(Q)
    R = be.host(R_t)
    if np.any(np.abs(np.diag(R)) <= 1e3 * _EPS * max(np.abs(R).max(), 1e-300)):
        # Rank deficient: Q spans range(A) for every left-out vector, diag(Q Q^T A) is exact.
        return np.tile(be.host((Q * Z).sum(1)), (s, 1)), 2 * s
    S = _loo_vectors(R)
    # diag(Q_(i) Q_(i)^T A) = diag(Q Z^T) - (Q s_i) * (Z s_i);
    # (I - Q_(i) Q_(i)^T) A omega_i = y_i - Q u_i,  u_i = r_i - s_i (s_i^T r_i).
    U = R - S * np.einsum("ij,ij->j", S, R)
    S_b = be.from_host(S, Q)
    U_b = be.from_host(U, Q)
    base = (Q * Z).sum(1)
    est = base[:, None] - (Q @ S_b) * (Z @ S_b) + Omega * (Y - Q @ U_b)
    return be.host(est).T, 2 * s


def diagonal_estimate(
    A: Any,
    num_matvecs: int,
    *,
    method: str = "xdiag",
    seed: int | np.random.Generator = 0,
) -> DiagonalResult:
    """Randomized estimate of ``diag(A)`` with entrywise standard errors.

    * ``"hutchinson"``: ``diag(A) ~ (1/m) sum_i omega_i * (A omega_i)`` with Rademacher
      ``omega_i`` (``*`` entrywise), unbiased with variance ``sum_{j != k} A_jk^2 / m`` per entry.
    * ``"xdiag"``: the exchangeable estimator. With ``s = m // 2`` test vectors, ``Y = A Omega =
      Q R``, ``Z = A Q`` and the leave-one-out bases ``Q_(i)`` of :func:`xtrace`,

          d_i = diag(Q_(i) Q_(i)^T A) + omega_i * ((I - Q_(i) Q_(i)^T) A omega_i),

      each unbiased, averaged over ``i``. The low-rank part is captured exactly, so for decaying
      spectra the error is far below Hutchinson's at the same number of products.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Real symmetric operator.
    num_matvecs : int
        Budget of products (``>= 1`` for Hutchinson; ``2 <= m <= 2 n`` for XDiag, odd budgets use
        ``m - 1``).
    method : {"xdiag", "hutchinson"}
        The estimator.
    seed : int or numpy.random.Generator
        Randomness of the Rademacher test vectors.

    Returns
    -------
    DiagonalResult
        ``values``, entrywise ``stderr``, ``n_matvec`` and ``method``.

    References
    ----------
    C. Bekas, E. Kokiopoulou and Y. Saad, "An estimator for the diagonal of a matrix", Appl.
    Numer. Math. 57(11-12):1214-1229, 2007, eq. (3) (Hutchinson's diagonal). E. N. Epperly,
    J. A. Tropp and R. J. Webber, SIAM J. Matrix Anal. Appl. 45(1):1-23, 2024, Sec. 5 (XDiag).
    """
    op = as_square_operator(A)
    n = op.shape[0]
    method = check_choice(method, "method", ("xdiag", "hutchinson"))
    if method == "hutchinson":
        m = check_int(num_matvecs, "num_matvecs", low=1)
    else:
        m = check_int(num_matvecs, "num_matvecs", low=2, high=2 * n)
    be = _NumpyBlock(op, rng_from(seed), n)
    est, used = diagonal_core(be, m, method)
    return DiagonalResult(
        values=est.mean(axis=0), stderr=_stderr(est, axis=0), n_matvec=used, method=method
    )
