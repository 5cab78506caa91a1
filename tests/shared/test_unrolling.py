"""Tests of shared.unrolling against exact dense / closed-form answers (float64)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from shared import unrolling as U


def _quadratic(p: int = 8, seed: int = 0):
    """f = x^T (A + theta B) x / 2 + (b0 + theta b1)^T x: dH = B != I, db = b1 != 0."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    A = (Q * np.linspace(0.1, 1.0, p)) @ Q.T
    G = rng.standard_normal((p, p))
    B = 0.05 * (G @ G.T) / p
    b0, b1 = rng.standard_normal(p), rng.standard_normal(p)

    def grad(x, th, A, B, b0, b1):
        return (A + th * B) @ x + b0 + th * b1

    return grad, (A, B, b0, b1)


def _ridge(p: int = 10, kappa: float = 20.0, seed: int = 1):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    lam = np.linspace(1.0 / kappa, 1.0, p)
    theta = 0.5 * lam[0]
    S = (Q * (lam - theta)) @ Q.T
    b = Q @ rng.standard_normal(p)

    def grad(x, th, S, b):
        return S @ x + b + th * x

    return grad, (S, b), theta, lam, Q


def test_float64_enforced():
    assert jax.config.jax_enable_x64
    grad, args, theta, lam, _ = _ridge()
    X, J = U.jacobian_jvp(grad, theta, np.zeros(lam.size), U.gd_schedule(1.0, 5), args=args)
    assert X.dtype == np.float64 and J.dtype == np.float64
    assert jnp.zeros(1).dtype == jnp.float64


def test_gd_jvp_matches_closed_form():
    """Ridge, x0 = 0: dx_t - dx* = -Q q_t(Lambda) Q^T dx*, q_t = (1-u)^{t-1}(1+(t-1)u)."""
    grad, args, theta, lam, Q = _ridge()
    H = args[0] + theta * np.eye(lam.size)
    x_star = np.linalg.solve(H, -args[1])
    dx_star = -np.linalg.solve(H, x_star)
    h, T = 1.9, 60
    _, J = U.jacobian_jvp(grad, theta, np.zeros(lam.size), U.gd_schedule(h, T), args=args)
    c = Q.T @ dx_star
    for t in (0, 1, 2, 7, 30, 60):
        q = 1.0 if t == 0 else (1 - h * lam) ** (t - 1) * (1 + (t - 1) * h * lam)
        expected = dx_star - Q @ (q * c)
        np.testing.assert_allclose(J[t], expected, rtol=0, atol=1e-11 * np.abs(dx_star).max())


def _cheb_T(t, x):
    x = np.asarray(x, float)
    out = np.empty_like(x)
    inside = np.abs(x) <= 1
    out[inside] = np.cos(t * np.arccos(x[inside]))
    xo = x[~inside]
    out[~inside] = np.sign(xo) ** t * np.cosh(t * np.arccosh(np.abs(xo)))
    return out


def test_chebyshev_and_heavy_ball_residual_polynomials():
    """x_t - x* = P_t(H)(x0 - x*) with the closed-form Chebyshev / heavy-ball polynomials."""
    L, mu, p, T = 1.0, 0.05, 12, 25
    lam = np.linspace(mu, L, p)

    def grad(x, th, lam):
        return lam * x - th * np.ones(p)

    x0 = np.zeros(p)
    e0 = x0 - 1.0 / lam  # x* = theta / lam with theta = 1
    sig = (L + mu - 2 * lam) / (L - mu)
    sig0 = (L + mu) / (L - mu)
    X, _ = U.jacobian_jvp(grad, 1.0, x0, U.chebyshev_schedule(L, mu, T), args=(lam,))
    for t in (1, 2, 5, 25):
        P = _cheb_T(t, sig) / _cheb_T(t, np.array([sig0]))[0]
        np.testing.assert_allclose(X[t] - 1.0 / lam, P * e0, atol=1e-12)
    X, _ = U.jacobian_jvp(grad, 1.0, x0, U.heavy_ball_schedule(L, mu, T), args=(lam,))
    m = ((np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))) ** 2
    # Chebyshev polynomials of the first (T) and second (U) kind by their recurrences.
    Tc, Uc = [np.ones(p), sig.copy()], [np.ones(p), 2 * sig]
    for _ in range(T):
        Tc.append(2 * sig * Tc[-1] - Tc[-2])
        Uc.append(2 * sig * Uc[-1] - Uc[-2])
    for t in (1, 2, 5, 25):
        P = m ** (t / 2) * (2 * m / (1 + m) * Tc[t] + (1 - m) / (1 + m) * Uc[t])
        np.testing.assert_allclose(X[t] - 1.0 / lam, P * e0, atol=1e-12)


