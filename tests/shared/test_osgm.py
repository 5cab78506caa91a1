"""Tests of shared/osgm.py against closed-form answers."""

from __future__ import annotations

import numpy as np
import pytest

from shared import osgm as og


def quad(Hm: np.ndarray, x_star: np.ndarray):
    def fun(x):
        e = x - x_star
        He = Hm @ e
        return 0.5 * float(e @ He), He

    return fun


def test_feedback_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    n = 5
    A = rng.standard_normal((n, n))
    Hm = A @ A.T + np.eye(n)
    xs = rng.standard_normal(n)
    fun = quad(Hm, xs)
    x = rng.standard_normal(n)
    f, g = fun(x)
    den = float(g @ g)
    for kind, P in (
        ("scalar", 0.1),
        ("diagonal", rng.uniform(0, 0.2, n)),
        ("full", 0.05 * np.eye(n) + 0.01 * rng.standard_normal((n, n))),
    ):

        def h(P, kind=kind):
            return (fun(x - og.apply_preconditioner(P, g, kind))[0] - f) / den

        gp = fun(x - og.apply_preconditioner(P, g, kind))[1]
        grad = np.asarray(og.feedback_gradient(g, gp, den, kind))
        Pa = np.asarray(P, dtype=float)
        fd = np.zeros_like(Pa)
        for idx in np.ndindex(Pa.shape):
            E = np.zeros_like(Pa)
            E[idx] = 1e-6
            fd[idx] = (h(Pa + E) - h(Pa - E)) / 2e-6
        np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-9)


def test_hypergradient_at_one_over_L_descent_lemma():
    # h_x(I/L) <= -1/(2L) (descent lemma), card section 3.2.
    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 6))
    Hm = A @ A.T
    L = np.linalg.eigvalsh(Hm)[-1]
    fun = quad(Hm, np.zeros(6))
    for _ in range(20):
        x = rng.standard_normal(6)
        f, g = fun(x)
        assert (fun(x - g / L)[0] - f) / (g @ g) <= -1 / (2 * L) + 1e-12


def test_hypergradient_surrogate_minimiser_is_inverse_diagonal():
    # For H = diag(h) and a fixed x, h_x(p) is minimised exactly at p = 1/h (closed form);
    # online gradient descent on the feedback gradient converges there.
    h = np.array([1.0, 3.0, 10.0])
    fun = quad(np.diag(h), np.ones(3))
    x = np.array([2.0, -1.0, 0.5])
    _f, g = fun(x)
    p = np.zeros(3)
    # diagonal step sizes 0.5 / (Hessian of h_x in p), so q = p h contracts as (1 - q) / 2
    step = 0.5 * float(g @ g) / (h * g * g)
    for _ in range(100):
        gp = fun(x - p * g)[1]
        p = p - step * og.feedback_gradient(g, gp, float(g @ g), "diagonal")
    np.testing.assert_allclose(p * h, 1.0, rtol=1e-8)


def test_diagonal_osgm_reaches_optimal_preconditioner_on_diagonal_quadratic():
    # kappa(H) = 1000: GD(1/L) needs ~23000 steps to reach 1e-20; with the optimal diagonal
    # preconditioner H^{-1} one step suffices. OSGM-H must learn p ~ 1/h and get there fast.
    h = np.array([1.0, 10.0, 100.0, 1000.0])
    fun = quad(np.diag(h), np.ones(4))
    res = og.osgm(
        fun,
        np.zeros(4),
        feedback="hypergradient",
        kind="diagonal",
        lr=0.1,
        learner="adagrad",
        tol=1e-300,
        max_evals=100,
    )
    assert res.f < 1e-20
    np.testing.assert_allclose(res.P * h, 1.0, atol=0.15)


def test_osgm_first_step_is_null_and_f_monotone():
    h = np.array([1.0, 5.0])
    fun = quad(np.diag(h), np.ones(2))
    res = og.osgm(
        fun,
        np.zeros(2),
        feedback="ratio",
        kind="scalar",
        lr=0.1,
        f_star=0.0,
        tol=1e-300,
        max_evals=50,
    )
    assert res.f_hist[1] == res.f_hist[0]  # P0 = 0: x+ = x is a null step
    assert np.all(np.diff(res.f_hist) <= 0)
    assert res.n_null >= 1


def test_hdm_best_solves_quadratic_and_clips():
    h = np.logspace(0, 2, 10)
    fun = quad(np.diag(h), np.ones(10))
    res = og.hdm_best(fun, np.zeros(10), 100.0, eta_p=1.0, eta_b=1.0, tol=1e-6)
    assert res.converged and res.n_grad == res.n_iter + 1
    assert np.all(res.p >= 0) and 0 <= res.beta <= 0.9995
    assert np.all(np.diff(res.f_hist) <= 0)
    assert res.state_floats == og.hdm_best_state_floats(10) == 79


def test_baydin_hd_diverges_with_large_hyper_lr():
    h = np.array([1.0, 10.0])
    fun = quad(np.diag(h), np.ones(2))
    res = og.baydin_hd(fun, np.zeros(2), alpha0=0.1, beta_hd=10.0, max_evals=200)
    assert res.diverged


def test_optimal_diagonal_preconditioner_exact_cases():
    # Diagonal H: D* = H^{-1} up to scale, kappa* = 1.
    od = og.optimal_diagonal_preconditioner(np.diag([1.0, 4.0, 9.0]))
    assert od.kappa_star == pytest.approx(1.0, abs=1e-5)
    # 2x2 [[1, r],[r, 1]]: kappa* = (1 + r)/(1 - r) (already optimally scaled).
    r = 0.5
    od = og.optimal_diagonal_preconditioner(np.array([[1.0, r], [r, 1.0]]))
    assert od.kappa_star == pytest.approx(3.0, rel=1e-5)
    assert 1.0 <= od.kappa_star <= od.kappa_jacobi * (1 + 1e-6) <= od.kappa_H * (1 + 1e-6)


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        ({"feedback": "cosine"}, "feedback = 'cosine'"),
        ({"kind": "block"}, "kind = 'block'"),
        ({"learner": "adam"}, "learner = 'adam'"),
        ({"lr": 0.0}, "lr = 0.0"),
    ],
)
def test_osgm_bad_input(kwargs, msg):
    fun = quad(np.eye(2), np.ones(2))
    base = {"lr": 0.1}
    base.update(kwargs)
    with pytest.raises(ValueError, match=msg):
        og.osgm(fun, np.zeros(2), **base)


def test_ratio_feedback_rejects_bad_f_star():
    fun = quad(np.eye(2), np.ones(2))
    with pytest.raises(ValueError, match="f_star"):
        og.osgm(fun, np.zeros(2), feedback="ratio", lr=0.1, f_star=5.0)
