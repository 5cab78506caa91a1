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

Part II (Chu, Gao, Ye & Udell, arXiv:2509.11007) turns HDM-Best into OSGM-Best (no grid,
probed curvature, lookahead); the COLT code also has gradient-norm feedback (OSGM-G,
``osgmgx.m``) and a Nesterov-accelerated OSGM (``osgmnest.m``). Both are here.

Also here: plain hypergradient descent of Baydin et al. (2018), the unsafeguarded baseline, and
the optimal diagonal preconditioner of a quadratic (Qu et al., "Optimal diagonal
preconditioning"), the reference ``kappa*`` of the COLT rate.

References
----------
W. Gao, Y.-C. Chu, Y. Ye, M. Udell, "Gradient Methods with Online Scaling", COLT 2025,
arXiv:2411.01803.
Y.-C. Chu, W. Gao, Y. Ye, M. Udell, "Gradient Methods with Online Scaling Part II. Practical
Aspects", arXiv:2509.11007.
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
    "OSGMNesterovResult",
    "OSGMResult",
    "OptimalDiagonal",
    "QuadraticRatioBound",
    "StochasticResult",
    "apply_preconditioner",
    "baydin_hd",
    "feedback_gradient",
    "hdm_best",
    "hdm_best_state_floats",
    "minibatch_sgd",
    "optimal_diagonal_preconditioner",
    "osgm",
    "osgm_best",
    "osgm_nesterov",
    "osgm_nesterov_convex",
    "project",
    "quadratic_ratio_bound",
    "ratio_feedback",
    "stochastic_osgm",
]

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
FEEDBACKS = ("ratio", "hypergradient", "gradnorm")
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
    hvp: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
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
    feedback : {"ratio", "hypergradient", "gradnorm"}
        ``r_x`` (needs ``f_star`` or uses the adaptive lower bound of ``osgmrx.m``), ``h_x``, or
        the gradient-norm ratio ``g_x(P) = ||grad f(x - P g)|| / ||g||`` of ``osgmgx.m``, whose
        gradient is ``-(H grad f(x+)) g^T / (||g|| ||grad f(x+)||)`` (needs ``hvp``; its
        monotone oracle compares gradient norms, ``||grad f(x+)|| < ||g||``).
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
    hvp : callable, optional
        ``(x, v) -> H(x) v``, required by the gradient-norm feedback (the COLT code passes the
        fixed Hessian of a quadratic, ``osgmgx.m``: "Only for fixed Hessian").
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
    if feedback == "gradnorm" and hvp is None:
        raise ValueError("feedback = 'gradnorm' needs hvp (a Hessian-vector product)")
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
        elif feedback == "gradnorm":
            # osgmgx.m: the numerator's gradient is H grad f(x+) / ||grad f(x+)||, so the
            # feedback gradient is -(H g+) g^T / (||g|| ||g+||) (same form, g+ -> H g+ / ||g+||).
            ng, ngt = math.sqrt(float(g @ g)), math.sqrt(float(g_t @ g_t))
            fb = ngt / ng
            grad = feedback_gradient(g, hvp(x_t, g_t), ng * max(ngt, 1e-300), kind)
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
        if feedback != "gradnorm":
            grad = feedback_gradient(g, g_t, den, kind)
        if learner == "adagrad":
            G = G + grad * grad
            P = P - lr * grad / np.sqrt(G + 1e-20)
        else:
            P = P - lr * grad
        P = project(P, *bounds)
        better = (fb < 1.0) if feedback == "gradnorm" else (f_t < f)
        if better or not null_step:
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


def ratio_feedback(
    fun: Objective,
    x: np.ndarray,
    P: float | np.ndarray,
    *,
    kind: str = "diagonal",
    f_star: float = 0.0,
) -> float:
    r"""Ratio feedback ``r_x(P) = (f(x - P grad f(x)) - f*) / (f(x) - f*)`` (COLT 2025, sec. 2).

    The talk's key inequality chains these ratios; at the best preconditioner ``P*`` of a
    strongly convex f they are at most ``1 - 1/kappa*`` (slide "Optimize the convergence rate
    with online learning").

    Parameters
    ----------
    fun : callable
        ``x -> (f(x), grad f(x))``.
    x : ndarray
        Point with ``f(x) > f*``.
    P : float or ndarray
        Preconditioner of the given ``kind``.
    kind : {"scalar", "diagonal", "full"}
    f_star : float
        Optimal value.

    Returns
    -------
    float
    """
    f, g = fun(np.asarray(x, dtype=float))
    den = float(f) - f_star
    if not den > 0:
        raise ValueError(f"f(x) - f_star = {den!r} must be > 0 for the ratio feedback")
    f_plus, _ = fun(np.asarray(x, dtype=float) - apply_preconditioner(P, g, kind))
    return (float(f_plus) - f_star) / den


