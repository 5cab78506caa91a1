"""Online scaled gradient methods (OSGM) and hypergradient descent (HDM, HDM-Best).

OSGM runs the scaled gradient step ``x+ = x - P grad f(x)`` and treats the preconditioner (the
"stepsize") ``P`` as the decision of an online learner. After each trial step the learner takes
one step on a feedback ("surrogate") function of ``P`` (Gao, Chu, Ye & Udell, COLT 2025, section
2; talk "Hunting the Hessian", slides "Optimize the convergence rate with online learning"):

* ratio feedback      r_x(P) = (f(x - P g) - f*) / (f(x) - f*),
  grad_P r = -grad f(x+) g^T / (f(x) - f*);
* hypergradient       h_x(P) = (f(x - P g) - f(x)) / ||g||_2^2,
  grad_P h = -grad f(x+) g^T / ||g||_2^2,

with ``g = grad f(x)`` at the *current* point and ``grad f(x+)`` at the *trial* point. For a
diagonal ``P = diag(p)`` the gradient is the elementwise product ``-grad f(x+) * g / den`` and
for a scalar ``P = p I`` the inner product ``-<grad f(x+), g> / den``. A *null step* (monotone
oracle) keeps ``x`` when the trial point is not better; the learner updates ``P`` on every
iteration, null steps included (card ``osgm.md`` sections 3.1-3.4).

The practical method of the talk's table, HDM-Best (Chu et al., ICML 2025, Algorithm 3), adds a
scalar heavy-ball momentum ``beta`` learned by the same hypergradient, AdaGrad as the learner,
clipping to ``p in [0, 1e10/L]`` and ``beta in [0, 0.9995]`` and an online curvature estimate
(card section 3.5, transcribed from ``algorithms/hdm.py`` of the official code).

Also here: plain hypergradient descent of Baydin et al. (2018), the unsafeguarded baseline, and
the optimal diagonal preconditioner of a quadratic (Qu et al., "Optimal diagonal
preconditioning"), the reference ``kappa*`` of the COLT rate.

References
----------
W. Gao, Y.-C. Chu, Y. Ye, M. Udell, "Gradient Methods with Online Scaling", COLT 2025,
arXiv:2411.01803.
Y.-C. Chu, W. Gao, Y. Ye, M. Udell, "Provable and Practical Online Learning Rate Adaptation with
Hypergradient Descent", ICML 2025, arXiv:2502.11229.
A. G. Baydin, R. Cornish, D. Martinez Rubio, M. Schmidt, F. Wood, "Online Learning Rate Adaptation
with Hypergradient Descent", ICLR 2018, arXiv:1703.04782.
Z. Qu, W. Gao, O. Hinder, Y. Ye, Z. Zhou, "Optimal diagonal preconditioning", arXiv:2209.00809.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FEEDBACKS",
    "KINDS",
    "HDMBestResult",
    "HDResult",
    "OSGMResult",
    "OptimalDiagonal",
    "apply_preconditioner",
    "baydin_hd",
    "feedback_gradient",
    "hdm_best",
    "hdm_best_state_floats",
    "optimal_diagonal_preconditioner",
    "osgm",
    "project",
]

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
FEEDBACKS = ("ratio", "hypergradient")
KINDS = ("scalar", "diagonal", "full")
LEARNERS = ("adagrad", "ogd")


def _check_choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} = {value!r} is not allowed; allowed values are {list(allowed)}")
    return value


def apply_preconditioner(P: np.ndarray | float, g: np.ndarray, kind: str) -> np.ndarray:
    """``P g`` for a scalar (``p I``), diagonal (``diag(p)``) or full matrix ``P``."""
    _check_choice(kind, "kind", KINDS)
    if kind == "full":
        return np.asarray(P) @ g
    return P * g


def feedback_gradient(
    g: np.ndarray, g_plus: np.ndarray, den: float, kind: str
) -> np.ndarray | float:
    """Gradient in ``P`` of a feedback whose numerator is ``f(x - P g)``.

    ``grad_P = -grad f(x+) g^T / den`` (COLT 2025, section 3; talk slide "Convergence behavior"),
    reduced to the diagonal (``-g+ * g / den``) or the scalar (``-<g+, g> / den``). ``den`` is
    ``f(x) - f*`` for the ratio and ``||g||_2^2`` for the hypergradient.

    Parameters
    ----------
    g : ndarray
        grad f(x) at the current point.
    g_plus : ndarray
        grad f(x - P g) at the trial point.
    den : float
        The feedback's denominator (> 0).
    kind : {"scalar", "diagonal", "full"}

    Returns
    -------
    float or ndarray
        Same shape as ``P``.
    """
    _check_choice(kind, "kind", KINDS)
    if kind == "scalar":
        return -float(g_plus @ g) / den
    if kind == "diagonal":
        return -(g_plus * g) / den
    return -np.outer(g_plus, g) / den


def project(P: np.ndarray | float, low: float | None, high: float | None):
    """Projection onto the box ``{P : low <= P_ij <= high}`` (elementwise clip).

    For scalar and diagonal ``P`` this is the Euclidean projection onto the candidate set
    ``{low I <= P <= high I}`` of HDM-Best (card section 3.3). ``None`` leaves a side open.
    For a full matrix the official code applies the same entrywise clip (not a PSD projection).
    """
    if low is None and high is None:
        return P
    return np.clip(P, -np.inf if low is None else low, np.inf if high is None else high)


@dataclass(frozen=True)
class OSGMResult:
    """Outcome of :func:`osgm`.

    Attributes
    ----------
    x : ndarray
        Final iterate.
    f : float
        f(x).
    P : float or ndarray
        Final preconditioner (scalar, diagonal vector or full matrix).
    n_grad : int
        Gradient evaluations (one per iteration plus the first).
    n_iter : int
        Iterations.
    n_null : int
        Null steps (trial point rejected).
    converged : bool
        Stopped on ``||grad f||_inf < tol``.
    f_hist : ndarray
        f at the accepted iterate after each gradient evaluation (length ``n_grad``).
    ginf_hist : ndarray
        ``||grad f||_inf`` at the accepted iterate, same indexing.
    feedback_hist : ndarray
        Feedback value ``ell_{x_k}(P_k)`` of each iteration.
    """

    x: np.ndarray
    f: float
    P: np.ndarray | float
    n_grad: int
    n_iter: int
    n_null: int
    converged: bool
    f_hist: np.ndarray
    ginf_hist: np.ndarray
    feedback_hist: np.ndarray


def osgm(
    fun: Objective,
    x0: np.ndarray,
    *,
    feedback: str = "hypergradient",
    kind: str = "diagonal",
    lr: float,
    learner: str = "adagrad",
    P0: float | np.ndarray = 0.0,
    f_star: float | None = None,
    bounds: tuple[float | None, float | None] = (None, None),
    null_step: bool = True,
    tol: float = 1e-10,
    max_evals: int = 10000,
) -> OSGMResult:
    r"""Online scaled gradient method (COLT 2025, Algorithm 1; MATLAB ``osgmrx.m``/``osgmhx.m``).

    .. math::

        x^{k+1/2} = x^k - P_k \nabla f(x^k),\quad
        P_{k+1} = \Pi_{\mathcal P}[P_k - \eta_k \nabla \ell_{x^k}(P_k)],\quad
        x^{k+1} = x^{k+1/2} \text{ if } f(x^{k+1/2}) < f(x^k) \text{ else } x^k.

    Parameters
    ----------
    fun : callable
        ``x -> (f(x), grad f(x))``.
    x0 : ndarray
        Start.
    feedback : {"ratio", "hypergradient"}
        ``r_x`` (needs ``f_star`` or uses the adaptive lower bound of ``osgmrx.m``) or ``h_x``.
    kind : {"scalar", "diagonal", "full"}
        Structure of P.
    lr : float
        Online-learner stepsize eta. With AdaGrad the first update moves each entry by exactly
        ``lr``; the COLT least-squares test uses ``lr = 10`` with L ~ 1 (card section 3.4).
    learner : {"adagrad", "ogd"}
        AdaGrad, ``G += grad^2; P -= lr grad / sqrt(G + 1e-20)`` (MATLAB code), or plain online
        gradient descent ``P -= lr grad`` (the theory's learner).
    P0 : float or ndarray
        Initial preconditioner; 0 in the official code (so the first step is a null step).
    f_star : float, optional
        Optimal value for the ratio feedback. If None, the lower bound ``z`` of ``osgmrx.m``
        starts at ``f(x0) - 0.1`` and is lowered to ``f - min(1e-2 (z - f), 1)`` whenever f < z.
    bounds : (low, high)
        Clip P entrywise to [low, high] (None: open side). The COLT code does not project.
    null_step : bool
        Use the monotone oracle (reject trial points with ``f(x+) >= f(x)``).
    tol : float
        Stop when ``||grad f(x)||_inf < tol`` (1e-10 for the least-squares tests, pitfall 18).
    max_evals : int
        Budget of gradient evaluations.

    Returns
    -------
    OSGMResult
    """
    _check_choice(feedback, "feedback", FEEDBACKS)
    _check_choice(kind, "kind", KINDS)
    _check_choice(learner, "learner", LEARNERS)
    if not lr > 0:
        raise ValueError(f"lr = {lr!r} is not allowed; the learner stepsize must be > 0")
    if int(max_evals) < 1:
        raise ValueError(f"max_evals = {max_evals!r} is not allowed; it must be >= 1")
    x = np.asarray(x0, dtype=float).copy()
    n = x.size
    if kind == "scalar":
        P = float(np.asarray(P0))
    elif kind == "diagonal":
        P = np.broadcast_to(np.asarray(P0, dtype=float), (n,)).copy()
    else:
        P0a = np.asarray(P0, dtype=float)
        P = P0a * np.eye(n) if P0a.ndim == 0 else P0a.copy()
        if P.shape != (n, n):
            raise ValueError(f"P0 has shape {P.shape}; a full preconditioner needs ({n}, {n})")
    G = np.zeros_like(P) if kind != "scalar" else 0.0
    f, g = fun(x)
    f = float(f)
    z = f_star if f_star is not None else f - 0.1
    f_hist, g_hist, fb_hist = [f], [float(np.max(np.abs(g)))], []
    n_grad, it, n_null = 1, 0, 0
    while g_hist[-1] >= tol and n_grad < max_evals and np.isfinite(f):
        it += 1
        x_t = x - apply_preconditioner(P, g, kind)
        f_t, g_t = fun(x_t)
        f_t = float(f_t)
        n_grad += 1
        if feedback == "hypergradient":
            den = float(g @ g)
            fb = (f_t - f) / den
        else:
            if f_star is None and f < z:  # adaptive lower bound of osgmrx.m
                z = f - min((z - f) * 1e-2, 1.0)
            den = f - z
            if not den > 0:
                raise ValueError(
                    f"ratio feedback: f(x) - f_star = {den!r} <= 0; f_star must be a lower bound"
                )
            fb = (f_t - z) / den
        fb_hist.append(fb)
        grad = feedback_gradient(g, g_t, den, kind)
        if learner == "adagrad":
            G = G + grad * grad
            P = P - lr * grad / np.sqrt(G + 1e-20)
        else:
            P = P - lr * grad
        P = project(P, *bounds)
        if (f_t < f) or not null_step:
            x, f, g = x_t, f_t, g_t
        else:
            n_null += 1
        f_hist.append(f)
        g_hist.append(float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf)
    return OSGMResult(
        x=x,
        f=f,
        P=P,
        n_grad=n_grad,
        n_iter=it,
        n_null=n_null,
        converged=g_hist[-1] < tol,
        f_hist=np.asarray(f_hist),
        ginf_hist=np.asarray(g_hist),
        feedback_hist=np.asarray(fb_hist),
    )


@dataclass(frozen=True)
class HDMBestResult:
    """Outcome of :func:`hdm_best`.

    Attributes
    ----------
    x, f : ndarray, float
        Final iterate and value.
    p : ndarray
        Final diagonal preconditioner.
    beta : float
        Final momentum.
    n_grad, n_iter, n_null : int
        Gradient evaluations (1 + iterations), iterations, null steps.
    converged : bool
        Stopped on ``||grad f||_inf < tol``.
    f_hist, ginf_hist : ndarray
        f and ``||grad f||_inf`` at the accepted iterate after each gradient evaluation.
    L_est : float
        Curvature estimate in use at the end (the given L until the online estimate switches on).
    state_floats : int
        Floats of the persistent state (see :func:`hdm_best_state_floats`).
    params : dict
        ``eta_p`` and ``eta_b`` of the run.
    """

    x: np.ndarray
    f: float
    p: np.ndarray
    beta: float
    n_grad: int
    n_iter: int
    n_null: int
    converged: bool
    f_hist: np.ndarray
    ginf_hist: np.ndarray
    L_est: float
    state_floats: int
    params: dict


def hdm_best_state_floats(n: int) -> int:
    """Floats HDM-Best keeps between iterations for a problem of dimension n.

    Vectors: x, x_old, g, p, the AdaGrad accumulator of p, and the trial point and its gradient
    (7n); scalars: f, beta, its accumulator, eta_p, eta_b, L_est, the monotone counter and the
    running curvature sum and count (9). L-BFGS-M keeps M pairs (s, y) besides x and g.
    """
    return 7 * int(n) + 9


def hdm_best(
    fun: Objective,
    x0: np.ndarray,
    L: float,
    *,
    eta_p: float,
    eta_b: float,
    beta0: float = 0.95,
    tol: float = 1e-4,
    max_iter: int = 1000,
    max_evals: int | None = None,
) -> HDMBestResult:
    r"""HDM-Best: diagonal hypergradient descent with learned heavy-ball momentum.

    Transcription of ``algorithms/hdm.py`` of the official code (HDM paper, Algorithm 3 and
    appendix A; card section 3.5). Per iteration, with ``d = x - x_old``:

    .. math::

        x_t = x - p \odot g + \beta d,\qquad
        \mathrm{den} = \|g\|_2^2 + \tfrac{\tau}{2}\|d\|^2,\ \tau = L_{est}^2/2
        \text{ (after the curvature estimate; } 10^{-12} \text{ before)},

    ``grad_p = -g_t * g / den``, ``grad_beta = <g_t, d> / den``, each followed by an AdaGrad step
    (``eps = 1e-12`` outside the square root) and a clip to ``[0, 1e10/L_est]`` and
    ``[0, 0.9995]``. ``x_old <- x`` before the acceptance test, so a null step zeroes the next
    momentum term; acceptance is strict (``f_t < f``). Before the curvature estimate ``eta_p``
    decays by 0.8 when ``(i+1) mod 50 == 49`` (floor ``1e-3 eta_p0``). After more than
    ``max(min(max_iter/4, 200), 20)`` net monotone steps (accept +1, reject -2, floor 0)
    ``L_est`` becomes the mean curvature ``||g_t - g|| / ||x_t - x||`` over accepted steps with
    ``||x_t - x|| > 1e-3``, ``eta_p = 1/L_est`` and the p-accumulator is reset.

    Parameters
    ----------
    fun : callable
        ``x -> (f(x), grad f(x))``; f and grad at the trial point are charged one evaluation.
    x0 : ndarray
        Start.
    L : float
        Smoothness constant (``sigma_max(X)^2`` in the experiments).
    eta_p, eta_b : float
        AdaGrad stepsizes of p and beta; the paper's grids are ``{0.1, 1, 10, 100}/L`` and
        ``{1, 3, 5, 10, 100}``.
    beta0 : float
        Initial momentum, 0.95 (Algorithm 3 input).
    tol : float
        Stop when ``||grad f||_inf < tol`` (1e-4).
    max_iter : int
        The algorithm's ``max_iter`` (1000); it also sets the curvature-estimate threshold.
    max_evals : int, optional
        Stop after this many gradient evaluations (a cap used by grid search; default
        ``max_iter + 1``, i.e. the official loop).

    Returns
    -------
    HDMBestResult
    """
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f"L = {L!r} is not allowed; L must be a positive finite number")
    if not (eta_p > 0 and eta_b > 0):
        raise ValueError(f"eta_p = {eta_p!r}, eta_b = {eta_b!r}: both stepsizes must be > 0")
    if not 0.0 <= beta0 <= 0.9995:
        raise ValueError(f"beta0 = {beta0!r} is not allowed; it must lie in [0, 0.9995]")
    budget = max_iter + 1 if max_evals is None else int(max_evals)
    x = np.asarray(x0, dtype=float).copy()
    p, G = np.zeros_like(x), np.zeros_like(x)
    beta, Gm = float(beta0), 0.0
    x_old = x.copy()
    fx, g = fun(x)
    fx = float(fx)
    n_grad, n_null, n_mono, it = 1, 0, 0, 0
    guessed, curv_sum, curv_n = False, 0.0, 0
    eta_p_given = eta_p0 = float(eta_p)
    L_est = float(L)
    f_hist, g_hist = [fx], [float(np.max(np.abs(g)))]
    threshold = max(min(max_iter / 4, 200), 20)
    for i in range(max_iter):
        if g_hist[-1] < tol or n_grad >= budget or not np.isfinite(fx):
            break
        it += 1
        d = x - x_old
        x_t = x - p * g + beta * d
        f_t, g_t = fun(x_t)
        f_t = float(f_t)
        n_grad += 1
        den = float(g @ g) + (0.25 * L_est**2 * float(d @ d) if guessed else 1e-12)
        gr = -(g_t * g) / den
        G += gr * gr
        p = np.minimum(np.maximum(p - eta_p * gr / (np.sqrt(G) + 1e-12), 0.0), 1e10 / L_est)
        gm = float(g_t @ d) / den
        Gm += gm * gm
        beta = min(max(beta - eta_b * gm / (math.sqrt(Gm) + 1e-12), 0.0), 0.9995)
        if (i + 1) % 50 == 49 and not guessed:
            eta_p = max(0.8 * eta_p, 1e-3 * eta_p0)
        x_old = x
        if f_t < fx:
            dx, dg = x_t - x, g_t - g
            step = math.sqrt(float(dx @ dx))
            if step > 1e-3:
                curv_sum += math.sqrt(float(dg @ dg)) / step
                curv_n += 1
            x, fx, g = x_t, f_t, g_t
            n_mono += 1
        else:
            n_null += 1
            n_mono = max(0, n_mono - 2)
        f_hist.append(fx)
        g_hist.append(float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf)
        if n_mono > threshold and not guessed and curv_n > 0:
            L_est = curv_sum / curv_n
            eta_p = eta_p0 = 1.0 / L_est
            G = np.zeros_like(x)
            guessed = True
    return HDMBestResult(
        x=x,
        f=fx,
        p=p,
        beta=beta,
        n_grad=n_grad,
        n_iter=it,
        n_null=n_null,
        converged=g_hist[-1] < tol,
        f_hist=np.asarray(f_hist),
        ginf_hist=np.asarray(g_hist),
        L_est=L_est,
        state_floats=hdm_best_state_floats(x.size),
        params={"eta_p": eta_p_given, "eta_b": float(eta_b)},
    )


@dataclass(frozen=True)
class HDResult:
    """Outcome of :func:`baydin_hd`: values per iteration and whether the run diverged."""

    x: np.ndarray
    f_hist: np.ndarray
    alpha_hist: np.ndarray
    n_grad: int
    diverged: bool


def baydin_hd(
    fun: Objective,
    x0: np.ndarray,
    *,
    alpha0: float,
    beta_hd: float,
    max_evals: int = 1000,
    blowup: float = 1e10,
) -> HDResult:
    r"""Plain hypergradient descent of Baydin et al. (2018), Algorithm "GD-HD".

    .. math::

        \alpha_k = \alpha_{k-1} + \beta_{hd} \langle g_k, g_{k-1}\rangle,\qquad
        x_{k+1} = x_k - \alpha_k g_k,

    with the lagged, unnormalised hypergradient, no null step and no AdaGrad: the method whose
    instability the HDM paper explains (card pitfall 1). ``g_0 = 0``.

    Parameters
    ----------
    alpha0 : float
        Initial stepsize.
    beta_hd : float
        Hyper-learning-rate.
    max_evals : int
        Gradient evaluations.
    blowup : float
        Declare divergence when f is not finite or exceeds ``blowup * max(|f(x0)|, 1)``.

    Returns
    -------
    HDResult
    """
    x = np.asarray(x0, dtype=float).copy()
    f, g = fun(x)
    f0 = max(abs(float(f)), 1.0)
    g_prev = np.zeros_like(x)
    alpha = float(alpha0)
    f_hist, a_hist = [float(f)], [alpha]
    diverged = False
    for _ in range(max_evals - 1):
        alpha = alpha + beta_hd * float(g @ g_prev)
        x = x - alpha * g
        g_prev = g
        with np.errstate(over="ignore", invalid="ignore"):
            f, g = fun(x)
        f_hist.append(float(f))
        a_hist.append(alpha)
        if not np.isfinite(f) or f > blowup * f0 or not np.all(np.isfinite(g)):
            diverged = True
            break
    return HDResult(
        x=x,
        f_hist=np.asarray(f_hist),
        alpha_hist=np.asarray(a_hist),
        n_grad=len(f_hist),
        diverged=diverged,
    )


@dataclass(frozen=True)
class OptimalDiagonal:
    """The optimal diagonal preconditioner of a positive definite H.

    Attributes
    ----------
    d : ndarray
        ``D* = diag(d)`` minimising ``kappa(D^{1/2} H D^{1/2})``.
    kappa_star : float
        ``kappa(D*^{1/2} H D*^{1/2})`` recomputed by ``eigvalsh`` (not the solver's objective).
    kappa_solver : float
        The SDP's optimal value.
    kappa_H : float
        Condition number of H.
    kappa_jacobi : float
        Condition number under the Jacobi preconditioner ``diag(1/H_ii)``.
    status : str
        Solver status.
    """

    d: np.ndarray
    kappa_star: float
    kappa_solver: float
    kappa_H: float
    kappa_jacobi: float
    status: str


def _cond_scaled(H: np.ndarray, d: np.ndarray) -> float:
    s = np.sqrt(d)
    w = np.linalg.eigvalsh(s[:, None] * H * s[None, :])
    return float(w[-1] / w[0])


def optimal_diagonal_preconditioner(H: np.ndarray, *, solver: str = "CLARABEL") -> OptimalDiagonal:
    r"""Optimal diagonal preconditioner by a small SDP (inverse-free form).

    .. math::

        \min_{\kappa,\ e} \ \kappa \quad \text{s.t.}\quad \mathrm{Diag}(e) \succeq H,\quad
        \kappa H \succeq \mathrm{Diag}(e),

    then ``D* = Diag(1/e)`` and ``kappa* = kappa(D*^{1/2} H D*^{1/2})`` (card section 6.1; Qu et
    al. 2022). Equivalent to ``max tau s.t. tau H^{-1} <= D <= H^{-1}`` without inverting H.

    Parameters
    ----------
    H : ndarray
        Symmetric positive definite (n, n).
    solver : {"CLARABEL", "SCS"}
        cvxpy solver.

    Returns
    -------
    OptimalDiagonal
    """
    import cvxpy as cp

    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be a square matrix, got shape {H.shape}")
    if not np.allclose(H, H.T, rtol=1e-10, atol=1e-12 * np.abs(H).max()):
        raise ValueError("H must be symmetric")
    w = np.linalg.eigvalsh(H)
    if w[0] <= 0:
        raise ValueError(f"H must be positive definite; its smallest eigenvalue is {w[0]!r}")
    _check_choice(solver, "solver", ("CLARABEL", "SCS"))
    n = H.shape[0]
    Hs = (H + H.T) / 2
    e, kappa = cp.Variable(n), cp.Variable()
    cons = [cp.diag(e) - Hs >> 0, kappa * Hs - cp.diag(e) >> 0]
    prob = cp.Problem(cp.Minimize(kappa), cons)
    prob.solve(solver=solver)
    d = 1.0 / np.asarray(e.value, dtype=float)
    return OptimalDiagonal(
        d=d,
        kappa_star=_cond_scaled(H, d),
        kappa_solver=float(kappa.value),
        kappa_H=float(w[-1] / w[0]),
        kappa_jacobi=_cond_scaled(H, 1.0 / np.diag(H)),
        status=str(prob.status),
    )
