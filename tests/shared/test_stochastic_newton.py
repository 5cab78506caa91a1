"""Tests of shared.stochastic_newton: PD map, gains, evaluation budget, exact Newton limit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from shared.stochastic_newton import Gains, NewtonConfig, pd_solve, stochastic_newton
from shared.zeroth_order import (
    Uniform,
    ZOEstimate,
    affine_noise_oracle,
    rdsa_estimate,
    rdsa_gradient,
    spsa2_estimate,
    spsa_gradient,
)


def test_pd_solve_matches_dense_sqrtm():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 5, 5))
    H = A + np.swapaxes(A, 1, 2)  # indefinite
    g = rng.standard_normal((3, 5))
    s = pd_solve(H, g, 1e-3)
    for k in range(3):
        U = scipy.linalg.sqrtm(H[k] @ H[k] + 1e-3 * np.eye(5)).real
        np.testing.assert_allclose(s[k], np.linalg.solve(U, g[k]), rtol=1e-8, atol=1e-10)


def test_gains_formulas_and_validation():
    g = Gains(a=10.0, A=0.0, alpha=0.6, c=3.8, gamma=0.1666701)
    assert g.step(1) == pytest.approx(10.0)
    assert g.step(32) == pytest.approx(10.0 / 32**0.6)
    assert g.perturbation(64) == pytest.approx(3.8 / 64**0.1666701)
    with pytest.raises(ValueError, match="alpha"):
        Gains(alpha=-1.0)
    with pytest.raises(ValueError, match="budget"):
        NewtonConfig(budget=0)
    with pytest.raises(ValueError, match="warm_fraction"):
        NewtonConfig(budget=10, warm_fraction=1.0)


@pytest.mark.parametrize(("budget", "n_warm", "n_newton"), [(2000, 200, 533), (1000, 100, 266)])
def test_iteration_counts_follow_the_official_code(budget, n_warm, n_newton):
    # Code: N = 0.2 budget; N/2 warm iterations (2 evaluations); (budget - N)/3 Newton ones.
    oracle = affine_noise_oracle(lambda p: np.sum(p**2, -1), 0.0)
    law = Uniform()
    res = stochastic_newton(
        oracle,
        np.ones((2, 3)),
        lambda o, X, c, r: rdsa_estimate(o, X, c, law, r),
        NewtonConfig(budget=budget),
        np.random.default_rng(0),
        warm_estimator=lambda o, X, c, r: rdsa_gradient(o, X, c, law, r),
    )
    assert res.n_iter_warm == n_warm and res.n_iter == n_newton
    assert res.n_evals == 2 * n_warm + 3 * n_newton <= budget
    assert res.converged


def test_generic_estimator_interface_and_exact_newton_limit():
    # An exact "estimator" (true gradient and Hessian) makes the recursion deterministic:
    # with h0 = 0 and a = 1 the first step is the exact Newton step to the minimiser.
    H = np.array([[2.0, 0.5], [0.5, 1.0]])
    xstar = np.array([0.3, -0.4])

    def exact(o, X, c, r):
        return ZOEstimate((X - xstar) @ H, np.broadcast_to(H, (*X.shape, 2)).copy(), 1, X)

    cfg = NewtonConfig(budget=1, warm_fraction=0.0, gains=Gains(a=1.0, alpha=0.0), h0=0.0, reg=0.0)
    res = stochastic_newton(None, np.zeros((1, 2)), exact, cfg, np.random.default_rng(0))
    # H_bar_1 = H/2 (average with H_bar_0 = 0), so the step is 2 H^{-1} g: overshoot by 2.
    np.testing.assert_allclose(res.x[0], 2 * xstar, atol=1e-12)


def test_box_projection_and_determinism():
    oracle = affine_noise_oracle(lambda p: -np.sum(p, -1), 0.001)
    run = lambda seed: stochastic_newton(  # noqa: E731
        oracle,
        np.zeros((4, 3)),
        lambda o, X, c, r: spsa2_estimate(o, X, c, r),
        NewtonConfig(budget=400),
        np.random.default_rng(seed),
        warm_estimator=lambda o, X, c, r: spsa_gradient(o, X, c, r),
    )
    a, b = run(5), run(5)
    np.testing.assert_array_equal(a.x, b.x)
    assert np.all(a.x <= 2.047) and np.all(a.x >= -2.048)
    # Linear decreasing objective: iterates go to the upper bound.
    assert np.all(a.x > 1.0)


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError, match="Generator"):
        stochastic_newton(None, np.zeros(2), None, NewtonConfig(budget=10), 0)
