"""Krylov methods on symmetric operators: Lanczos, CG, Hutchinson / Hutch++ traces, SLQ densities.

Every function takes an *operator*: anything ``scipy.sparse.linalg.aslinearoperator`` accepts (a
dense array, a sparse matrix, a ``LinearOperator``), assumed real symmetric. Randomized estimators
take an explicit ``seed`` (an int or a ``numpy.random.Generator``); no global random state is
touched. Results are frozen dataclasses that carry their diagnostics (``n_matvec``, ``converged``,
residuals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator

from shared._krylov import NumpyBackend, trlan
from shared._validate import (
    as_square_operator,
    check_choice,
    check_int,
    check_positive_float,
    check_vector,
    matmat,
    rng_from,
)

__all__ = [
    "CGResult",
    "LanczosResult",
    "SLQQuadrature",
    "TraceResult",
    "TridiagResult",
    "cg",
    "hutchinson_trace",
    "lanczos",
    "lanczos_tridiag",
    "slq_density",
    "slq_quadrature",
]

_EPS = float(np.finfo(np.float64).eps)
# Largest number of float64 entries of one block of probe vectors held at once (32 MiB).
_BLOCK_ENTRIES = 4_000_000


# --------------------------------------------------------------------------------------------
# Lanczos eigensolver
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanczosResult:
    """Extreme eigenpairs of a symmetric operator computed by :func:`lanczos`.

    Attributes
    ----------
    eigenvalues : ndarray, shape (k,)
        Ritz values, sorted in ascending order (as ``numpy.linalg.eigh`` and ``eigsh``).
    eigenvectors : ndarray, shape (n, k)
        Orthonormal Ritz vectors; column ``i`` belongs to ``eigenvalues[i]``.
    residuals : ndarray, shape (k,)
        Bounds on the Ritz residual norms ``||A y_i - theta_i y_i||`` (exact in exact arithmetic
        without a copy check; with one, the residuals of the locked vectors are added).
    n_matvec : int
        Number of operator applications.
    n_restarts : int
        Number of thick restarts performed.
    converged : bool
        Whether every residual met ``max(tol * max(|theta_i|, eps^(2/3) ||A||), 64 eps ||A||)``
        and, for ``k >= 2`` with ``copy_check``, the copy check found no missed eigenvalue.
    status : str
        ``"converged"`` or the reason it did not converge.
    n_copy_checks : int
        Number of fresh random directions used to look for missed copies of repeated eigenvalues.
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    residuals: np.ndarray
    n_matvec: int
    n_restarts: int
    converged: bool
    status: str = "converged"
    n_copy_checks: int = 0


