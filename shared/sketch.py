"""Randomized Nystrom approximation, the Nystrom preconditioner and Nystrom PCG.

Operators are anything ``scipy.sparse.linalg.aslinearoperator`` accepts and are assumed real
symmetric positive semidefinite. Randomness comes from an explicit ``seed`` (int or
``numpy.random.Generator``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator

from shared._validate import (
    as_square_operator,
    check_int,
    check_positive_float,
    check_vector,
    matmat,
    rng_from,
)
from shared.linalg import CGResult, cg

__all__ = [
    "NystromApprox",
    "NystromPreconditioner",
    "effective_dimension",
    "nystrom",
    "nystrom_pcg",
    "nystrom_preconditioner",
]

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, eq=False)
class NystromApprox:
    """A low-rank psd approximation ``A_nys = U diag(eigenvalues) U^T``.

    Attributes
    ----------
    U : ndarray, shape (n, rank)
        Orthonormal eigenvectors.
    eigenvalues : ndarray, shape (rank,)
        Nonnegative eigenvalues, sorted in descending order.
    shift : float
        The total stabilising shift ``nu`` that was added to and removed from the sketch.
    n_matvec : int
        Operator applications spent on the sketch (its number of columns).
    test_matrix : ndarray, shape (n, sketch_size)
        The orthonormal test matrix ``Omega`` (kept so that the sketch can be extended).
    sketch : ndarray, shape (n, sketch_size)
        ``Y = A Omega``.
    """

    U: np.ndarray
    eigenvalues: np.ndarray
    shift: float
    n_matvec: int
    test_matrix: np.ndarray = field(repr=False)
    sketch: np.ndarray = field(repr=False)

    @property
    def rank(self) -> int:
        """Number of columns of ``U``."""
        return int(self.U.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """Shape ``(n, n)`` of the approximated operator."""
        n = int(self.U.shape[0])
        return (n, n)

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``A_nys x`` for a vector (n,) or a block (n, k), in O(n rank) per column."""
        x = np.asarray(x, dtype=np.float64)
        w = self.U.T @ x
        w = w * (self.eigenvalues if x.ndim == 1 else self.eigenvalues[:, None])
        return self.U @ w

    def dense(self) -> np.ndarray:
        """The dense n x n matrix ``U diag(eigenvalues) U^T``."""
        return (self.U * self.eigenvalues) @ self.U.T

    def as_operator(self) -> LinearOperator:
        """``A_nys`` as a scipy ``LinearOperator``."""
        return LinearOperator(
            shape=self.shape,
            matvec=self.matvec,
            rmatvec=self.matvec,
            matmat=self.matvec,
            dtype=np.float64,
        )


def nystrom(
    A: Any,
    rank: int,
    *,
    seed: int | np.random.Generator = 0,
    sketch_size: int | None = None,
) -> NystromApprox:
    """Randomized Nystrom approximation of a psd operator, computed stably with a shift.

    ``A_nys = (A Omega)(Omega^T A Omega)^+ (A Omega)^T`` for a Gaussian test matrix ``Omega``
    (orthonormalised, which changes nothing in exact arithmetic). The stable algorithm sketches
    ``A + nu I`` with ``nu = sqrt(n) eps(||Y||_2)``: ``Y_nu = Y + nu Omega``,
    ``C = chol(Omega^T Y_nu)``, ``B = Y_nu C^{-1}``, ``B = U Sigma V^T`` (thin SVD) and
    ``eigenvalues = max(0, Sigma^2 - nu)``. If the Cholesky factorisation fails, the shift is
    raised by ``|lambda_min(Omega^T Y_nu)|`` and the factorisation retried. With
    ``sketch_size > rank`` the result is truncated to the best rank-``rank`` part (TYUC17 Alg. 3).

    The approximation is psd, has rank ``<= rank``, and ``A - A_nys`` is psd; with sketch size
    ``k`` and any ``r < k - 1``: ``E tr(A - A_nys) <= (1 + r / (k - r - 1)) sum_{j>r} lambda_j``.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Symmetric positive semidefinite operator.
    rank : int
        Rank of the returned approximation, ``1 <= rank <= n``.
    seed : int or numpy.random.Generator
        Randomness of the Gaussian test matrix.
    sketch_size : int, optional
        Number of sketch columns ``k`` with ``rank <= k <= n`` (default ``rank``: no truncation,
        FTU23 Alg. 2.1). A larger ``k`` gives TYUC17's fixed-rank approximation ``[[A_nys]]_rank``.

    Returns
    -------
    NystromApprox
        ``U``, ``eigenvalues`` (descending), ``shift``, ``n_matvec`` and the sketch.

    References
    ----------
    Z. Frangella, J. A. Tropp and M. Udell, "Randomized Nystrom preconditioning", SIAM J. Matrix
    Anal. Appl. 44(2):718-752, 2023, Alg. 2.1 and Lemma 2.1 (properties). The shift
    ``sqrt(n) eps(||Y||_2)`` is the one of P. Rathore et al., ICML 2024, Alg. 5 and the official
    Python codes. J. A. Tropp, A. Yurtsever, M. Udell and V. Cevher, "Fixed-rank approximation of
    a positive-semidefinite matrix from streaming data", NeurIPS 2017, Alg. 3 (truncation) and
    Sec. 4 (error bound; the untruncated bound is N. Halko, P.-G. Martinsson and J. A. Tropp, SIAM
    Review 53(2), 2011, Thm 10.5 applied to A^{1/2}).
    """
    op = as_square_operator(A)
    n = op.shape[0]
    rank = check_int(rank, "rank", low=1, high=n)
    k = rank if sketch_size is None else check_int(sketch_size, "sketch_size", low=rank, high=n)
    rng = rng_from(seed)
    Omega, _ = np.linalg.qr(rng.standard_normal((n, k)))
    Y = matmat(op, Omega)
    return _nystrom_from_sketch(Omega, Y, rank)