@pytest.mark.parametrize("method", ["gd", "heavy_ball", "chebyshev"])
def test_modes_agree_general_quadratic(method):
    """jvp = piggyback = jacrev = hand recursion, with dH != I and db != 0."""
    grad, args = _quadratic()
    A, B, _b0, b1 = args
    theta, T = 0.3, 40
    ev = np.linalg.eigvalsh(A + theta * B)
    sched = {
        "gd": U.gd_schedule(1.5 / ev[-1], T),
        "heavy_ball": U.heavy_ball_schedule(ev[-1], ev[0], T),
        "chebyshev": U.chebyshev_schedule(ev[-1], ev[0], T),
    }[method]
    x0 = np.linspace(-1, 1, A.shape[0])
    X, J = U.jacobian_jvp(grad, theta, x0, sched, args=args)
    pig = U.unroll(grad, theta, x0, sched, args=args)
    rev = U.jacobian_reverse(grad, theta, x0, sched, [0, 1, 5, T], args=args)
    hand = U.hand_recursion_quadratic(A + theta * B, B, b1, X, sched)
    scale = np.abs(J).max()
    np.testing.assert_allclose(pig.jacobians, J, atol=1e-13 * scale)
    np.testing.assert_allclose(pig.iterates, X, atol=1e-13)
    np.testing.assert_allclose(rev, J[[0, 1, 5, T]], atol=1e-13 * scale)
    np.testing.assert_allclose(hand, J, atol=1e-13 * scale)


def test_implicit_matches_dense_solve_and_finite_differences():
    grad, args = _quadratic()
    A, B, b0, b1 = args
    theta = 0.3

    def x_star(th):
        return np.linalg.solve(A + th * B, -(b0 + th * b1))

    xs = x_star(theta)
    exact = -np.linalg.solve(A + theta * B, B @ xs + b1)
    res = U.implicit_jacobian(grad, xs, theta, args=args)
    np.testing.assert_allclose(res.jacobian, exact, rtol=1e-12)
    fd = (x_star(theta + 1e-6) - x_star(theta - 1e-6)) / 2e-6
    np.testing.assert_allclose(res.jacobian, fd, rtol=1e-7)
    assert res.n_solves == 1 and res.solve_residual < 1e-12


def test_unrolled_jacobian_converges_to_implicit():
    grad, args, theta, lam, _ = _ridge()
    H = args[0] + theta * np.eye(lam.size)
    xs = np.linalg.solve(H, -args[1])
    _, J = U.jacobian_jvp(grad, theta, np.zeros(lam.size), U.gd_schedule(1.0, 3000), args=args)
    imp = U.implicit_jacobian(grad, xs, theta, args=args).jacobian
    assert np.linalg.norm(J[-1] - imp) <= 1e-10 * np.linalg.norm(imp)


@pytest.mark.parametrize("k", [0, 7, 40])
def test_truncation_semantics(k):
    """dx_t = 0 for t <= k; later rows equal a fresh unroll from x_k with a zero tangent."""
    grad, args, theta, lam, _ = _ridge()
    T, h = 40, 1.8
    x0 = np.zeros(lam.size)
    X, J = U.jacobian_jvp(grad, theta, x0, U.gd_schedule(h, T), truncate=k, args=args)
    X_full, _ = U.jacobian_jvp(grad, theta, x0, U.gd_schedule(h, T), args=args)
    np.testing.assert_array_equal(X, X_full)  # iterates are untouched
    assert np.all(J[: k + 1] == 0.0)
    if k < T:
        _, J_tail = U.jacobian_jvp(grad, theta, X[k], U.gd_schedule(h, T - k), args=args)
        np.testing.assert_allclose(J[k:], J_tail, atol=1e-13 * max(np.abs(J).max(), 1))
    pig = U.unroll(grad, theta, x0, U.gd_schedule(h, T), truncate=k, args=args)
    np.testing.assert_allclose(pig.jacobians, J, atol=1e-13 * max(np.abs(J).max(), 1))
    rev = U.jacobian_reverse(grad, theta, x0, U.gd_schedule(h, T), [T], truncate=k, args=args)
    np.testing.assert_allclose(rev[0], J[T], atol=1e-13 * max(np.abs(J).max(), 1))


