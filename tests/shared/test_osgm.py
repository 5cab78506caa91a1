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


def test_baydin_hd_lagged_update_by_hand():
    # Baydin et al. (2018) GD-HD on f = h x^2 / 2: alpha_k = alpha_{k-1} + beta g_k g_{k-1}
    # (g_0 = 0, so the first step uses alpha0), then x_{k+1} = x_k - alpha_k g_k.
    h, a0, b = 3.0, 0.1, 0.05
    res = og.baydin_hd(
        quad(np.array([[h]]), np.zeros(1)), np.ones(1), alpha0=a0, beta_hd=b, max_evals=3
    )
    g0 = h
    x1 = 1.0 - a0 * g0
    a2 = a0 + b * (h * x1) * g0
    x2 = x1 - a2 * h * x1
    np.testing.assert_allclose(res.alpha_hist, [a0, a0, a2], rtol=1e-14)
    np.testing.assert_allclose(res.f_hist, [h / 2, h * x1**2 / 2, h * x2**2 / 2], rtol=1e-14)


@pytest.mark.parametrize("learner", ["adagrad", "ogd"])
def test_full_matrix_osgm_h_matches_matlab_osgmhx(learner):
    # Line-by-line transliteration of osgmhx.m (full-matrix branch, beta = 0, P0 = 0): trial
    # step x - P g, gradient -g+ g^T / ||g||^2, entrywise AdaGrad sqrt(G + 1e-20), strict oracle.
    rng = np.random.default_rng(5)
    n = 6
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.logspace(0, 2, n)
    Hm = (Q * lam) @ Q.T
    xs, x0 = rng.standard_normal(n), rng.standard_normal(n)
    fun = quad(Hm, xs)
    lr = 1.0 / lam[-1]
    x, P, G, ref = x0.copy(), np.zeros((n, n)), np.zeros((n, n)), [fun(x0)[0]]
    for _ in range(60):
        f, g = fun(x)
        xt = x - P @ g
        ft, gt = fun(xt)
        gr = -np.outer(gt, g) / (g @ g)
        if learner == "adagrad":
            G = G + gr**2
            P = P - lr * gr / np.sqrt(G + 1e-20)
        else:
            P = P - lr * gr
        if ft < f:
            x = xt
        ref.append(fun(x)[0])
    res = og.osgm(
        fun,
        x0,
        feedback="hypergradient",
        kind="full",
        lr=lr,
        learner=learner,
        tol=0.0,
        max_evals=61,
    )
    np.testing.assert_allclose(res.f_hist, ref, rtol=1e-9)
    np.testing.assert_allclose(res.P, P, rtol=1e-9, atol=1e-15)


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


def test_ratio_feedback_and_quadratic_sup_closed_form():
    # r_x(D) = u^T (I - M)^2 u / u^T u with M = D^1/2 H D^1/2: the sup is max (1 - mu)^2 and is
    # attained at x* + D^1/2 v (v the eigenvector); random points stay below it.
    rng = np.random.default_rng(3)
    n = 6
    A = rng.standard_normal((n, n))
    Hm = A @ A.T + 0.5 * np.eye(n)
    xs = rng.standard_normal(n)
    fun = quad(Hm, xs)
    d = rng.uniform(0.01, 0.2, n)
    b = og.quadratic_ratio_bound(Hm, d)
    s = np.sqrt(d)
    mu = np.linalg.eigvalsh(s[:, None] * Hm * s[None, :])
    assert b.sup_ratio == pytest.approx(np.max((1 - mu) ** 2), rel=1e-12)
    assert og.ratio_feedback(fun, xs + b.worst_direction, d) == pytest.approx(b.sup_ratio, rel=1e-9)
    for _ in range(50):
        assert og.ratio_feedback(fun, xs + rng.standard_normal(n), d) <= b.sup_ratio * (1 + 1e-12)
    # diagonal H with D = c H^{-1}: every ratio equals (1 - c)^2 exactly
    h = np.array([1.0, 7.0, 40.0])
    fun = quad(np.diag(h), np.zeros(3))
    assert og.ratio_feedback(fun, np.array([1.0, -2.0, 3.0]), 0.3 / h) == pytest.approx(0.49)


def test_lemma_ratio_at_optimal_diagonal():
    # [[1, r], [r, 1]] is optimally scaled with kappa* = (1 + r)/(1 - r) = 3: the SDP's D*
    # (scaled so that D* <= H^{-1}) gives sup_x r_x(D*) = (1 - 1/3)^2 = 4/9 <= 1 - 1/3.
    Hm = np.array([[1.0, 0.5], [0.5, 1.0]])
    od = og.optimal_diagonal_preconditioner(Hm)
    b = og.quadratic_ratio_bound(Hm, od.d)
    assert b.mu_max == pytest.approx(1.0, abs=1e-6)
    assert b.sup_ratio == pytest.approx(4 / 9, abs=1e-6)
    assert b.sup_ratio <= 1 - 1 / od.kappa_star