def lanczos(
    A: Any,
    k: int,
    *,
    which: str = "largest",
    num_iter: int | None = None,
    tol: float = 1e-10,
    seed: int | np.random.Generator = 0,
    max_restarts: int | None = None,
    num_keep: int | None = None,
    check_every: int = 1,
    copy_check: bool = True,
    tol_check: float | None = None,
) -> LanczosResult:
    """Extreme eigenpairs of a symmetric operator by thick-restart Lanczos.

    Builds an orthonormal Krylov basis ``V_j`` with ``A V_j = V_j T_j + beta_j v_{j+1} e_j^T``.
    Each new vector is orthogonalised against the whole basis by classical Gram-Schmidt, with a
    second pass only when the first removed more than ``1 - 1/sqrt(2)`` of its norm (the DGKS
    criterion, as ARPACK), so ``T_j = V_j^T A V_j`` is exact to rounding and no spurious copies
    of Ritz values appear. The Ritz pairs ``(theta_i, V_j s_i)`` of ``T_j`` have residual norms
    ``|beta_j e_j^T s_i|``; they are checked every ``check_every`` steps and the iteration stops
    as soon as the ``k`` wanted residuals are below

        max(tol * max(|theta_i|, eps^(2/3) ||A||), 64 eps ||A||),

    where ``||A||`` is a running estimate (the largest ``||A v_j||`` and ``|theta_i|`` seen). The
    rounding floor ``64 eps ||A||`` makes Ritz values at or near zero (null spaces) converge; all
    tests are relative to ``||A||``, so ``c A`` needs the same matvecs as ``A`` for any ``c > 0``.
    A breakdown (``beta_j <= 64 eps ||A||`` or a failed second DGKS pass: an invariant subspace)
    continues with a random vector orthogonal to the basis. When the basis is full, the method
    restarts thickly: it keeps the ``num_keep`` Ritz vectors nearest the wanted end plus
    ``v_{m+1}`` (an arrowhead projected matrix) and extends the basis again to ``m`` vectors.

    Copy check (``k >= 2``): a single Krylov sequence contains one vector of each eigenspace, so a
    repeated eigenvalue can be returned once with a less extreme eigenvalue in place of its copies.
    When the ``k`` wanted pairs have converged, they are locked (their residuals are carried as
    bounds) and the iteration continues from a fresh random vector in their orthogonal
    complement. It stops when the ``(k+1)``-th Ritz value has converged to ``tol_check`` without
    displacing any wanted one; if a new eigenvalue enters the wanted set (a missed copy), the
    check is repeated with another random vector.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Real symmetric operator.
    k : int
        Number of eigenpairs, ``1 <= k <= n``.
    which : {"largest", "smallest"}
        Largest or smallest algebraic eigenvalues (indefinite spectra are fine).
    num_iter : int, optional
        Size ``m`` of the Krylov basis between restarts, ``k < m <= n`` (``m = n`` is allowed for
        any ``k`` and gives the exact answer without restart). Default ``min(n, max(2k + 10, 30))``,
        a little larger than ARPACK's default ``ncv = max(2k + 1, 20)`` (Lehoucq, Sorensen & Yang
        1998, ARPACK Users' Guide, Sec. 4.2); with the early exit a larger basis costs nothing on
        easy spectra.
    tol : float
        Relative tolerance on the Ritz residuals (default 1e-10).
    seed : int or numpy.random.Generator
        Randomness of the Gaussian starting vector (and of breakdown / copy-check vectors).
    max_restarts : int, optional
        Maximum number of restarts; default ``max(100, 10 n / (m - k))``.
    num_keep : int, optional
        Ritz vectors kept at a restart, ``k <= num_keep < m``; default ``k + (m - k) // 2``
        (Wu & Simon 2000, Sec. 3, keep about half of the unwanted directions).
    check_every : int
        Convergence is tested every ``check_every`` Lanczos steps (default 1: an ``m x m``
        eigendecomposition per step, negligible next to a product with ``A`` unless ``A`` is
        very cheap).
    copy_check : bool
        Look for missed copies of repeated eigenvalues (default True; only used when ``k >= 2``).
    tol_check : float, optional
        Relative tolerance of the ``(k+1)``-th Ritz residual that ends the copy check (default
        ``max(tol, 1e-4)``).

    Returns
    -------
    LanczosResult
        ``eigenvalues`` (ascending, length ``k``), ``eigenvectors`` (n x k), ``residuals``,
        ``n_matvec``, ``n_restarts``, ``converged``, ``status`` and ``n_copy_checks``.

    Notes
    -----
    The copy check is probabilistic, like every Krylov method from a random start: a missed copy
    is found when the Krylov sequence of the fresh vector resolves it before the ``(k+1)``-th
    Ritz value converges. Copies far from the rest of the spectrum relative to its width are found
    in a few steps; with ``copy_check=False`` a repeated eigenvalue may be returned once.

    References
    ----------
    K. Wu and H. Simon, "Thick-restart Lanczos method for large symmetric eigenvalue problems",
    SIAM J. Matrix Anal. Appl. 22(2):602-616, 2000, Sec. 2 (restart scheme and arrowhead matrix).
    B. N. Parlett, "The Symmetric Eigenvalue Problem", SIAM 1998, Sec. 13.1 (full
    reorthogonalisation) and Sec. 13.2 (attainable accuracy). J. W. Daniel, W. B. Gragg,
    L. Kaufman and G. W. Stewart, Math. Comp. 30(136):772-795, 1976 (the second Gram-Schmidt
    pass). Default basis size and the ``eps^(2/3)`` term as ARPACK: R. B. Lehoucq,
    D. C. Sorensen and C. Yang, "ARPACK Users' Guide", SIAM 1998, Sec. 4.2 and 4.6. Locking and
    deflation: Y. Saad, "Numerical Methods for Large Eigenvalue Problems", 2nd ed., SIAM 2011,
    Sec. 4.2.
    """
    op = as_square_operator(A)
    n = op.shape[0]
    k = check_int(k, "k", low=1, high=n)
    which = check_choice(which, "which", ("largest", "smallest"))
    m, keep, tol, max_restarts, check_every, tol_check = lanczos_settings(
        n, k, num_iter, tol, max_restarts, num_keep, check_every, tol_check
    )
    rng = rng_from(seed)
    sign = 1.0 if which == "largest" else -1.0

    def apply(x: np.ndarray) -> np.ndarray:
        y = np.asarray(op.matvec(x), dtype=np.float64).reshape(-1)
        return y if sign > 0 else -y

    be = NumpyBackend(apply, n, rng)
    out = trlan(
        be,
        rng.standard_normal(n),
        k,
        m,
        keep,
        tol,
        max_restarts,
        check_every,
        bool(copy_check),
        tol_check,
    )
    theta, vectors, residuals = out.theta, out.vectors.T, out.residuals
    if sign < 0:
        theta, vectors, residuals = -theta[::-1], vectors[:, ::-1], residuals[::-1]
    return LanczosResult(
        eigenvalues=theta.copy(),
        eigenvectors=np.ascontiguousarray(vectors),
        residuals=residuals.copy(),
        n_matvec=out.n_matvec,
        n_restarts=out.n_restarts,
        converged=out.converged,
        status=out.status,
        n_copy_checks=out.n_copy_checks,
    )


