"""Tests of shared.zo_optim against hand-written updates and torch.optim.Adam."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shared.zo_optim import ZOOptimizer, adam_preconditioner, init_state, step


def test_gd_and_heavy_ball() -> None:
    x = np.array([1.0, 2.0])
    g1, g2 = np.array([0.5, -1.0]), np.array([1.0, 1.0])
    opt = ZOOptimizer("gd", 0.1)
    y, s = step(opt, x, init_state(opt, x), g1)
    np.testing.assert_allclose(y, x - 0.1 * g1)
    opt = ZOOptimizer("gdm", 0.1, beta=0.9)
    y1, s = step(opt, x, init_state(opt, x), g1)
    y2, s = step(opt, y1, s, g2)
    np.testing.assert_allclose(s.m, 0.9 * g1 + g2)
    np.testing.assert_allclose(y2, x - 0.1 * g1 - 0.1 * (0.9 * g1 + g2))
    assert s.t == 2


def test_adam_matches_torch() -> None:
    rng = np.random.default_rng(0)
    x0 = torch.from_numpy(rng.standard_normal(5))
    grads = [torch.from_numpy(rng.standard_normal(5)) for _ in range(6)]
    p = x0.clone().requires_grad_(True)
    ref = torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    opt = ZOOptimizer("adam", 0.01, beta=0.9, beta2=0.999, eps=1e-8)
    x, s = x0.clone(), init_state(opt, x0)
    for g in grads:
        p.grad = g.clone()
        ref.step()
        x, s = step(opt, x, s, g)
    torch.testing.assert_close(x, p.detach(), rtol=1e-12, atol=1e-12)
    P = adam_preconditioner(opt, s)
    assert P.shape == x.shape and bool((P > 0).all())


def test_bad_hyperparameters() -> None:
    with pytest.raises(ValueError, match="method"):
        ZOOptimizer("sgd", 0.1)
    with pytest.raises(ValueError, match="eta"):
        ZOOptimizer("gd", 0.0)
    with pytest.raises(ValueError, match="beta"):
        ZOOptimizer("gdm", 0.1, beta=1.0)
