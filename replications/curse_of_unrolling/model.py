"""Inner problems and closed forms of "The Curse of Unrolling" (Scieur et al., NeurIPS 2022).

Ridge problems ``f(x, theta) = x^T Sigma x / 2 + b^T x + theta ||x||^2 / 2`` with exactly known
spectra (``H = Sigma + theta I``, ``dH/dtheta = I``, ``db/dtheta = 0``), the residual
polynomials of GD / heavy ball / Chebyshev and their derivatives on the spectrum, and the exact
per-eigencomponent Jacobian error ``q_t(lambda) = P_t(lambda) - lambda P_t'(lambda)`` for x0 = 0
(card ../shared/papers/unrolling.md, Sec. 2.2-2.9). Pure functions, explicit seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from shared.unrolling import Schedule


def ridge_grad(x, theta, sigma, b):
    """Gradient of the ridge objective: ``(Sigma + theta I) x + b`` (JAX-traceable)."""
    return sigma @ x + b + theta * x


def logistic_grad(x, theta, A, y):
    """Gradient of ``(1/n) sum log(1 + exp(-y_i a_i^T x)) + theta ||x||^2 / 2`` (card Sec. 2.1)."""
    z = y * (A @ x)
    return -(A.T @ (y * jnp.exp(-jnp.logaddexp(0.0, z)))) / A.shape[0] + theta * x


@dataclass(frozen=True)
class Ridge:
    """A ridge problem with its exact eigendecomposition.

    Attributes
    ----------
    sigma : (p, p) ``A^T A`` part; b : (p,) linear term; theta : ridge parameter.
    lam : (p,) eigenvalues of ``H = sigma + theta I`` (ascending); Q : (p, p) eigenvectors.
    x_star, dx_star : minimiser and its exact Jacobian ``-H^{-1} x*`` (eigenbasis formulas).
    name : label.
    """

    sigma: np.ndarray
    b: np.ndarray
    theta: float
    lam: np.ndarray
    Q: np.ndarray
    x_star: np.ndarray
    dx_star: np.ndarray
    name: str

    @property
    def L(self) -> float:
        return float(self.lam[-1])

    @property
    def mu(self) -> float:
        return float(self.lam[0])

    @property
    def kappa(self) -> float:
        return self.L / self.mu

    @property
    def H(self) -> np.ndarray:
        return self.sigma + self.theta * np.eye(self.lam.size)

    @property
    def args(self) -> tuple[np.ndarray, np.ndarray]:
        """Problem data for :func:`ridge_grad` (traced by the shared scans)."""
        return (self.sigma, self.b)

    def fvalue(self, X: np.ndarray) -> np.ndarray:
        """Objective at the rows of X."""
        return 0.5 * np.einsum("ti,ij,tj->t", X, self.H, X) + X @ self.b

    def components(self, V: np.ndarray) -> np.ndarray:
        """Coordinates of the rows of V in the eigenbasis."""
        return V @ self.Q


def _from_eig(lam: np.ndarray, Q: np.ndarray, theta: float, b: np.ndarray, name: str) -> Ridge:
    sigma = (Q * (lam - theta)) @ Q.T
    sigma = 0.5 * (sigma + sigma.T)
    beta = Q.T @ b
    x_star = -Q @ (beta / lam)
    dx_star = Q @ (beta / lam**2)
    return Ridge(sigma, b, float(theta), lam, Q, x_star, dx_star, name)


def synthetic_ridge(
    kappa: float, *, p: int, L: float, theta_fraction: float, design: str, seed: int
) -> Ridge:
    """Synthetic ridge with spectrum ``linspace(L/kappa, L, p)`` in a random orthogonal basis.

    ``design="uniform"``: b = H^2 Q 1 so that dx* = Q 1 (equal Jacobian mass on every
    eigendirection: the burn-in is visible in the total norm, card Sec. 5). ``design="isotropic"``:
    b = Q g with g standard normal (the mass of dx* sits on small eigenvalues, pitfall P1).
    ``theta = theta_fraction * mu`` keeps ``Sigma`` positive definite.
    """
    if not kappa > 1:
        raise ValueError(f"kappa={kappa!r} is not allowed: need kappa > 1")
    if design not in ("uniform", "isotropic"):
        raise ValueError(f"design={design!r} is not allowed: use 'uniform' or 'isotropic'")
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((p, p)))
    Q = Q * np.sign(np.diag(R))
    lam = np.linspace(L / kappa, L, p)
    theta = theta_fraction * lam[0]
    coef = lam**2 if design == "uniform" else rng.standard_normal(p)
    return _from_eig(lam, Q, theta, Q @ coef, f"synthetic-{design}-kappa{kappa:g}")


def data_ridge(A: np.ndarray, y: np.ndarray, theta_factor: float, name: str) -> Ridge:
    """Ridge ``||Ax - y||^2/2 + theta ||x||^2/2`` with ``theta = theta_factor sigma_max(A)^2``.

    Eigenvalues from ``eigh`` of the small ``A^T A`` (pitfall P5: L and mu include theta).
    """
    gram = A.T @ A
    s, Q = np.linalg.eigh(gram)
    s = np.clip(s, 0.0, None)
    theta = theta_factor * s[-1]
    return _from_eig(s + theta, Q, theta, -A.T @ y, name)


# ------------------------------------------------------------------------------------------
# Residual polynomials and closed forms (card Sec. 2.2-2.6)
# ------------------------------------------------------------------------------------------
def residual_polynomials(schedule: Schedule, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P_t(lambda)`` and ``P_t'(lambda)`` for t = 0..T by the method's own recurrence.

    ``p_{t+1} = p_t - h_t lambda p_t + m_t (p_t - p_{t-1})``, differentiated in lambda.
    Returns arrays of shape (T + 1, len(lam)).
    """
    lam = np.asarray(lam, float)
    T = schedule.n_steps
    P, dP = np.empty((T + 1, lam.size)), np.empty((T + 1, lam.size))
    p, pp, d, dp = np.ones_like(lam), np.ones_like(lam), np.zeros_like(lam), np.zeros_like(lam)
    P[0], dP[0] = p, d
    for t in range(T):
        h, m = schedule.steps[t], schedule.momenta[t]
        p_new = p - h * lam * p + m * (p - pp)
        d_new = d - h * (p + lam * d) + m * (d - dp)
        p, pp, d, dp = p_new, p, d_new, d
        P[t + 1], dP[t + 1] = p, d
    return P, dP