@dataclass(frozen=True)
class QuadraticRatioBound:
    """Exact worst case of the ratio feedback of a fixed diagonal P on a quadratic.

    Attributes
    ----------
    sup_ratio : float
        ``sup_x r_x(diag(d)) = max_i (1 - mu_i)^2``.
    mu_min, mu_max : float
        Extreme eigenvalues ``mu`` of ``M = D^{1/2} H D^{1/2}``.
    kappa : float
        ``mu_max / mu_min`` (``kappa*`` when ``d`` is the optimal diagonal).
    worst_direction : ndarray
        ``e = D^{1/2} v`` (v the eigenvector of M attaining the sup): ``r_{x*+e} = sup_ratio``.
    """

    sup_ratio: float
    mu_min: float
    mu_max: float
    kappa: float
    worst_direction: np.ndarray


def quadratic_ratio_bound(H: np.ndarray, d: np.ndarray) -> QuadraticRatioBound:
    r"""``sup_x r_x(D)`` for ``f = 1/2 (x - x*)^T H (x - x*)`` and ``D = diag(d)``.

    With ``e = x - x* = D^{1/2} M^{-1/2} u`` and ``M = D^{1/2} H D^{1/2}``,

    .. math::

        r_x(D) = \frac{e^T (I - HD) H (I - DH) e}{e^T H e}
               = \frac{u^T (I - M)^2 u}{u^T u} \le \max_i (1 - \mu_i)^2 .

    For the optimal diagonal (``1/kappa* <= mu <= 1`` after the SDP's scaling
    ``D <= H^{-1}``) this is ``(1 - 1/kappa*)^2 <= 1 - 1/kappa*``, the lemma behind the COLT
    rate (card T1').

    Parameters
    ----------
    H : ndarray
        Symmetric positive definite (n, n).
    d : ndarray
        Positive diagonal (n,).

    Returns
    -------
    QuadraticRatioBound
    """
    H = np.asarray(H, dtype=float)
    d = np.asarray(d, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or d.shape != (H.shape[0],):
        raise ValueError(f"H must be (n, n) and d (n,), got {H.shape} and {d.shape}")
    if not np.all(d > 0):
        raise ValueError(f"d must be positive; its smallest entry is {d.min()!r}")
    s = np.sqrt(d)
    mu, V = np.linalg.eigh(s[:, None] * H * s[None, :])
    if mu[0] <= 0:
        raise ValueError(f"H must be positive definite; D^1/2 H D^1/2 has eigenvalue {mu[0]!r}")
    worst = np.argmax((1.0 - mu) ** 2)
    return QuadraticRatioBound(
        sup_ratio=float(np.max((1.0 - mu) ** 2)),
        mu_min=float(mu[0]),
        mu_max=float(mu[-1]),
        kappa=float(mu[-1] / mu[0]),
        worst_direction=s * V[:, worst],
    )


@dataclass(frozen=True)
class OSGMNesterovResult:
    """Outcome of :func:`osgm_nesterov`.

    Attributes
    ----------
    x, f : ndarray, float
        Final iterate and value.
    p : ndarray
        Final diagonal preconditioner.
    n_iter : int
        Iterations.
    n_grad : int
        Gradient evaluations (three per iteration: at y, at the OSGM trial point, at x).
    n_osgm_steps : int
        Iterations whose OSGM step replaced the AGD step.
    converged : bool
        Stopped on ``||grad f(x)||_2 < tol``.
    f_hist : ndarray
        f at the iterate x before each iteration and at the end (length ``n_iter + 1``).
    """

    x: np.ndarray
    f: float
    p: np.ndarray
    n_iter: int
    n_grad: int
    n_osgm_steps: int
    converged: bool
    f_hist: np.ndarray


def osgm_nesterov(
    fun: Objective,
    x0: np.ndarray,
    L: float,
    mu: float,
    *,
    lr: float,
    tol: float = 1e-10,
    max_iter: int = 10000,
) -> OSGMNesterovResult:
    r"""Nesterov-accelerated OSGM for strongly convex f (COLT code ``osgmnest.m``; card 3.7).

    Strongly convex AGD (``q = mu/L``) in its estimate-sequence form, with an OSGM trial step:

    .. math::

        y = x + \tfrac{\sqrt q}{1 + \sqrt q}(z - x),\quad g = \nabla f(y),\quad
        x^+ = \begin{cases} y - P g & f(y - P g) \le f(y - g/L)\\ y - g/L & \text{else}\end{cases},
        \quad z^+ = (1 - \sqrt q) z + \sqrt q (y - g/\mu),

    and ``P = diag(p)`` learned by AdaGrad (``sqrt(G + 1e-20)``) on the hypergradient
    ``-grad f(y - P g) * g / ||g||^2``, ``p0 = 0`` (``osgmnest.m``).

    Parameters
    ----------
    fun : callable
        ``x -> (f(x), grad f(x))``.
    x0 : ndarray
        Start (``z0 = x0``).
    L, mu : float
        Smoothness and strong convexity constants (``0 < mu <= L``).
    lr : float
        AdaGrad stepsize (``adagradalpha = 10`` in ``test_ls.m``).
    tol : float
        Stop when ``||grad f(x)||_2 < tol`` (``osgmnest.m`` tests the 2-norm).
    max_iter : int
        Iterations (``maxit``).

    Returns
    -------
    OSGMNesterovResult
    """
    if not (np.isfinite(L) and np.isfinite(mu) and 0 < mu <= L):
        raise ValueError(f"L = {L!r}, mu = {mu!r}: need 0 < mu <= L, both finite")
    if not lr > 0:
        raise ValueError(f"lr = {lr!r} is not allowed; the learner stepsize must be > 0")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter = {max_iter!r} is not allowed; it must be >= 1")
    x = np.asarray(x0, dtype=float).copy()
    z = x.copy()
    sq = math.sqrt(mu / L)
    p, G = np.zeros_like(x), np.zeros_like(x)
    fx, gx = fun(x)
    f_hist = [float(fx)]
    n_grad, n_osgm, it, converged = 1, 0, 0, False
    for _ in range(int(max_iter)):
        if math.sqrt(float(gx @ gx)) < tol:
            converged = True
            break
        it += 1
        y = x + sq / (1 + sq) * (z - x)
        _, g = fun(y)
        x_agd = y - g / L
        x_t = y - p * g
        f_t, g_t = fun(x_t)
        n_grad += 2
        gn2 = float(g @ g)
        if gn2 > 0.0:  # grad f(y) = 0 exactly: y is stationary, h_y is undefined, skip learning
            gr = -(g_t * g) / gn2
            G += gr * gr
            p = p - lr * gr / np.sqrt(G + 1e-20)
        f_agd, g_agd = fun(x_agd)
        n_grad += 1
        if f_t <= f_agd and gn2 > 0.0:  # keep the OSGM step when it is no worse than AGD's
            x, fx, gx = x_t, float(f_t), g_t
            n_osgm += 1
        else:
            x, fx, gx = x_agd, float(f_agd), g_agd
        z = (1 - sq) * z + sq * (y - g / mu)
        f_hist.append(fx)
    else:
        converged = math.sqrt(float(gx @ gx)) < tol
    return OSGMNesterovResult(
        x=x,
        f=fx,
        p=p,
        n_iter=it,
        n_grad=n_grad,
        n_osgm_steps=n_osgm,
        converged=converged,
        f_hist=np.asarray(f_hist),
    )


def osgm_nesterov_convex(
    fun: Objective,
    x0: np.ndarray,
    L: float,
    *,
    lr: float = 10.0,
    use_osgm: bool = True,
    tol: float = 1e-10,
    max_iter: int = 10000,
) -> OSGMNesterovResult:
    r"""Nesterov-accelerated OSGM for convex f (COLT code ``osgmnestcvx.m``; card 3.7).

    Nesterov's method with ``a_k = (1 + sqrt(1 + 4 A_k))/2`` (so ``a_k^2 = A_{k+1}``):

    .. math::

        y = x + \Big(1 - \tfrac{A_k}{A_k + a_k}\Big)(z - x),\quad g = \nabla f(y),

    AGD step ``y - g/L`` and ``z <- z - (a_k/L) g``; with ``use_osgm`` the trial step
    ``y - P g`` replaces it when ``f(y - P g) <= f(y - g/L)``, and then
    ``z <- z + 2 a_k h_y(P) g`` with ``h_y(P) = (f(y - P g) - f(y)) / ||g||^2`` (equal to the
    AGD update when ``h = -1/(2L)``). ``P = diag(p)``, ``p0 = 0``, learned by AdaGrad
    (``sqrt(G + 1e-20)``) on ``-grad f(y - P g) * g / ||g||^2``. ``use_osgm=False`` is the plain
    method (the AGD curve of ``test_ls.m``).

    Parameters
    ----------
    fun : callable
        ``x -> (f(x), grad f(x))``.
    x0 : ndarray
        Start (``z0 = x0``, ``A_0 = 0``).
    L : float
        Smoothness constant.
    lr : float
        AdaGrad stepsize (``adagradalpha = 10``).
    use_osgm : bool
        Take OSGM trial steps (``osgmnestcvx.m``) or run plain Nesterov AGD.
    tol : float
        Stop when ``||grad f(x)||_2 < tol``.
    max_iter : int
        Iterations.

    Returns
    -------
    OSGMNesterovResult
        ``n_grad`` counts three gradients per iteration with OSGM (at y, the trial point and x)
        and two without.
    """
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f"L = {L!r} is not allowed; L must be a positive finite number")
    if not lr > 0:
        raise ValueError(f"lr = {lr!r} is not allowed; the learner stepsize must be > 0")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter = {max_iter!r} is not allowed; it must be >= 1")
    x = np.asarray(x0, dtype=float).copy()
    z = x.copy()
    A = 0.0
    p, G = np.zeros_like(x), np.zeros_like(x)
    fx, gx = fun(x)
    f_hist = [float(fx)]
    n_grad, n_osgm, it, converged = 1, 0, 0, False
    for _ in range(int(max_iter)):
        if math.sqrt(float(gx @ gx)) < tol:
            converged = True
            break
        it += 1
        a = 0.5 * (1.0 + math.sqrt(4.0 * A + 1.0))
        y = x + (1.0 - A / (A + a)) * (z - x)
        f_y, g = fun(y)
        n_grad += 1
        x_agd = y - g / L
        f_agd, g_agd = fun(x_agd)
        n_grad += 1
        took = False
        gn2 = float(g @ g)
        # grad f(y) = 0 exactly: y is stationary (x_agd = y), h_y is undefined, skip learning
        if use_osgm and gn2 > 0.0:
            x_t = y - p * g
            f_t, g_t = fun(x_t)
            n_grad += 1
            gr = -(g_t * g) / gn2
            G += gr * gr
            p = p - lr * gr / np.sqrt(G + 1e-20)
            if f_t <= f_agd:
                took = True
                x, fx, gx = x_t, float(f_t), g_t
                z = z + 2.0 * a * ((float(f_t) - float(f_y)) / gn2) * g
                n_osgm += 1
        if not took:
            x, fx, gx = x_agd, float(f_agd), g_agd
            z = z - (a / L) * g
        A += a
        f_hist.append(fx)
    else:
        converged = math.sqrt(float(gx @ gx)) < tol
    return OSGMNesterovResult(
        x=x,
        f=fx,
        p=p,
        n_iter=it,
        n_grad=n_grad,
        n_osgm_steps=n_osgm,
        converged=converged,
        f_hist=np.asarray(f_hist),
    )


