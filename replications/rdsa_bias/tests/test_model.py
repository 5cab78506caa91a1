"""Test functions of the RDSA replication: derivatives, minimisers, cancellation-free forms."""

import numpy as np
import pytest

from replications.rdsa_bias.model import (
    loglog_slope,
    quadratic,
    quadratic_hessian,
    quadratic_minimiser,
    quartic,
    rastrigin,
    rastrigin_gradient,
    rastrigin_hessian,
    rastrigin_increment,
    rastrigin_smoothing_increments,
    upper_ones,
)
from shared.zeroth_order import Gaussian, expected_rdsa, gaussian_rdsa_bias


def num_grad(f, x, h=1e-6):
    e = np.eye(len(x))
    return np.array([(f(x + h * e[i]) - f(x - h * e[i])) / (2 * h) for i in range(len(x))])


def test_quadratic_minimiser_is_minus_0_9091_for_p_10():
    xs = quadratic_minimiser(10)
    assert xs[0] == pytest.approx(-0.9090909, abs=1e-6)
    np.testing.assert_allclose(num_grad(quadratic, xs), 0, atol=1e-7)
    np.testing.assert_allclose(quadratic_hessian(10), (np.eye(10) + 1) / 10)
    A = upper_ones(3)
    assert A[0, 2] == pytest.approx(1 / 3) and A[2, 0] == 0


def test_quartic_minimum_at_zero():
    np.testing.assert_allclose(num_grad(quartic, np.zeros(10)), 0, atol=1e-9)
    assert quartic(np.zeros(10)) == 0 and quartic(np.full(10, 0.1)) > 0


def test_rastrigin_derivatives_and_increment():
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 5)
    np.testing.assert_allclose(num_grad(rastrigin, x), rastrigin_gradient(x), rtol=1e-6)
    np.testing.assert_allclose(
        num_grad(lambda y: rastrigin_gradient(y)[2], x),
        rastrigin_hessian(x)[2],
        rtol=1e-6,
        atol=1e-6,
    )
    s = np.random.default_rng(1).normal(scale=0.3, size=(4, 5))
    np.testing.assert_allclose(
        rastrigin_increment(x, s), rastrigin(x + s) - rastrigin(x), rtol=1e-10, atol=1e-10
    )
    assert rastrigin(np.zeros(10)) == pytest.approx(1.0)


def test_gaussian_closed_form_matches_gauss_hermite_on_rastrigin():
    # 2-D Rastrigin: 40-node Gauss-Hermite product rule is accurate to ~1e-12 here.
    x = np.array([0.13, -0.37])
    gi, hi = rastrigin_smoothing_increments(x)
    deltas = np.array([0.01, 0.03])
    for m in (1, 2):
        gb, hb = gaussian_rdsa_bias(gi, hi, deltas, m=m)
        eg, eh = expected_rdsa(
            lambda s: rastrigin_increment(x, s), 2, deltas, Gaussian(), m=m, n_nodes=40
        )
        np.testing.assert_allclose(eg - rastrigin_gradient(x), gb, atol=1e-9)
        np.testing.assert_allclose(eh - rastrigin_hessian(x), hb, atol=1e-8)


def test_loglog_slope():
    d = np.array([0.01, 0.02, 0.04])
    assert loglog_slope(d, 3 * d**4) == pytest.approx(4.0)


def test_quadratic_fast_equals_dense_form() -> None:
    from replications.rdsa_bias.model import quadratic, quadratic_fast

    x = np.random.default_rng(0).standard_normal((5, 3, 7))
    np.testing.assert_allclose(quadratic_fast(x), quadratic(x), rtol=1e-13, atol=1e-13)
    # Its Hessian is (I + 1 1^T)/N: second differences along axes and pairs.
    n = 4
    e = np.eye(n)
    H = np.array(
        [
            [
                quadratic_fast(e[i] + e[j])
                - quadratic_fast(e[i])
                - quadratic_fast(e[j])
                + quadratic_fast(np.zeros(n))
                for j in range(n)
            ]
            for i in range(n)
        ]
    )
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(H[off], quadratic_hessian(n)[off], atol=1e-13)


