"""Preconditioned stochastic optimizers of PROMISE / SketchySGD and unpreconditioned baselines.

Finite-sum problems ``f(w) = (1/n) sum_i f_i(w) + (mu/2) ||w||^2`` are minimised by

* SketchySGD, SketchySVRG, SketchySAGA (b-nice) and SketchyKatyusha (loopless), which precondition
  the stochastic gradient with ``P = H_hat_S + rho I``, ``H_hat_S`` a rank-``r`` randomized Nystrom
  approximation (:func:`shared.sketch.nystrom`) of a Hessian subsampled on ``b_h`` rows (the
  "NySSN" preconditioner), and take their step size from the *preconditioned* smoothness constant
  ``L_P = lambda_max(P^{-1/2} (H_S' + mu I) P^{-1/2})`` estimated on an independent batch ``S'``;
* the other PROMISE preconditioners (Sec. 4): SSN (``P = H_S + rho I``, exact subsampled Newton),
  SASSN-C / SASSN-R (``P = (Omega X_S)^T (Omega X_S) + rho I`` with a sparse sign embedding
  ``Omega``, column- or row-sparse) and DiagSSN (``P = diag(H_S) + rho I``), selected with the
  solvers' ``preconditioner`` argument (they need ``hessian_factor``, see :class:`GLM`);
* SGD, SVRG, SAGA and L-Katyusha with a user-given step size (or smoothness constant), the
  baselines that PROMISE tunes on a grid.

Any problem exposing ``n``, ``dim``, ``mu``, ``value``, ``full_grad``, ``grad_batch``,
``component_grads`` and ``hessian_batch`` (the :class:`FiniteSum` protocol) can be solved; the
ridge and l2-regularised logistic losses of generalised linear models are provided by :class:`GLM`.

Defaults (PROMISE, Frangella, Rathore, Zhao & Udell, JMLR 25(346), 2024, Sec. 5-6 and the official
code ``udellgroup/PROMISE``): rank ``r = 10``, ``rho = 1e-3``, gradient batch ``b_g = 256``,
Hessian batch ``b_h = floor(sqrt(n))``, preconditioner refreshed every epoch for logistic
regression and once for ridge regression, SVRG snapshot every epoch, Katyusha snapshot probability
``b_g / n``. Data passes are counted as in the paper's profiles: one per epoch for SGD / SAGA-type
methods, two per epoch for SVRG / Katyusha-type methods (the snapshot's full gradient).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy.sparse.linalg import LinearOperator
from scipy.special import expit

from shared._validate import check_choice, check_int, check_positive_float, rng_from
from shared.linalg import lanczos
from shared.sketch import nystrom

__all__ = [
    "GLM",
    "PRECONDITIONERS",
    "DiagonalPreconditioner",
    "FiniteSum",
    "NySSNPreconditioner",
    "StochasticResult",
    "build_preconditioner",
    "diagssn_preconditioner",
    "estimate_preconditioned_smoothness",
    "glm_solution",
    "l_katyusha",
    "lbfgs_two_loop",
    "nyssn_preconditioner",
    "quadratic_regularity",
    "saga",
    "sassn_preconditioner",
    "sgd",
    "sketchy_katyusha",
    "sketchy_saga",
    "sketchy_sgd",
    "sketchy_svrg",
    "slbfgs",
    "sparse_sign_embedding",
    "ssn_preconditioner",
    "svrg",
]

LOSSES = ("ridge", "logistic")
# PROMISE Sec. 4 names (plotting code: NySSN, SSN, SASSN-C, SASSN-R, DiagSSN).
PRECONDITIONERS = ("nyssn", "ssn", "sassn_c", "sassn_r", "diagssn")
METHODS = ("sgd", "svrg", "saga", "katyusha")
# Full data passes charged per epoch (PROMISE Sec. 6.1, performance profiles).
PASSES_PER_EPOCH = {"sgd": 1, "saga": 1, "svrg": 2, "katyusha": 2}


class FiniteSum(Protocol):
    """What the solvers need of ``f(w) = (1/n) sum_i f_i(w) + (mu/2) ||w||^2``."""

    n: int
    dim: int
    mu: float

    def value(self, w: np.ndarray) -> float: ...

    def full_grad(self, w: np.ndarray) -> np.ndarray: ...

    def grad_batch(self, w: np.ndarray, idx: np.ndarray) -> np.ndarray: ...

    def component_grads(self, w: np.ndarray, idx: np.ndarray) -> np.ndarray: ...

    def hessian_batch(self, w: np.ndarray, idx: np.ndarray) -> LinearOperator: ...


@dataclass(frozen=True, eq=False)
class GLM:
    """Ridge or l2-regularised logistic regression as a finite sum.

    ``f(w) = (1/n) sum_i l(a_i^T w, b_i) + (mu/2) ||w||^2`` with

    * ridge: ``l(z, b) = (z - b)^2 / 2``, ``l' = z - b``, ``l'' = 1``;
    * logistic (``b in {-1, +1}``): ``l(z, b) = log(1 + exp(-b z))``, ``l' = -b sigma(-b z)``,
      ``l'' = sigma(z) (1 - sigma(z))``.

    The subsampled Hessian is ``H_S(w) = A_S^T D_S A_S`` with ``D_S = diag(l''(a_i^T w)) / |S|``
    (``mu I`` not included, PROMISE Sec. 3 and official code ``models/*.py``).

    Attributes
    ----------
    A : ndarray, shape (n, p)
        Data matrix.
    b : ndarray, shape (n,)
        Targets (ridge) or labels in {-1, +1} (logistic).
    mu : float
        l2 regularisation (> 0); PROMISE uses ``mu = 1e-2 / n``.
    loss : {"ridge", "logistic"}
    """

    A: np.ndarray
    b: np.ndarray
    mu: float
    loss: str
    _diag: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        check_choice(self.loss, "loss", LOSSES)
        A = np.asarray(self.A, dtype=np.float64)
        b = np.asarray(self.b, dtype=np.float64).reshape(-1)
        if A.ndim != 2 or A.shape[0] != b.shape[0] or A.shape[0] < 1:
            raise ValueError(
                f"A has shape {np.shape(self.A)} and b has shape {np.shape(self.b)}: need A (n, p) "
                "and b (n,) with n >= 1"
            )
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
            raise ValueError("A or b contains NaN or inf: need finite data")
        if self.loss == "logistic" and not np.all(np.isin(b, (-1.0, 1.0))):
            raise ValueError("logistic labels b must be in {-1, +1}")
        check_positive_float(self.mu, "mu")
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "b", b)

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.A.shape[0])

    @property
    def dim(self) -> int:
        """Number of parameters ``p``."""
        return int(self.A.shape[1])

    def _loss(self, z: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.loss == "ridge":
            return 0.5 * (z - b) ** 2
        return np.logaddexp(0.0, -b * z)  # stable log(1 + exp(-b z))

    def _dloss(self, z: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.loss == "ridge":
            return z - b
        return -b * expit(-b * z)

    def _d2loss(self, z: np.ndarray) -> np.ndarray:
        if self.loss == "ridge":
            return np.ones_like(z)
        s = expit(z)
        return s * (1.0 - s)

    def value(self, w: np.ndarray) -> float:
        """``f(w)``."""
        z = self.A @ w
        return float(np.mean(self._loss(z, self.b)) + 0.5 * self.mu * (w @ w))

    def full_grad(self, w: np.ndarray) -> np.ndarray:
        """``grad f(w) = A^T l'(A w) / n + mu w``."""
        return self.A.T @ self._dloss(self.A @ w, self.b) / self.n + self.mu * w

    def grad_batch(self, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Minibatch gradient ``(1/|B|) A_B^T l'(A_B w) + mu w``."""
        A_B = self.A[idx]
        return A_B.T @ self._dloss(A_B @ w, self.b[idx]) / len(idx) + self.mu * w

    def component_grads(self, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Rows ``grad f_i(w) = l'(a_i^T w) a_i`` for ``i in idx`` (without ``mu w``)."""
        A_B = self.A[idx]
        return self._dloss(A_B @ w, self.b[idx])[:, None] * A_B

    def hessian_batch(self, w: np.ndarray, idx: np.ndarray) -> LinearOperator:
        """``H_S(w) = A_S^T diag(l''(A_S w) / |S|) A_S`` as a p x p operator (never formed)."""
        A_S = self.A[idx]
        d = self._d2loss(A_S @ w) / len(idx)

        def mv(v: np.ndarray) -> np.ndarray:
            v = np.asarray(v, dtype=np.float64)
            if v.ndim == 1:
                return A_S.T @ (d * (A_S @ v))
            return A_S.T @ (d[:, None] * (A_S @ v))

        return LinearOperator((self.dim, self.dim), matvec=mv, rmatvec=mv, matmat=mv, dtype=float)

    def hessian_factor(self, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``X_S = diag(sqrt(l''(A_S w) / |S|)) A_S``, so that ``H_S(w) = X_S^T X_S`` (|S| x p)."""
        A_S = self.A[idx]
        return np.sqrt(self._d2loss(A_S @ w) / len(idx))[:, None] * A_S

    def hessian(self, w: np.ndarray) -> np.ndarray:
        """Dense full Hessian ``A^T diag(l''(A w)) A / n + mu I`` (for checks and Newton)."""
        d = self._d2loss(self.A @ w) / self.n
        return (self.A.T * d) @ self.A + self.mu * np.eye(self.dim)


def quadratic_regularity(
    problem: GLM,
    w1: np.ndarray,
    w2: np.ndarray,
    w0: np.ndarray,
    *,
    nodes: int = 6,
) -> float:
    """PROMISE's quadratic regularity constant of the pair ``(w1, w2)`` relative to ``w0``.

    ``gamma = int_0^1 2 (1 - t) ||d||^2_{H(w1 + t d)} dt / ||d||^2_{H(w0)}``, ``d = w2 - w1``,
    with ``H`` the full Hessian including ``mu I``. Equivalently ``[f(w2) - f(w1) - grad
    f(w1)^T d] / (||d||^2_{H(w0)} / 2)``; the integral form (Gauss-Legendre with ``nodes``
    points on [0, 1]) avoids the cancellation of the ``f`` differences for short steps. Exactly
    1 for ridge (constant Hessian). PROMISE's quadratic regularity ratio of a preconditioner
    period is max / min of ``gamma`` over the period, ``w0`` being the point where its
    preconditioner was built.

    Parameters
    ----------
    problem : GLM
    w1, w2 : ndarray, shape (p,)
        The pair of iterates (``w2 != w1``).
    w0 : ndarray, shape (p,)
        Point of the reference Hessian.
    nodes : int
        Gauss-Legendre points (exact for the ridge integrand with any ``nodes >= 1``).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``w1 == w2`` (no direction).

    References
    ----------
    Z. Frangella, P. Rathore, S. Zhao, M. Udell, "PROMISE", JMLR 25(346), 2024, Sec. 5
    (quadratic regularity) and Sec. 6.6 (measured ratios).
    """
    nodes = check_int(nodes, "nodes", low=1)
    d = np.asarray(w2, dtype=np.float64) - np.asarray(w1, dtype=np.float64)
    dd = float(d @ d)
    if dd == 0.0:
        raise ValueError("w1 == w2: quadratic regularity needs two distinct points")
    ad = problem.A @ d
    a1 = problem.A @ np.asarray(w1, dtype=np.float64)
    den = float(np.mean(problem._d2loss(problem.A @ np.asarray(w0, dtype=np.float64)) * ad**2))
    den += problem.mu * dd
    x, wts = np.polynomial.legendre.leggauss(nodes)
    t, wts = (x + 1.0) / 2.0, wts / 2.0
    num = sum(
        wk
        * 2.0
        * (1.0 - tk)
        * (float(np.mean(problem._d2loss(a1 + tk * ad) * ad**2)) + problem.mu * dd)
        for tk, wk in zip(t, wts, strict=True)
    )
    return float(num / den)


def glm_solution(
    problem: GLM, *, tol: float = 1e-12, max_iter: int = 100
) -> tuple[np.ndarray, float, int]:
    """Accurate minimiser of a :class:`GLM` (the reference ``f*`` of the suboptimality).

    Ridge: the normal equations ``(A^T A / n + mu I) w = A^T b / n`` by Cholesky. Logistic:
    Newton's method with Armijo backtracking (``c = 1e-4``, halving) from ``w = 0`` until
    ``||grad f||_2 <= tol``. PROMISE's official code used sklearn with ``tol = 1e-4``; a more
    accurate ``f*`` keeps "solved to 1e-4" meaningful (paper card, pitfall 18).

    Parameters
    ----------
    problem : GLM
    tol : float
        Gradient-norm tolerance of Newton's method (logistic).
    max_iter : int
        Maximum Newton iterations.

    Returns
    -------
    w_star : ndarray, shape (p,)
    f_star : float
    n_iter : int
        Newton iterations (0 for ridge).
    """
    check_positive_float(tol, "tol")
    check_int(max_iter, "max_iter", low=1)
    p = problem.dim
    if problem.loss == "ridge":
        H = problem.A.T @ problem.A / problem.n + problem.mu * np.eye(p)
        w = np.linalg.solve(H, problem.A.T @ problem.b / problem.n)
        return w, problem.value(w), 0
    w = np.zeros(p)
    f = problem.value(w)
    for it in range(1, max_iter + 1):
        g = problem.full_grad(w)
        if np.linalg.norm(g) <= tol:
            return w, f, it - 1
        d = np.linalg.solve(problem.hessian(w), g)
        t = 1.0
        while True:
            w_new = w - t * d
            f_new = problem.value(w_new)
            if f_new <= f - 1e-4 * t * (g @ d) or t < 1e-12:
                break
            t *= 0.5
        w, f = w_new, f_new
    return w, f, max_iter


@dataclass(frozen=True, eq=False)
class NySSNPreconditioner:
    """``P = U diag(lam) U^T + rho I`` with orthonormal ``U`` (p x k) and ``lam >= 0``.

    NySSN: ``U diag(lam) U^T`` is the Nystrom approximation of a subsampled Hessian. SSN and
    SASSN are stored in the same exact eigen-form (from a thin SVD of their factor).
    ``P^{-1} g = U ((lam + rho)^{-1} - rho^{-1}) U^T g + g / rho`` (Woodbury; PROMISE Sec. 4.1)
    and ``P^{-1/2} g = U ((lam + rho)^{-1/2} - rho^{-1/2}) U^T g + g / sqrt(rho)``.
    """

    U: np.ndarray
    eigenvalues: np.ndarray
    rho: float

    def apply_inverse(self, g: np.ndarray) -> np.ndarray:
        """``P^{-1} g`` in O(p r) (``g`` a vector or a (p, k) block)."""
        c = 1.0 / (self.eigenvalues + self.rho) - 1.0 / self.rho
        c = c if np.ndim(g) == 1 else c[:, None]
        return self.U @ (c * (self.U.T @ g)) + g / self.rho

    def apply_inverse_sqrt(self, g: np.ndarray) -> np.ndarray:
        """``P^{-1/2} g`` in O(p r) (``g`` a vector or a (p, k) block)."""
        c = 1.0 / np.sqrt(self.eigenvalues + self.rho) - 1.0 / np.sqrt(self.rho)
        c = c if np.ndim(g) == 1 else c[:, None]
        return self.U @ (c * (self.U.T @ g)) + g / np.sqrt(self.rho)

    def dense_inverse(self) -> np.ndarray:
        """Dense ``P^{-1}`` (for checks only)."""
        c = 1.0 / (self.eigenvalues + self.rho) - 1.0 / self.rho
        return (self.U * c) @ self.U.T + np.eye(self.U.shape[0]) / self.rho


def nyssn_preconditioner(
    H_S: Any, rank: int, rho: float, *, seed: int | np.random.Generator = 0
) -> NySSNPreconditioner:
    """The NySSN preconditioner ``P = [[H_S]]_nys + rho I`` (PROMISE Sec. 4.1, Alg. "NySSN").

    Parameters
    ----------
    H_S : array_like or LinearOperator, shape (p, p)
        Subsampled Hessian (psd, without ``mu I``).
    rank : int
        Nystrom rank ``r`` (PROMISE default 10), capped at ``p``.
    rho : float
        Preconditioner regularisation (> 0; PROMISE default 1e-3 for unit-norm rows).
    seed : int or numpy.random.Generator
        Randomness of the sketch.

    Returns
    -------
    NySSNPreconditioner
    """
    rho = check_positive_float(rho, "rho")
    rank = check_int(rank, "rank", low=1)
    p = H_S.shape[0]
    approx = nystrom(H_S, min(rank, p), seed=seed)
    return NySSNPreconditioner(U=approx.U, eigenvalues=approx.eigenvalues, rho=rho)


@dataclass(frozen=True, eq=False)
class DiagonalPreconditioner:
    """``P = diag(d)`` with ``d > 0`` (DiagSSN: ``d = diag(H_S) + rho``)."""

    d: np.ndarray

    def apply_inverse(self, g: np.ndarray) -> np.ndarray:
        """``P^{-1} g`` (``g`` a vector or a (p, k) block)."""
        return g / (self.d if np.ndim(g) == 1 else self.d[:, None])

    def apply_inverse_sqrt(self, g: np.ndarray) -> np.ndarray:
        """``P^{-1/2} g``."""
        s = np.sqrt(self.d)
        return g / (s if np.ndim(g) == 1 else s[:, None])

    def dense_inverse(self) -> np.ndarray:
        """Dense ``P^{-1}`` (for checks only)."""
        return np.diag(1.0 / self.d)


def _factor(X_S: Any) -> np.ndarray:
    X = np.asarray(X_S, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X_S has shape {np.shape(X_S)}: need a (b_h, p) Hessian factor")
    if not np.all(np.isfinite(X)):
        raise ValueError("X_S contains NaN or inf: need a finite Hessian factor")
    return X


def _eigen_form(Y: np.ndarray, rho: float) -> NySSNPreconditioner:
    """``P = Y^T Y + rho I`` in eigen-form from the thin SVD ``Y = V S W^T``: ``U = W``,
    ``lam = S^2`` (exact; the same operator the official code applies by Cholesky/Woodbury)."""
    _, sv, Wt = np.linalg.svd(Y, full_matrices=False)
    return NySSNPreconditioner(U=Wt.T.copy(), eigenvalues=sv**2, rho=rho)


def ssn_preconditioner(X_S: Any, rho: float) -> NySSNPreconditioner:
    """SSN (subsampled Newton): ``P = H_S + rho I = X_S^T X_S + rho I`` (PROMISE Sec. 4).

    Parameters
    ----------
    X_S : array_like, shape (b_h, p)
        Hessian factor, ``H_S = X_S^T X_S`` (:meth:`GLM.hessian_factor`).
    rho : float
        Regularisation (> 0; PROMISE default 1e-3).

    Returns
    -------
    NySSNPreconditioner
        ``P`` exactly, as ``U diag(lam) U^T + rho I`` with ``lam`` the squared singular values of
        ``X_S`` (the official code applies ``P^{-1}`` by Cholesky of ``X_S^T X_S + rho I`` when
        ``b_h >= p`` and by Woodbury with ``X_S X_S^T + rho I`` otherwise: the same operator).

    References
    ----------
    Z. Frangella, P. Rathore, S. Zhao, M. Udell, JMLR 25(346), 2024, Sec. 4 ("SSN").
    """
    rho = check_positive_float(rho, "rho")
    return _eigen_form(_factor(X_S), rho)


def sparse_sign_embedding(
    rows: int, cols: int, variant: str, *, seed: int | np.random.Generator = 0
) -> np.ndarray:
    """Dense ``rows x cols`` sparse sign embedding ``Omega`` with ``E[Omega^T Omega] = I``.

    * ``"c"`` (column-sparse, SASSN-C): each column has ``zeta = min(rows, 8)`` nonzeros
      ``+-1/sqrt(zeta)`` in distinct random rows, so every column has unit norm;
    * ``"r"`` (row-sparse, LESS-like, SASSN-R): each row has ``zeta = min(cols, 8)`` nonzeros
      ``+-1`` in distinct random columns, scaled by ``sqrt(cols / (rows zeta))``.

    Parameters
    ----------
    rows, cols : int
        Sketch size ``r`` and number of sketched rows ``b_h``.
    variant : {"c", "r"}
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (rows, cols)

    References
    ----------
    PROMISE (JMLR 25(346), 2024) Sec. 4, SASSN-C / SASSN-R; the column-sparse embedding with
    ``zeta = 8`` follows J. A. Tropp et al., SIAM J. Sci. Comput. 41(4), 2019, and the row-sparse
    one M. Derezinski et al., "Sparse sketches with small inversion bias", COLT 2021 (LESS).
    """
    rows = check_int(rows, "rows", low=1)
    cols = check_int(cols, "cols", low=1)
    check_choice(variant, "variant", ("c", "r"))
    rng = rng_from(seed)
    Omega = np.zeros((rows, cols))
    if variant == "c":
        zeta = min(rows, 8)
        # zeta distinct rows per column: argsort of uniform keys is a random permutation.
        idx = np.argsort(rng.random((cols, rows)), axis=1)[:, :zeta]
        signs = rng.choice((-1.0, 1.0), size=(cols, zeta))
        Omega[idx, np.arange(cols)[:, None]] = signs / np.sqrt(zeta)
    else:
        zeta = min(cols, 8)
        idx = np.argsort(rng.random((rows, cols)), axis=1)[:, :zeta]
        signs = rng.choice((-1.0, 1.0), size=(rows, zeta))
        Omega[np.arange(rows)[:, None], idx] = signs * np.sqrt(cols / (rows * zeta))
    return Omega


def sassn_preconditioner(
    X_S: Any,
    sketch_size: int,
    rho: float,
    *,
    variant: str = "c",
    seed: int | np.random.Generator = 0,
) -> NySSNPreconditioner:
    """SASSN: ``P = Y^T Y + rho I`` with ``Y = Omega X_S`` (PROMISE Sec. 4, SASSN-C / SASSN-R).

    Parameters
    ----------
    X_S : array_like, shape (b_h, p)
        Hessian factor, ``H_S = X_S^T X_S``.
    sketch_size : int
        Rows ``r`` of the embedding (PROMISE passes its ``rank``, default 10).
    rho : float
        Regularisation (> 0).
    variant : {"c", "r"}
        Column-sparse (SASSN-C) or row-sparse (SASSN-R) embedding, :func:`sparse_sign_embedding`.
    seed : int or numpy.random.Generator

    Returns
    -------
    NySSNPreconditioner
        ``P`` exactly in eigen-form (thin SVD of ``Y``; the official code applies
        ``rho^{-1} (g - Y^T (Y Y^T + rho I)^{-1} Y g)``: the same operator).
    """
    X = _factor(X_S)
    rho = check_positive_float(rho, "rho")
    sketch_size = check_int(sketch_size, "sketch_size", low=1)
    Omega = sparse_sign_embedding(sketch_size, X.shape[0], variant, seed=seed)
    return _eigen_form(Omega @ X, rho)


def diagssn_preconditioner(X_S: Any, rho: float) -> DiagonalPreconditioner:
    """DiagSSN: ``P = diag(H_S) + rho I``, ``diag(H_S)_j = ||X_S[:, j]||^2`` (PROMISE Sec. 4)."""
    X = _factor(X_S)
    rho = check_positive_float(rho, "rho")
    return DiagonalPreconditioner(d=(X**2).sum(axis=0) + rho)


def build_preconditioner(
    kind: str,
    problem: Any,
    w: np.ndarray,
    idx: np.ndarray,
    rank: int,
    rho: float,
    *,
    seed: int | np.random.Generator = 0,
) -> NySSNPreconditioner | DiagonalPreconditioner:
    """One of the PROMISE preconditioners of the Hessian subsampled on ``idx`` at ``w``.

    ``kind`` in :data:`PRECONDITIONERS`; ``nyssn`` needs only ``problem.hessian_batch`` (any
    :class:`FiniteSum`), the others need ``problem.hessian_factor`` (e.g. :class:`GLM`).
    ``rank`` is the Nystrom rank (NySSN) or the embedding's rows (SASSN); SSN and DiagSSN
    ignore it.
    """
    check_choice(kind, "preconditioner", PRECONDITIONERS)
    if kind == "nyssn":
        return nyssn_preconditioner(problem.hessian_batch(w, idx), rank, rho, seed=seed)
    if not hasattr(problem, "hessian_factor"):
        raise ValueError(
            f"preconditioner={kind!r} needs problem.hessian_factor(w, idx) (X_S with H_S = "
            "X_S^T X_S); this problem has none: use preconditioner='nyssn'"
        )
    X = problem.hessian_factor(w, idx)
    if kind == "ssn":
        return ssn_preconditioner(X, rho)
    if kind == "diagssn":
        return diagssn_preconditioner(X, rho)
    return sassn_preconditioner(X, rank, rho, variant=kind[-1], seed=seed)


def estimate_preconditioned_smoothness(
    H_S: Any,
    mu: float,
    precond: NySSNPreconditioner | DiagonalPreconditioner | None,
    *,
    seed: int | np.random.Generator = 0,
) -> float:
    """``L_P = lambda_max(P^{-1/2} (H_S + mu I) P^{-1/2})`` by :func:`shared.linalg.lanczos`.

    PROMISE (Sec. 4.2) estimates ``L_P`` by eigs on ``(H_S + mu I) P^{-1}``; the symmetric form has
    the same eigenvalues. ``H_S`` must come from a batch independent of the one sketched for
    ``P`` (otherwise ``L_P`` is underestimated and the step too long; paper card pitfall 13).
    """
    mu = check_positive_float(mu, "mu")
    p = H_S.shape[0]
    if precond is None:

        def mv(v: np.ndarray) -> np.ndarray:
            return H_S @ v + mu * v

    else:

        def mv(v: np.ndarray) -> np.ndarray:
            u = precond.apply_inverse_sqrt(v)
            return precond.apply_inverse_sqrt(H_S @ u + mu * u)

    op = LinearOperator((p, p), matvec=mv, rmatvec=mv, dtype=float)
    res = lanczos(op, 1, which="largest", tol=1e-6, seed=seed)
    return float(res.eigenvalues[-1])


@dataclass(frozen=True)
class StochasticResult:
    """Trajectory of a (preconditioned) stochastic method.

    Attributes
    ----------
    w : ndarray
        Final iterate.
    method : str
        E.g. ``"sketchy_svrg"`` or ``"saga"``.
    passes : ndarray
        Full data passes at each record (record 0 is the start).
    values : ndarray
        ``f(w)`` at each record (one record per epoch).
    n_iter : int
        Stochastic iterations.
    n_precond_updates : int
        Preconditioner (re)builds (0 for baselines).
    step_sizes : ndarray
        Step size after each preconditioner build (the given step for baselines).
    diverged : bool
        ``f`` became non-finite or exceeded ``1e8 max(1, |f(w_0)|)``.
    converged : bool
        ``f(w) - f_star <= stop_tol`` was reached (False when no ``f_star`` was given).
    """

    w: np.ndarray
    method: str
    passes: np.ndarray
    values: np.ndarray
    n_iter: int
    n_precond_updates: int
    step_sizes: np.ndarray
    diverged: bool
    converged: bool


def _step_size(method: str, L: float, n: int, mu: float) -> float:
    """Default step size from a (preconditioned) smoothness constant ``L``.

    SketchySGD: ``1 / (2 L)`` (sketchyopts ``learning_rate = 0.5``); SketchySVRG / SketchySAGA:
    ``max(1 / (2 (n mu + L)), 1 / (3 L))`` (b-nice SAGA rule of Gazagnadou et al. 2019 with ``L``
    replaced by ``L_P``, PROMISE official code). Katyusha uses ``L`` directly.
    """
    if method == "sgd":
        return 0.5 / L
    if method in ("svrg", "saga"):
        return max(1.0 / (2.0 * (n * mu + L)), 1.0 / (3.0 * L))
    return 1.0 / L


def _run(
    problem: FiniteSum,
    method: str,
    *,
    sketchy: bool,
    step: float | None,
    w0: np.ndarray | None,
    max_passes: float,
    batch_size: int,
    hessian_batch_size: int | None,
    rank: int,
    rho: float,
    update_epochs: int | None,
    f_star: float | None,
    stop_tol: float,
    seed: int | np.random.Generator,
    preconditioner: str = "nyssn",
    callback: Callable[[int, np.ndarray], None] | None = None,
    iterate_callback: Callable[[int, np.ndarray], None] | None = None,
) -> StochasticResult:
    check_choice(method, "method", METHODS)
    check_choice(preconditioner, "preconditioner", PRECONDITIONERS)
    if update_epochs is not None:
        update_epochs = check_int(update_epochs, "update_epochs", low=1)
    rng = rng_from(seed)
    n, p, mu = problem.n, problem.dim, problem.mu
    b = check_int(batch_size, "batch_size", low=1)
    b = min(b, n)
    check_positive_float(max_passes, "max_passes")
    b_h = int(np.floor(np.sqrt(n))) if hessian_batch_size is None else hessian_batch_size
    b_h = check_int(min(b_h, n), "hessian_batch_size", low=1)
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64).reshape(p)
    iters_per_epoch = int(np.ceil(n / b))
    n_epochs = max(1, int(np.floor(max_passes / PASSES_PER_EPOCH[method])))

    P: NySSNPreconditioner | DiagonalPreconditioner | None = None
    steps: list[float] = []
    n_updates = 0
    L_current = float("nan")

    def refresh(at: np.ndarray) -> None:
        nonlocal P, n_updates, L_current
        S = rng.choice(n, b_h, replace=False)
        S2 = rng.choice(n, b_h, replace=False)  # independent batch for L_P
        P = build_preconditioner(preconditioner, problem, at, S, rank, rho, seed=rng)
        L_current = estimate_preconditioned_smoothness(
            problem.hessian_batch(at, S2), mu, P, seed=rng
        )
        n_updates += 1

    def precond(g: np.ndarray) -> np.ndarray:
        return g if P is None else P.apply_inverse(g)

    f0 = problem.value(w)
    values = [f0]
    passes = [0.0]
    diverged = converged = False
    if f_star is not None and f0 - f_star <= stop_tol:
        converged = True
    eta = step if step is not None else float("nan")
    n_iter = 0
    # Method state.
    if method == "svrg":
        w_snap, g_snap = w.copy(), problem.full_grad(w)
    # GLMs keep SAGA's table as scalars l'(a_i^T w) (PROMISE code, card Sec. 3.6); other
    # problems keep the n x p table of component gradients.
    scalar_table = isinstance(problem, GLM)
    if method == "saga":
        if scalar_table:
            table = problem._dloss(problem.A @ w, problem.b)
            gbar = problem.A.T @ table / n
        else:
            table = problem.component_grads(w, np.arange(n))
            gbar = table.mean(axis=0)
    if method == "katyusha":
        y, z = w.copy(), w.copy()
        g_y = problem.full_grad(y)
        prob = b / n
        L_kat = float("nan") if step is None else step

    def set_katyusha(L: float) -> tuple[float, float, float, float]:
        sigma = mu / L
        th1 = min(np.sqrt(2.0 * n * sigma / 3.0), 0.5)
        th2 = 0.5
        return sigma, th1, th2, th2 / ((1.0 + th2) * th1)

    for epoch in range(n_epochs):
        if converged or diverged:
            break
        if sketchy and (epoch == 0 or (update_epochs is not None and epoch % update_epochs == 0)):
            refresh(w)
            if method == "katyusha":
                L_kat = L_current
            else:
                eta = _step_size(method, L_current, n, mu)
            steps.append(L_kat if method == "katyusha" else eta)
        elif not sketchy and epoch == 0:
            steps.append(float(step))
        if method == "svrg" and epoch > 0:
            w_snap, g_snap = w.copy(), problem.full_grad(w)
        if method == "katyusha":
            sigma, th1, th2, eta_k = set_katyusha(L_kat)
        for _ in range(iters_per_epoch):
            idx = rng.choice(n, b, replace=False)
            if method == "sgd":
                w = w - eta * precond(problem.grad_batch(w, idx))
            elif method == "svrg":
                v = problem.grad_batch(w, idx) - problem.grad_batch(w_snap, idx) + g_snap
                w = w - eta * precond(v)
            elif method == "saga":
                if scalar_table:
                    A_B = problem.A[idx]
                    nu = problem._dloss(A_B @ w, problem.b[idx])
                    aux = A_B.T @ (nu - table[idx])
                    G = nu
                else:
                    G = problem.component_grads(w, idx)
                    aux = (G - table[idx]).sum(axis=0)
                g = gbar + aux / b
                gbar = gbar + aux / n
                table[idx] = G
                w = w - eta * precond(mu * w + g)
            else:  # loopless Katyusha (Kovalev, Horvath & Richtarik 2020, Alg. 2)
                x = th1 * z + th2 * y + (1.0 - th1 - th2) * w
                g = problem.grad_batch(x, idx) - problem.grad_batch(y, idx) + g_y
                z_new = (eta_k * sigma * x + z - (eta_k / L_kat) * precond(g)) / (
                    1.0 + eta_k * sigma
                )
                w_old = w
                w = x + th1 * (z_new - z)
                z = z_new
                if rng.random() < prob:
                    y = w_old
                    g_y = problem.full_grad(y)
            n_iter += 1
            if iterate_callback is not None:
                iterate_callback(epoch, w)  # e.g. quadratic regularity (no effect on the run)
        f = problem.value(w)
        values.append(f)
        passes.append(passes[-1] + PASSES_PER_EPOCH[method])
        if callback is not None:
            callback(epoch + 1, w)  # e.g. test accuracy per epoch (no effect on the run)
        if not np.isfinite(f) or abs(f) > 1e8 * max(1.0, abs(f0)):
            diverged = True
        elif f_star is not None and f - f_star <= stop_tol:
            converged = True
    base = "l_katyusha" if method == "katyusha" and not sketchy else method
    name = ("sketchy_" if sketchy else "") + base
    return StochasticResult(
        w=w,
        method=name,
        passes=np.asarray(passes),
        values=np.asarray(values),
        n_iter=n_iter,
        n_precond_updates=n_updates,
        step_sizes=np.asarray(steps, dtype=np.float64),
        diverged=diverged,
        converged=converged,
    )


def _default_update(problem: FiniteSum, update_epochs: int | str | None) -> int | None:
    """PROMISE default: refresh every epoch for logistic, build once for ridge (constant H)."""
    if update_epochs != "auto":
        return update_epochs  # type: ignore[return-value]
    return None if getattr(problem, "loss", None) == "ridge" else 1


_SKETCHY_DOC = """
    Parameters
    ----------
    problem : FiniteSum
        E.g. a :class:`GLM`.
    max_passes : float
        Budget of full data passes (PROMISE: 200 for the profiles).
    w0 : ndarray, optional
        Starting point (default 0).
    batch_size : int
        Gradient batch ``b_g`` (default 256).
    hessian_batch_size : int, optional
        Hessian batch ``b_h`` (default ``floor(sqrt(n))``).
    rank : int
        Nystrom rank ``r`` (default 10); the embedding's rows for SASSN.
    rho : float
        Preconditioner regularisation (default 1e-3).
    preconditioner : str
        One of :data:`PRECONDITIONERS` (default ``"nyssn"``, PROMISE's default; the others need
        ``problem.hessian_factor``).
    callback : callable, optional
        Called as ``callback(epoch, w)`` after every epoch (a read-only observer, e.g. test
        accuracy).
    iterate_callback : callable, optional
        Called as ``iterate_callback(epoch, w)`` after every stochastic iteration, with the
        0-based index of the current epoch (a read-only observer; the preconditioner of a
        period is built at the iterate reached before the period's first iteration).
    update_epochs : int, None or "auto"
        Refresh period in epochs; None builds once; "auto" (default) is 1 for logistic, None for
        ridge.
    f_star : float, optional
        Optimal value; with it the run stops when ``f - f_star <= stop_tol``.
    stop_tol : float
        Suboptimality at which to stop (default 1e-10, below the 1e-4 "solved" level).
    seed : int or numpy.random.Generator
        Randomness of batches and sketches.

    Returns
    -------
    StochasticResult

    References
    ----------
    Z. Frangella, P. Rathore, S. Zhao, M. Udell, "PROMISE: Preconditioned stochastic optimization
    methods by incorporating scalable curvature estimates", JMLR 25(346), 2024, Sec. 3-5 (methods,
    defaults), Sec. 6 (experiments). "SketchySGD", SIAM J. Math. Data Sci. 6(4), 2024, Alg. 2.1.
"""


def _make_sketchy(method: str, doc: str):
    def solver(
        problem: FiniteSum,
        *,
        max_passes: float = 200.0,
        w0: np.ndarray | None = None,
        batch_size: int = 256,
        hessian_batch_size: int | None = None,
        rank: int = 10,
        rho: float = 1e-3,
        update_epochs: int | str | None = "auto",
        f_star: float | None = None,
        stop_tol: float = 1e-10,
        seed: int | np.random.Generator = 0,
        preconditioner: str = "nyssn",
        callback: Callable[[int, np.ndarray], None] | None = None,
        iterate_callback: Callable[[int, np.ndarray], None] | None = None,
    ) -> StochasticResult:
        return _run(
            problem,
            method,
            sketchy=True,
            step=None,
            w0=w0,
            max_passes=max_passes,
            batch_size=batch_size,
            hessian_batch_size=hessian_batch_size,
            rank=rank,
            rho=rho,
            update_epochs=_default_update(problem, update_epochs),
            f_star=f_star,
            stop_tol=stop_tol,
            seed=seed,
            preconditioner=preconditioner,
            callback=callback,
            iterate_callback=iterate_callback,
        )

    solver.__doc__ = doc + _SKETCHY_DOC
    solver.__name__ = f"sketchy_{method}"
    return solver


sketchy_sgd = _make_sketchy(
    "sgd",
    """SketchySGD: ``w <- w - eta P^{-1} g_B(w)``, ``eta = 1 / (2 L_P)`` (SketchySGD Alg. 2.1).""",
)
sketchy_svrg = _make_sketchy(
    "svrg",
    """SketchySVRG: ``w <- w - eta P^{-1} (g_B(w) - g_B(w_snap) + grad f(w_snap))``, snapshot every
    epoch, ``eta = max(1/(2(n mu + L_P)), 1/(3 L_P))`` (PROMISE Alg. SketchySVRG).""",
)
sketchy_saga = _make_sketchy(
    "saga",
    """SketchySAGA (b-nice): ``w <- w - eta P^{-1} (mu w + g_SAGA)`` with the table of component
    gradients, ``eta = max(1/(2(n mu + L_P)), 1/(3 L_P))`` (PROMISE Alg. SketchySAGA).""",
)
sketchy_katyusha = _make_sketchy(
    "katyusha",
    """SketchyKatyusha (loopless): L-Katyusha with ``L = L_P``, ``sigma = mu / L_P``,
    ``theta_1 = min(sqrt(2 n sigma / 3), 1/2)``, ``theta_2 = 1/2``,
    ``eta = theta_2 / ((1 + theta_2) theta_1)``, snapshot probability ``b_g / n``, and the
    z-update preconditioned by ``P^{-1}`` (PROMISE Alg. SketchyKatyusha).""",
)


def _make_baseline(method: str, doc: str):
    def solver(
        problem: FiniteSum,
        step: float,
        *,
        max_passes: float = 200.0,
        w0: np.ndarray | None = None,
        batch_size: int = 256,
        f_star: float | None = None,
        stop_tol: float = 1e-10,
        seed: int | np.random.Generator = 0,
        callback: Callable[[int, np.ndarray], None] | None = None,
    ) -> StochasticResult:
        step = check_positive_float(step, "step")
        return _run(
            problem,
            method,
            sketchy=False,
            step=step,
            w0=w0,
            max_passes=max_passes,
            batch_size=batch_size,
            hessian_batch_size=None,
            rank=1,
            rho=1.0,
            update_epochs=None,
            f_star=f_star,
            stop_tol=stop_tol,
            seed=seed,
            callback=callback,
        )

    solver.__doc__ = (
        doc
        + """
    Parameters
    ----------
    problem : FiniteSum
    step : float
        Learning rate (SGD, SVRG, SAGA) or smoothness constant ``L`` (L-Katyusha), > 0; PROMISE
        tunes it on a 10-point log grid (``performance_experiments.py``).
    max_passes, w0, batch_size, f_star, stop_tol, seed, callback
        As for the Sketchy methods.

    Returns
    -------
    StochasticResult

    References
    ----------
    R. Johnson and T. Zhang, NeurIPS 2013 (SVRG); A. Defazio, F. Bach and S. Lacoste-Julien,
    NeurIPS 2014 (SAGA; b-nice sampling: N. Gazagnadou, R. M. Gower, J. Salmon, ICML 2019);
    D. Kovalev, S. Horvath and P. Richtarik, ALT 2020, Alg. 2 (L-Katyusha).
"""
    )
    solver.__name__ = "l_katyusha" if method == "katyusha" else method
    return solver


sgd = _make_baseline("sgd", """Minibatch SGD ``w <- w - step g_B(w)``.""")
svrg = _make_baseline("svrg", """Minibatch SVRG with a snapshot every epoch.""")
saga = _make_baseline("saga", """b-nice SAGA with a table of component gradients.""")
l_katyusha = _make_baseline("katyusha", """Loopless Katyusha with smoothness constant ``step``.""")


def lbfgs_two_loop(g: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """``H g`` for the L-BFGS inverse-Hessian approximation of the curvature ``pairs`` (s, y).

    Two-loop recursion (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.4) with
    ``H_0 = (s^T y / y^T y) I`` from the newest pair; equals the dense BFGS update
    ``H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T`` applied oldest to newest. With no pairs
    it returns ``g``.
    """
    if not pairs:
        return np.array(g, dtype=np.float64)
    q = np.array(g, dtype=np.float64)
    coefs = []
    for s_k, y_k in reversed(pairs):
        rho = 1.0 / float(y_k @ s_k)
        a = rho * float(s_k @ q)
        q -= a * y_k
        coefs.append((rho, a))
    s_n, y_n = pairs[-1]
    r = (float(s_n @ y_n) / float(y_n @ y_n)) * q
    for (s_k, y_k), (rho, a) in zip(pairs, reversed(coefs), strict=True):
        b = rho * float(y_k @ r)
        r += (a - b) * s_k
    return r


def slbfgs(
    problem: FiniteSum,
    step: float,
    *,
    max_passes: float = 200.0,
    w0: np.ndarray | None = None,
    batch_size: int = 256,
    hessian_batch_size: int | None = None,
    memory: int = 10,
    f_star: float | None = None,
    stop_tol: float = 1e-10,
    seed: int | np.random.Generator = 0,
    callback: Callable[[int, np.ndarray], None] | None = None,
) -> StochasticResult:
    """Stochastic L-BFGS with SVRG variance reduction (Moritz, Nishihara & Jordan 2016, Alg. 1).

    Each epoch: snapshot ``w_snap`` and its full gradient; ``ceil(n / b)`` steps
    ``x <- x - step H_r v`` with ``v = g_B(x) - g_B(w_snap) + grad f(w_snap)`` and ``H_r`` the
    L-BFGS matrix of the stored pairs (:func:`lbfgs_two_loop`; identity before the first pair);
    at the end of the epoch a curvature pair ``s = u_r - u_{r-1}`` (``u_r`` the average iterate
    of the epoch), ``y = (H_T(u_r) + mu I) s`` on an independent Hessian batch ``T`` of size
    ``b_h`` (kept only if ``s^T y > 0``), at most ``memory`` pairs; the next snapshot is the last
    iterate. PROMISE's baseline configuration: memory 10, ``b_h = floor(sqrt(n))``, one pair per
    epoch, the step tuned on a grid. Data passes: 2 per epoch (as SVRG).

    Parameters
    ----------
    problem : FiniteSum
    step : float
        Learning rate (> 0).
    max_passes, w0, batch_size, f_star, stop_tol, seed, callback
        As for :func:`svrg`.
    hessian_batch_size : int, optional
        ``b_h`` (default ``floor(sqrt(n))``).
    memory : int
        Curvature pairs kept (default 10).

    Returns
    -------
    StochasticResult
        ``method = "slbfgs"``; ``n_precond_updates`` counts the curvature pairs formed.

    References
    ----------
    P. Moritz, R. Nishihara and M. I. Jordan, "A linearly-convergent stochastic L-BFGS
    algorithm", AISTATS 2016, Alg. 1; PROMISE (JMLR 25(346), 2024) Sec. 6 (baseline settings).
    """
    step = check_positive_float(step, "step")
    memory = check_int(memory, "memory", low=1)
    check_positive_float(max_passes, "max_passes")
    rng = rng_from(seed)
    n, p = problem.n, problem.dim
    b = min(check_int(batch_size, "batch_size", low=1), n)
    b_h = int(np.floor(np.sqrt(n))) if hessian_batch_size is None else hessian_batch_size
    b_h = check_int(min(b_h, n), "hessian_batch_size", low=1)
    x = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64).reshape(p)
    iters_per_epoch = int(np.ceil(n / b))
    n_epochs = max(1, int(np.floor(max_passes / PASSES_PER_EPOCH["svrg"])))
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    u_prev: np.ndarray | None = None
    n_pairs = n_iter = 0
    f0 = problem.value(x)
    values, passes = [f0], [0.0]
    diverged = False
    converged = f_star is not None and f0 - f_star <= stop_tol
    for epoch in range(n_epochs):
        if converged or diverged:
            break
        w_snap, g_snap = x.copy(), problem.full_grad(x)
        u_sum = np.zeros(p)
        for _ in range(iters_per_epoch):
            idx = rng.choice(n, b, replace=False)
            v = problem.grad_batch(x, idx) - problem.grad_batch(w_snap, idx) + g_snap
            x = x - step * lbfgs_two_loop(v, pairs)
            u_sum += x
            n_iter += 1
        u = u_sum / iters_per_epoch
        if u_prev is not None:
            s_vec = u - u_prev
            T = rng.choice(n, b_h, replace=False)
            y_vec = problem.hessian_batch(u, T) @ s_vec + problem.mu * s_vec
            sy = float(s_vec @ y_vec)
            if np.isfinite(sy) and sy > 0:  # skip a zero or non-finite step (no curvature)
                pairs = [*pairs, (s_vec, np.asarray(y_vec, dtype=np.float64))][-memory:]
                n_pairs += 1
        u_prev = u
        f = problem.value(x)
        values.append(f)
        passes.append(passes[-1] + PASSES_PER_EPOCH["svrg"])
        if callback is not None:
            callback(epoch + 1, x)
        if not np.isfinite(f) or abs(f) > 1e8 * max(1.0, abs(f0)):
            diverged = True
        elif f_star is not None and f - f_star <= stop_tol:
            converged = True
    return StochasticResult(
        w=x,
        method="slbfgs",
        passes=np.asarray(passes),
        values=np.asarray(values),
        n_iter=n_iter,
        n_precond_updates=n_pairs,
        step_sizes=np.asarray([step]),
        diverged=diverged,
        converged=converged,
    )