def _armijo_lookahead(fun: Objective, x: np.ndarray, f: float, g: np.ndarray, p: np.ndarray):
    """Backtracking along ``-p * g`` from x (Part II lookahead; eta = 1, x0.8, down to 1e-6).

    Accepts ``f(x - eta p g) <= f - eta/2 <g, p g>``; returns x itself when no eta passes.
    Only function values are used (not charged as gradient evaluations).
    """
    gpg = float(g @ (p * g))
    eta = 1.0
    while eta > 1e-6:
        x_new = x - eta * p * g
        if fun(x_new)[0] <= f - 0.5 * eta * gpg:
            return x_new
        eta *= 0.8
    return x


def osgm_best(
    fun: Objective,
    x0: np.ndarray,
    *,
    rng: np.random.Generator,
    tol: float = 1e-4,
    max_iter: int = 1000,
) -> HDMBestResult:
    r"""OSGM-Best (Part II, arXiv:2509.11007; official ``algorithms/osgm.py``, card 3.6).

    HDM-Best's diagonal hypergradient step with learned heavy-ball momentum, without a grid:

    * curvature probe: ``L_est = max_j ||grad f(x0 + delta_j) - grad f(x0)|| / 1e-4`` over three
      random directions with ``||delta_j|| = 1e-4`` (three charged gradient evaluations);
    * AdaGrad stepsizes ``eta_p = 1/L_est``, ``eta_beta = min(1, L_est)``; ``p0 = 0``,
      ``beta0 = 0.95``; clip ``p`` to ``[0, 1e5/L_est]``, ``beta`` to ``[0, 0.9995]``;
    * trial ``x_t = x - p * g + beta (x - x_old)``; non-strict acceptance ``f <= f(x)``;
      ``x_old <- x`` before the test; the learner updates on every iteration with
      ``den = ||g||^2 + 1e-12`` (``+ (tau/2)||d||^2``, ``tau = L_est^2/2``, after the estimate);
    * before the online estimate ``eta_p`` decays by 0.8 when ``(i+1) mod 50 == 49`` (floor
      ``1e-3/L_est``); after more than ``max(min(max_iter/4, 200), 20)`` net monotone steps
      ``L_est`` becomes the mean curvature of accepted steps longer than 1e-3, the stepsizes
      are reset from it, ``G = 0``, and the **lookahead** switches on: when
      ``||grad f(x_t)|| > 2 ||g||`` an Armijo search along ``-p * grad f(x_t)`` starts from
      ``x_t`` (the accepted point then costs one more gradient evaluation);
    * stop on ``||g||_inf < tol`` or once more than ``max_iter - 1`` gradients were evaluated.

    Parameters
    ----------
    fun : callable
        ``x -> (f(x), grad f(x))``.
    x0 : ndarray
        Start.
    rng : numpy.random.Generator
        Source of the three probe directions (explicit, deviation D8 of the ledger).
    tol : float
        ``||grad f||_inf`` tolerance (1e-4 in the experiments).
    max_iter : int
        Iterations and gradient budget (1000).

    Returns
    -------
    HDMBestResult
        ``params`` holds the initial ``L_est`` and whether the lookahead was switched on.
    """
    if not tol > 0:
        raise ValueError(f"tol = {tol!r} is not allowed; tol must be > 0")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter = {max_iter!r} is not allowed; it must be >= 1")
    x = np.asarray(x0, dtype=float).copy()
    fx, g = fun(x)
    fx = float(fx)
    n_grad = 1
    L_est = 0.0
    for _ in range(3):
        delta = rng.standard_normal(x.shape)
        delta *= 1e-4 / np.linalg.norm(delta)
        dg = fun(x + delta)[1] - g
        n_grad += 1
        L_est = max(L_est, float(np.linalg.norm(dg)) / 1e-4)
    if not (np.isfinite(L_est) and L_est > 0):
        L_est = 1e-5
    L_probe = L_est
    lr_p, lr_b, tau = 1.0 / L_est, min(1.0, L_est), 0.5 * L_est**2
    p, G = np.zeros_like(x), np.zeros_like(x)
    beta, Gm = 0.95, 0.0
    x_old = x.copy()
    dynamic, lookahead = True, False
    curv_sum, curv_n, n_mono, n_null, it = 0.0, 0, 0, 0, 0
    f_hist, g_hist = [fx], [float(np.max(np.abs(g)))]
    threshold = max(min(max_iter / 4, 200), 20)
    for _ in range(int(max_iter)):
        if g_hist[-1] < tol or not np.isfinite(fx):
            break
        it += 1
        d = x - x_old
        x_t = x - p * g + beta * d
        f_t, g_t = fun(x_t)
        f_t = float(f_t)
        n_grad += 1
        gn2 = float(g @ g)
        jumped = lookahead and math.sqrt(float(g_t @ g_t)) > 2.0 * math.sqrt(gn2)
        if jumped:
            x_la = _armijo_lookahead(fun, x_t, f_t, g_t, p)
            f_la = float(fun(x_la)[0])
        else:
            x_la, f_la = x_t, f_t
        x_old = x
        descent = f_la <= fx
        den = gn2 + (1e-12 if dynamic else 0.5 * tau * float(d @ d))
        gr = -(g_t * g) / den
        gm = float(g_t @ d) / den
        G += gr * gr
        Gm += gm * gm
        p = np.clip(p - lr_p * gr / (np.sqrt(G) + 1e-12), 0.0, 1e5 / L_est)
        beta = min(max(beta - lr_b * gm / (math.sqrt(Gm) + 1e-12), 0.0), 0.9995)
        if descent:
            step = math.sqrt(float((x_t - x) @ (x_t - x)))
            if step > 1e-3:
                curv_sum += math.sqrt(float((g_t - g) @ (g_t - g))) / step
                curv_n += 1
            x, fx = x_la, f_la
            if jumped:
                g = fun(x)[1]
                n_grad += 1
            else:
                g = g_t
            n_mono += 1
        else:
            n_null += 1
            n_mono = max(n_mono - 2, 0)
        f_hist.append(fx)
        g_hist.append(float(np.max(np.abs(g))) if np.all(np.isfinite(g)) else np.inf)
        if n_mono > threshold and dynamic:
            if curv_n > 0:  # D8: keep L_est if no long accepted step was seen
                L_est = curv_sum / curv_n
            curv_sum, curv_n = 0.0, 0
            lr_p, lr_b, tau = 1.0 / L_est, min(1.0, L_est), 0.5 * L_est**2
            dynamic, lookahead = False, True
            G = np.zeros_like(x)
        if it % 50 == 49 and dynamic:
            lr_p = max(0.8 * lr_p, 1e-3 / L_est)
        if n_grad > max_iter - 1:
            break
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
        params={"L_probe": L_probe, "lookahead": lookahead},
    )


