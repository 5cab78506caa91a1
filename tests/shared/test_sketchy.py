"""Tests of shared.sketchy against exact dense answers."""

from __future__ import annotations

import numpy as np
import pytest

from shared.sketchy import (
    GLM,
    NySSNPreconditioner,
    build_preconditioner,
    estimate_preconditioned_smoothness,
    glm_solution,
    l_katyusha,
    lbfgs_two_loop,
    nyssn_preconditioner,
    saga,
    sassn_preconditioner,
    sketchy_katyusha,
    sketchy_saga,
    sketchy_sgd,
    sketchy_svrg,
    slbfgs,
    sparse_sign_embedding,
    ssn_preconditioner,
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


# ---- PROMISE's other preconditioners (SSN, SASSN-C / SASSN-R, DiagSSN) -----------------------


@pytest.mark.parametrize("loss", ["ridge", "logistic"])
def test_hessian_factor_reproduces_subsampled_hessian(loss):
    prob = _problem(loss)
    rng = np.random.default_rng(7)
    w, idx = rng.standard_normal(prob.dim), rng.choice(prob.n, 30, replace=False)
    X = prob.hessian_factor(w, idx)
    np.testing.assert_allclose(
        X.T @ X, prob.hessian_batch(w, idx) @ np.eye(prob.dim), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("b_h", [5, 40])  # b_h < p (Woodbury regime) and b_h >= p (Cholesky)
def test_ssn_is_exactly_subsampled_hessian_plus_rho(b_h):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((b_h, 12)) * np.arange(1, 13) ** -1.0
    P = ssn_preconditioner(X, 1e-3)
    dense = X.T @ X + 1e-3 * np.eye(12)
    np.testing.assert_allclose(P.dense_inverse(), np.linalg.inv(dense), rtol=1e-8, atol=1e-8)
    g = rng.standard_normal(12)
    # kappa(dense) ~ 1e4: agreement to ~1e-12 absolute on entries of size ~1.
    np.testing.assert_allclose(P.apply_inverse(g), np.linalg.solve(dense, g), rtol=1e-9, atol=1e-10)
    G = rng.standard_normal((12, 3))  # block application
    np.testing.assert_allclose(P.apply_inverse(G), np.linalg.solve(dense, G), rtol=1e-9, atol=1e-10)
    S = P.apply_inverse_sqrt(np.eye(12))
    np.testing.assert_allclose(S @ dense @ S, np.eye(12), atol=1e-9)


def test_sparse_sign_embeddings_structure_and_isotropy():
    Oc = sparse_sign_embedding(10, 50, "c", seed=1)
    assert np.all((Oc != 0).sum(axis=0) == 8)
    np.testing.assert_allclose(np.linalg.norm(Oc, axis=0), 1.0)  # unit columns exactly
    Or = sparse_sign_embedding(10, 50, "r", seed=1)
    assert np.all((Or != 0).sum(axis=1) == 8)
    np.testing.assert_allclose(np.abs(Or[Or != 0]), np.sqrt(50 / (10 * 8)))
    # E[Omega^T Omega] = I for the row-sparse (LESS-like) scaling: Monte Carlo over 4000 draws.
    rng = np.random.default_rng(2)
    acc = np.zeros((6, 6))
    for _ in range(4000):
        Om = sparse_sign_embedding(3, 6, "r", seed=rng)
        acc += Om.T @ Om
    np.testing.assert_allclose(acc / 4000, np.eye(6), atol=0.06)
    assert np.all((sparse_sign_embedding(3, 6, "c", seed=0) != 0).sum(axis=0) == 3)  # zeta = r
    with pytest.raises(ValueError, match="variant"):
        sparse_sign_embedding(3, 6, "x")


@pytest.mark.parametrize("variant", ["c", "r"])
def test_sassn_is_exactly_sketched_factor_plus_rho(variant):
    rng = np.random.default_rng(9)
    X = rng.standard_normal((40, 15))
    P = sassn_preconditioner(X, 6, 1e-2, variant=variant, seed=3)
    Y = sparse_sign_embedding(6, 40, variant, seed=3) @ X
    dense = Y.T @ Y + 1e-2 * np.eye(15)
    np.testing.assert_allclose(P.dense_inverse(), np.linalg.inv(dense), rtol=1e-8, atol=1e-8)
    assert P.U.shape == (15, 6)


def test_diagssn_and_builder_dispatch():
    prob = _problem("logistic", n=300, p=6)
    rng = np.random.default_rng(10)
    w, idx = rng.standard_normal(6), rng.choice(300, 17, replace=False)
    H_S = prob.hessian_batch(w, idx) @ np.eye(6)
    P = build_preconditioner("diagssn", prob, w, idx, 10, 1e-3)
    np.testing.assert_allclose(P.dense_inverse(), np.diag(1 / (np.diag(H_S) + 1e-3)), rtol=1e-12)
    g = rng.standard_normal(6)
    np.testing.assert_allclose(P.apply_inverse_sqrt(P.apply_inverse_sqrt(g)), P.apply_inverse(g))
    P = build_preconditioner("ssn", prob, w, idx, 10, 1e-3)
    np.testing.assert_allclose(P.dense_inverse(), np.linalg.inv(H_S + 1e-3 * np.eye(6)), rtol=1e-8)
    with pytest.raises(ValueError, match="preconditioner"):
        build_preconditioner("lessn", prob, w, idx, 10, 1e-3)

    class NoFactor:
        hessian_batch = prob.hessian_batch

    with pytest.raises(ValueError, match="hessian_factor"):
        build_preconditioner("ssn", NoFactor(), w, idx, 10, 1e-3)
    with pytest.raises(ValueError, match="X_S"):
        ssn_preconditioner(np.full((3, 2), np.nan), 1e-3)


@pytest.mark.parametrize("kind", ["ssn", "sassn_c", "sassn_r", "diagssn"])
def test_sketchy_svrg_with_each_preconditioner_reaches_the_solution(kind):
    prob = _problem("ridge", n=512, p=8)
    _, f_star, _ = glm_solution(prob)
    res = sketchy_svrg(
        prob,
        max_passes=200,
        batch_size=32,
        f_star=f_star,
        stop_tol=1e-9,
        seed=0,
        preconditioner=kind,
    )
    assert res.converged and not res.diverged
    with pytest.raises(ValueError, match="update_epochs"):
        sketchy_svrg(prob, max_passes=2, update_epochs=0)


def test_callback_observes_every_epoch_without_changing_the_run():
    prob = _problem("logistic", n=300, p=6)
    seen = []
    a = sketchy_sgd(prob, max_passes=5, batch_size=32, seed=3)
    b = sketchy_sgd(
        prob, max_passes=5, batch_size=32, seed=3, callback=lambda k, w: seen.append((k, w.copy()))
    )
    np.testing.assert_array_equal(a.values, b.values)
    assert [k for k, _ in seen] == [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(seen[-1][1], b.w)
    assert prob.value(seen[2][1]) == pytest.approx(b.values[3])


# ---- SLBFGS baseline -------------------------------------------------------------------------


def test_lbfgs_two_loop_matches_dense_bfgs_updates():
    rng = np.random.default_rng(12)
    M = rng.standard_normal((7, 7))
    A = M @ M.T + 0.5 * np.eye(7)
    pairs = [(s_k, A @ s_k) for s_k in rng.standard_normal((4, 7))]
    s_n, y_n = pairs[-1]
    H = (s_n @ y_n) / (y_n @ y_n) * np.eye(7)
    for s_k, y_k in pairs:
        rho = 1.0 / (y_k @ s_k)
        V = np.eye(7) - rho * np.outer(y_k, s_k)
        H = V.T @ H @ V + rho * np.outer(s_k, s_k)
    g = rng.standard_normal(7)
    np.testing.assert_allclose(lbfgs_two_loop(g, pairs), H @ g, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(lbfgs_two_loop(g, []), g)
    # With n linearly independent pairs of a quadratic, BFGS satisfies every secant equation.
    full = [(s_k, A @ s_k) for s_k in np.eye(7)]
    for s_k, y_k in full[-1:]:
        np.testing.assert_allclose(lbfgs_two_loop(y_k, full), s_k, atol=1e-10)


def test_slbfgs_reaches_the_solution_and_keeps_memory():
    prob = _problem("ridge", n=512, p=8)
    _, f_star, _ = glm_solution(prob)
    res = slbfgs(prob, 0.1, max_passes=200, batch_size=32, f_star=f_star, stop_tol=1e-9, seed=0)
    assert res.converged and not res.diverged and res.n_precond_updates >= 1
    assert res.method == "slbfgs" and res.passes[1] == 2.0
    with pytest.raises(ValueError, match="memory"):
        slbfgs(prob, 0.1, memory=0)


def test_quadratic_regularity_integral_form():
    from shared.sketchy import quadratic_regularity

    rng = np.random.default_rng(11)
    A = rng.standard_normal((60, 5))
    b = np.where(rng.standard_normal(60) > 0, 1.0, -1.0)
    w1, w0 = rng.standard_normal(5), rng.standard_normal(5)
    w2 = w1 + 0.5 * rng.standard_normal(5)
    ridge = GLM(A, b, 0.1, "ridge")
    assert quadratic_regularity(ridge, w1, w2, w0, nodes=1) == pytest.approx(1.0, abs=1e-14)
    logi = GLM(A, b, 0.1, "logistic")
    d = w2 - w1
    # gamma = [f(w2) - f(w1) - grad f(w1)^T d] / (||d||^2_{H(w0)} / 2)
    ref = (logi.value(w2) - logi.value(w1) - logi.full_grad(w1) @ d) / (
        0.5 * d @ logi.hessian(w0) @ d
    )
    assert quadratic_regularity(logi, w1, w2, w0, nodes=8) == pytest.approx(ref, rel=1e-7)
    with pytest.raises(ValueError, match="distinct"):
        quadratic_regularity(logi, w1, w1, w0)


def test_iterate_callback_observes_every_iteration_without_changing_the_run():
    from shared.sketchy import sketchy_saga

    rng = np.random.default_rng(12)
    A = rng.standard_normal((200, 6)) / np.sqrt(6)
    prob = GLM(A, np.where(rng.standard_normal(200) > 0, 1.0, -1.0), 1e-2, "logistic")
    seen: list[tuple[int, np.ndarray]] = []
    ref = sketchy_saga(prob, max_passes=3, rank=3, batch_size=50, seed=4)
    res = sketchy_saga(
        prob,
        max_passes=3,
        rank=3,
        batch_size=50,
        seed=4,
        iterate_callback=lambda e, w: seen.append((e, w.copy())),
    )
    np.testing.assert_array_equal(ref.values, res.values)
    assert len(seen) == res.n_iter == 3 * 4
    assert [e for e, _ in seen] == [0] * 4 + [1] * 4 + [2] * 4
    np.testing.assert_array_equal(seen[-1][1], res.w)
