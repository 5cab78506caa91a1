"""Preconditioned stochastic optimizers of PROMISE / SketchySGD and unpreconditioned baselines.

Finite-sum problems ``f(w) = (1/n) sum_i f_i(w) + (mu/2) ||w||^2`` are minimised by

* SketchySGD, SketchySVRG, SketchySAGA (b-nice) and SketchyKatyusha (loopless), which precondition
  the stochastic gradient with ``P = H_hat_S + rho I``, ``H_hat_S`` a rank-``r`` randomized Nystrom
  approximation (:func:`shared.sketch.nystrom`) of a Hessian subsampled on ``b_h`` rows (the
  "NySSN" preconditioner), and take their step size from the *preconditioned* smoothness constant
  ``L_P = lambda_max(P^{-1/2} (H_S' + mu I) P^{-1/2})`` estimated on an independent batch ``S'``;
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
    "FiniteSum",
    "NySSNPreconditioner",
    "StochasticResult",
    "estimate_preconditioned_smoothness",
    "glm_solution",
    "l_katyusha",
    "nyssn_preconditioner",
    "saga",
    "sgd",
    "sketchy_katyusha",
    "sketchy_saga",
    "sketchy_sgd",
    "sketchy_svrg",
    "svrg",
]

LOSSES = ("ridge", "logistic")
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

    def hessian(self, w: np.ndarray) -> np.ndarray:
        """Dense full Hessian ``A^T diag(l''(A w)) A / n + mu I`` (for checks and Newton)."""
        d = self._d2loss(self.A @ w) / self.n
        return (self.A.T * d) @ self.A + self.mu * np.eye(self.dim)


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
    """``P = U diag(lam) U^T + rho I`` (Nystrom approximation of a subsampled Hessian plus rho).

    ``P^{-1} g = U ((lam + rho)^{-1} - rho^{-1}) U^T g + g / rho`` (Woodbury; PROMISE Sec. 4.1)
    and ``P^{-1/2} g = U ((lam + rho)^{-1/2} - rho^{-1/2}) U^T g + g / sqrt(rho)``.
    """

    U: np.ndarray
    eigenvalues: np.ndarray
    rho: float

    def apply_inverse(self, g: np.ndarray) -> np.ndarray:
        """``P^{-1} g`` in O(p r)."""
        c = 1.0 / (self.eigenvalues + self.rho) - 1.0 / self.rho
        return self.U @ (c * (self.U.T @ g)) + g / self.rho

    def apply_inverse_sqrt(self, g: np.ndarray) -> np.ndarray:
        """``P^{-1/2} g`` in O(p r)."""
        c = 1.0 / np.sqrt(self.eigenvalues + self.rho) - 1.0 / np.sqrt(self.rho)
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


def estimate_preconditioned_smoothness(
    H_S: Any, mu: float, precond: NySSNPreconditioner | None, *, seed: int | np.random.Generator = 0
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
) -> StochasticResult:
    check_choice(method, "method", METHODS)
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

    P: NySSNPreconditioner | None = None
    steps: list[float] = []
    n_updates = 0
    L_current = float("nan")

    def refresh(at: np.ndarray) -> None:
        nonlocal P, n_updates, L_current
        S = rng.choice(n, b_h, replace=False)
        S2 = rng.choice(n, b_h, replace=False)  # independent batch for L_P
        P = nyssn_preconditioner(problem.hessian_batch(at, S), rank, rho, seed=rng)
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
        f = problem.value(w)
        values.append(f)
        passes.append(passes[-1] + PASSES_PER_EPOCH[method])
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
        Nystrom rank ``r`` (default 10).
    rho : float
        Preconditioner regularisation (default 1e-3).
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
    max_passes, w0, batch_size, f_star, stop_tol, seed
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