def test_truncation_saves_reverse_memory():
    grad, args, theta, lam, _ = _ridge()
    sched = U.gd_schedule(1.0, 2000)

    def mem(k):
        def loss(th):
            return jnp.sum(
                U.unroll_iterates(grad, th, jnp.zeros(lam.size), sched, truncate=k, args=args)[-1]
            )

        return jax.jit(jax.grad(loss)).lower(jnp.float64(theta)).compile().memory_analysis()

    full, trunc = mem(None), mem(1800)
    assert trunc.temp_size_in_bytes < 0.5 * full.temp_size_in_bytes


def test_warm_start_tangent_is_linear():
    """With dx0 = v, the GD Jacobian changes by (I - hH)^t v exactly."""
    grad, args, theta, lam, _Q = _ridge()
    H = args[0] + theta * np.eye(lam.size)
    h, T = 1.2, 15
    x0 = np.ones(lam.size)
    v = np.linspace(0, 1, lam.size)
    _, J0 = U.jacobian_jvp(grad, theta, x0, U.gd_schedule(h, T), args=args)
    _, J1 = U.jacobian_jvp(grad, theta, x0, U.gd_schedule(h, T), x0_tangent=v, args=args)
    M = np.linalg.matrix_power(np.eye(lam.size) - h * H, T)
    np.testing.assert_allclose(J1[T] - J0[T], M @ v, atol=1e-12)


def test_clip_and_relaxation():
    grad, args, theta, lam, _ = _ridge()
    H = args[0] + theta * np.eye(lam.size)
    h, T, s = 1.9, 50, 0.5
    x0 = np.zeros(lam.size)
    res = U.unroll(grad, theta, x0, U.gd_schedule(h, T), clip=0.5, args=args)
    assert np.all(res.derivative_norms <= 0.5 + 1e-12) and res.n_clipped > 0
    res = U.unroll(grad, theta, x0, U.gd_schedule(h, T), relaxation=s, args=args)
    # Relaxed GD tangent = derivative recursion with step s h on the same primal trajectory.
    dx = np.zeros(lam.size)
    for t in range(T):
        np.testing.assert_allclose(res.jacobians[t], dx, atol=1e-12)
        dx = dx - s * h * (H @ dx + res.iterates[t])


def test_newton_logistic():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((40, 5))
    y = np.sign(rng.standard_normal(40))

    def grad(x, th, A, y):
        z = y * (A @ x)
        return -(A.T @ (y * jax.nn.sigmoid(-z))) / A.shape[0] + th * x

    res = U.newton_solve(grad, 0.1, np.zeros(5), args=(A, y))
    assert res.converged and res.residuals[-1] < 1e-12
    imp = U.implicit_jacobian(grad, res.x, 0.1, args=(A, y))
    xp = U.newton_solve(grad, 0.1 + 1e-6, res.x, args=(A, y)).x
    xm = U.newton_solve(grad, 0.1 - 1e-6, res.x, args=(A, y)).x
    np.testing.assert_allclose(imp.jacobian, (xp - xm) / 2e-6, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: U.gd_schedule(-1.0, 5), "step"),
        (lambda: U.gd_schedule(1.0, 0), "n_steps"),
        (lambda: U.chebyshev_schedule(1.0, 2.0, 5), "mu"),
        (lambda: U.heavy_ball_schedule(1.0, 0.0, 5), "mu"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_options_raise():
    grad, args, theta, lam, _ = _ridge()
    s = U.gd_schedule(1.0, 5)
    x0 = np.zeros(lam.size)
    with pytest.raises(ValueError, match="truncate"):
        U.jacobian_jvp(grad, theta, x0, s, truncate=6, args=args)
    with pytest.raises(ValueError, match="clip"):
        U.unroll(grad, theta, x0, s, clip=-1.0, args=args)
    with pytest.raises(ValueError, match="relaxation"):
        U.unroll(grad, theta, x0, s, relaxation=0.0, args=args)
    with pytest.raises(ValueError, match="t_indices"):
        U.jacobian_reverse(grad, theta, x0, s, [7], args=args)
