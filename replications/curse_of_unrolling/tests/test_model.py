"""Tests of the replication's closed forms and designs (quick, exact)."""

from __future__ import annotations

import numpy as np
import pytest

from replications.curse_of_unrolling import model as M
from shared import unrolling as U

BASE = {"p": 12, "L": 1.0, "theta_fraction": 0.5, "seed": 0}


def test_uniform_design_has_equal_jacobian_mass():
    prob = M.synthetic_ridge(50.0, design="uniform", **BASE)
    np.testing.assert_allclose(prob.components(prob.dx_star), 1.0, rtol=1e-12)
    np.testing.assert_allclose(prob.dx_star, -np.linalg.solve(prob.H, prob.x_star), rtol=1e-10)
    np.testing.assert_allclose(prob.H @ prob.x_star + prob.b, 0.0, atol=1e-12)
    assert prob.kappa == pytest.approx(50.0)


def test_gd_q_matches_polynomial_recurrence():
    lam = np.linspace(0.02, 1.0, 9)
    for h in (1.0, 1.5, 1.98):
        s = U.gd_schedule(h, 30)
        P, dP = M.residual_polynomials(s, lam)
        q = M.gd_q(np.arange(31)[:, None], h * lam[None, :])
        np.testing.assert_allclose(P - lam * dP, q, atol=1e-12)


def test_chebyshev_top_q_matches_recurrence():
    L, mu = 1.0, 0.01
    s = U.chebyshev_schedule(L, mu, 40)
    P, dP = M.residual_polynomials(s, np.array([L]))
    np.testing.assert_allclose(
        np.abs(P[:, 0] - L * dP[:, 0]), M.chebyshev_top_q(np.arange(41), L, mu), rtol=1e-10
    )


def test_truncated_closed_form_matches_ad():
    prob = M.synthetic_ridge(30.0, design="uniform", **BASE)
    h, T, k = 2.0 / (prob.L + prob.mu), 120, 20
    _, J = U.jacobian_jvp(
        M.ridge_grad, prob.theta, np.zeros(12), U.gd_schedule(h, T), truncate=k, args=prob.args
    )
    comp = np.abs(prob.components(J - prob.dx_star))  # dx* components are 1
    exact = np.abs(M.gd_truncated_q(np.arange(T + 1), h * prob.lam, k))
    np.testing.assert_allclose(comp, exact, atol=1e-11)


def test_monotone_threshold_is_sqrt2_in_closed_form():
    t = np.arange(200)
    assert M.monotone(np.abs(M.gd_q(t, np.sqrt(2.0) * (1 - 1e-9))), 1e-12, 1e-12)
    assert not M.monotone(np.abs(M.gd_q(t, np.sqrt(2.0) * (1 + 1e-6))), 1e-12, 1e-12)


def test_sup_q_and_bound():
    lam = np.linspace(0.01, 1.0, 101)
    sup = M.sup_q_gd(10, np.array([1.0, 1.98]), lam)
    assert sup[0] <= 1.0 < sup[1]
    t = np.arange(300)
    h = 1.98
    q = np.abs(M.gd_q(t, h * 1.0))
    b = M.gd_bound(t, h, 1.0, 0.01, 1.0, 1.0)
    assert np.all(q <= b + 1e-12)


def test_bad_design_raises():
    with pytest.raises(ValueError, match="design"):
        M.synthetic_ridge(10.0, design="nope", **BASE)
    with pytest.raises(ValueError, match="kappa"):
        M.synthetic_ridge(1.0, design="uniform", **BASE)


def test_data_ridge_spectrum():
    rng = np.random.default_rng(0)
    A, y = rng.standard_normal((30, 5)), rng.standard_normal(30)
    prob = M.data_ridge(A, y, 1e-2, "toy")
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(prob.H)), prob.lam, rtol=1e-10)
    np.testing.assert_allclose(prob.x_star, np.linalg.solve(prob.H, A.T @ y), rtol=1e-10)
