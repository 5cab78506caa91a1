"""Exact tests of shared.zeroth_order: moments, stencils, unbiasedness on quadratics, counting."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from shared.zeroth_order import (
    AsymmetricBernoulli,
    Gaussian,
    SymmetricBernoulli,
    Uniform,
    affine_noise_oracle,
    expected_rdsa,
    expected_spsa2_hessian,
    gaussian_rdsa_bias,
    law_from_name,
    make_stencil,
    rdsa_bias_control_variate,
    rdsa_combine,
    rdsa_estimate,
    rdsa_gradient,
    rdsa_hessian,
    rdsa_hessian_times,
    rdsa_hvp,
    rdsa_matrix,
    rdsa_matvec,
    spsa2_estimate,
    spsa_gradient,
    stencil_weights,
)

LAWS = [Gaussian(), Uniform(1.0), Uniform(0.5), AsymmetricBernoulli(1.0), AsymmetricBernoulli(0.3)]


def random_quadratic(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    H = A + A.T
    g = rng.standard_normal(n)

    def phi(s):
        return 2.5 + s @ g + 0.5 * np.einsum("...i,ij,...j->...", s, H, s)

    return phi, g, H


# ---------------------------------------------------------------- moments


@pytest.mark.parametrize(
    ("law", "m2", "m4"),
    [
        (Gaussian(), 1.0, 3.0),
        (Uniform(1.0), 1 / 3, 1 / 5),
        (Uniform(2.0), 4 / 3, 16 / 5),
        (AsymmetricBernoulli(1.0), 2.0, 2 * (1 + 8) / 3),
        (SymmetricBernoulli(), 1.0, 1.0),
    ],
)
def test_moment_constants_closed_form(law, m2, m4):
    assert law.m2 == pytest.approx(m2, rel=1e-14)
    assert law.m4 == pytest.approx(m4, rel=1e-14)
    # The quadrature rule reproduces them, and the mean is zero.
    assert law.moment(2) == pytest.approx(m2, rel=1e-12)
    assert law.moment(4) == pytest.approx(m4, rel=1e-12)
    assert abs(law.moment(1)) < 1e-14


@pytest.mark.parametrize("eps", [1e-8, 1e-4, 0.01, 0.5, 1.0, 3.0])
def test_asymmetric_bernoulli_kappa_is_stable(eps):
    law = AsymmetricBernoulli(eps)
    e = Fraction(eps)
    exact = e * e * (1 + e)
    assert law.kappa == pytest.approx(float(exact), rel=1e-14)
    m4 = (1 + e) * (1 + (1 + e) ** 3) / (2 + e)
    assert float(m4 - (1 + e) ** 2) == pytest.approx(float(exact), rel=1e-12)


def test_asymmetric_bernoulli_sampling_has_the_right_atoms_and_mean():
    law = AsymmetricBernoulli(0.5)
    d = law.sample(np.random.default_rng(1), (200_000,))
    assert set(np.unique(d)) == {-1.0, 1.5}
    assert abs(d.mean()) < 4 * np.sqrt(law.m2 / d.size)
    assert np.mean(d == 1.5) == pytest.approx(1 / 2.5, abs=0.005)


def test_bad_law_parameters_raise():
    with pytest.raises(ValueError, match="eps"):
        AsymmetricBernoulli(0.0)
    with pytest.raises(ValueError, match="eta"):
        Uniform(-1.0)
    with pytest.raises(ValueError, match="law name"):
        law_from_name("cauchy")


# ---------------------------------------------------------------- stencils


def test_stencil_weights_match_the_classic_tables():
    np.testing.assert_allclose(make_stencil(1).hess_weights, [1, -2, 1])
    np.testing.assert_allclose(make_stencil(1).grad_weights, [-0.5, 0, 0.5])
    np.testing.assert_allclose(make_stencil(2).hess_weights, np.array([-1, 16, -30, 16, -1]) / 12)
    np.testing.assert_allclose(make_stencil(2).grad_weights, np.array([1, -8, 0, 8, -1]) / 12)
    np.testing.assert_allclose(
        make_stencil(3).hess_weights, np.array([2, -27, 270, -490, 270, -27, 2]) / 180
    )
    np.testing.assert_allclose(
        make_stencil(3).grad_weights, np.array([-1, 9, -45, 0, 45, -9, 1]) / 60
    )
    np.testing.assert_allclose(make_stencil(1, one_sided=True).hess_weights, [1, -2, 1])
    np.testing.assert_allclose(make_stencil(1, one_sided=True).grad_weights, [-1.5, 2, -0.5])


@pytest.mark.parametrize("m", [1, 2, 3, 4])
@pytest.mark.parametrize("one_sided", [False, True])
def test_stencils_are_exact_on_polynomials_of_degree_2m(m, one_sided):
    st = make_stencil(m, one_sided)
    j = np.asarray(st.offsets, dtype=float)
    for k in range(2 * m + 1):
        # sum_j w_j j^k / k! = [k == deriv]
        assert st.grad_weights @ j**k / math.factorial(k) == pytest.approx(float(k == 1), abs=1e-12)
        assert st.hess_weights @ j**k / math.factorial(k) == pytest.approx(float(k == 2), abs=1e-12)


def test_stencil_validation():
    with pytest.raises(ValueError, match="m="):
        make_stencil(0)
    with pytest.raises(ValueError, match="distinct"):
        stencil_weights([0, 0, 1], 1)
    with pytest.raises(ValueError, match="deriv"):
        stencil_weights([0, 1], 2)


# ---------------------------------------------------------------- RDSA matrix


@pytest.mark.parametrize("law", LAWS, ids=lambda law: repr(law))
def test_rdsa_matrix_is_unbiased_for_every_symmetric_matrix_exactly(law):
    n = 4
    _, _, H = random_quadratic(n, 3)
    nodes, w = law.quadrature(3)
    idx = np.array(np.meshgrid(*[range(len(nodes))] * n, indexing="ij")).reshape(n, -1).T
    D = nodes[idx]
    W = np.prod(w[idx], axis=1)
    M = rdsa_matrix(D, law)
    EM = np.einsum("p,pij,p->ij", W, M, np.einsum("pi,ij,pj->p", D, H, D))
    np.testing.assert_allclose(EM, H, atol=1e-12)


def test_rdsa_matrix_gaussian_closed_form_and_matvec():
    d = np.random.default_rng(0).standard_normal((3, 5))
    M = rdsa_matrix(d, Gaussian())
    np.testing.assert_allclose(M, (d[:, :, None] * d[:, None, :] - np.eye(5)) / 2, atol=1e-15)
    v = np.arange(5.0)
    law = Uniform(0.7)
    np.testing.assert_allclose(rdsa_matvec(d, v, law), rdsa_matrix(d, law) @ v, atol=1e-12)


def test_symmetric_bernoulli_has_no_rdsa_hessian():
    with pytest.raises(ValueError, match="m4 - m2"):
        rdsa_matrix(np.ones((2, 3)), SymmetricBernoulli())
    with pytest.raises(ValueError, match="cannot estimate a Hessian"):
        rdsa_hessian(
            lambda p, r: p.sum(-1), np.zeros(3), 0.1, SymmetricBernoulli(), np.random.default_rng(0)
        )


# ---------------------------------------------------------------- exact unbiasedness


@pytest.mark.parametrize("law", LAWS, ids=lambda law: repr(law))
@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("one_sided", [False, True])
def test_rdsa_estimators_exactly_unbiased_on_quadratics(law, m, one_sided):
    phi, g, H = random_quadratic(4, 1)
    deltas = np.array([1e-2, 0.3, 2.0])
    eg, eh = expected_rdsa(phi, 4, deltas, law, m=m, one_sided=one_sided, n_nodes=3)
    np.testing.assert_allclose(eg, np.broadcast_to(g, eg.shape), atol=1e-10)
    np.testing.assert_allclose(eh, np.broadcast_to(H, eh.shape), atol=1e-9)


def test_spsa2_hessian_exactly_unbiased_on_quadratics():
    phi, _, H = random_quadratic(4, 2)
    eh = expected_spsa2_hessian(phi, 4, [0.05, 1.0], c_ratio=0.7)
    np.testing.assert_allclose(eh, np.broadcast_to(H, eh.shape), atol=1e-12)


def test_gaussian_closed_form_matches_quadrature_on_a_quartic():
    # f(x + s) with f separable quartic: Gaussian smoothing is polynomial, so the 5-node
    # Gauss-Hermite product rule is exact and must agree with Stein's closed form.
    n = 3
    x = np.array([0.3, -0.2, 0.5])

    def phi(s):
        y = x + s
        return np.sum(y**4 + y**3, -1) - np.sum(x**4 + x**3)

    grad = 4 * x**3 + 3 * x**2
    hess_diag = 12 * x**2 + 6 * x

    # E (x + s u)^4 = x^4 + 6 x^2 s^2 + 3 s^4 ; E (x + s u)^3 = x^3 + 3 x s^2.
    def grad_inc(s):
        return 12 * x * s**2 + 3 * s**2

    def hess_inc(s):
        return np.diag(12 * s**2 * np.ones(n))

    deltas = np.array([0.1, 0.4])
    for m in (1, 2):
        gb, hb = gaussian_rdsa_bias(grad_inc, hess_inc, deltas, m=m)
        eg, eh = expected_rdsa(phi, n, deltas, Gaussian(), m=m, n_nodes=5)
        np.testing.assert_allclose(eg - grad, gb, atol=1e-10)
        np.testing.assert_allclose(eh - np.diag(hess_diag), hb, atol=1e-9)
    # m = 2 is exact for a quartic: no bias at all.
    gb, hb = gaussian_rdsa_bias(grad_inc, hess_inc, deltas, m=2)
    assert np.abs(gb).max() < 1e-12 and np.abs(hb).max() < 1e-12


def test_control_variate_matches_exact_enumeration():
    n = 3
    x = np.array([0.1, 0.25, -0.3])

    def phi(s):
        return np.sum(np.cos(x + s) - np.cos(x), -1)

    g, H = -np.sin(x), np.diag(-np.cos(x))
    law = AsymmetricBernoulli(1.0)
    deltas = np.array([0.1, 0.2])
    eg, eh = expected_rdsa(phi, n, deltas, law, m=1)
    cv = rdsa_bias_control_variate(
        phi, g, H, deltas, law, np.random.default_rng(5), n_samples=40_000, m=1
    )
    assert np.all(np.abs(cv["hess_bias"] - (eh - H)) <= 5 * cv["hess_se"] + 1e-15)
    assert np.all(np.abs(cv["grad_bias"] - (eg - g)) <= 5 * cv["grad_se"] + 1e-15)


# ---------------------------------------------------------------- oracle estimators


def counting(f):
    calls = []

    def oracle(points, rng):
        calls.append(points.shape)
        return f(points)

    return oracle, calls


@pytest.mark.parametrize("m", [1, 2, 3])
def test_evaluation_counts(m):
    oracle, calls = counting(lambda p: np.sum(p**2, -1))
    x = np.zeros((5, 3))
    rng = np.random.default_rng(0)
    est = rdsa_estimate(oracle, x, 0.1, Uniform(), rng, m=m)
    assert est.n_evals == 2 * m + 1 == calls[-1][1]
    assert calls[-1][0] == 5
    est = rdsa_gradient(oracle, x, 0.1, Uniform(), rng, m=m)
    assert est.n_evals == 2 * m == calls[-1][1]  # y(x) has weight 0 in the central gradient
    est = rdsa_estimate(oracle, x, 0.1, Uniform(), rng, m=m, one_sided=True)
    assert est.n_evals == 2 * m + 1
    assert spsa2_estimate(oracle, x, 0.1, rng).n_evals == 4 == calls[-1][1]
    assert spsa_gradient(oracle, x, 0.1, rng).n_evals == 2 == calls[-1][1]
    assert rdsa_hvp(oracle, x, np.ones(3), 0.1, 0.1, Uniform(), rng).n_evals == 4


def test_estimators_exact_on_quadratic_per_draw_structure():
    # For a quadratic, each RDSA draw equals M(d) d^T H d and d d^T g / m2 exactly.
    phi, g, H = random_quadratic(4, 4)
    law = AsymmetricBernoulli(0.5)
    est = rdsa_hessian(
        lambda p, r: phi(p), np.zeros((6, 4)), 0.37, law, np.random.default_rng(2), m=2
    )
    d = est.directions
    np.testing.assert_allclose(
        est.hessian,
        rdsa_matrix(d, law) * np.einsum("pi,ij,pj->p", d, H, d)[:, None, None],
        atol=1e-9,
    )
    np.testing.assert_allclose(est.gradient, d * (d @ g / law.m2)[:, None], atol=1e-10)


def test_hessian_times_equals_full_hessian_times_v():
    phi, _, _ = random_quadratic(5, 6)
    v = np.linspace(-1, 1, 5)
    law = Gaussian()
    x = np.random.default_rng(0).standard_normal((7, 5))
    full = rdsa_hessian(lambda p, r: phi(p), x, 0.2, law, np.random.default_rng(3))
    prod = rdsa_hessian_times(lambda p, r: phi(p), x, v, 0.2, law, np.random.default_rng(3))
    np.testing.assert_allclose(prod.gradient, full.hessian @ v, atol=1e-10)


def test_hvp_is_exact_per_draw_on_quadratics():
    phi, _, H = random_quadratic(4, 8)
    v = np.array([1.0, -2.0, 0.5, 0.0])
    law = Uniform(1.0)
    est = rdsa_hvp(
        lambda p, r: phi(p), np.zeros((3, 4)), v, 0.3, 0.2, law, np.random.default_rng(1)
    )
    d = est.directions
    np.testing.assert_allclose(est.gradient, d * (d @ H @ v / law.m2)[:, None], atol=1e-10)


def test_rdsa_combine_shapes_and_determinism():
    rng = np.random.default_rng(0)
    oracle = affine_noise_oracle(lambda p: np.sum(np.sin(p), -1), 0.01)
    a = rdsa_hessian(oracle, np.ones((2, 3)), 0.1, Uniform(), np.random.default_rng(11), m=2)
    b = rdsa_hessian(oracle, np.ones((2, 3)), 0.1, Uniform(), np.random.default_rng(11), m=2)
    np.testing.assert_array_equal(a.hessian, b.hessian)
    np.testing.assert_array_equal(a.gradient, b.gradient)
    assert a.hessian.shape == (2, 3, 3) and a.gradient.shape == (2, 3)
    g, h = rdsa_combine(
        rng.standard_normal((4, 3)),
        rng.standard_normal((4, 2)),
        0.1,
        Gaussian(),
        make_stencil(1),
        hessian=False,
    )
    assert h is None and g.shape == (4, 2)


def test_affine_noise_oracle_variance_is_state_dependent():
    oracle = affine_noise_oracle(lambda p: np.zeros(p.shape[:-1]), 0.5)
    x = np.broadcast_to(np.array([1.0, 2.0]), (100_000, 2))
    y = oracle(x, np.random.default_rng(0))
    assert y.var() == pytest.approx(0.25 * (1 + 1 + 4), rel=0.02)
    with pytest.raises(ValueError, match="sigma"):
        affine_noise_oracle(lambda p: p, -1.0)


def test_bad_inputs_raise_clear_errors():
    oracle = lambda p, r: np.sum(p, -1)  # noqa: E731
    with pytest.raises(ValueError, match="delta"):
        rdsa_estimate(oracle, np.zeros(3), 0.0, Uniform(), np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator"):
        rdsa_estimate(oracle, np.zeros(3), 0.1, Uniform(), 0)
    with pytest.raises(ValueError, match="shape"):
        rdsa_estimate(oracle, np.zeros((2, 2, 2)), 0.1, Uniform(), np.random.default_rng(0))
    with pytest.raises(ValueError, match="too large"):
        expected_rdsa(oracle, 30, [0.1], Gaussian(), n_nodes=3)
