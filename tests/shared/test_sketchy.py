"""Tests of shared.sketchy against exact dense answers."""

from __future__ import annotations

import numpy as np
import pytest

from shared.sketchy import (
    GLM,
    NySSNPreconditioner,
    estimate_preconditioned_smoothness,
    glm_solution,
    l_katyusha,
    nyssn_preconditioner,
    saga,
    sketchy_katyusha,
    sketchy_saga,
    sketchy_sgd,
    sketchy_svrg,
    svrg,
)


def _problem(loss: str, n: int = 400, p: int = 8, seed: int = 0, decay: float = 1.0) -> GLM:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, p)) * np.arange(1, p + 1) ** (-decay)
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    w0 = rng.standard_normal(p)
    if loss == "ridge":
        b = A @ w0 + 0.1 * rng.standard_normal(n)
    else:
        b = np.where(rng.random(n) < 1 / (1 + np.exp(-3 * A @ w0)), 1.0, -1.0)
    return GLM(A, b, 1e-2 / n, loss)


@pytest.mark.parametrize("loss", ["ridge", "logistic"])
def test_gradient_matches_finite_differences(loss):
    prob = _problem(loss)
    w = np.random.default_rng(1).standard_normal(prob.dim)
    g = prob.full_grad(w)
    h = 1e-6
    fd = np.array(
        [(prob.value(w + h * e) - prob.value(w - h * e)) / (2 * h) for e in np.eye(prob.dim)]
    )
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(prob.grad_batch(w, np.arange(prob.n)), g, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        prob.component_grads(w, np.arange(prob.n)).mean(0) + prob.mu * w, g, atol=1e-14
    )


@pytest.mark.parametrize("loss", ["ridge", "logistic"])
def test_subsampled_hessian_is_exact(loss):
    prob = _problem(loss)
    rng = np.random.default_rng(2)
    w = rng.standard_normal(prob.dim)
    idx = rng.choice(prob.n, 50, replace=False)
    H_S = prob.hessian_batch(w, idx) @ np.eye(prob.dim)
    z = prob.A[idx] @ w
    d = np.ones(50) if loss == "ridge" else np.exp(-z) / (1 + np.exp(-z)) ** 2
    expected = prob.A[idx].T @ (d[:, None] * prob.A[idx]) / 50
    np.testing.assert_allclose(H_S, expected, rtol=1e-12, atol=1e-15)
    # Full batch + mu I equals the dense Hessian, which matches finite differences of the gradient.
    H = prob.hessian(w)
    np.testing.assert_allclose(
        prob.hessian_batch(w, np.arange(prob.n)) @ np.eye(prob.dim) + prob.mu * np.eye(prob.dim),
        H,
        atol=1e-14,
    )
    h = 1e-6
    fd = np.column_stack(
        [
            (prob.full_grad(w + h * e) - prob.full_grad(w - h * e)) / (2 * h)
            for e in np.eye(prob.dim)
        ]
    )
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-9)


def test_woodbury_inverse_matches_dense():
    rng = np.random.default_rng(3)
    U, _ = np.linalg.qr(rng.standard_normal((30, 5)))
    lam = np.array([5.0, 2.0, 1.0, 0.5, 0.1])
    P = NySSNPreconditioner(U=U, eigenvalues=lam, rho=1e-2)
    dense = (U * lam) @ U.T + 1e-2 * np.eye(30)
    g = rng.standard_normal(30)
    np.testing.assert_allclose(P.apply_inverse(g), np.linalg.solve(dense, g), rtol=1e-10)
    np.testing.assert_allclose(P.dense_inverse(), np.linalg.inv(dense), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        P.apply_inverse_sqrt(P.apply_inverse_sqrt(g)), P.apply_inverse(g), rtol=1e-10
    )


def test_nyssn_exact_when_rank_covers_hessian_and_lp_matches_dense():
    prob = _problem("ridge", p=6)
    H = prob.hessian_batch(np.zeros(6), np.arange(prob.n)) @ np.eye(6)
    P = nyssn_preconditioner(H, 6, 1e-3, seed=0)
    np.testing.assert_allclose((P.U * P.eigenvalues) @ P.U.T, H, atol=1e-12)
    # Independent Hessian: L_P equals the top eigenvalue of P^{-1}(H2 + mu I).
    H2 = prob.hessian_batch(np.zeros(6), np.arange(0, prob.n, 2)) @ np.eye(6)
    M = P.dense_inverse() @ (H2 + prob.mu * np.eye(6))
    L = estimate_preconditioned_smoothness(H2, prob.mu, P, seed=1)
    assert L == pytest.approx(np.max(np.linalg.eigvals(M).real), rel=1e-6)
    assert estimate_preconditioned_smoothness(H2, prob.mu, None) == pytest.approx(
        np.linalg.eigvalsh(H2)[-1] + prob.mu, rel=1e-6
    )