def jacobian_error_components(
    P: np.ndarray, dP: np.ndarray, e0_dx: np.ndarray, e0_x: np.ndarray
) -> np.ndarray:
    """Eigencomponents of ``dx_t - dx*`` from the error identity (card Sec. 2.4, ridge dH = I).

    ``dx_t - dx* = P_t(H)(dx_0 - dx*) + P_t'(H)(x_0 - x*)``; inputs are eigen-coordinates.
    """
    return P * e0_dx[None, :] + dP * e0_x[None, :]


def gd_q(t: np.ndarray, u: np.ndarray) -> np.ndarray:
    """GD, x0 = 0: ``q_t(u) = (1 - u)^{t-1} (1 + (t-1) u)``, u = h lambda, q_0 = 1 (Sec. 2.6)."""
    t = np.asarray(t, float)
    u = np.asarray(u, float)
    tt = np.maximum(t - 1.0, 0.0)
    out = (1.0 - u) ** tt * (1.0 + tt * u)
    return np.where(t == 0, 1.0, out)


def chebyshev_top_q(t: np.ndarray, L: float, mu: float) -> np.ndarray:
    """Chebyshev, top component: ``|q_t(L)| = (2 L t^2/(L - mu) - 1) / T_t(sigma_0)`` (t >= 1)."""
    t = np.asarray(t, float)
    sigma0 = (L + mu) / (L - mu)
    val = (2.0 * L * t**2 / (L - mu) - 1.0) / np.cosh(t * np.arccosh(sigma0))
    return np.where(t == 0, 1.0, val)


def gd_truncated_q(t: np.ndarray, u: np.ndarray, k: int) -> np.ndarray:
    """Truncation at k (dx_t = 0 for t <= k), x0 = 0: ``a^{t-k}[1 + (t-k) u a^{k-1}]`` for t >= k,
    and 1 before (card Sec. 2.8), with a = 1 - u."""
    t = np.asarray(t, float)[:, None]
    u = np.asarray(u, float)[None, :]
    a = 1.0 - u
    s = np.maximum(t - k, 0.0)
    val = a**s * (1.0 + s * u * a ** (k - 1.0)) if k >= 1 else gd_q(t, u)
    return np.where(t <= k, 1.0, val)


def gd_bound(t: np.ndarray, h: float, L: float, mu: float, n_dx: float, n_x: float) -> np.ndarray:
    """Two-term bound (B): ``r^t ||dx0 - dx*|| + h t r^{t-1} ||dH|| ||x0 - x*||`` (Sec. 2.5)."""
    t = np.asarray(t, float)
    r = max(abs(1.0 - h * mu), abs(1.0 - h * L))
    return r**t * n_dx + h * t * r ** np.maximum(t - 1.0, 0.0) * n_x


