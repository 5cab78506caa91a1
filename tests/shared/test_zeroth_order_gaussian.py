"""Tests of the two-point Gaussian gradient estimators in shared.zeroth_order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shared.zeroth_order import gaussian_two_point_gradient, gaussian_two_point_gradient_torch


def quad_oracle(H: np.ndarray, b: np.ndarray):
    def oracle(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return 0.5 * np.sum((points @ H) * points, axis=-1) + points @ b

    return oracle


def test_exact_on_quadratic_for_every_mu() -> None:
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 5))
    H, b, x = A @ A.T, rng.standard_normal(5), rng.standard_normal(5)
    g = H @ x + b
    for mu in (1e-3, 1.0, 10.0):
        est = gaussian_two_point_gradient(quad_oracle(H, b), x, mu, 3, np.random.default_rng(1))
        U = est.directions
        np.testing.assert_allclose(est.gradient, (U @ g) @ U / 3, rtol=1e-8, atol=1e-8)
        assert est.n_evals == 6 and U.shape == (3, 5)


def test_unbiased_for_smoothed_gradient() -> None:
    # f = sum x^4 / 4: f_mu = sum (x^4 + 6 mu^2 x^2 + 3 mu^4) / 4, grad f_mu = x^3 + 3 mu^2 x.
    mu, x = 0.5, np.array([1.0, -0.5, 0.3])

    def oracle(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.sum(points**4, axis=-1) / 4

    R = 200_000
    est = gaussian_two_point_gradient(oracle, np.tile(x, (R, 1)), mu, 1, np.random.default_rng(2))
    mean = est.gradient.mean(axis=0)
    se = est.gradient.std(axis=0) / np.sqrt(R)
    target = x**3 + 3 * mu**2 * x
    assert np.all(np.abs(mean - target) < 4 * se)
    # and it is not the plain gradient (the bias 3 mu^2 x is resolved)
    assert np.any(np.abs(mean - x**3) > 10 * se)


def test_second_moment_matches_isserlis() -> None:
    # E[g g^T] = 2 (Hx)(Hx)^T + |Hx|^2 I for one direction (card Sec. 5a one-step check).
    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 4))
    H, x = A @ A.T, rng.standard_normal(4)
    R = 200_000
    est = gaussian_two_point_gradient(
        quad_oracle(H, np.zeros(4)), np.tile(x, (R, 1)), 1e-2, 1, np.random.default_rng(4)
    )
    S = est.gradient.T @ est.gradient / R
    hx = H @ x
    exact = 2 * np.outer(hx, hx) + hx @ hx * np.eye(4)
    assert np.linalg.norm(S - exact) / np.linalg.norm(exact) < 0.03


def test_bad_inputs_raise() -> None:
    o = quad_oracle(np.eye(2), np.zeros(2))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="mu"):
        gaussian_two_point_gradient(o, np.zeros(2), 0.0, 1, rng)
    with pytest.raises(ValueError, match="n_directions"):
        gaussian_two_point_gradient(o, np.zeros(2), 1e-3, 0, rng)
    with pytest.raises(TypeError):
        gaussian_two_point_gradient(o, np.zeros(2), 1e-3, 1, 0)


def test_torch_matches_quadratic_and_is_deterministic() -> None:
    rng = np.random.default_rng(5)
    A = rng.standard_normal((6, 6))
    H = torch.from_numpy(A @ A.T)
    x = torch.from_numpy(rng.standard_normal(6))

    def f(P: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((P @ H) * P).sum(-1)

    e1 = gaussian_two_point_gradient_torch(f, x, 1e-3, 2, torch.Generator().manual_seed(0))
    e2 = gaussian_two_point_gradient_torch(f, x, 1e-3, 2, torch.Generator().manual_seed(0))
    U = e1.directions
    torch.testing.assert_close(e1.gradient, (U @ (H @ x)) @ U / 2, rtol=1e-7, atol=1e-7)
    assert torch.equal(e1.gradient, e2.gradient) and e1.n_evals == 4
    with pytest.raises(ValueError, match="1-D"):
        gaussian_two_point_gradient_torch(f, x[None], 1e-3, 1, torch.Generator())
    with pytest.raises(TypeError):
        gaussian_two_point_gradient_torch(f, x, 1e-3, 1, 0)
