"""Oracle tests of shared.diagnostics: step angles, PCA of step windows, derivative norms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.diagnostics import (
    derivative_norms,
    participation_ratio,
    spike_mask,
    step_angles,
    step_cosines,
    step_pca,
    steps_from_iterates,
    windowed_step_pca,
)


def test_angles_of_known_steps() -> None:
    steps = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, -3.0], [0.0, -1.0], [1.0, 1.0]])
    np.testing.assert_allclose(step_cosines(steps), [0.0, -1.0, 1.0, -np.sqrt(0.5)], atol=1e-15)
    np.testing.assert_allclose(step_angles(steps, degrees=True), [90.0, 180.0, 0.0, 135.0])
    iterates = np.cumsum(np.vstack([np.zeros(2), steps]), axis=0)
    np.testing.assert_allclose(steps_from_iterates(iterates), steps, atol=1e-15)
    zero = step_cosines(np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]))
    assert np.all(np.isnan(zero))


def test_gradient_descent_on_quadratic_oscillates_above_2_over_L() -> None:
    # GD with step 2.2/L on a quadratic oscillates along the top eigenvector: cosines -> -1.
    H = np.diag([1.0, 0.01])
    x = np.array([1.0, 1.0])
    xs = [x]
    for _ in range(50):
        x = x - 2.2 * H @ x
        xs.append(x)
    c = step_cosines(steps_from_iterates(np.array(xs)))
    assert np.all(c[10:] < -0.99)


def test_step_pca_matches_eigh_and_detects_subspace() -> None:
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((50, 2)))[0]
    steps = rng.standard_normal((30, 2)) @ basis.T * np.array([[3.0]])
    res = step_pca(steps, normalize=False)
    ref = np.linalg.eigvalsh(steps.T @ steps)[::-1]
    np.testing.assert_allclose(res.explained_variance_ratio[:2], ref[:2] / ref.sum(), atol=1e-12)
    assert res.explained_variance_ratio[2:].max() < 1e-20
    assert 1.0 <= res.participation_ratio <= 2.0 + 1e-12
    assert res.n_components_90 <= 2
    # Principal directions span the planted subspace.
    P = basis @ basis.T
    np.testing.assert_allclose(P @ res.components[:2].T, res.components[:2].T, atol=1e-12)
    # Centred PCA of a pure drift has nothing left.
    with pytest.raises(ValueError, match="no nonzero variation"):
        step_pca(np.ones((5, 3)), center=True)


def test_participation_ratio_oracles() -> None:
    assert participation_ratio([1.0, 0.0, 0.0]) == 1.0
    assert participation_ratio([2.0, 2.0, 2.0, 2.0]) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="nonnegative"):
        participation_ratio([1.0, -1.0])


def test_windowed_pca_detects_change_from_drift_to_noise() -> None:
    rng = np.random.default_rng(1)
    drift = np.ones((20, 10)) + 0.01 * rng.standard_normal((20, 10))
    noise = rng.standard_normal((20, 10))
    res = windowed_step_pca(np.vstack([drift, noise]), 10, stride=10)
    np.testing.assert_array_equal(res.starts, [0, 10, 20, 30])
    assert np.all(res.top_ratio[:2] > 0.99)
    assert np.all(res.top_ratio[2:] < 0.6)
    assert np.all(res.participation_ratio[2:] > 2.0)
    assert res.explained_variance_ratio.shape == (4, 10)


def test_derivative_norms_growth_rate_of_matrix_powers() -> None:
    # J_t = M^t for symmetric M with spectral radius rho: ||J_t||_2 = rho^t exactly.
    rng = np.random.default_rng(2)
    Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    M = (Q * np.array([1.1, 0.5, -0.3, 0.2, 0.1, 0.0])) @ Q.T
    J = np.array([np.linalg.matrix_power(M, t) for t in range(20)])
    res = derivative_norms(J, ord="2")
    np.testing.assert_allclose(res.norms, 1.1 ** np.arange(20), rtol=1e-10)
    assert res.log_growth_rate == pytest.approx(np.log(1.1), rel=1e-8)
    assert res.growth_factor == pytest.approx(1.1, rel=1e-8)
    assert res.peak_index == 19
    fro = derivative_norms(J)
    np.testing.assert_allclose(fro.norms, np.linalg.norm(J, axis=(1, 2)), rtol=1e-12)


def test_unrolled_gd_burn_in_then_decay() -> None:
    # Unrolled GD on f(x) = 0.5 h x^2 - x with step a: x_t = (1 - q^t)/h, q = 1 - a h, and the
    # derivative iterate dx_t/dh has error e_t = dx_t + 1/h^2 = q^t (1 + c t)/h^2 with
    # c = a h / q. For a h = 1.9 (q = -0.9, c = -19/9) |e_t| = (|c| t - 1) 0.9^t grows until
    # t* = 1/|ln 0.9| + 1/|c| = 9.97 and then decays at rate |q| (Scieur et al. 2023, Sec. 3).
    h, a = 1.0, 1.9
    x, dx = 0.0, 0.0
    ds = []
    for _ in range(200):
        ds.append([dx + 1.0 / h**2])
        x, dx = x - a * (h * x - 1.0), dx - a * (h * dx + x)
    res = derivative_norms(np.array(ds))
    assert res.peak_index == 10
    tail = derivative_norms(np.array(ds[50:]))
    assert tail.log_growth_rate == pytest.approx(np.log(0.9), abs=0.01)


@settings(max_examples=25, deadline=None)
@given(T=st.integers(2, 30), d=st.integers(1, 8), seed=st.integers(0, 2**31 - 1))
def test_cosines_property(T: int, d: int, seed: int) -> None:
    s = np.random.default_rng(seed).standard_normal((T, d))
    c = step_cosines(s)
    assert c.shape == (T - 1,)
    assert np.all(np.abs(c) <= 1.0)
    np.testing.assert_allclose(step_cosines(2.5 * s), c, atol=1e-12)
    np.testing.assert_allclose(step_cosines(s.astype(np.float32)), c, atol=1e-5)
    res = step_pca(s)
    assert res.explained_variance_ratio.sum() == pytest.approx(1.0)
    assert 1.0 - 1e-9 <= res.participation_ratio <= min(T, d) + 1e-9


def test_diagnostics_bad_input() -> None:
    with pytest.raises(ValueError, match=r"steps has shape \(3,\): need one row per iteration"):
        step_cosines(np.ones(3))
    with pytest.raises(ValueError, match=r"steps has 1 rows: need at least 2"):
        step_cosines(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"window=11 is not allowed: need 1 <= window <= 10"):
        windowed_step_pca(np.ones((10, 3)), 11)
    with pytest.raises(ValueError, match=r"ord='nuc' is not allowed: choose one of"):
        derivative_norms(np.ones((3, 2)), ord="nuc")
    with pytest.raises(ValueError, match=r"ord='2' needs matrices"):
        derivative_norms(np.ones((3, 2)), ord="2")
    with pytest.raises(ValueError, match=r"NaN or inf"):
        step_pca(np.array([[np.nan, 1.0]]))


def test_spike_mask_on_synthetic_sequences():
    rng = np.random.default_rng(0)
    a = 1e-4 * (1 + 0.1 * rng.random(1000))
    a[[100, 500, 900]] = 0.5
    mask = spike_mask(a, factor=100.0, window=101)
    assert set(np.flatnonzero(mask)) == {100, 500, 900}
    assert not spike_mask(1e-4 * np.ones(50), window=11).any()
    with pytest.raises(ValueError, match="window"):
        spike_mask(a, window=10)