def sup_q_gd(T: int, hL: np.ndarray, lam_over_L: np.ndarray) -> np.ndarray:
    """``sup_lambda |q_T(lambda)|`` for GD over a lambda grid, for each hL (card Sec. 2.7)."""
    u = np.asarray(hL, float)[:, None] * np.asarray(lam_over_L, float)[None, :]
    return np.max(np.abs(gd_q(np.full(u.shape, float(T)), u)), axis=1)


def monotone(e: np.ndarray, slack: float, floor: float) -> bool:
    """``e_{t+1} <= e_t (1 + slack)`` wherever ``e_t > floor`` (along axis 0; all columns)."""
    e = np.asarray(e, float)
    if e.ndim == 1:
        e = e[:, None]
    ok = (e[1:] <= e[:-1] * (1.0 + slack)) | (e[:-1] <= floor)
    return bool(np.all(ok))


def burn_in_end(e: np.ndarray, level: float = 1.0, slack: float = 1e-12) -> int | None:
    """Burn-in length of an error curve: the first t after its peak with ``e_t < level``.

    Returns 0 when the curve never rises above ``level (1 + slack)`` (no burn-in), and None when
    it has not come back below ``level`` by the end of the horizon (the burn-in has not ended;
    its length is only known to exceed the horizon). Abstract: "an arbitrarily long burn-in
    phase"; card Sec. 2.6 (t_b solves |q_t| = 1 after the peak).
    """
    e = np.asarray(e, float)
    if e.ndim != 1 or e.size == 0:
        raise ValueError(f"e has shape {e.shape}; need a non-empty 1-d error curve")
    peak = int(np.argmax(e))
    if e[peak] <= level * (1.0 + slack):
        return 0
    below = np.flatnonzero(e[peak:] < level)
    return int(peak + below[0]) if below.size else None


def inversions(
    f_small: np.ndarray,
    e_small: np.ndarray,
    f_large: np.ndarray,
    e_large: np.ndarray,
    rel_gap: float,
    floor: float,
) -> np.ndarray:
    """Iterations at which the larger step has the better objective but the worse Jacobian.

    Figure 1 caption: "Better function suboptimality does not imply better Jacobian
    suboptimality". Both gaps must exceed rounding: ``f_large < f_small (1 - rel_gap)`` and
    ``e_large > e_small (1 + rel_gap)``, with all four values above ``floor``.

    Returns
    -------
    numpy.ndarray of bool, one entry per iteration.
    """
    f_s, e_s = np.asarray(f_small, float), np.asarray(e_small, float)
    f_l, e_l = np.asarray(f_large, float), np.asarray(e_large, float)
    above = (np.minimum(f_s, f_l) > floor) & (np.minimum(e_s, e_l) > floor)
    return above & (f_l < f_s * (1.0 - rel_gap)) & (e_l > e_s * (1.0 + rel_gap))


def max_component_rise(err_components: np.ndarray, dx_components: np.ndarray) -> float:
    """Largest growth of any eigencomponent of the Jacobian error above its initial size.

    ``max_{t,i} (|E_{t,i}| - |c_i|) / ||c||`` with ``E`` the eigen-coordinates of ``dx_t - dx*``
    (shape (T+1, p)) and ``c`` those of ``dx*`` (the error at t = 0 for dx_0 = 0). In units of
    ``||dx*||``, so rounding in components with tiny Jacobian mass cannot count as a rise.
    """
    E = np.abs(np.asarray(err_components, float))
    c = np.abs(np.asarray(dx_components, float))
    return float(np.max(E - c[None, :]) / np.linalg.norm(c))


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def reverse_mode_memory_bytes(
    prob: Ridge, schedule: Schedule, x0: np.ndarray, truncate: int | None = None
) -> int:
    """XLA temporary-buffer bytes of a reverse-mode hypergradient through the unrolled solver.

    Compiles ``grad_theta ||x_T(theta)||^2 / 2`` (jacrev-style backprop through the scan) and
    reads ``memory_analysis().temp_size_in_bytes``: the stored iterates dominate (card P14).
    """
    import jax

    from shared.unrolling import unroll_iterates

    def loss(th):
        xs = unroll_iterates(ridge_grad, th, x0, schedule, truncate=truncate, args=prob.args)
        return 0.5 * jnp.sum(xs[-1] ** 2)

    compiled = jax.jit(jax.grad(loss)).lower(jnp.float64(prob.theta)).compile()
    return int(compiled.memory_analysis().temp_size_in_bytes)
