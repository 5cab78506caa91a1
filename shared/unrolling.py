"""Differentiating through unrolled first-order solvers (JAX, float64).

Every solver here is one recurrence, run as a single ``jax.lax.scan``::

    x_{t+1} = x_t - h_t * grad_x f(x_t, theta) + m_t * (x_t - x_{t-1}),   x_{-1} := x_0,

with a precomputed schedule ``(h_t, m_t)``: gradient descent (``m_t = 0``), Polyak heavy ball
(constant ``h, m`` with the first step ``h/(1+m)``) and the Chebyshev semi-iterative method
(stable ``beta``-ratio recurrence). The unrolled Jacobian ``dx_t/dtheta`` of every iterate comes
from forward mode (``jax.jvp`` of the whole trajectory, or the "piggyback" recursion that carries
the tangent inside the scan), from reverse mode (``jax.jacrev`` of chosen iterates), from a
hand-written recursion (quadratics) and, as the reference, from implicit differentiation at the
fixed point, ``dx* = -[d^2_xx f]^{-1} d^2_{theta x} f``.

Truncated unrolling (``stop_gradient`` on the iterate before step ``k``), warm starts (a start
``x_0`` that is a constant, or carries a given tangent), and clipping / relaxation of the
derivative iterates are options of the same scan, not copies of it.

Importing this module enables JAX float64 (``jax_enable_x64``): float32 would floor relative
Jacobian errors near 1e-6 (card pitfall P4).

References
----------
Scieur, Gidel, Bertrand, Pedregosa, "The Curse of Unrolling: Rate of Differentiating Through
Optimization", NeurIPS 2022, arXiv:2209.13271 (Sec. 2-3: residual polynomials, Chebyshev
method, unrolled Jacobian). Mehmood, Knoll, Ochs, "Understanding the Curse of Unrolling",
arXiv:2602.19733 (truncation, warm starts). Gilbert (1992), "Automatic differentiation and
iterative processes" (piggyback recursion).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

__all__ = [
    "GradFn",
    "ImplicitResult",
    "NewtonResult",
    "Schedule",
    "UnrollResult",
    "chebyshev_schedule",
    "gd_schedule",
    "hand_recursion_quadratic",
    "heavy_ball_schedule",
    "implicit_jacobian",
    "jacobian_jvp",
    "jacobian_reverse",
    "newton_solve",
    "unroll",
    "unroll_iterates",
]

GradFn = Callable[..., jax.Array]
"""``grad_fn(x, theta, *args) -> grad_x f(x, theta)``, JAX-traceable (theta scalar; ``args``
problem data passed as traced arrays so one compiled scan serves many problems)."""


# --------------------------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Schedule:
    """Step sizes and momenta of ``n_steps`` steps of the two-term recurrence.

    Attributes
    ----------
    steps, momenta : numpy.ndarray, shape (n_steps,)
        ``h_t`` and ``m_t`` for ``t = 0 .. n_steps - 1`` (``m_0`` is irrelevant: x_{-1} = x_0).
    method : str
        ``"gd"``, ``"heavy_ball"`` or ``"chebyshev"``.
    """

    steps: np.ndarray
    momenta: np.ndarray
    method: str

    @property
    def n_steps(self) -> int:
        """Number of solver steps T (the trajectory has T + 1 iterates)."""
        return int(self.steps.shape[0])


def _check_n_steps(n_steps: int) -> int:
    if isinstance(n_steps, bool) or not isinstance(n_steps, int | np.integer) or n_steps < 1:
        raise ValueError(f"n_steps={n_steps!r} is not allowed: need an integer >= 1")
    return int(n_steps)


def _check_spectrum(L: float, mu: float) -> tuple[float, float]:
    L, mu = float(L), float(mu)
    if not (np.isfinite(L) and np.isfinite(mu) and 0.0 < mu < L):
        raise ValueError(f"(L, mu) = ({L!r}, {mu!r}) is not allowed: need 0 < mu < L, finite")
    return L, mu


def gd_schedule(step: float, n_steps: int) -> Schedule:
    """Gradient descent with constant step ``h``: residual polynomial ``(1 - h lambda)^t``.

    Parameters
    ----------
    step : float
        Step size h > 0 (the paper's Figure 1 uses 1/L, sqrt(2)/L and 2/(L + mu)).
    n_steps : int
        Number of steps T >= 1.

    Returns
    -------
    Schedule
    """
    step = float(step)
    if not (np.isfinite(step) and step > 0.0):
        raise ValueError(f"step={step!r} is not allowed: need a finite step > 0")
    n = _check_n_steps(n_steps)
    return Schedule(np.full(n, step), np.zeros(n), "gd")


def heavy_ball_schedule(L: float, mu: float, n_steps: int) -> Schedule:
    """Polyak heavy ball with the optimal constants for spectrum in [mu, L].

    ``h = 4/(sqrt(L) + sqrt(mu))^2``, ``m = rho^2`` with ``rho = (sqrt(L) - sqrt(mu)) /
    (sqrt(L) + sqrt(mu))``; the first step is ``x_1 = x_0 - h/(1+m) grad f(x_0)``, which gives
    the closed form ``P_t = m^{t/2} [2m/(1+m) T_t(sigma) + (1-m)/(1+m) U_t(sigma)]``
    (card Sec. 2.2, pitfall P7).

    Parameters
    ----------
    L, mu : float
        Largest and smallest Hessian eigenvalues, 0 < mu < L.
    n_steps : int
        Number of steps T >= 1.

    Returns
    -------
    Schedule
    """
    L, mu = _check_spectrum(L, mu)
    n = _check_n_steps(n_steps)
    rho = (np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))
    h, m = 4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2, rho**2
    steps, momenta = np.full(n, h), np.full(n, m)
    steps[0], momenta[0] = h / (1.0 + m), 0.0
    return Schedule(steps, momenta, "heavy_ball")


def chebyshev_schedule(L: float, mu: float, n_steps: int) -> Schedule:
    """Chebyshev semi-iterative method on [mu, L] (paper Sec. on the Chebyshev method).

    ``P_t(lambda) = T_t(sigma(lambda)) / T_t(sigma_0)``, ``sigma(lambda) = (L + mu - 2 lambda) /
    (L - mu)``, ``sigma_0 = (L + mu)/(L - mu)``. First step ``h_0 = 2/(L + mu)``; then with the
    ratios ``beta_0 = 1/sigma_0``, ``beta_t = 1/(2 sigma_0 - beta_{t-1})`` (``= c_t/c_{t+1}``,
    ``c_t = T_t(sigma_0)``): ``m_t = beta_{t-1} beta_t`` and ``h_t = 4 beta_t/(L - mu)``. The
    ratios never overflow, unlike ``T_t(sigma_0)`` itself (card pitfall P6).

    Parameters
    ----------
    L, mu : float
        Largest and smallest Hessian eigenvalues, 0 < mu < L.
    n_steps : int
        Number of steps T >= 1.

    Returns
    -------
    Schedule
    """
    L, mu = _check_spectrum(L, mu)
    n = _check_n_steps(n_steps)
    sigma0 = (L + mu) / (L - mu)
    steps, momenta = np.empty(n), np.zeros(n)
    steps[0] = 2.0 / (L + mu)
    beta_prev = 1.0 / sigma0
    for t in range(1, n):
        beta = 1.0 / (2.0 * sigma0 - beta_prev)
        momenta[t], steps[t] = beta_prev * beta, 4.0 * beta / (L - mu)
        beta_prev = beta
    return Schedule(steps, momenta, "chebyshev")


# --------------------------------------------------------------------------------------------
# The unrolled solver
# --------------------------------------------------------------------------------------------
def _step(grad_fn: GradFn, x, x_prev, theta, h, m, args=()):
    """One step of the two-term recurrence (shared by every mode, so they cannot drift apart)."""
    return x - h * grad_fn(x, theta, *args) + m * (x - x_prev)


@functools.lru_cache(maxsize=64)
def _jvp_runner(grad_fn: GradFn, k: int):
    """One jitted forward-mode runner per (grad_fn, truncation): schedules and data are traced."""

    def run(theta, x0, dx0, steps, momenta, args):
        f = lambda th, z: _scan_iterates(grad_fn, k, th, z, steps, momenta, args)  # noqa: E731
        return jax.jvp(f, (theta, x0), (jnp.ones_like(theta), dx0))

    return jax.jit(run)


def _check_truncate(truncate: int | None, n_steps: int) -> int:
    if truncate is None:
        return -1
    if isinstance(truncate, bool) or not isinstance(truncate, int | np.integer):
        raise ValueError(f"truncate={truncate!r} is not allowed: need None or an int in [0, T]")
    if not 0 <= int(truncate) <= n_steps:
        raise ValueError(f"truncate={truncate} is not allowed: need 0 <= truncate <= T={n_steps}")
    return int(truncate)


def unroll_iterates(
    grad_fn: GradFn,
    theta: jax.Array | float,
    x0: jax.Array,
    schedule: Schedule,
    *,
    truncate: int | None = None,
    args: tuple = (),
) -> jax.Array:
    """The trajectory ``x_0 .. x_T`` as a differentiable function of ``theta`` (one lax.scan).

    With ``truncate=k`` the first ``k`` steps run under ``stop_gradient``, so ``dx_t = 0`` for
    ``t <= k`` and derivatives of later iterates only see steps ``k .. T-1`` (truncated
    back-propagation, Shaban et al. 2019; Mehmood et al. 2026). The iterates are unchanged;
    reverse mode stores only the last ``T - k`` steps.

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(x, theta)`` = gradient of the inner objective in x.
    theta : float or scalar array
        Hyper-parameter.
    x0 : array, shape (p,)
        Start. A constant unless the caller differentiates through it (warm start with tangent).
    schedule : Schedule
        Steps and momenta.
    truncate : int or None
        Truncation point k in [0, T], or None (full unrolling).
    args : tuple
        Extra (traced) arguments of ``grad_fn`` (problem data), so one compiled scan serves
        every problem of the same shapes.

    Returns
    -------
    jax.Array, shape (T + 1, p)
    """
    k = _check_truncate(truncate, schedule.n_steps)
    return _scan_iterates(grad_fn, k, theta, x0, schedule.steps, schedule.momenta, args)


def _scan_iterates(grad_fn, k, theta, x0, steps, momenta, args):
    hs, ms = jnp.asarray(steps), jnp.asarray(momenta)
    x0 = jnp.asarray(x0, dtype=jnp.float64)

    def body(carry, inp):
        x, x_prev = carry
        h, m = inp
        return (_step(grad_fn, x, x_prev, theta, h, m, args), x), x

    if k < 0:
        (x_last, _), xs = jax.lax.scan(body, (x0, x0), (hs, ms))
        return jnp.concatenate([xs, x_last[None]], axis=0)
    # Truncation: the first k steps run outside differentiation (no residuals are stored for
    # reverse mode, which is the memory saving), then the last T - k steps are unrolled.
    head = jax.lax.stop_gradient
    theta_c, args_c = head(theta), head(args)

    def body_c(carry, inp):
        x, x_prev = carry
        h, m = inp
        return (_step(grad_fn, x, x_prev, theta_c, h, m, args_c), x), x

    (xk, xk_prev), xs_head = jax.lax.scan(body_c, (head(x0), head(x0)), (hs[:k], ms[:k]))
    xk, xk_prev = head(xk), head(xk_prev)
    (x_last, _), xs_tail = jax.lax.scan(body, (xk, xk_prev), (hs[k:], ms[k:]))
    return jnp.concatenate([head(xs_head), xs_tail, x_last[None]], axis=0)


def jacobian_jvp(
    grad_fn: GradFn,
    theta: float,
    x0: jax.Array,
    schedule: Schedule,
    *,
    truncate: int | None = None,
    x0_tangent: jax.Array | None = None,
    args: tuple = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Iterates and Jacobians ``dx_t/dtheta`` of every iterate by one forward-mode pass.

    ``jax.jvp`` of :func:`unroll_iterates` with tangent 1 on theta (and ``x0_tangent`` on x0,
    zero by default: a cold or warm start that does not depend on theta).

    Returns
    -------
    (iterates, jacobians) : numpy arrays of shape (T + 1, p)
    """
    k = _check_truncate(truncate, schedule.n_steps)
    x0 = jnp.asarray(x0, dtype=jnp.float64)
    dx0 = jnp.zeros_like(x0) if x0_tangent is None else jnp.asarray(x0_tangent, jnp.float64)
    xs, dxs = _jvp_runner(grad_fn, k)(
        jnp.float64(theta), x0, dx0, schedule.steps, schedule.momenta, tuple(args)
    )
    return np.asarray(xs), np.asarray(dxs)


def jacobian_reverse(
    grad_fn: GradFn,
    theta: float,
    x0: jax.Array,
    schedule: Schedule,
    t_indices: list[int] | np.ndarray,
    *,
    truncate: int | None = None,
    args: tuple = (),
) -> np.ndarray:
    """``dx_t/dtheta`` for the iterates ``t_indices`` by reverse mode (``jax.jacrev``).

    One backward pass through the scan per output coordinate; stores the T iterates (memory
    O(T p)), which is what truncation saves (card pitfall P14).

    Returns
    -------
    numpy.ndarray, shape (len(t_indices), p)
    """
    t_idx = np.asarray(t_indices, dtype=int)
    if t_idx.ndim != 1 or t_idx.size == 0 or t_idx.min() < 0 or t_idx.max() > schedule.n_steps:
        raise ValueError(f"t_indices={t_indices!r} is not allowed: need indices in [0, T]")
    k = _check_truncate(truncate, schedule.n_steps)
    run = _reverse_runner(grad_fn, k, tuple(int(i) for i in t_idx))
    x0 = jnp.asarray(x0, dtype=jnp.float64)
    return np.asarray(run(jnp.float64(theta), x0, schedule.steps, schedule.momenta, tuple(args)))


@functools.lru_cache(maxsize=64)
def _reverse_runner(grad_fn: GradFn, k: int, t_idx: tuple[int, ...]):
    """One jitted jacrev per (grad_fn, truncation, selected iterates)."""
    idx = np.asarray(t_idx)

    def run(theta, x0, steps, momenta, args):
        def sel(th):
            return _scan_iterates(grad_fn, k, th, x0, steps, momenta, args)[idx]

        return jax.jacrev(sel)(theta)

    return jax.jit(run)


@dataclass(frozen=True)
class UnrollResult:
    """Trajectory and derivative iterates of the piggyback forward recursion.

    Attributes
    ----------
    iterates, jacobians : numpy.ndarray, shape (T + 1, p)
        ``x_t`` and the (possibly truncated / clipped / relaxed) derivative iterates.
    derivative_norms : numpy.ndarray, shape (T + 1,)
        ``||dx_t||`` (the quantity to monitor for a spike, seed 000's checklist).
    n_iter : int
        Number of solver steps T.
    n_grad_evals : int
        Gradient evaluations (one per step; each jvp costs about two).
    n_clipped : int
        Steps at which clipping was active.
    """

    iterates: np.ndarray
    jacobians: np.ndarray
    derivative_norms: np.ndarray
    n_iter: int
    n_grad_evals: int
    n_clipped: int


def unroll(
    grad_fn: GradFn,
    theta: float,
    x0: jax.Array,
    schedule: Schedule,
    *,
    truncate: int | None = None,
    x0_tangent: jax.Array | None = None,
    clip: float | None = None,
    relaxation: float = 1.0,
    args: tuple = (),
) -> UnrollResult:
    """Forward ("piggyback") recursion: the tangent is carried inside the same scan.

    At each step ``(x_{t+1}, dx_{t+1}) = jvp(step, (x_t, x_{t-1}, theta), (dx_t, dx_{t-1}, 1))``.
    With ``relaxation = s`` the derivative update is under-relaxed, ``dx_{t+1} <- dx_t +
    s (dx_{t+1} - dx_t)`` (for GD: the derivative recursion uses step ``s h``; its fixed point is
    still ``dx*``); with ``clip = c`` the derivative iterate is rescaled to norm at most ``c``.
    Both are the "clip or damp the derivative iterates" remedies of seed 000; with the defaults
    the result equals :func:`jacobian_jvp` to rounding.

    Parameters
    ----------
    grad_fn, theta, x0, schedule, truncate
        As in :func:`unroll_iterates`.
    x0_tangent : array or None
        ``dx_0`` (zero by default).
    clip : float or None
        Maximum norm of a derivative iterate (> 0), or None.
    relaxation : float
        Relaxation s in (0, 1] of the derivative update.

    Returns
    -------
    UnrollResult
    """
    k = _check_truncate(truncate, schedule.n_steps)
    if clip is not None and not (np.isfinite(clip) and clip > 0):
        raise ValueError(f"clip={clip!r} is not allowed: need None or a finite number > 0")
    if not (0.0 < float(relaxation) <= 1.0):
        raise ValueError(f"relaxation={relaxation!r} is not allowed: need 0 < relaxation <= 1")
    x0 = jnp.asarray(x0, dtype=jnp.float64)
    dx0 = jnp.zeros_like(x0) if x0_tangent is None else jnp.asarray(x0_tangent, jnp.float64)
    c = jnp.float64(np.inf if clip is None else clip)
    (x_last, _, dx_last, _), (xs, dxs, clipped) = _piggyback_runner(grad_fn, k)(
        jnp.float64(theta),
        x0,
        dx0,
        schedule.steps,
        schedule.momenta,
        c,
        jnp.float64(relaxation),
        tuple(args),
    )
    if k == schedule.n_steps:
        dx_last = jnp.zeros_like(dx_last)
    iterates = np.concatenate([np.asarray(xs), np.asarray(x_last)[None]])
    jacobians = np.concatenate([np.asarray(dxs), np.asarray(dx_last)[None]])
    return UnrollResult(
        iterates=iterates,
        jacobians=jacobians,
        derivative_norms=np.linalg.norm(jacobians, axis=1),
        n_iter=schedule.n_steps,
        n_grad_evals=schedule.n_steps,
        n_clipped=int(np.sum(np.asarray(clipped))),
    )


@functools.lru_cache(maxsize=64)
def _piggyback_runner(grad_fn: GradFn, k: int):
    """Jitted piggyback scan (see :func:`unroll`); schedule, clip, relaxation, data traced."""

    def run(th, x0, dx0, steps, momenta, c, s, args):
        def body(carry, inp):
            x, x_prev, dx, dx_prev = carry
            t, h, m = inp
            cut = t <= k
            dx = jnp.where(cut, 0.0, dx)
            dx_prev = jnp.where(cut, 0.0, dx_prev)
            x_new, dx_new = jax.jvp(
                lambda a, b, q: _step(grad_fn, a, b, q, h, m, args),
                (x, x_prev, th),
                (dx, dx_prev, jnp.ones_like(th)),
            )
            # Under-relax, then clip: both act on the derivative iterate only, never on x.
            dx_new = dx + s * (dx_new - dx)
            nrm = jnp.linalg.norm(dx_new)
            clipped = nrm > c
            dx_new = jnp.where(clipped, dx_new * (c / jnp.maximum(nrm, 1e-300)), dx_new)
            return (x_new, x, dx_new, dx), (x, dx, clipped)

        idx = jnp.arange(steps.shape[0])
        return jax.lax.scan(body, (x0, x0, dx0, dx0), (idx, steps, momenta))

    return jax.jit(run)


def hand_recursion_quadratic(
    H: np.ndarray,
    dH: np.ndarray,
    db: np.ndarray,
    iterates: np.ndarray,
    schedule: Schedule,
    *,
    truncate: int | None = None,
    x0_tangent: np.ndarray | None = None,
) -> np.ndarray:
    """Hand-written derivative recursion for ``f = x^T H(theta) x / 2 + b(theta)^T x`` (numpy).

    ``dx_{t+1} = dx_t - h_t (H dx_t + dH x_t + db) + m_t (dx_t - dx_{t-1})`` (card Sec. 2.3). The
    ``dH x_t`` term uses ``x_t``, the iterate *before* the update (pitfall P3).

    Parameters
    ----------
    H, dH : numpy.ndarray, shape (p, p)
        Hessian and its derivative in theta (ridge: ``dH = I``).
    db : numpy.ndarray, shape (p,)
        Derivative of the linear term (ridge: 0).
    iterates : numpy.ndarray, shape (T + 1, p)
        The solver's trajectory.
    schedule, truncate, x0_tangent
        As in :func:`unroll`.

    Returns
    -------
    numpy.ndarray, shape (T + 1, p)
    """
    H, dH = np.asarray(H, float), np.asarray(dH, float)
    db, xs = np.asarray(db, float), np.asarray(iterates, float)
    T = schedule.n_steps
    if xs.shape[0] != T + 1 or H.shape != (xs.shape[1],) * 2 or dH.shape != H.shape:
        raise ValueError(
            f"shapes H {H.shape}, dH {dH.shape}, iterates {xs.shape} do not match T={T}: "
            "need iterates (T + 1, p) and H, dH (p, p)"
        )
    k = _check_truncate(truncate, T)
    out = np.empty_like(xs)
    dx = np.zeros(xs.shape[1]) if x0_tangent is None else np.asarray(x0_tangent, float).copy()
    dx_prev = dx.copy()
    for t in range(T):
        if t <= k:
            dx, dx_prev = np.zeros_like(dx), np.zeros_like(dx)
        out[t] = dx
        h, m = schedule.steps[t], schedule.momenta[t]
        dx, dx_prev = dx - h * (H @ dx + dH @ xs[t] + db) + m * (dx - dx_prev), dx
    out[T] = 0.0 if k == T else dx
    return out


# --------------------------------------------------------------------------------------------
# Fixed point and implicit differentiation
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _newton_fns(grad_fn: GradFn):
    """Jitted gradient and Hessian (jacfwd in x), cached per grad_fn (no retracing)."""
    return jax.jit(grad_fn), jax.jit(jax.jacfwd(grad_fn, argnums=0))


@functools.lru_cache(maxsize=64)
def _implicit_fns(grad_fn: GradFn):
    return jax.jit(jax.jacfwd(grad_fn, argnums=0)), jax.jit(jax.jacfwd(grad_fn, argnums=1))


@dataclass(frozen=True)
class NewtonResult:
    """Minimiser by Newton's method. ``residuals[i]`` = ||grad|| before step i."""

    x: np.ndarray
    n_iter: int
    converged: bool
    residuals: np.ndarray


def newton_solve(
    grad_fn: GradFn,
    theta: float,
    x0: jax.Array,
    *,
    tol: float = 1e-13,
    max_iter: int = 50,
    args: tuple = (),
) -> NewtonResult:
    """Newton's method with dense Hessians (``jax.jacfwd`` of the gradient) for small p.

    A direct float64 fixed point: an iterative x* with tolerance eps would put a floor of order
    kappa * eps under every Jacobian error (card pitfall P9).

    Returns
    -------
    NewtonResult
        Converged when ``||grad|| <= tol * max(1, ||grad(x0)||)``.
    """
    if not (tol > 0) or max_iter < 1:
        raise ValueError(f"tol={tol!r}, max_iter={max_iter!r}: need tol > 0 and max_iter >= 1")
    th = jnp.float64(theta)
    g_jit, hess_jit = _newton_fns(grad_fn)
    args = tuple(args)

    def g(z):
        return g_jit(z, th, *args)

    def hess(z):
        return hess_jit(z, th, *args)

    x = jnp.asarray(x0, dtype=jnp.float64)
    res = []
    g0 = float(jnp.linalg.norm(g(x)))
    scale = max(1.0, g0)
    for i in range(max_iter + 1):
        gx = g(x)
        res.append(float(jnp.linalg.norm(gx)))
        if res[-1] <= tol * scale:
            return NewtonResult(np.asarray(x), i, True, np.asarray(res))
        if i == max_iter:
            break
        x = x - jnp.linalg.solve(hess(x), gx)
    return NewtonResult(np.asarray(x), max_iter, False, np.asarray(res))


@dataclass(frozen=True)
class ImplicitResult:
    """Implicit-function-theorem Jacobian at a fixed point.

    Attributes
    ----------
    jacobian : numpy.ndarray, shape (p,)
        ``dx*/dtheta = -[d^2_xx f]^{-1} d_theta grad_x f`` at ``x_star``.
    gradient_norm : float
        ``||grad_x f(x_star)||`` (how exact the fixed point is).
    solve_residual : float
        Relative residual of the linear solve.
    n_solves : int
        Linear solves used (1).
    """

    jacobian: np.ndarray
    gradient_norm: float
    solve_residual: float
    n_solves: int


def implicit_jacobian(
    grad_fn: GradFn, x_star: jax.Array, theta: float, args: tuple = ()
) -> ImplicitResult:
    """Implicit differentiation: one dense linear solve at the fixed point.

    ``grad_x f(x*(theta), theta) = 0`` gives ``d^2_xx f dx* + d_theta grad_x f = 0``
    (paper Sec. 2; ridge: ``dx* = -H^{-1} x*``).

    Returns
    -------
    ImplicitResult
    """
    x_star = jnp.asarray(x_star, dtype=jnp.float64)
    th = jnp.float64(theta)
    dxx, dth = _implicit_fns(grad_fn)
    A = dxx(x_star, th, *args)
    rhs = dth(x_star, th, *args)
    J = jnp.linalg.solve(A, -rhs)
    resid = float(jnp.linalg.norm(A @ J + rhs) / max(float(jnp.linalg.norm(rhs)), 1e-300))
    return ImplicitResult(
        jacobian=np.asarray(J),
        gradient_norm=float(jnp.linalg.norm(grad_fn(x_star, th, *args))),
        solve_residual=resid,
        n_solves=1,
    )
