"""The blog post's experiment and its closed-form analysis (pure functions, no I/O).

Blog: "Understanding Optimisers Through Hessians" (seed document ../shared/seeds/001_*.txt),
section "Experiments": a 2-D quadratic with minimum (0.8, 0.6) and diagonal Hessian
diag(lambda_min, lambda_max) = diag(1, 100), started at the origin, optimised with torch.optim.

The loop in :func:`run_optimizer` is the blog's ``optimiser_experiment`` line by line, including
two details that matter for the published counts:

* the stopping test reads ``f_eval`` from the *previous* pass (the value at the point before the
  last step), so the loop takes one more step after f first drops to <= 1e-6;
* ``torch.Tensor`` creates float32 tensors, so the published run is in single precision.

The blog's text says it stops "within a 1e-6 radius of the global minimum", while its code
stops on the function value; ``criterion="radius"`` runs the text's rule instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

#: Blog, "Experiments": minimum, Hessian eigenvalues, tolerance, epoch cap, divergence box.
MINIMUM = (0.8, 0.6)
LAMBDA_MIN = 1.0
LAMBDA_MAX = 100.0
TOLERANCE = 1e-6
MAX_EPOCHS = 10_000
BOUND = 5.0

CRITERIA = ("function", "radius")
OPTIMIZERS = ("sgd", "momentum", "adam")
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def eta_max(lambda_max: float = LAMBDA_MAX) -> float:
    """Largest stable GD step, ``2 / lambda_max`` (blog, "Convergence of Gradient Descent")."""
    return 2.0 / lambda_max


def eta_star(lambda_min: float = LAMBDA_MIN, lambda_max: float = LAMBDA_MAX) -> float:
    """Step minimising ``max_i |1 - eta lambda_i|``: ``2 / (lambda_min + lambda_max)``."""
    return 2.0 / (lambda_min + lambda_max)


def rates(eta: np.ndarray, lambda_min: float, lambda_max: float) -> dict[str, np.ndarray]:
    """``|r(lambda_min)|``, ``|r(lambda_max)|`` and their max ``R``, where ``r = 1 - eta lambda``.

    Blog, "The Steep Valley Problem": R is the linear rate of GD on the quadratic.
    """
    eta = np.asarray(eta, dtype=float)
    r_min = np.abs(1.0 - eta * lambda_min)
    r_max = np.abs(1.0 - eta * lambda_max)
    return {"r_min": r_min, "r_max": r_max, "R": np.maximum(r_min, r_max)}


@dataclass(frozen=True)
class Run:
    """One optimiser run.

    Attributes
    ----------
    positions : (epochs + 1, 2) array, the iterates including the start.
    epochs : int, the blog's printed count (passes of its while-loop).
    first_hit : int or None, first step index t with the criterion met at ``positions[t]``.
    converged : bool, the loop ended by the criterion.
    diverged : bool, the loop ended by leaving the box ``|p_i| < 5``.
    """

    positions: np.ndarray
    epochs: int
    first_hit: int | None
    converged: bool
    diverged: bool


def make_optimizer(
    name: str, params: list[torch.Tensor], lr: float, *, momentum: float, betas: tuple[float, float]
) -> torch.optim.Optimizer:
    """The blog's torch.optim optimisers: ``SGD``, ``SGD(momentum=beta)``, ``Adam(betas)``."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas)
    raise ValueError(f"optimizer = {name!r} is not allowed; allowed values are {OPTIMIZERS}")