def test_gradnorm_feedback_gradient_matches_finite_differences():
    # g_x(p) = ||grad f(x - p*g)|| / ||g||; osgm's update uses -(H g+) * g / (||g|| ||g+||).
    rng = np.random.default_rng(4)
    n = 4
    A = rng.standard_normal((n, n))
    Hm = A @ A.T + np.eye(n)
    fun = quad(Hm, rng.standard_normal(n))
    x = rng.standard_normal(n)
    _f, g = fun(x)
    p = rng.uniform(0, 0.1, n)

    def gx(p):
        return np.linalg.norm(fun(x - p * g)[1]) / np.linalg.norm(g)

    gp = fun(x - p * g)[1]
    grad = og.feedback_gradient(
        g, Hm @ gp, float(np.linalg.norm(g) * np.linalg.norm(gp)), "diagonal"
    )
    fd = np.array([(gx(p + 1e-7 * e) - gx(p - 1e-7 * e)) / 2e-7 for e in np.eye(n)])
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-9)


def test_osgm_gradnorm_converges_with_monotone_gradient_norm():
    h = np.array([1.0, 10.0, 100.0])
    Hm = np.diag(h)
    fun = quad(Hm, np.ones(3))
    res = og.osgm(
        fun,
        np.zeros(3),
        feedback="gradnorm",
        kind="diagonal",
        lr=0.05,
        hvp=lambda _x, v: Hm @ v,
        tol=1e-300,
        max_evals=300,
    )
    # P0 = 0: g+ = g, the ratio is exactly 1 and the monotone test (||g+|| < ||g||) rejects it
    assert res.feedback_hist[0] == 1.0 and res.f_hist[1] == res.f_hist[0]
    # accepted steps are exactly those with feedback < 1
    assert res.n_null == int(np.sum(res.feedback_hist >= 1.0))
    assert res.f < 1e-20
    with pytest.raises(ValueError, match="hvp"):
        og.osgm(fun, np.zeros(3), feedback="gradnorm", lr=0.1)


def test_osgm_nesterov_with_frozen_p_is_exactly_sagd():
    # With a negligible learner stepsize p stays ~0, the OSGM trial point is y itself and is
    # never better than the AGD step: the iterates are those of constant-momentum Nesterov
    # (agd_strongly_convex), the momentum form of the same scheme.
    from shared import first_order as fo

    h = np.logspace(0, 2, 8)
    fun = quad(np.diag(h), np.ones(8))
    x0 = np.zeros(8)
    res = og.osgm_nesterov(fun, x0, 100.0, 1.0, lr=1e-30, tol=1e-300, max_iter=60)
    ref = fo.agd_strongly_convex(fun, x0, 100.0, mu=1.0, tol=1e-300, max_evals=61)
    assert res.n_osgm_steps == 0 and res.n_grad == 1 + 3 * 60
    np.testing.assert_allclose(res.f_hist, ref.f_hist, rtol=1e-9, atol=1e-300)
    # with learning on, it reaches the floor much sooner than SAGD's 60 iterations
    fast = og.osgm_nesterov(fun, x0, 100.0, 1.0, lr=0.1, tol=1e-300, max_iter=60)
    assert fast.f_hist[-1] < ref.f_hist[-1] and fast.n_osgm_steps > 0
    with pytest.raises(ValueError, match="mu"):
        og.osgm_nesterov(fun, x0, 1.0, 2.0, lr=0.1)


def test_osgm_best_bookkeeping_and_probe():
    h = np.logspace(0, 2, 10)
    fun = quad(np.diag(h), np.ones(10))
    x0 = np.zeros(10)
    res = og.osgm_best(fun, x0, rng=np.random.default_rng(0), tol=1e-6, max_iter=1000)
    again = og.osgm_best(fun, x0, rng=np.random.default_rng(0), tol=1e-6, max_iter=1000)
    assert res.converged and np.array_equal(res.x, again.x)
    # 1 gradient at x0 + 3 probes, then one per iteration (no lookahead on this easy problem)
    assert res.n_grad == 4 + res.n_iter and not res.params["lookahead"]
    # the probe is a Rayleigh-type quotient ||H delta|| / ||delta|| of the Hessian
    assert h[0] <= res.params["L_probe"] <= h[-1] * (1 + 1e-6)
    assert np.all(res.p >= 0) and 0 <= res.beta <= 0.9995
    assert np.all(np.diff(res.f_hist) <= 0)  # null steps keep f (non-strict acceptance)
    # budget: stops once more than max_iter - 1 gradients were evaluated
    short = og.osgm_best(fun, x0, rng=np.random.default_rng(0), tol=1e-300, max_iter=30)
    assert short.n_grad == 30 and not short.converged


