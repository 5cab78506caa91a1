"""First-order baselines with gradient-evaluation counting: GD, heavy ball, Nesterov, Adam, AdaGrad,
and SciPy's BFGS / L-BFGS, plus the "solved" bookkeeping and grid search of the OSGM papers.

Every method minimises a smooth function given as ``fun(x) -> (f(x), grad f(x))`` and stops when
``||grad f(x)||_inf < tol`` or when its budget of gradient evaluations is spent. One call of
``fun`` counts as one gradient evaluation (the function value comes with it).

The settings follow the official code of Chu, Gao, Ye & Udell (HDM, ICML 2025,
``udellgroup/osgm-best-hypergrad``, ``algorithms/*.py`` and ``exp_svm.py``), as summarised in the
paper card ``osgm.md`` section 3.8:

* GD: ``x -= g / L``.
* GD-HB: ``v = beta v + g / L; x -= v``, ``beta`` in {0.1, 0.5, 0.9, 0.99}.
* AGD-CVX: Nesterov with ``lambda_0 = 1``, ``lambda+ = (1 + sqrt(1 + 4 lambda^2)) / 2``,
  ``beta = (lambda - 1) / lambda+``; each iteration evaluates grad f(x) (stopping test) and
  grad f(y) but is charged **one** evaluation, as in the official code.
* AGD-SCVX: constant ``beta = (sqrt L - sqrt mu)/(sqrt L + sqrt mu)`` with ``mu = 1e-4``;
  charged one evaluation per iteration (same convention).
* Adam (beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected) and AdaGrad (eps 1e-8 outside the
  square root), learning rates from {1e-3, 1e-2, 1e-1, 1, 10, 1/L}.
* BFGS and L-BFGS-M (``maxcor = M``, ``ftol = 1e-25``) through :func:`scipy.optimize.minimize`,
  charged SciPy's ``njev`` (line-search evaluations included).

A run is *solved* when it stopped on the gradient test with fewer than ``max_evals - 1``
gradient evaluations (the printed flag ``stats[GEVALS] < max_iter - 1`` of the official code);
SciPy runs must also report ``success`` and reach ``min ||g||_inf <= 1.1 tol``.

References
----------
Y.-C. Chu, W. Gao, Y. Ye, M. Udell, "Provable and Practical Online Learning Rate Adaptation with
Hypergradient Descent", ICML 2025, arXiv:2502.11229, section 5 and appendix (experiments).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize

__all__ = [
    "FirstOrderResult",
    "GridResult",
    "adagrad",
    "adam",
    "agd_convex",
    "agd_strongly_convex",
    "gd",
    "grid_search",
    "heavy_ball",
    "is_solved",
    "scipy_quasi_newton",
]

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class FirstOrderResult:
    """Outcome of one run of a first-order method.

    Attributes
    ----------
    x : ndarray
        Final iterate.
    f : float
        f(x) at the final iterate.
    grad_inf : float
        ``||grad f(x)||_inf`` at the final iterate (the smallest seen for SciPy methods).
    n_grad : int
        Gradient evaluations charged (the budget the solved rule counts).
    n_iter : int
        Iterations of the method's main loop.
    converged : bool
        The run stopped because ``||grad f||_inf < tol`` (SciPy: ``success`` and
        ``min ||g||_inf <= 1.1 tol``).
    f_hist, ginf_hist : ndarray
        f and ``||grad f||_inf`` after each charged gradient evaluation (at the method's
        iterate; for SciPy at each evaluated point).
    method : str
        Name of the method.
    params : dict
        Hyper-parameters of the run.
    """

    x: np.ndarray
    f: float
    grad_inf: float
    n_grad: int
    n_iter: int
    converged: bool
    f_hist: np.ndarray
    ginf_hist: np.ndarray
    method: str
    params: dict = field(default_factory=dict)


def is_solved(result: Any, max_evals: int = 1000) -> bool:
    """The solved rule of the official code: converged with ``n_grad < max_evals - 1``.

    Parameters
    ----------
    result : FirstOrderResult or any object with ``converged`` and ``n_grad``
        A finished run.
    max_evals : int
        The gradient-evaluation budget (1000 in the paper's protocol).

    Returns
    -------
    bool
    """
    return bool(result.converged) and int(result.n_grad) < int(max_evals) - 1


def _check(x0: np.ndarray, L: float | None, tol: float, max_evals: int) -> np.ndarray:
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim != 1 or x0.size == 0:
        raise ValueError(f"x0 must be a non-empty 1-d array, got shape {x0.shape}")
    if L is not None and not (np.isfinite(L) and L > 0):
        raise ValueError(f"L = {L!r} is not allowed; L must be a positive finite number")
    if not tol > 0:
        raise ValueError(f"tol = {tol!r} is not allowed; tol must be > 0")
    if int(max_evals) < 1:
        raise ValueError(f"max_evals = {max_evals!r} is not allowed; it must be >= 1")
    return x0.copy()


class _Loop:
    """Shared bookkeeping: evaluate, record, test the stopping rule."""

    def __init__(self, fun: Objective, tol: float, max_evals: int):
        self.fun, self.tol, self.max_evals = fun, tol, int(max_evals)
        self.n_grad = 0
        self.f_hist: list[float] = []
        self.g_hist: list[float] = []

    def eval(self, x: np.ndarray, *, charge: bool = True, record: bool = True):
        f, g = self.fun(x)
        if charge:
            self.n_grad += 1
        if record:
            self.f_hist.append(float(f))
            self.g_hist.append(float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf)
        return float(f), g

    def done(self) -> bool:
        """Stop on the gradient test (converged) or on the budget."""
        return (
            self.g_hist[-1] < self.tol
            or self.n_grad >= self.max_evals
            or not np.isfinite(self.f_hist[-1])
        )

    def result(self, x, f, n_iter, method, params) -> FirstOrderResult:
        return FirstOrderResult(
            x=x,
            f=f,
            grad_inf=self.g_hist[-1],
            n_grad=self.n_grad,
            n_iter=n_iter,
            converged=bool(self.g_hist[-1] < self.tol),
            f_hist=np.asarray(self.f_hist),
            ginf_hist=np.asarray(self.g_hist),
            method=method,
            params=params,
        )


def gd(
    fun: Objective,
    x0: np.ndarray,
    L: float,
    *,
    step: float | None = None,
    tol: float = 1e-4,
    max_evals: int = 1000,
) -> FirstOrderResult:
    """Gradient descent ``x <- x - step * grad f(x)`` with ``step = 1/L`` by default.

    Parameters
    ----------
    fun : callable
        ``x -> (f(x), grad f(x))``.
    x0 : ndarray
        Start.
    L : float
        Smoothness constant; the default step is 1/L (card section 3.8).
    step : float, optional
        Fixed step size; overrides 1/L (used for the "best fixed step" comparisons).
    tol, max_evals : float, int
        Stop when ``||g||_inf < tol`` or after ``max_evals`` gradient evaluations.

    Returns
    -------
    FirstOrderResult
    """
    x = _check(x0, L, tol, max_evals)
    h = 1.0 / L if step is None else float(step)
    loop = _Loop(fun, tol, max_evals)
    f, g = loop.eval(x)
    it = 0
    while not loop.done():
        x = x - h * g
        f, g = loop.eval(x)
        it += 1
    return loop.result(x, f, it, "GD", {"step": h})


def heavy_ball(
    fun: Objective,
    x0: np.ndarray,
    L: float,
    *,
    beta: float,
    tol: float = 1e-4,
    max_evals: int = 1000,
) -> FirstOrderResult:
    """Gradient descent with heavy-ball momentum: ``v = beta v + g/L; x -= v``.

    Parameters
    ----------
    beta : float
        Momentum in [0, 1); the paper's grid is {0.1, 0.5, 0.9, 0.99} (card section 3.8).
    Other parameters as in :func:`gd`.

    Returns
    -------
    FirstOrderResult
    """
    x = _check(x0, L, tol, max_evals)
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta = {beta!r} is not allowed; heavy-ball momentum must be in [0, 1)")
    loop = _Loop(fun, tol, max_evals)
    f, g = loop.eval(x)
    v = np.zeros_like(x)
    it = 0
    while not loop.done():
        v = beta * v + g / L
        x = x - v
        f, g = loop.eval(x)
        it += 1
    return loop.result(x, f, it, "GD-HB", {"beta": beta})


def agd_convex(
    fun: Objective, x0: np.ndarray, L: float, *, tol: float = 1e-4, max_evals: int = 1000
) -> FirstOrderResult:
    """Nesterov's accelerated gradient for convex f (AGD-CVX of the official code).

    ``lambda+ = (1 + sqrt(1 + 4 lambda^2))/2``, ``beta = (lambda - 1)/lambda+``,
    ``y = x + beta (x - x_prev)``, ``x+ = y - grad f(y)/L``, ``lambda_0 = 1``. The stopping test
    uses grad f(x); grad f(x) and grad f(y) are both evaluated but one evaluation is charged per
    iteration, as in the official code (card section 3.8, pitfall 8).

    Returns
    -------
    FirstOrderResult
    """
    x = _check(x0, L, tol, max_evals)
    loop = _Loop(fun, tol, max_evals)
    f, _ = loop.eval(x)
    x_prev, lam = x.copy(), 1.0
    it = 0
    while not loop.done():
        lam_next = (1.0 + np.sqrt(1.0 + 4.0 * lam * lam)) / 2.0
        beta = (lam - 1.0) / lam_next
        y = x + beta * (x - x_prev)
        _, gy = loop.eval(y, charge=False, record=False)
        x_prev, x, lam = x, y - gy / L, lam_next
        f, _ = loop.eval(x)
        it += 1
    return loop.result(x, f, it, "AGD-CVX", {})


def agd_strongly_convex(
    fun: Objective,
    x0: np.ndarray,
    L: float,
    *,
    mu: float = 1e-4,
    tol: float = 1e-4,
    max_evals: int = 1000,
) -> FirstOrderResult:
    """Nesterov's method for strongly convex f with constant momentum (AGD-SCVX).

    ``beta = (sqrt L - sqrt mu)/(sqrt L + sqrt mu)``, ``y = x + beta (x - x_prev)``,
    ``x+ = y - grad f(y)/L``; ``mu = 1e-4`` when the problem has no regulariser, as in the
    official code (card pitfall 11). One evaluation charged per iteration (see
    :func:`agd_convex`).

    Returns
    -------
    FirstOrderResult
    """
    x = _check(x0, L, tol, max_evals)
    if not mu > 0:
        raise ValueError(f"mu = {mu!r} is not allowed; mu must be > 0")
    beta = (np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))
    loop = _Loop(fun, tol, max_evals)
    f, _ = loop.eval(x)
    x_prev = x.copy()
    it = 0
    while not loop.done():
        y = x + beta * (x - x_prev)
        _, gy = loop.eval(y, charge=False, record=False)
        x_prev, x = x, y - gy / L
        f, _ = loop.eval(x)
        it += 1
    return loop.result(x, f, it, "AGD-SCVX", {"mu": mu})


def adam(
    fun: Objective,
    x0: np.ndarray,
    *,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    tol: float = 1e-4,
    max_evals: int = 1000,
) -> FirstOrderResult:
    """Adam (Kingma & Ba 2015) with bias correction, deterministic gradients.

    ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``,
    ``x -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)``.

    Returns
    -------
    FirstOrderResult
    """
    x = _check(x0, None, tol, max_evals)
    if not lr > 0:
        raise ValueError(f"lr = {lr!r} is not allowed; lr must be > 0")
    loop = _Loop(fun, tol, max_evals)
    f, g = loop.eval(x)
    m, v = np.zeros_like(x), np.zeros_like(x)
    it = 0
    while not loop.done():
        it += 1
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        x = x - lr * (m / (1 - beta1**it)) / (np.sqrt(v / (1 - beta2**it)) + eps)
        f, g = loop.eval(x)
    return loop.result(x, f, it, "Adam", {"lr": lr})


def adagrad(
    fun: Objective,
    x0: np.ndarray,
    *,
    lr: float,
    eps: float = 1e-8,
    tol: float = 1e-4,
    max_evals: int = 1000,
) -> FirstOrderResult:
    """Diagonal AdaGrad: ``G += g^2; x -= lr g / (sqrt(G) + eps)``.

    Returns
    -------
    FirstOrderResult
    """
    x = _check(x0, None, tol, max_evals)
    if not lr > 0:
        raise ValueError(f"lr = {lr!r} is not allowed; lr must be > 0")
    loop = _Loop(fun, tol, max_evals)
    f, g = loop.eval(x)
    G = np.zeros_like(x)
    it = 0
    while not loop.done():
        G += g * g
        x = x - lr * g / (np.sqrt(G) + eps)
        f, g = loop.eval(x)
        it += 1
    return loop.result(x, f, it, "AdaGrad", {"lr": lr})


def scipy_quasi_newton(
    fun: Objective,
    x0: np.ndarray,
    *,
    memory: int | None = None,
    tol: float = 1e-4,
    max_evals: int = 1000,
) -> FirstOrderResult:
    """BFGS (``memory=None``) or L-BFGS-M (``memory=M``) through :func:`scipy.optimize.minimize`.

    Settings of the official code: ``gtol = tol`` (both SciPy methods test the inf-norm),
    ``maxiter = max_evals - 1``, and for L-BFGS-B ``maxcor = M``, ``ftol = 1e-25`` (so it does
    not stop on relative decrease). Charged ``res.njev`` gradient evaluations; converged only if
    ``res.success`` and ``min ||g||_inf <= 1.1 tol`` (card section 3.8, pitfall 8).

    Returns
    -------
    FirstOrderResult
    """
    x = _check(x0, None, tol, max_evals)
    if memory is not None and int(memory) < 1:
        raise ValueError(f"memory = {memory!r} is not allowed; use None (BFGS) or an int >= 1")
    f_hist: list[float] = []
    g_hist: list[float] = []

    def wrapped(z: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = fun(z)
        f_hist.append(float(f))
        g_hist.append(float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf)
        return f, g

    if memory is None:
        res = minimize(
            wrapped, x, jac=True, method="BFGS", options={"gtol": tol, "maxiter": max_evals - 1}
        )
        name, params = "BFGS", {}
    else:
        res = minimize(
            wrapped,
            x,
            jac=True,
            method="L-BFGS-B",
            options={"maxcor": int(memory), "ftol": 1e-25, "gtol": tol, "maxiter": max_evals - 1},
        )
        name, params = f"L-BFGS-M{int(memory)}", {"memory": int(memory)}
    gmin = min(g_hist) if g_hist else np.inf
    return FirstOrderResult(
        x=np.asarray(res.x),
        f=float(res.fun),
        grad_inf=float(gmin),
        n_grad=int(res.njev),
        n_iter=int(res.nit),
        converged=bool(res.success) and gmin <= 1.1 * tol,
        f_hist=np.asarray(f_hist),
        ginf_hist=np.asarray(g_hist),
        method=name,
        params=params,
    )


@dataclass(frozen=True)
class GridResult:
    """The run kept by a grid search and the bookkeeping of the search.

    Attributes
    ----------
    best : object
        The selected run (fewest gradient evaluations among solved runs; the first grid entry
        when none is solved).
    best_index : int
        Its index in the grid.
    n_runs : int
        Runs made.
    solved_flags : tuple of bool
        Solved flag of each run, in grid order (capped runs count as not better).
    """

    best: Any
    best_index: int
    n_runs: int
    solved_flags: tuple[bool, ...]


def grid_search(
    run: Callable[..., Any], grid: Sequence[dict], *, max_evals: int = 1000
) -> GridResult:
    """Run every grid entry, keep the one with the fewest gradient evaluations, ties to the first.

    The official ``HyperGrid`` keeps the run with the fewest iterations (strict ``<``, so ties
    keep the earlier entry); unsolved runs use the whole budget. To save time, each later run is
    capped at the best count so far: a capped run can at best tie and is never selected, so the
    selection is the same as without capping.

    Parameters
    ----------
    run : callable
        ``run(max_evals=..., **entry)`` returns a result with ``n_grad`` and ``converged``.
    grid : sequence of dict
        Hyper-parameter settings, in the paper's order.
    max_evals : int
        The budget of an uncapped run.

    Returns
    -------
    GridResult
    """
    if not grid:
        raise ValueError("grid is empty; give at least one hyper-parameter setting")
    best, best_i, best_n = None, 0, None
    flags = []
    for i, entry in enumerate(grid):
        cap = max_evals if best_n is None else min(max_evals, best_n)
        res = run(max_evals=cap, **entry)
        ok = is_solved(res, max_evals)
        flags.append(ok)
        if best is None:
            best = res
        if ok and (best_n is None or res.n_grad < best_n):
            best, best_i, best_n = res, i, res.n_grad
    return GridResult(best=best, best_index=best_i, n_runs=len(grid), solved_flags=tuple(flags))