BatchObjective = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class StochasticResult:
    """Outcome of :func:`stochastic_osgm` and :func:`minibatch_sgd`.

    Attributes
    ----------
    x : ndarray
        Last iterate.
    f_batch_hist : ndarray
        f on all rows at x0, then the mini-batch loss ``f_S(x_k)`` of each iteration at the
        iterate before the step (what ``test_stochastic.m`` records); length ``n_iter + 1``.
    n_iter : int
        Iterations.
    n_accepted : int
        Accepted trial steps (equals ``n_iter`` for SGD).
    P : ndarray
        Final diagonal preconditioner (zeros for SGD).
    """

    x: np.ndarray
    f_batch_hist: np.ndarray
    n_iter: int
    n_accepted: int
    P: np.ndarray


def _check_batch(n_rows: int, batch: int, iters: int) -> None:
    if not 1 <= int(batch) <= int(n_rows):
        raise ValueError(f"batch = {batch!r} is not allowed; need 1 <= batch <= n_rows = {n_rows}")
    if int(iters) < 1:
        raise ValueError(f"iters = {iters!r} is not allowed; it must be >= 1")


def stochastic_osgm(
    fun: BatchObjective,
    x0: np.ndarray,
    *,
    n_rows: int,
    batch: int,
    rng: np.random.Generator,
    feedback: str = "hypergradient",
    lr: float = 10.0,
    f_star: float = 0.0,
    hvp: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    iters: int = 10000,
    tol: float = 1e-10,
) -> StochasticResult:
    r"""Stochastic diagonal OSGM (COLT code ``osgm{r,g,h}x_stochastic.m``, ``test_stochastic.m``).

    Each iteration samples ``S`` (``batch`` of ``n_rows`` rows without replacement), evaluates
    ``f_S, g_S`` at x and at the trial point ``x - p * g_S`` on the *same* batch, updates ``p``
    by AdaGrad (``sqrt(G + 1e-20)``) on the feedback gradient of ``f_S`` and keeps the trial
    point when the mini-batch oracle accepts it:

    * ratio: ``-g_S(x+) * g_S / (f_S(x) - z + 1e-20)``, ``z = f_star`` (0 in the script),
      lowered to ``f_S - min(1e-2 (z - f_S), 1)`` whenever ``f_S < z``; accept if
      ``f_S(x+) < f_S(x)``;
    * hypergradient: ``-g_S(x+) * g_S / ||g_S||^2``, same acceptance;
    * gradnorm: ``-(H g_S(x+)) * g_S / (||g_S|| ||g_S(x+)||)`` with the full Hessian ``H``
      (``hvp``), accept if ``||g_S(x+)|| < ||g_S||``.

    Parameters
    ----------
    fun : callable
        ``(x, idx) -> (f_S(x), grad f_S(x))`` for the rows ``idx``.
    x0 : ndarray
        Start.
    n_rows, batch : int
        Number of rows and mini-batch size (100 and 10 in ``test_stochastic.m``).
    rng : numpy.random.Generator
        Mini-batch sampler (``randperm(n, batch_size)``).
    feedback : {"ratio", "hypergradient", "gradnorm"}
    lr : float
        AdaGrad stepsize (``adagradalpha = 10``).
    f_star : float
        Lower bound ``z`` of the ratio feedback (``info.z = 0``).
    hvp : callable, optional
        ``(x, v) -> H v``; required for ``gradnorm``.
    iters : int
        Iterations (``maxit = 10000``).
    tol : float
        Stop when ``||g_S||_2 < tol``.

    Returns
    -------
    StochasticResult
    """
    _check_choice(feedback, "feedback", FEEDBACKS)
    _check_batch(n_rows, batch, iters)
    if not lr > 0:
        raise ValueError(f"lr = {lr!r} is not allowed; the learner stepsize must be > 0")
    if feedback == "gradnorm" and hvp is None:
        raise ValueError("feedback = 'gradnorm' needs hvp (a Hessian-vector product)")
    x = np.asarray(x0, dtype=float).copy()
    p, G = np.zeros_like(x), np.zeros_like(x)
    f_hist = [float(fun(x, np.arange(n_rows))[0])]
    it, acc, z = 0, 0, float(f_star)
    for _ in range(int(iters)):
        idx = rng.choice(n_rows, size=batch, replace=False)
        f, g = fun(x, idx)
        f_hist.append(float(f))
        it += 1
        ng2 = float(g @ g)
        if math.sqrt(ng2) < tol:
            break
        x_t = x - p * g
        f_t, g_t = fun(x_t, idx)
        if feedback == "hypergradient":
            gr = -(g_t * g) / ng2
            better = f_t < f
        elif feedback == "ratio":
            if f < z:  # the lower-bound heuristic of osgmrx_stochastic.m
                z = f - min((z - f) * 1e-2, 1.0)
            gr = -(g_t * g) / (f - z + 1e-20)
            better = f_t < f
        else:
            ngt = math.sqrt(float(g_t @ g_t))
            gr = -(hvp(x_t, g_t) * g) / (math.sqrt(ng2) * max(ngt, 1e-300))
            better = ngt * ngt < ng2
        G += gr * gr
        p = p - lr * gr / np.sqrt(G + 1e-20)
        if better:
            x = x_t
            acc += 1
    return StochasticResult(x=x, f_batch_hist=np.asarray(f_hist), n_iter=it, n_accepted=acc, P=p)


def minibatch_sgd(
    fun: BatchObjective,
    x0: np.ndarray,
    *,
    n_rows: int,
    batch: int,
    rng: np.random.Generator,
    step: float = 1.0,
    iters: int = 10000,
    tol: float = 1e-10,
) -> StochasticResult:
    """Mini-batch SGD ``x <- x - step grad f_S(x)`` (COLT code ``bench/sgd.m``; step 1).

    Same sampler, recording and stopping rule as :func:`stochastic_osgm`.
    """
    _check_batch(n_rows, batch, iters)
    if not step > 0:
        raise ValueError(f"step = {step!r} is not allowed; it must be > 0")
    x = np.asarray(x0, dtype=float).copy()
    f_hist = [float(fun(x, np.arange(n_rows))[0])]
    it = 0
    for _ in range(int(iters)):
        idx = rng.choice(n_rows, size=batch, replace=False)
        f, g = fun(x, idx)
        f_hist.append(float(f))
        it += 1
        if math.sqrt(float(g @ g)) < tol:
            break
        x = x - step * g
    return StochasticResult(
        x=x, f_batch_hist=np.asarray(f_hist), n_iter=it, n_accepted=it, P=np.zeros_like(x)
    )