def run_optimizer(
    name: str,
    lr: float,
    *,
    momentum: float = 0.9,
    betas: tuple[float, float] = (0.9, 0.999),
    dtype: str = "float32",
    criterion: str = "function",
    tol: float = TOLERANCE,
    max_epochs: int = MAX_EPOCHS,
    bound: float = BOUND,
    minimum: tuple[float, float] = MINIMUM,
    lambdas: tuple[float, float] = (LAMBDA_MIN, LAMBDA_MAX),
) -> Run:
    """Run the blog's ``optimiser_experiment`` loop (deterministic: no randomness involved).

    Parameters
    ----------
    name : {"sgd", "momentum", "adam"}
    lr : float
        Learning rate.
    momentum, betas : float, tuple
        SGD momentum (blog: 0.9) and Adam betas (blog: (0.9, 0.999)).
    dtype : {"float32", "float64"}
        The blog's ``torch.Tensor`` is float32.
    criterion : {"function", "radius"}
        ``function``: the blog's code, ``f > tol`` on the previous pass's value.
        ``radius``: the blog's text, ``||p - w*|| > tol`` on the current point.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion = {criterion!r} is not allowed; allowed values are {CRITERIA}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype = {dtype!r} is not allowed; allowed values are {list(DTYPES)}")
    if not lr > 0:
        raise ValueError(f"lr = {lr!r} is not allowed; need lr > 0")
    tdtype = DTYPES[dtype]
    w_star = torch.tensor(minimum, dtype=tdtype)
    hess = torch.diag(torch.tensor(lambdas, dtype=tdtype))

    def f(p: torch.Tensor) -> torch.Tensor:
        delta = p - w_star
        return delta @ hess @ delta / 2

    def radius(p: torch.Tensor) -> float:
        return float(torch.linalg.vector_norm(p.detach() - w_star))

    p = torch.zeros(2, dtype=tdtype, requires_grad=True)
    opt = make_optimizer(name, [p], lr, momentum=momentum, betas=betas)
    history = [p.detach().clone()]
    f_eval: float = 1.0  # the blog initialises f_eval = 1
    epoch = 0
    first_hit: int | None = None

    def keep_going() -> bool:
        q = p.detach()
        inside = abs(float(q[0])) < bound and abs(float(q[1])) < bound
        if criterion == "function":
            return f_eval > tol and epoch < max_epochs and inside
        return radius(p) > tol and epoch < max_epochs and inside

    met: Callable[[torch.Tensor], bool] = (
        (lambda q: float(f(q)) <= tol) if criterion == "function" else (lambda q: radius(q) <= tol)
    )
    while keep_going():
        loss = f(p)
        f_eval = float(loss.detach())
        loss.backward()
        opt.step()
        opt.zero_grad()
        history.append(p.detach().clone())
        epoch += 1
        if first_hit is None and met(history[-1]):
            first_hit = epoch
    positions = torch.stack(history).to(torch.float64).numpy()
    inside = bool(np.all(np.abs(positions[-1]) < bound))
    finite = bool(np.all(np.isfinite(positions[-1])))
    diverged = not (inside and finite)
    converged = (not diverged) and epoch < max_epochs
    return Run(positions, epoch, first_hit, converged, diverged)


def eigen_components(positions: np.ndarray, minimum: tuple[float, float] = MINIMUM) -> np.ndarray:
    """Error components ``alpha_i^(t)`` along the Hessian eigenvectors (the axes here)."""
    return np.asarray(positions, dtype=float) - np.asarray(minimum, dtype=float)


def gd_shrink_factors(positions: np.ndarray, minimum: tuple[float, float] = MINIMUM) -> np.ndarray:
    """Measured per-step ratios ``alpha_i^(t+1) / alpha_i^(t)`` (blog: ``1 - eta lambda_i``)."""
    alpha = eigen_components(positions, minimum)
    return alpha[1:] / alpha[:-1]


def momentum_buffer_gain(beta: float, n_steps: int, *, alternating: bool) -> float:
    """Gain of the heavy-ball buffer ``m <- beta m + g`` after ``n_steps`` steps.

    With a constant gradient ``g = 1`` the buffer tends to ``1 / (1 - beta)`` (the blog's
    "terminal velocity"); with ``g_t = (-1)^t`` its magnitude tends to ``1 / (1 + beta)``.
    Reads torch.optim.SGD's own ``momentum_buffer``.
    """
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0, momentum=beta)
    for t in range(n_steps):
        p.grad = torch.full_like(p, (-1.0) ** t if alternating else 1.0)
        opt.step()
    return float(abs(opt.state[p]["momentum_buffer"][0]))


def momentum_step_gain(beta: float, n_steps: int, *, alternating: bool) -> float:
    """Magnitude of the last step of ``torch.optim.SGD(lr=1, momentum=beta)`` after ``n_steps``.

    With lr = 1 the step equals the momentum buffer, so this is the buffer gain of
    :func:`momentum_buffer_gain`, read from the parameter instead; it also covers ``beta = 0``
    (plain SGD), for which torch keeps no buffer: the step is then the gradient itself.
    """
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0, momentum=beta)
    before = 0.0
    for t in range(n_steps):
        before = float(p.detach()[0])
        p.grad = torch.full_like(p, (-1.0) ** t if alternating else 1.0)
        opt.step()
    return abs(float(p.detach()[0]) - before)


def max_step_over_lr(positions: np.ndarray, lr: float) -> float:
    """Largest per-coordinate step ``max_t,i |w_i^(t) - w_i^(t-1)|`` in units of ``lr``.

    Blog, "Adam": with well-estimated moments Adam's "gradient step size is bound from above by
    eta". Non-finite rows (a diverged run) are ignored.
    """
    pos = np.asarray(positions, dtype=float)
    pos = pos[np.all(np.isfinite(pos), axis=1)]
    if pos.shape[0] < 2:
        return 0.0
    return float(np.max(np.abs(np.diff(pos, axis=0))) / lr)


def order_holds(counts: dict[str, float], order: list[str]) -> bool:
    """Whether ``counts[order[0]] < counts[order[1]] < ...`` (strictly increasing)."""
    vals = [counts[k] for k in order]
    return all(a < b for a, b in itertools.pairwise(vals))


def censored_changes_order(
    counts: dict[str, float], censored: dict[str, bool], order: list[str]
) -> bool:
    """Whether censored counts leave the order undecided.

    A run that stopped without meeting its criterion (epoch cap, divergence) has a true count of
    at least its recorded one, anywhere in ``[recorded, inf)``. The order is decided when it
    holds for every such choice (it holds with the recorded counts and the only censored run,
    if any, is the last of the order) or fails for every choice (no choice makes it hold).
    """
    cens = [bool(censored.get(k)) for k in order]
    necessary = order_holds(counts, order) and not any(cens[:-1])
    prev = -np.inf
    possible = True
    for k, c in zip(order, cens, strict=True):
        v = max(counts[k], np.nextafter(prev, np.inf)) if c else counts[k]
        if not v > prev:
            possible = False
            break
        prev = v
    return possible != necessary


def adam_first_moment_gain(betas: tuple[float, float], n_steps: int) -> float:
    """Adam's first moment for a constant gradient ``g = 1`` (blog: ``m -> g``, no 1/(1-beta1)).

    Reads the raw ``exp_avg`` from torch.optim.Adam's state after ``n_steps`` steps.
    """
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1e-3, betas=betas)
    for _ in range(n_steps):
        p.grad = torch.ones_like(p)
        opt.step()
    return float(opt.state[p]["exp_avg"][0])