def _rows_objective(A, b):
    def fun(x, idx):
        r = A[idx] @ x - b[idx]
        return 0.5 * float(r @ r), A[idx].T @ r

    return fun


def test_stochastic_osgm_full_batch_equals_deterministic_osgm():
    # With the batch = all rows the stochastic method is deterministic OSGM-H: its recorded
    # mini-batch losses are f(x_k) before each step and P follows the same AdaGrad path.
    rng = np.random.default_rng(5)
    n = 6
    A = np.eye(n) + 0.1 * rng.standard_normal((n, n))
    b = rng.standard_normal(n)
    fun_rows = _rows_objective(A, b)
    x0 = rng.standard_normal(n)
    sto = og.stochastic_osgm(
        fun_rows, x0, n_rows=n, batch=n, rng=np.random.default_rng(0), lr=0.5, iters=12, tol=0.0
    )
    det = og.osgm(
        lambda x: fun_rows(x, np.arange(n)),
        x0,
        feedback="hypergradient",
        kind="diagonal",
        lr=0.5,
        tol=1e-300,
        max_evals=13,
    )
    # rows are summed in a permuted order: equal up to rounding (stopped well above the floor,
    # where the hypergradient of tiny gradients would amplify that rounding)
    np.testing.assert_allclose(sto.f_batch_hist[1:], det.f_hist[:-1], rtol=1e-9)
    np.testing.assert_allclose(sto.P, det.P, rtol=1e-8)
    assert sto.n_accepted == det.n_iter - det.n_null


def test_minibatch_sgd_full_batch_is_gd_and_bad_batch():
    rng = np.random.default_rng(6)
    A = np.eye(4) + 0.1 * rng.standard_normal((4, 4))
    b = rng.standard_normal(4)
    fun_rows = _rows_objective(A, b)
    res = og.minibatch_sgd(
        fun_rows, np.zeros(4), n_rows=4, batch=4, rng=np.random.default_rng(0), step=0.3, iters=5
    )
    x = np.zeros(4)
    for _ in range(5):
        x = x - 0.3 * (A.T @ (A @ x - b))
    np.testing.assert_allclose(res.x, x, rtol=1e-12)
    with pytest.raises(ValueError, match="batch = 5"):
        og.minibatch_sgd(fun_rows, np.zeros(4), n_rows=4, batch=5, rng=np.random.default_rng(0))


def test_osgm_nesterov_convex_plain_meets_nesterov_bound_and_learning_helps():
    # use_osgm=False is Nesterov's estimate-sequence method with a_k^2 = A_{k+1}; it satisfies
    # f(x_k) - f* <= L ||x0 - x*||^2 / (2 A_k) (Nesterov 2018, sec. 2.2), A_k >= (k + 1)^2 / 4.
    h = np.logspace(0, 2, 8)
    fun = quad(np.diag(h), np.ones(8))
    x0 = np.zeros(8)
    plain = og.osgm_nesterov_convex(fun, x0, 100.0, use_osgm=False, tol=1e-300, max_iter=50)
    assert plain.n_osgm_steps == 0 and plain.n_grad == 1 + 2 * 50
    A, bound = 0.0, []
    for _ in range(50):
        A += 0.5 * (1 + np.sqrt(1 + 4 * A))
        bound.append(100.0 * 8.0 / (2 * A))  # ||x0 - x*||^2 = 8
    assert np.all(plain.f_hist[1:] <= np.asarray(bound) * (1 + 1e-12))
    fast = og.osgm_nesterov_convex(fun, x0, 100.0, lr=0.1, tol=1e-300, max_iter=50)
    assert fast.f_hist[-1] < plain.f_hist[-1] and fast.n_osgm_steps > 0


def test_nesterov_variants_stop_cleanly_at_an_exact_stationary_extrapolation():
    # f(x) = 1/2 x^2 with L = mu = 1: the strongly convex extrapolation and the convex AGD step
    # land on x* = 0 exactly, where grad f(y) = 0 and h_y is undefined. The learner must skip
    # (no division by zero, no NaN in p) and the run must stop at the minimiser.
    fun = quad(np.eye(1), np.zeros(1))
    res = og.osgm_nesterov(fun, np.ones(1), 1.0, 1.0, lr=10.0, tol=1e-300, max_iter=20)
    assert np.all(np.isfinite(res.p)) and res.f_hist[-1] == 0.0
    cvx = og.osgm_nesterov_convex(fun, np.ones(1), 1.0, lr=10.0, tol=1e-300, max_iter=20)
    assert np.all(np.isfinite(cvx.p)) and cvx.f_hist[-1] == 0.0 and cvx.converged