# --- non-polynomial objective (D12) and the mis-centred control ------------------------------


def test_expquad_derivatives_and_its_control_share_the_hessian_at_the_minimiser() -> None:
    from replications.rdsa_bias.model import (
        expquad,
        expquad_control,
        expquad_gradient,
        expquad_hessian,
    )

    rng = np.random.default_rng(4)
    x = 0.3 * rng.standard_normal(10)
    e = 1e-6
    fd = np.array([(expquad(x + e * u) - expquad(x - e * u)) / (2 * e) for u in np.eye(10)])
    np.testing.assert_allclose(fd, expquad_gradient(x), atol=1e-8)
    fd2 = np.array(
        [(expquad_gradient(x + e * u) - expquad_gradient(x - e * u)) / (2 * e) for u in np.eye(10)]
    )
    np.testing.assert_allclose(fd2, expquad_hessian(x), atol=1e-7)
    z = np.zeros(10)
    assert expquad(z) == 0.0 and np.all(expquad_gradient(z) == 0.0)
    # f_c is the quadratic with f's Hessian at x* = 0: its second differences are exact there.
    u = rng.standard_normal(10)
    h = 0.7
    d2 = (expquad_control(h * u) + expquad_control(-h * u) - 2 * expquad_control(z)) / h**2
    np.testing.assert_allclose(d2, u @ expquad_hessian(z) @ u, rtol=1e-12)


def test_uniform_exp_gradient_bias_matches_taylor_and_monte_carlo() -> None:
    from replications.rdsa_bias.model import expquad, uniform_exp_gradient_bias
    from shared.zeroth_order import Uniform, expected_rdsa

    # Small c: the leading terms c^2 m4/(6 m2) = 0.1 c^2 (m = 1), -c^4 m6/(30 m2) (m = 2).
    c = 0.05
    np.testing.assert_allclose(uniform_exp_gradient_bias(c, 1), 0.1 * c**2, rtol=1e-3)
    np.testing.assert_allclose(uniform_exp_gradient_bias(c, 2), -(c**4) * 3 / 7 / 30, rtol=1e-3)
    # Any c: equal to the exact expectation of the estimator (product Gauss rule, 3-D) at x* = 0.
    for m in (1, 2, 3):
        eg, _ = expected_rdsa(
            lambda s: expquad(s), 3, np.array([1.3]), Uniform(1.0), m=m, n_nodes=30, hessian=False
        )
        np.testing.assert_allclose(eg[0], uniform_exp_gradient_bias(1.3, m), rtol=1e-9, atol=1e-13)
    with pytest.raises(ValueError, match="c="):
        uniform_exp_gradient_bias(0.0, 1)


def test_rastrigin_miscentred_shift_by_enumeration_and_its_nonzero_limit() -> None:
    import itertools

    from replications.rdsa_bias.model import rastrigin_increment, rastrigin_miscentred_shift
    from shared.zeroth_order import AsymmetricBernoulli, Gaussian, make_stencil

    x = np.array([0.1, -0.3, 0.25])
    law, m, deltas = AsymmetricBernoulli(1.0), 2, np.array([0.01, 0.05])
    st = make_stencil(m)
    atoms, w = law.quadrature()
    ref = np.zeros(2)
    for combo in itertools.product(range(2), repeat=3):
        d, pr = atoms[list(combo)], np.prod(w[list(combo)])
        for k, de in enumerate(deltas):
            ref[k] += (
                pr
                * sum(
                    b * rastrigin_increment(x, j * de * d)
                    for b, j in zip(st.hess_weights, st.offsets, strict=True)
                )
                / de**2
            )
    shift = rastrigin_miscentred_shift(x, deltas, law, m)
    np.testing.assert_allclose(shift, ref * law.m2 / law.kappa)
    # delta -> 0: m2^2 tr(H) / (m4 - m2^2), not zero (not asymptotically unbiased).
    g = Gaussian()
    limit = g.m2**2 * np.trace(rastrigin_hessian(x)) / g.kappa
    small = rastrigin_miscentred_shift(x, np.array([1e-3]), g, 1)
    np.testing.assert_allclose(small, limit, rtol=1e-4)