def test_glm_solution_matches_direct_and_cvxpy():
    cp = pytest.importorskip("cvxpy")
    prob = _problem("ridge")
    w, f, _ = glm_solution(prob)
    w_ls = np.linalg.lstsq(
        np.vstack([prob.A / np.sqrt(prob.n), np.sqrt(prob.mu) * np.eye(prob.dim)]),
        np.concatenate([prob.b / np.sqrt(prob.n), np.zeros(prob.dim)]),
        rcond=None,
    )[0]
    np.testing.assert_allclose(w, w_ls, rtol=1e-9, atol=1e-10)
    prob = _problem("logistic", n=200, p=5)
    w, f, _ = glm_solution(prob)
    assert np.linalg.norm(prob.full_grad(w)) <= 1e-10
    x = cp.Variable(prob.dim)
    obj = cp.sum(
        cp.logistic(-cp.multiply(prob.b, prob.A @ x))
    ) / prob.n + prob.mu / 2 * cp.sum_squares(x)
    cp.Problem(cp.Minimize(obj)).solve(solver="CLARABEL")
    assert f <= prob.value(x.value) + 1e-9
    assert prob.value(x.value) - f <= 1e-6


@pytest.mark.parametrize("solver", [sketchy_svrg, sketchy_saga, sketchy_katyusha])
@pytest.mark.parametrize("loss", ["ridge", "logistic"])
def test_sketchy_methods_reach_the_solution(solver, loss):
    prob = _problem(loss, n=512, p=8)
    _, f_star, _ = glm_solution(prob)
    res = solver(prob, max_passes=200, batch_size=32, f_star=f_star, stop_tol=1e-9, seed=0)
    assert res.converged and not res.diverged
    assert res.values[-1] - f_star <= 1e-9
    assert res.n_precond_updates >= 1
    if loss == "ridge":
        assert res.n_precond_updates == 1  # built once for ridge (PROMISE default)


def test_sketchy_sgd_decreases_to_a_ball():
    prob = _problem("ridge", n=512, p=8)
    _, f_star, _ = glm_solution(prob)
    res = sketchy_sgd(prob, max_passes=30, batch_size=32, f_star=f_star, seed=0)
    assert res.values[-1] - f_star < 0.05 * (res.values[0] - f_star)


@pytest.mark.parametrize(("solver", "step"), [(svrg, 0.5), (saga, 0.5), (l_katyusha, 1.0)])
def test_baselines_reach_the_solution(solver, step):
    prob = _problem("ridge", n=512, p=8, decay=0.0)
    _, f_star, _ = glm_solution(prob)
    res = solver(prob, step, max_passes=200, batch_size=32, f_star=f_star, stop_tol=1e-9, seed=0)
    assert res.converged


def test_generic_finite_sum_saga_matches_glm_table():
    prob = _problem("logistic", n=300, p=6)

    class Wrapped:  # not a GLM: exercises the n x p component-gradient table
        n, dim, mu = prob.n, prob.dim, prob.mu
        value, full_grad, grad_batch = prob.value, prob.full_grad, prob.grad_batch
        component_grads, hessian_batch = prob.component_grads, prob.hessian_batch
        loss = prob.loss

    a = sketchy_saga(prob, max_passes=10, batch_size=32, seed=4)
    b = sketchy_saga(Wrapped(), max_passes=10, batch_size=32, seed=4)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-10)


def test_deterministic_and_bad_input():
    prob = _problem("logistic", n=300, p=6)
    a = sketchy_svrg(prob, max_passes=6, batch_size=32, seed=5)
    b = sketchy_svrg(prob, max_passes=6, batch_size=32, seed=5)
    np.testing.assert_array_equal(a.values, b.values)
    with pytest.raises(ValueError, match="loss"):
        GLM(prob.A, prob.b, 1e-3, "hinge")
    with pytest.raises(ValueError, match="labels"):
        GLM(prob.A, np.abs(prob.b) * 2, 1e-3, "logistic")
    with pytest.raises(ValueError, match="mu"):
        GLM(prob.A, prob.b, -1.0, "logistic")
    with pytest.raises(ValueError, match="step"):
        svrg(prob, -1.0)