def _nystrom_from_sketch(Omega: np.ndarray, Y: np.ndarray, rank: int) -> NystromApprox:
    """FTU23 Alg. 2.1 from an orthonormal test matrix and its sketch ``Y = A Omega``."""
    n = Omega.shape[0]
    if not np.all(np.isfinite(Y)):
        raise ValueError("the operator returned NaN or inf on the sketch: need a finite operator")
    y_norm = float(np.linalg.norm(Y, 2))
    nu = float(np.sqrt(n) * np.spacing(y_norm)) if y_norm > 0 else _EPS
    Y_nu = Y + nu * Omega
    core = Omega.T @ Y_nu
    core = (core + core.T) / 2
    try:
        C = scipy.linalg.cholesky(core, lower=False)
    except np.linalg.LinAlgError as first_exc:
        core_eigs = np.linalg.eigvalsh(core)
        lam_min = float(core_eigs[0])
        if lam_min < -1e-8 * max(float(np.abs(core_eigs).max()), _EPS):
            raise ValueError(
                f"the Nystrom core matrix Omega^T A Omega has eigenvalue {lam_min:.3e} < 0: "
                "A must be symmetric positive semidefinite (not positive semidefinite)"
            ) from first_exc
        extra = abs(lam_min) + nu
        nu += extra
        Y_nu = Y_nu + extra * Omega
        core = Omega.T @ Y_nu
        core = (core + core.T) / 2
        try:
            C = scipy.linalg.cholesky(core, lower=False)
        except np.linalg.LinAlgError as exc:  # pragma: no cover - shift makes core pd
            raise ValueError(
                "the Nystrom core matrix Omega^T A Omega is not positive semidefinite even after "
                f"a shift of {nu:.3e}: is A symmetric positive semidefinite?"
            ) from exc
    B = scipy.linalg.solve_triangular(C, Y_nu.T, trans="T", lower=False).T  # Y_nu C^{-1}
    U, s, _ = np.linalg.svd(B, full_matrices=False)
    eigenvalues = np.maximum(0.0, s[:rank] ** 2 - nu)
    return NystromApprox(
        U=U[:, :rank].copy(),
        eigenvalues=eigenvalues,
        shift=nu,
        n_matvec=int(Omega.shape[1]),
        test_matrix=Omega,
        sketch=Y,
    )


def _extend(op: LinearOperator, approx: NystromApprox, new_size: int, rng: np.random.Generator):
    """Append fresh Gaussian columns (orthogonalised against the old ones) to the sketch."""
    Omega = approx.test_matrix
    extra = new_size - Omega.shape[1]
    G = rng.standard_normal((Omega.shape[0], extra))
    for _ in range(2):
        G -= Omega @ (Omega.T @ G)
    G, _ = np.linalg.qr(G)
    Y_new = matmat(op, G)
    Omega_all = np.hstack([Omega, G])
    Y_all = np.hstack([approx.sketch, Y_new])
    return _nystrom_from_sketch(Omega_all, Y_all, new_size)


