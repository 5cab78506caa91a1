"""Second-order stochastic approximation (2SPSA / 2RDSA / generalized RDSA Newton).

The adaptive Newton recursion of Spall (2000) as used by 2RDSA (Prashanth et al. 2017) and,
with a (2m+1)-point estimator plugged in, by the generalized RDSA Newton method (Pachal et al.
2026). Generic in the estimator: any callable ``estimator(oracle, X, c, rng) -> ZOEstimate``
with a gradient and a Hessian works unchanged. Vectorised over R independent replications.

Algorithm ([P3] Sec. IV, official code ``twordsa_unif.m``; [S00] eqs. (2.1)-(2.4))
-----------------------------------------------------------------------------------
Phase 1 (first-order warm start), ``warm_fraction * budget`` evaluations of a first-order
estimator (1RDSA / 1SPSA, 2 evaluations each), k = 1, 2, ...:

.. math:: x_{k+1} = \\Gamma(x_k - a^{(1)}_k \\hat g_k), \\quad a^{(1)}_k = a_1/(k+A_1)^{\\alpha_1},
          \\quad c^{(1)}_k = c_1/k^{\\gamma_1}.

Phase 2 (Newton), the rest of the budget, k restarting at 1:

.. math::
    \\bar H_k = \\tfrac{k}{k+1}\\bar H_{k-1} + \\tfrac{1}{k+1}\\hat H_k, \\quad
    \\Upsilon_k = (\\bar H_k^2 + \\tfrac{\\eta_0}{k} I)^{1/2}, \\quad
    x_{k+1} = \\Gamma(x_k - a_k \\Upsilon_k^{-1}\\hat g_k),

with H_bar_0 = h0 I, a_k = a_2/(k+A_2)^alpha_2, c_k = c_2/k^gamma_2 and Gamma the projection on
a box. Upsilon uses the absolute values of the eigenvalues of H_bar (``eigh``), and the
system is solved, never inverted explicitly.

References
----------
.. [P1] Pachal, Prashanth, Bhatnagar, Achar, arXiv:2602.19893 (2026).
.. [P3] Prashanth, Bhatnagar, Fu, Marcus, IEEE TAC 62(5), 2017; arXiv:1502.05577.
.. [S00] Spall, IEEE TAC 45(10), 2000.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from shared.zeroth_order import Oracle, ZOEstimate

__all__ = ["Gains", "NewtonConfig", "NewtonResult", "pd_solve", "stochastic_newton"]

Estimator = Callable[[Oracle, np.ndarray, float, np.random.Generator], ZOEstimate]


@dataclass(frozen=True)
class Gains:
    """Gain schedules a_k = a / (k + A)^alpha and c_k = c / k^gamma.

    Defaults are the Newton phase of the 2RDSA code (a2 = 10, A2 = 0, alpha2 = 0.6,
    c2 = 2 * 1.9, gamma2 = 0.1666701).
    """

    a: float = 10.0
    A: float = 0.0
    alpha: float = 0.6
    c: float = 3.8
    gamma: float = 0.1666701

    def __post_init__(self) -> None:
        for name in ("a", "c"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name}={v!r} is not allowed: need a finite number > 0")
        for name in ("A", "alpha", "gamma"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise ValueError(f"{name}={v!r} is not allowed: need a finite number >= 0")

    def step(self, k: np.ndarray | int) -> np.ndarray:
        return self.a / (np.asarray(k, dtype=np.float64) + self.A) ** self.alpha

    def perturbation(self, k: np.ndarray | int) -> np.ndarray:
        return self.c / np.asarray(k, dtype=np.float64) ** self.gamma


# Warm-start gains of the 2RDSA code: a1 = 1, A1 = 50, alpha1 = 1, c1 = 1.9, gamma1 = 0.101.
WARM_GAINS = Gains(a=1.0, A=50.0, alpha=1.0, c=1.9, gamma=0.101)


@dataclass(frozen=True)
class NewtonConfig:
    """Settings of :func:`stochastic_newton` (defaults: the official 2RDSA code).

    Attributes
    ----------
    budget : int
        Total function evaluations per replication (warm start included).
    warm_fraction : float
        Share of the budget spent in the first-order phase (0.2 in the code).
    warm_gains, gains : Gains
        Phase-1 and Phase-2 schedules.
    h0 : float
        H_bar_0 = h0 I (500 in the code: heavy damping of the first Newton steps).
    reg : float
        eta_0 in Upsilon = sqrtm(H_bar^2 + eta_0 I / k) (1e-6).
    box : (float, float)
        Componentwise bounds (-2.048, 2.047).
    """

    budget: int
    warm_fraction: float = 0.2
    warm_gains: Gains = WARM_GAINS
    gains: Gains = Gains()
    h0: float = 500.0
    reg: float = 1e-6
    box: tuple[float, float] = (-2.048, 2.047)

    def __post_init__(self) -> None:
        if isinstance(self.budget, bool) or int(self.budget) != self.budget or self.budget < 1:
            raise ValueError(f"budget={self.budget!r} is not allowed: need an integer >= 1")
        if not 0.0 <= self.warm_fraction < 1.0:
            raise ValueError(f"warm_fraction={self.warm_fraction!r} is not allowed: need [0, 1)")
        if not self.box[0] < self.box[1]:
            raise ValueError(f"box={self.box!r} is not allowed: need low < high")


@dataclass(frozen=True)
class NewtonResult:
    """Outcome of :func:`stochastic_newton` for R replications.

    Attributes
    ----------
    x : ndarray (R, N)
        Final iterates.
    x_warm : ndarray (R, N)
        Iterates at the end of the warm start.
    hbar : ndarray (R, N, N)
        Final averaged Hessian estimates.
    n_iter_warm, n_iter : int
        Iterations of each phase.
    n_evals : int
        Evaluations used per replication (<= budget).
    converged : bool
        All iterates finite (the recursion has no stopping rule).
    """

    x: np.ndarray
    x_warm: np.ndarray
    hbar: np.ndarray
    n_iter_warm: int
    n_iter: int
    n_evals: int
    converged: bool


def pd_solve(hbar: np.ndarray, g: np.ndarray, reg: float) -> np.ndarray:
    """Solve (H^2 + reg I)^{1/2} s = g for a batch of symmetric H via ``eigh``.

    (H^2 + reg I)^{1/2} = V diag(sqrt(lambda^2 + reg)) V^T: the |eigenvalue| map of Spall
    (2000, Sec. III), regularised.

    Parameters
    ----------
    hbar : ndarray (..., N, N), symmetric
    g : ndarray (..., N)
    reg : float >= 0

    Returns
    -------
    ndarray (..., N)
    """
    lam, V = np.linalg.eigh(hbar)
    coef = np.matmul(np.swapaxes(V, -1, -2), g[..., None])[..., 0] / np.sqrt(lam**2 + reg)
    return np.matmul(V, coef[..., None])[..., 0]


def stochastic_newton(
    oracle: Oracle,
    x0: np.ndarray,
    estimator: Estimator,
    config: NewtonConfig,
    rng: np.random.Generator,
    *,
    warm_estimator: Estimator | None = None,
) -> NewtonResult:
    """Run the two-phase 2SPSA / 2RDSA Newton recursion on R replications at once.

    Parameters
    ----------
    oracle : Oracle
        Noisy objective ``oracle(points (..., N), rng) -> (...)``.
    x0 : ndarray (N,) or (R, N)
        Start (broadcast to every replication if 1-D; then R = 1).
    estimator : callable
        ``estimator(oracle, X, c, rng) -> ZOEstimate`` with gradient (R, N) and Hessian
        (R, N, N); its ``n_evals`` sets the Newton iteration count
        ``floor((budget - n_warm_evals) / n_evals)`` (code: ``(numSimulations - N)/3``).
    config : NewtonConfig
    rng : numpy.random.Generator
    warm_estimator : callable, optional
        First-order estimator for the warm start (needs only a gradient). Without it the warm
        start is skipped.

    Returns
    -------
    NewtonResult
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng={rng!r} is not allowed: pass a numpy.random.Generator")
    X = np.atleast_2d(np.asarray(x0, dtype=np.float64)).copy()
    if X.ndim != 2:
        raise ValueError(f"x0 has shape {np.shape(x0)}: need (N,) or (R, N)")
    R, N = X.shape
    lo, hi = config.box
    used = 0
    n_warm = 0
    if warm_estimator is not None and config.warm_fraction > 0:
        warm_budget = int(config.warm_fraction * config.budget)
        k = 0
        while True:
            est = warm_estimator(oracle, X, float(config.warm_gains.perturbation(k + 1)), rng)
            if used + est.n_evals > warm_budget:
                break
            k += 1
            used += est.n_evals
            X = np.clip(X - config.warm_gains.step(k) * est.gradient, lo, hi)
            # The warm estimate that does not fit is discarded without being counted; to keep
            # evaluation counts exact, stop before drawing it next time.
            if used + est.n_evals > warm_budget:
                break
        n_warm = k
    X_warm = X.copy()
    hbar = np.broadcast_to(config.h0 * np.eye(N), (R, N, N)).copy()
    k = 0
    while True:
        c_k = float(config.gains.perturbation(k + 1))
        est = estimator(oracle, X, c_k, rng)
        if used + est.n_evals > config.budget:
            break
        k += 1
        used += est.n_evals
        hbar = (k / (k + 1.0)) * hbar + est.hessian / (k + 1.0)
        step = pd_solve(hbar, est.gradient, config.reg / k)
        X = np.clip(X - config.gains.step(k) * step, lo, hi)
        if used + est.n_evals > config.budget:
            break
    return NewtonResult(
        x=X,
        x_warm=X_warm,
        hbar=hbar,
        n_iter_warm=n_warm,
        n_iter=k,
        n_evals=used,
        converged=bool(np.all(np.isfinite(X))),
    )
