"""GGN / Fisher / empirical Fisher over a data loader, against dense Jacobians."""

import numpy as np
import pytest
import torch

from shared.curvature import torch_curvature_operator


def _mlp(params, x):
    w1, b1, w2 = params
    return torch.tanh(x @ w1 + b1) @ w2


@pytest.fixture
def setup():
    g = torch.Generator().manual_seed(0)
    params = [
        torch.randn(3, 4, generator=g, dtype=torch.float64),
        torch.randn(4, generator=g, dtype=torch.float64),
        torch.randn(4, 2, generator=g, dtype=torch.float64),
    ]
    x = torch.randn(10, 3, generator=g, dtype=torch.float64)
    return params, x, g


def _flat(params):
    return torch.cat([p.reshape(-1) for p in params])


def _unflat(theta, params):
    out, i = [], 0
    for p in params:
        out.append(theta[i : i + p.numel()].reshape(p.shape))
        i += p.numel()
    return out


def _dense(params, x, y, loss, kind):
    """Dense reference: per-sample Jacobians and gradients via torch.autograd.functional."""
    theta = _flat(params)
    n = theta.numel()
    mats = np.zeros((n, n))
    for i in range(x.shape[0]):
        J = torch.autograd.functional.jacobian(
            lambda th, i=i: _mlp(_unflat(th, params), x[i : i + 1])[0], theta
        ).numpy()
        out = _mlp(params, x[i : i + 1])[0].detach()
        if loss == "mse":
            H = np.eye(2)
            resid = (out - y[i]).numpy()
        else:
            p = torch.softmax(out, -1).numpy()
            H = np.diag(p) - np.outer(p, p)
            resid = p - np.eye(2)[int(y[i])]
        g = J.T @ resid
        mats += np.outer(g, g) if kind == "empirical_fisher" else J.T @ H @ J
    return mats / x.shape[0]


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize("kind", ["ggn", "fisher", "empirical_fisher"])
def test_matches_dense_reference_over_several_batches(setup, loss, kind):
    params, x, g = setup
    if loss == "mse":
        y = torch.randn(10, 2, generator=g, dtype=torch.float64)
    else:
        y = torch.randint(0, 2, (10,), generator=g)
    loader = [(x[:4], y[:4]), (x[4:7], y[4:7]), (x[7:], y[7:])]
    op = torch_curvature_operator(_mlp, params, loader, loss=loss, kind=kind)
    np.testing.assert_allclose(op.dense(), _dense(params, x, y, loss, kind), atol=1e-12)
    # Batching does not change the operator (same samples, one batch).
    one = torch_curvature_operator(_mlp, params, [(x, y)], loss=loss, kind=kind)
    v = np.random.default_rng(1).standard_normal(op.shape[0])
    np.testing.assert_allclose(op @ v, one @ v, atol=1e-12)


def test_ggn_is_psd_and_empirical_fisher_differs(setup):
    params, x, g = setup
    y = torch.randint(0, 2, (10,), generator=g)
    G = torch_curvature_operator(_mlp, params, [(x, y)], loss="cross_entropy").dense()
    E = torch_curvature_operator(
        _mlp, params, [(x, y)], loss="cross_entropy", kind="empirical_fisher"
    ).dense()
    assert np.linalg.eigvalsh(G).min() > -1e-12
    assert np.linalg.norm(G - E) > 1e-3 * np.linalg.norm(G)


def test_loader_callable_and_bad_input(setup):
    params, x, g = setup
    y = torch.randn(10, 2, generator=g, dtype=torch.float64)
    op = torch_curvature_operator(_mlp, params, lambda: iter([(x, y)]))
    assert op.shape == (24, 24)
    with pytest.raises(ValueError, match="no batches"):
        torch_curvature_operator(_mlp, params, [])
    with pytest.raises(ValueError, match="kind"):
        torch_curvature_operator(_mlp, params, [(x, y)], kind="hessian")