def effective_dimension(eigenvalues: Any, mu: float) -> float:
    """Effective dimension ``d_eff(mu) = tr(A (A + mu I)^{-1}) = sum_j lambda_j / (lambda_j + mu)``.

    Parameters
    ----------
    eigenvalues : array_like
        Eigenvalues of a psd matrix (entries above ``-1e-12 max|lambda|`` are clipped at 0).
    mu : float
        Regularisation (> 0).

    Returns
    -------
    float
        ``d_eff(mu)``, between 0 and the number of eigenvalues.

    References
    ----------
    Z. Frangella, J. A. Tropp and M. Udell, SIAM J. Matrix Anal. Appl. 44(2), 2023, eq. (1.4).
    """
    mu = check_positive_float(mu, "mu")
    lam = np.asarray(eigenvalues, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues contain NaN or inf: need finite values")
    scale = np.abs(lam).max(initial=0.0)
    if np.any(lam < -1e-12 * scale):
        raise ValueError(
            f"eigenvalues has a negative entry {lam.min():.3e}: need eigenvalues of a psd matrix"
        )
    lam = np.maximum(lam, 0.0)
    return float(np.sum(lam / (lam + mu)))


class NystromPreconditioner(LinearOperator):
    """The inverse Nystrom preconditioner ``P^{-1}`` as a symmetric ``LinearOperator``.

    ``P^{-1} = (lambda_hat_l + mu) U (Lambda_hat + mu I)^{-1} U^T + (I - U U^T)``, applied as
    ``x + U (d * (U^T x))`` with ``d_j = (lambda_hat_l + mu) / (lambda_hat_j + mu) - 1``.
    """

    def __init__(self, approx: NystromApprox, mu: float) -> None:
        super().__init__(dtype=np.float64, shape=approx.shape)
        self.approx = approx
        self.mu = mu
        lam = approx.eigenvalues
        self._d = (lam[-1] + mu) / (lam + mu) - 1.0

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        U = self.approx.U
        return x + U @ (self._d * (U.T @ x))

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        U = self.approx.U
        return X + U @ (self._d[:, None] * (U.T @ X))

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        return self._matvec(x)

    def _adjoint(self) -> NystromPreconditioner:
        return self

    def inverse_sqrt_dense(self) -> np.ndarray:
        """Dense ``P^{-1/2} = I + U (diag(sqrt(s)) - I) U^T``, ``s = 1 + d`` (for exact checks)."""
        U = self.approx.U
        return np.eye(U.shape[0]) + (U * (np.sqrt(1.0 + self._d) - 1.0)) @ U.T


def nystrom_preconditioner(approx: NystromApprox, mu: float) -> NystromPreconditioner:
    """The Nystrom preconditioner of ``A + mu I``, applying ``P^{-1}`` in O(n rank).

    ``P = (lambda_hat_l + mu)^{-1} U (Lambda_hat + mu I) U^T + (I - U U^T)`` and

        P^{-1} = (lambda_hat_l + mu) U (Lambda_hat + mu I)^{-1} U^T + (I - U U^T),

    where ``lambda_hat_l`` is the smallest eigenvalue of the approximation. Deterministically
    ``kappa(P^{-1/2} (A + mu I) P^{-1/2}) <= (lambda_hat_l + mu + ||A - A_nys||) / mu``.

    Parameters
    ----------
    approx : NystromApprox
        The output of :func:`nystrom`.
    mu : float
        The regularisation (> 0).

    Returns
    -------
    NystromPreconditioner
        A symmetric positive definite ``LinearOperator`` applying ``P^{-1}`` (pass it as ``M`` to
        :func:`shared.linalg.cg` or scipy's ``cg``).

    References
    ----------
    Z. Frangella, J. A. Tropp and M. Udell, "Randomized Nystrom preconditioning", SIAM J. Matrix
    Anal. Appl. 44(2):718-752, 2023, eq. (1.3)/(5.3) and Prop. 5.3 (condition number bound).
    """
    if not isinstance(approx, NystromApprox):
        raise TypeError(
            f"approx of type {type(approx).__name__} is not allowed: pass the NystromApprox "
            "returned by shared.sketch.nystrom"
        )
    mu = check_positive_float(mu, "mu")
    return NystromPreconditioner(approx, mu)


def _spectral_norm_psd(apply, n: int, rng: np.random.Generator, iters: int) -> tuple[float, int]:
    """Power-iteration estimate of the top eigenvalue of a psd operator; returns (est, calls)."""
    v = rng.standard_normal(n)
    v /= np.linalg.norm(v)
    est = 0.0
    for _ in range(iters):
        w = apply(v)
        est = float(v @ w)
        nw = float(np.linalg.norm(w))
        if nw == 0.0:
            return 0.0, iters
        v = w / nw
    return max(est, 0.0), iters


def nystrom_pcg(
    A: Any,
    b: Any,
    mu: float,
    rank: int,
    *,
    tol: float = 1e-10,
    maxiter: int | None = None,
    seed: int | np.random.Generator = 0,
    target_condition: float | None = None,
    max_rank: int | None = None,
    power_iters: int = 20,
) -> CGResult:
    """Solve ``(A + mu I) x = b`` by CG preconditioned with a randomized Nystrom approximation.

    Builds ``A_nys`` of rank ``rank`` (:func:`nystrom`), then runs :func:`shared.linalg.cg` on
    ``A + mu I`` with ``M = P^{-1}`` (:func:`nystrom_preconditioner`). With
    ``rank = 2 ceil(1.5 d_eff(mu)) + 1`` the expected condition number of the preconditioned
    system is below 28 (FTU23 Thm 5.1), so the iteration count hardly depends on ``mu`` or ``n``.

    Adaptive rank (when ``target_condition`` is given): estimate ``||E|| = ||A - A_nys||`` by
    ``power_iters`` power iterations on ``E``; accept when the bound of FTU23 Prop. 5.3,
    ``(lambda_hat_l + mu + ||E||) / mu``, is ``<= target_condition``; otherwise double the rank,
    reusing the sketch with fresh Gaussian columns appended, up to ``max_rank``.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Symmetric positive semidefinite operator.
    b : array_like, shape (n,)
        Right-hand side.
    mu : float
        Regularisation (> 0).
    rank : int
        Rank of the Nystrom approximation (initial rank when adaptive), ``1 <= rank <= n``.
    tol : float
        Relative residual tolerance of CG (default 1e-10).
    maxiter : int, optional
        Maximum CG iterations (default ``10 n``).
    seed : int or numpy.random.Generator
        Randomness of the sketch (and of the power iterations).
    target_condition : float, optional
        Target (> 1) of the preconditioned condition number bound; enables adaptive rank doubling.
        FTU23 Sec. 5.4 suggests a small constant; 28 matches the bound of Thm 5.1.
    max_rank : int, optional
        Largest rank tried by the adaptive scheme (default ``min(n, 1000)``).
    power_iters : int
        Power iterations for the estimate of ``||E||`` (default 20; FTU23 Sec. 5.4 uses a few tens).

    Returns
    -------
    CGResult
        As :func:`shared.linalg.cg`; ``n_matvec`` also counts the products with ``A`` spent on the
        sketch and the power iterations, and ``rank`` is the rank finally used.

    References
    ----------
    Z. Frangella, J. A. Tropp and M. Udell, "Randomized Nystrom preconditioning", SIAM J. Matrix
    Anal. Appl. 44(2):718-752, 2023, Alg. 5.1 (NysPCG), Thm 5.1 (rank choice), Prop. 5.3 and
    Sec. 5.4-5.5 (adaptive rank).
    """
    op = as_square_operator(A)
    n = op.shape[0]
    b = check_vector(b, n, "b")
    mu = check_positive_float(mu, "mu")
    rank = check_int(rank, "rank", low=1, high=n)
    power_iters = check_int(power_iters, "power_iters", low=1)
    rng = rng_from(seed)
    if max_rank is None:
        max_rank = max(rank, min(n, 1000))
    max_rank = check_int(max_rank, "max_rank", low=rank, high=n)
    if target_condition is not None:
        target_condition = check_positive_float(target_condition, "target_condition")
        if target_condition <= 1.0:
            raise ValueError(
                f"target_condition={target_condition} is not allowed: need target_condition > 1"
            )

    approx = nystrom(op, rank, seed=rng)
    extra_matvec = approx.n_matvec
    if target_condition is not None:
        while True:

            def apply_error(v: np.ndarray, approx: NystromApprox = approx) -> np.ndarray:
                return np.asarray(op.matvec(v), dtype=np.float64).reshape(-1) - approx.matvec(v)

            e_norm, calls = _spectral_norm_psd(apply_error, n, rng, power_iters)
            extra_matvec += calls
            bound = (approx.eigenvalues[-1] + mu + e_norm) / mu
            if bound <= target_condition or approx.rank >= max_rank:
                break
            old_rank = approx.rank
            approx = _extend(op, approx, min(2 * old_rank, max_rank), rng)
            extra_matvec += approx.rank - old_rank
    shifted = LinearOperator(
        shape=(n, n),
        matvec=lambda v: np.asarray(op.matvec(v), dtype=np.float64).reshape(-1) + mu * v,
        matmat=lambda V: np.asarray(op.matmat(V), dtype=np.float64) + mu * V,
        dtype=np.float64,
    )
    res = cg(shifted, b, M=nystrom_preconditioner(approx, mu), tol=tol, maxiter=maxiter)
    return dataclasses.replace(res, n_matvec=res.n_matvec + extra_matvec, rank=approx.rank)