def lanczos_settings(
    n: int,
    k: int,
    num_iter: int | None,
    tol: float,
    max_restarts: int | None,
    num_keep: int | None,
    check_every: int,
    tol_check: float | None,
) -> tuple[int, int, float, int, int, float]:
    """Validated defaults of :func:`lanczos` (shared with the torch path)."""
    if num_iter is None:
        m = min(n, max(2 * k + 10, 30))
    else:
        m = check_int(num_iter, "num_iter", low=min(k + 1, n), high=n)
    tol = check_positive_float(tol, "tol")
    if max_restarts is None:
        max_restarts = max(100, (10 * n) // max(1, m - k))
    max_restarts = check_int(max_restarts, "max_restarts", low=0)
    if num_keep is None:
        keep = min(m - 1, k + (m - k) // 2)
    else:
        keep = check_int(num_keep, "num_keep", low=min(k, m - 1), high=max(m - 1, 1))
    check_every = check_int(check_every, "check_every", low=1)
    if tol_check is None:
        tol_check = max(tol, 1e-4)
    tol_check = check_positive_float(tol_check, "tol_check")
    return m, keep, tol, max_restarts, check_every, tol_check


# --------------------------------------------------------------------------------------------
# Lanczos tridiagonalisation (batched over starting vectors) and stochastic Lanczos quadrature
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TridiagResult:
    """Lanczos tridiagonal matrices ``T_i = V_i^T A V_i`` of several starting vectors.

    Attributes
    ----------
    alphas : ndarray, shape (p, m)
        Diagonals of the ``p`` tridiagonal matrices.
    betas : ndarray, shape (p, m - 1)
        Off-diagonals. A zero marks an invariant subspace (a "lucky breakdown"): the trailing block
        is then decoupled and carries no quadrature weight.
    start_norms : ndarray, shape (p,)
        Euclidean norms of the (unnormalised) starting vectors.
    n_matvec : int
        Number of operator applications to single vectors (``p * m``).
    """

    alphas: np.ndarray
    betas: np.ndarray
    start_norms: np.ndarray
    n_matvec: int


def lanczos_tridiag(
    A: Any,
    num_iter: int,
    *,
    start: np.ndarray | None = None,
    num_probes: int = 1,
    seed: int | np.random.Generator = 0,
    reorthogonalize: bool = True,
    block_size: int = 1,
) -> TridiagResult:
    """Lanczos tridiagonalisation from several starting vectors at once (one block matvec a step).

    For each starting vector ``z_i`` the three-term recurrence
    ``beta_j v_{j+1} = A v_j - alpha_j v_j - beta_{j-1} v_{j-1}``, ``v_1 = z_i / ||z_i||``, runs
    ``m = num_iter`` steps; the ``p`` recurrences advance together so that each step costs one
    block product ``A [v^(1) ... v^(p)]``. With ``reorthogonalize=True`` each new vector is
    orthogonalised twice against its own basis. Probes are streamed in blocks of ``block_size``
    recurrences (default 1: one probe at a time), so the basis takes ``block_size * m * n``
    floats, not ``p * m * n``; the results do not depend on ``block_size`` beyond rounding.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Real symmetric operator.
    num_iter : int
        Number of Lanczos steps ``m``, ``1 <= m <= n``.
    start : ndarray, shape (n,) or (n, p), optional
        Starting vectors. Default: ``num_probes`` Rademacher vectors drawn from ``seed``.
    num_probes : int
        Number of random starting vectors when ``start`` is not given.
    seed : int or numpy.random.Generator
        Randomness of the Rademacher starting vectors.
    reorthogonalize : bool
        Full reorthogonalisation (default True; PyHessian and Ghorbani et al. 2019 do the same).
    block_size : int
        Probes advanced together with one block product per step (default 1). A block saves
        Python overhead for cheap operators; for autodiff Hessians a loop of single products was
        measured faster than batched ones (``benchmarks/run_all.py``) and needs less memory.

    Returns
    -------
    TridiagResult
        ``alphas`` (p, m), ``betas`` (p, m - 1), ``start_norms`` and ``n_matvec``.

    References
    ----------
    C. Lanczos, J. Res. Nat. Bur. Standards 45:255-282, 1950. G. H. Golub and G. Meurant,
    "Matrices, Moments and Quadrature with Applications", Princeton 2010, Sec. 4.1 (Lanczos) and
    Sec. 6.2 (Gauss quadrature). S. Ubaru, J. Chen and Y. Saad, SIAM J. Matrix Anal. Appl.
    38(4):1075-1099, 2017, Alg. 1 (Rademacher starting vectors).
    """
    op = as_square_operator(A)
    n = op.shape[0]
    m = check_int(num_iter, "num_iter", low=1, high=n)
    if start is None:
        p = check_int(num_probes, "num_probes", low=1)
        rng = rng_from(seed)
        Z = rng.choice(np.array([-1.0, 1.0]), size=(n, p))
    else:
        Z = np.asarray(start, dtype=np.float64)
        if Z.ndim == 1:
            Z = Z[:, None]
        if Z.ndim != 2 or Z.shape[0] != n:
            raise ValueError(f"start has shape {np.shape(start)}: need (n,) or (n, p) with n={n}")
        if not np.all(np.isfinite(Z)):
            raise ValueError("start contains NaN or inf: need finite starting vectors")
        p = Z.shape[1]
    block_size = check_int(block_size, "block_size", low=1)
    norms = np.linalg.norm(Z, axis=0)
    if np.any(norms == 0):
        raise ValueError("start has a zero column: every starting vector must be nonzero")
    alphas = np.zeros((p, m))
    betas = np.zeros((p, max(m - 1, 0)))
    n_matvec = 0
    for b in range(0, p, block_size):
        cols = slice(b, min(p, b + block_size))
        a_blk, b_blk = _tridiag_block(op, Z[:, cols] / norms[cols], m, reorthogonalize)
        alphas[cols], betas[cols] = a_blk, b_blk
        n_matvec += a_blk.shape[0] * m
    return TridiagResult(alphas=alphas, betas=betas, start_norms=norms, n_matvec=n_matvec)


def _tridiag_block(
    op: LinearOperator, Zn: np.ndarray, m: int, reorthogonalize: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Lanczos recurrences of the unit columns of ``Zn`` (n, p), advanced together."""
    n, p = Zn.shape
    Qcur = Zn.T.copy()  # (p, n)
    basis = np.zeros((p, m, n)) if reorthogonalize else None
    alphas = np.zeros((p, m))
    betas = np.zeros((p, max(m - 1, 0)))
    Qprev = np.zeros_like(Qcur)
    beta_prev = np.zeros(p)
    alive = np.ones(p, dtype=bool)
    for j in range(m):
        if basis is not None:
            basis[:, j, :] = Qcur
        W = matmat(op, Qcur.T).T  # (p, n)
        w_norm = np.linalg.norm(W, axis=1)
        alpha = np.einsum("pn,pn->p", Qcur, W)
        W -= alpha[:, None] * Qcur + beta_prev[:, None] * Qprev
        if basis is not None:
            Bj = basis[:, : j + 1, :]
            for _ in range(2):
                c = np.matmul(Bj, W[:, :, None])  # (p, j+1, 1)
                W -= np.matmul(Bj.transpose(0, 2, 1), c)[:, :, 0]
                alpha += c[:, j, 0]
        alpha = np.where(alive, alpha, 0.0)
        alphas[:, j] = alpha
        if j == m - 1:
            break
        beta = np.linalg.norm(W, axis=1)
        broke = beta <= 10 * n * _EPS * np.maximum(w_norm, np.abs(alpha))
        alive &= ~broke
        beta = np.where(alive, beta, 0.0)
        betas[:, j] = beta
        Qprev = Qcur
        safe = np.where(alive, beta, 1.0)
        Qcur = np.where(alive[:, None], W / safe[:, None], 0.0)
        beta_prev = beta
    return alphas, betas


@dataclass(frozen=True)
class SLQQuadrature:
    """Gauss quadrature rules of stochastic Lanczos quadrature, one per probe.

    ``sum_j weights[i, j] * f(nodes[i, j])`` approximates ``q_i^T f(A) q_i`` with
    ``q_i = z_i / ||z_i||``, exactly when ``f`` is a polynomial of degree ``<= 2m - 1``; for
    Rademacher ``z_i`` its mean over probes is an unbiased estimate of ``tr f(A) / n``.

    Attributes
    ----------
    nodes : ndarray, shape (p, m)
        Ritz values of each probe's tridiagonal matrix.
    weights : ndarray, shape (p, m)
        Squared first components of the Ritz vectors; each row sums to 1.
    n_matvec : int
        Number of operator applications.
    """

    nodes: np.ndarray
    weights: np.ndarray
    n_matvec: int


def slq_quadrature(
    A: Any,
    *,
    num_probes: int,
    num_iter: int,
    seed: int | np.random.Generator = 0,
) -> SLQQuadrature:
    """Stochastic Lanczos quadrature rules (nodes and weights) of a symmetric operator.

    For Rademacher probes ``z_i`` and ``q_i = z_i / sqrt(n)``, ``m`` Lanczos steps give
    ``T_i = S_i diag(theta_i) S_i^T`` and the Gauss rule with nodes ``theta_i`` and weights
    ``tau_ij = (e_1^T s_ij)^2``: ``q_i^T f(A) q_i ~ sum_j tau_ij f(theta_ij)``.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Real symmetric operator.
    num_probes : int
        Number of Rademacher probes (>= 1).
    num_iter : int
        Lanczos steps per probe, ``1 <= num_iter <= n``.
    seed : int or numpy.random.Generator
        Randomness of the probes.

    Returns
    -------
    SLQQuadrature
        ``nodes`` and ``weights`` of shape (num_probes, num_iter), ``n_matvec``.

    References
    ----------
    S. Ubaru, J. Chen and Y. Saad, "Fast estimation of tr(f(A)) via stochastic Lanczos
    quadrature", SIAM J. Matrix Anal. Appl. 38(4):1075-1099, 2017, Sec. 3 and Alg. 1.
    """
    res = lanczos_tridiag(A, num_iter, num_probes=num_probes, seed=seed)
    p, m = res.alphas.shape
    nodes = np.empty((p, m))
    weights = np.empty((p, m))
    for i in range(p):
        if m == 1:
            nodes[i] = res.alphas[i]
            weights[i] = 1.0
            continue
        theta, S = scipy.linalg.eigh_tridiagonal(res.alphas[i], res.betas[i])
        nodes[i] = theta
        weights[i] = S[0, :] ** 2
    return SLQQuadrature(nodes=nodes, weights=weights, n_matvec=res.n_matvec)


def slq_density(
    A: Any,
    *,
    num_probes: int,
    num_iter: int,
    grid: np.ndarray | int,
    sigma: float,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed spectral density of a symmetric operator by stochastic Lanczos quadrature.

    The spectral density ``phi(t) = (1/n) sum_k delta(t - lambda_k)`` is smoothed by a Gaussian
    ``g_sigma`` and estimated as

        phi_sigma(t) ~ (1/p) sum_i sum_j tau_ij g_sigma(t - theta_ij),

    with the SLQ nodes ``theta_ij`` and weights ``tau_ij`` of :func:`slq_quadrature`. Each probe's
    weights sum to 1, so the density has mass 1 on the real line; its mean equals
    ``(1/p) sum_i q_i^T A q_i`` (unbiased for ``tr(A)/n``), and its second moment equals that of
    the quadrature rule plus ``sigma^2``.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Real symmetric operator.
    num_probes : int
        Number of Rademacher probes (Ghorbani et al. 2019, Sec. 2, use 10 for neural networks).
    num_iter : int
        Lanczos steps per probe (Ghorbani et al. 2019 use 90; ``<= n``).
    grid : ndarray or int
        Points at which the density is evaluated (1-D, finite), or a number of points (>= 2) for
        an even grid spanning the Ritz values with a margin of ``5 sigma``.
    sigma : float
        Standard deviation of the Gaussian kernel (> 0).
    seed : int or numpy.random.Generator
        Randomness of the probes.

    Returns
    -------
    grid : ndarray, shape (g,)
        The evaluation points.
    density : ndarray, shape (g,)
        The smoothed density at ``grid``.

    References
    ----------
    S. Ubaru, J. Chen and Y. Saad, SIAM J. Matrix Anal. Appl. 38(4):1075-1099, 2017, Alg. 1.
    B. Ghorbani, S. Krishnan and Y. Xiao, "An investigation into neural net optimization via
    Hessian eigenvalue density", ICML 2019, Sec. 2 and App. A (Gaussian smoothing). L. Lin,
    Y. Saad and C. Yang, "Approximating spectral densities of large matrices", SIAM Review
    58(1):34-65, 2016, Sec. 3.2.
    """
    sigma = check_positive_float(sigma, "sigma")
    _validate_grid(grid)
    quad = slq_quadrature(A, num_probes=num_probes, num_iter=num_iter, seed=seed)
    return _density_from_rules(quad, grid, sigma)


def _validate_grid(grid: Any) -> None:
    if isinstance(grid, (int, np.integer)) and not isinstance(grid, bool):
        check_int(grid, "grid", low=2)
    else:
        g = np.asarray(grid)
        if g.ndim != 1 or g.size < 1:
            raise ValueError(f"grid has shape {g.shape}: need a 1-D array of points or an int >= 2")
        if not np.issubdtype(g.dtype, np.number) or not np.all(np.isfinite(g)):
            raise ValueError("grid must contain finite real numbers")


def _density_from_rules(
    quad: SLQQuadrature, grid: Any, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-smoothed density of the quadrature rules (mean over probes)."""
    nodes = quad.nodes.reshape(-1)
    weights = quad.weights.reshape(-1) / quad.nodes.shape[0]
    if isinstance(grid, (int, np.integer)):
        t = np.linspace(nodes.min() - 5 * sigma, nodes.max() + 5 * sigma, int(grid))
    else:
        t = np.asarray(grid, dtype=np.float64)
    density = np.zeros_like(t)
    norm = 1.0 / (sigma * np.sqrt(2.0 * np.pi))
    chunk = max(1, _BLOCK_ENTRIES // max(1, t.size))
    for s in range(0, nodes.size, chunk):
        d = (t[:, None] - nodes[None, s : s + chunk]) / sigma
        density += np.exp(-0.5 * d * d) @ weights[s : s + chunk]
    return t, density * norm


# --------------------------------------------------------------------------------------------
# Trace estimation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceResult:
    """A randomized trace estimate.

    Attributes
    ----------
    value : float
        The estimate of ``tr(A)``.
    stderr : float
        Estimated standard error of ``value`` (sample standard deviation of the per-probe
        quadratic forms over ``sqrt`` of their number); ``nan`` with a single probe. For Hutch++
        it is the standard error conditional on the sketch, which is unbiased for the
        unconditional variance because the conditional mean is exact.
    n_matvec : int
        Number of operator applications to single vectors.
    method : str
        ``"hutchinson"`` or ``"hutch++"``.
    """

    value: float
    stderr: float
    n_matvec: int
    method: str


def hutchinson_trace(
    A: Any,
    num_probes: int,
    *,
    seed: int | np.random.Generator = 0,
    method: str = "hutchinson",
) -> TraceResult:
    """Randomized estimate of ``tr(A)`` from matrix-vector products.

    Hutchinson: ``tr(A) ~ (1/m) sum_i z_i^T A z_i`` with Rademacher ``z_i``; variance
    ``2 (||A||_F^2 - sum_i A_ii^2) / m``.

    Hutch++: split the ``m`` products in three. With ``S`` (n x s) and ``G`` (n x g) Rademacher,
    ``s = floor(m/3)``, ``g = m - 2s``, ``Q = orth(A S)`` and ``P = I - Q Q^T``:
    ``tr(A) ~ tr(Q^T A Q) + (1/g) tr(G^T P A P G)``. Its error decays like ``1/m`` instead of
    ``1/sqrt(m)`` for matrices with decaying spectra.

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Real symmetric operator.
    num_probes : int
        Total number of matrix-vector products ``m`` (>= 1; >= 3 for Hutch++).
    seed : int or numpy.random.Generator
        Randomness of the probes.
    method : {"hutchinson", "hutch++"}
        The estimator.

    Returns
    -------
    TraceResult
        ``value``, ``stderr``, ``n_matvec`` (= ``num_probes``) and ``method``.

    References
    ----------
    M. F. Hutchinson, "A stochastic estimator of the trace of the influence matrix for Laplacian
    smoothing splines", Comm. Statist. Simulation Comput. 19(2):433-450, 1990 (Rademacher
    probes). R. A. Meyer, C. Musco, C. Musco and D. P. Woodruff, "Hutch++: Optimal stochastic
    trace estimation", SOSA 2021, Alg. 1 (the m/3 split).
    """
    op = as_square_operator(A)
    n = op.shape[0]
    method = check_choice(method, "method", ("hutchinson", "hutch++"))
    low = 3 if method == "hutch++" else 1
    m = check_int(num_probes, "num_probes", low=low)
    rng = rng_from(seed)
    if method == "hutchinson":
        forms = _quadratic_forms(op, rng, n, m, basis=None)
        return TraceResult(
            value=float(forms.mean()), stderr=_stderr(forms), n_matvec=m, method=method
        )
    s = m // 3
    g = m - 2 * s
    S = rng.choice(np.array([-1.0, 1.0]), size=(n, s))
    Q, _ = np.linalg.qr(matmat(op, S))
    AQ = matmat(op, Q)
    top = float(np.einsum("ij,ij->", Q, AQ))
    forms = _quadratic_forms(op, rng, n, g, basis=Q)
    return TraceResult(
        value=top + float(forms.mean()), stderr=_stderr(forms), n_matvec=m, method=method
    )


def _quadratic_forms(
    op: LinearOperator, rng: np.random.Generator, n: int, m: int, basis: np.ndarray | None
) -> np.ndarray:
    """``z_i^T P A P z_i`` for ``m`` Rademacher probes, in blocks; ``P = I - basis basis^T``."""
    out = np.empty(m)
    block = max(1, min(m, _BLOCK_ENTRIES // n))
    for s in range(0, m, block):
        Z = rng.choice(np.array([-1.0, 1.0]), size=(n, min(block, m - s)))
        if basis is not None:
            Z -= basis @ (basis.T @ Z)
        out[s : s + Z.shape[1]] = np.einsum("ij,ij->j", Z, matmat(op, Z))
    return out


def _stderr(values: np.ndarray) -> float:
    if values.size < 2:
        return float("nan")
    return float(values.std(ddof=1) / np.sqrt(values.size))


# --------------------------------------------------------------------------------------------
# Conjugate gradients
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CGResult:
    """Result of (preconditioned) conjugate gradients.

    Attributes
    ----------
    x : ndarray, shape (n,)
        The approximate solution.
    n_iter : int
        Number of CG iterations (one product with the operator each).
    residuals : ndarray, shape (n_iter + 1,)
        Relative residual norms ``||r_j|| / ||b||`` of the recurrence, from ``j = 0``.
    converged : bool
        Whether ``residuals[-1] <= tol``.
    n_matvec : int
        Total operator applications, including the final true-residual check (and, for
        :func:`shared.sketch.nystrom_pcg`, the sketch).
    true_residual : float
        ``||b - A x|| / ||b||`` recomputed from scratch at the end.
    status : str
        ``"converged"``, ``"maxiter"`` or the reason of a breakdown.
    rank : int or None
        Rank of the Nystrom preconditioner (``nystrom_pcg`` only).
    """

    x: np.ndarray
    n_iter: int
    residuals: np.ndarray
    converged: bool
    n_matvec: int
    true_residual: float
    status: str
    rank: int | None = None


def cg(
    A: Any,
    b: Any,
    *,
    M: Any = None,
    tol: float = 1e-10,
    maxiter: int | None = None,
    x0: Any = None,
) -> CGResult:
    """Solve ``A x = b`` for symmetric positive definite ``A`` by (preconditioned) CG.

    With ``r_0 = b - A x_0``, ``z_0 = M r_0``, ``p_0 = z_0`` the iteration is
    ``a_j = r_j^T z_j / p_j^T A p_j``, ``x_{j+1} = x_j + a_j p_j``, ``r_{j+1} = r_j - a_j A p_j``,
    ``z_{j+1} = M r_{j+1}``, ``p_{j+1} = z_{j+1} + (r_{j+1}^T z_{j+1} / r_j^T z_j) p_j``. It stops
    when ``||r_j|| <= tol ||b||`` (unpreconditioned residual, as scipy's ``cg``).

    Parameters
    ----------
    A : array_like, sparse matrix or LinearOperator, shape (n, n)
        Symmetric positive definite operator.
    b : array_like, shape (n,)
        Right-hand side.
    M : array_like, sparse matrix or LinearOperator, optional
        Preconditioner applying an approximation of ``A^{-1}`` (symmetric positive definite), as
        scipy's ``M``.
    tol : float
        Relative residual tolerance (default 1e-10).
    maxiter : int, optional
        Maximum number of iterations (default ``10 n``).
    x0 : array_like, optional
        Starting point (default zero).

    Returns
    -------
    CGResult
        ``x``, ``n_iter``, ``residuals``, ``converged``, ``n_matvec``, ``true_residual``,
        ``status``.

    References
    ----------
    M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear systems",
    J. Res. Nat. Bur. Standards 49(6):409-436, 1952. Y. Saad, "Iterative Methods for Sparse Linear
    Systems", 2nd ed., SIAM 2003, Alg. 9.1 (preconditioned CG).
    """
    op = as_square_operator(A)
    n = op.shape[0]
    b = check_vector(b, n, "b")
    tol = check_positive_float(tol, "tol")
    maxiter = 10 * n if maxiter is None else check_int(maxiter, "maxiter", low=0)
    Mop = None
    if M is not None:
        Mop = as_square_operator(M, "M")
        if Mop.shape[0] != n:
            raise ValueError(f"M has shape {Mop.shape}: need ({n}, {n}) to match A")
    b_norm = float(np.linalg.norm(b))
    n_matvec = 0
    if x0 is None:
        x = np.zeros(n)
        r = b.copy()
    else:
        x = check_vector(x0, n, "x0")
        r = b - _apply(op, x)
        n_matvec += 1
    if b_norm == 0.0:
        return CGResult(
            x=np.zeros(n),
            n_iter=0,
            residuals=np.zeros(1),
            converged=True,
            n_matvec=n_matvec,
            true_residual=0.0,
            status="converged",
        )
    z = r if Mop is None else _apply(Mop, r)
    p = z.copy()
    rz = float(r @ z)
    residuals = [float(np.linalg.norm(r)) / b_norm]
    status = "maxiter"
    n_iter = 0
    while True:
        if residuals[-1] <= tol:
            status = "converged"
            break
        if n_iter >= maxiter:
            break
        Ap = _apply(op, p)
        n_matvec += 1
        pAp = float(p @ Ap)
        if not pAp > 0.0:
            status = f"breakdown: p^T A p = {pAp:.3e} <= 0 (A is not positive definite)"
            break
        a = rz / pAp
        x += a * p
        r -= a * Ap
        n_iter += 1
        residuals.append(float(np.linalg.norm(r)) / b_norm)
        if residuals[-1] <= tol:
            status = "converged"
            break
        z = r if Mop is None else _apply(Mop, r)
        rz_new = float(r @ z)
        if not rz_new > 0.0:
            status = f"breakdown: r^T M r = {rz_new:.3e} <= 0 (M is not positive definite)"
            break
        p = z + (rz_new / rz) * p
        rz = rz_new
    true_res = float(np.linalg.norm(b - _apply(op, x))) / b_norm
    n_matvec += 1
    return CGResult(
        x=x,
        n_iter=n_iter,
        residuals=np.asarray(residuals),
        converged=status == "converged",
        n_matvec=n_matvec,
        true_residual=true_res,
        status=status,
    )


def _apply(op: LinearOperator, v: np.ndarray) -> np.ndarray:
    out = np.asarray(op.matvec(v))
    if np.iscomplexobj(out):
        raise TypeError("the operator returned complex values: only real symmetric operators")
    return out.astype(np.float64, copy=False).reshape(-1)
