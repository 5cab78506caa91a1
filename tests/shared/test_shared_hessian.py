"""Oracle tests of shared.hessian: torch and jax HVPs vs dense Hessians, closed forms, finite
differences, and each other."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")

from shared.hessian import (  # noqa: E402
    enable_jax_x64,
    jax_gauss_newton_operator,
    jax_hessian_operator,
    torch_gauss_newton_operator,
    torch_hessian_operator,
)
from shared.linalg import lanczos  # noqa: E402

enable_jax_x64()
jnp = jax.numpy
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)

D_IN, D_HID, D_OUT, N_SAMPLES = 3, 6, 2, 10
SHAPES = [(D_HID, D_IN), (D_HID,), (D_OUT, D_HID), (D_OUT,)]
N_PARAMS = sum(int(np.prod(s)) for s in SHAPES)


def _data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_SAMPLES, D_IN))
    Y = rng.standard_normal((N_SAMPLES, D_OUT))
    theta = 0.7 * rng.standard_normal(N_PARAMS)
    return X, Y, theta


def _split(theta, xp):
    out, i = [], 0
    for s in SHAPES:
        size = int(np.prod(s))
        out.append(xp.reshape(theta[i : i + size], s))
        i += size
    return out


def _torch_mlp_loss(X: np.ndarray, Y: np.ndarray):
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def loss(theta):
        W1, b1, W2, b2 = _split(theta, torch)
        out = torch.tanh(Xt @ W1.T + b1) @ W2.T + b2
        return 0.5 * torch.mean(torch.sum((out - Yt) ** 2, dim=1))

    return loss


def _jax_mlp_loss(X: np.ndarray, Y: np.ndarray):
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def loss(theta):
        W1, b1, W2, b2 = _split(theta, jnp)
        out = jnp.tanh(Xj @ W1.T + b1) @ W2.T + b2
        return 0.5 * jnp.mean(jnp.sum((out - Yj) ** 2, axis=1))

    return loss


@pytest.mark.parametrize("method", ["double_backward", "forward_over_reverse"])
def test_mlp_hvp_matches_dense_hessians_and_jax(method: str) -> None:
    X, Y, theta = _data(0)
    t_loss = _torch_mlp_loss(X, Y)
    H_torch = torch.autograd.functional.hessian(t_loss, torch.from_numpy(theta)).numpy()
    H_jax = np.asarray(jax.hessian(_jax_mlp_loss(X, Y))(jnp.asarray(theta)))
    np.testing.assert_allclose(H_torch, H_jax, atol=1e-12)
    op_t = torch_hessian_operator(t_loss, torch.from_numpy(theta), method=method)
    op_j = jax_hessian_operator(_jax_mlp_loss(X, Y), jnp.asarray(theta))
    scale = np.abs(H_torch).max()
    for op in (op_t, op_j):
        assert op.shape == (N_PARAMS, N_PARAMS) and op.dtype == np.float64
        np.testing.assert_allclose(op.dense(), H_torch, atol=1e-12 * scale)
        v = np.random.default_rng(1).standard_normal(N_PARAMS)
        np.testing.assert_allclose(op @ v, H_torch @ v, atol=1e-12 * scale * np.abs(v).sum())
    np.testing.assert_allclose(op_t.gradient(), op_j.gradient(), atol=1e-13)


def test_hvp_matches_central_finite_differences() -> None:
    # Central differences of the gradient: error O(eps^2 |f'''|) + O(machine eps |g| / eps);
    # with eps = 1e-5 both are far below the 1e-7 relative tolerance.
    X, Y, theta = _data(2)
    t_loss = _torch_mlp_loss(X, Y)
    op = torch_hessian_operator(t_loss, torch.from_numpy(theta))
    v = np.random.default_rng(3).standard_normal(N_PARAMS)
    eps = 1e-5

    def grad(th: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(th).requires_grad_(True)
        return torch.autograd.grad(t_loss(t), t)[0].numpy()

    fd = (grad(theta + eps * v) - grad(theta - eps * v)) / (2 * eps)
    hv = op @ v
    assert np.linalg.norm(hv - fd) <= 1e-7 * np.linalg.norm(hv)
    op_j = jax_hessian_operator(_jax_mlp_loss(X, Y), jnp.asarray(theta))
    assert np.linalg.norm(op_j @ v - fd) <= 1e-7 * np.linalg.norm(hv)


def _phase_retrieval(m: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d))
    x_star = rng.standard_normal(d)
    y = (A @ x_star) ** 2
    x = x_star + 0.5 * rng.standard_normal(d)
    # f(x) = 1/(4m) sum ((a_i^T x)^2 - y_i)^2; H = 1/m sum (3 (a_i^T x)^2 - y_i) a_i a_i^T.
    H = (A.T * (3 * (A @ x) ** 2 - y)) @ A / m
    return A, y, x, H


def test_phase_retrieval_hessian_closed_form_both_backends() -> None:
    A, y, x, H = _phase_retrieval(40, 8, seed=4)
    At, yt = torch.from_numpy(A), torch.from_numpy(y)
    Aj, yj = jnp.asarray(A), jnp.asarray(y)
    op_t = torch_hessian_operator(
        lambda z: torch.mean(((At @ z) ** 2 - yt) ** 2) / 4, torch.tensor(x)
    )
    op_j = jax_hessian_operator(lambda z: jnp.mean(((Aj @ z) ** 2 - yj) ** 2) / 4, jnp.asarray(x))
    scale = np.abs(H).max()
    np.testing.assert_allclose(op_t.dense(), H, atol=1e-12 * scale)
    np.testing.assert_allclose(op_j.dense(), H, atol=1e-12 * scale)
    # The operator plugs into the Krylov solvers: top eigenvalue vs eigh.
    top = lanczos(op_t, 1, num_iter=8).eigenvalues[-1]
    assert top == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-10)


def test_structured_params_list_and_pytree() -> None:
    X, Y, theta = _data(5)
    parts = [torch.from_numpy(p.copy()) for p in _split(theta, np)]

    def t_loss_list(ps):
        W1, b1, W2, b2 = ps
        out = torch.tanh(torch.from_numpy(X) @ W1.T + b1) @ W2.T + b2
        return 0.5 * torch.mean(torch.sum((out - torch.from_numpy(Y)) ** 2, dim=1))

    tree = {"W1": jnp.asarray(_split(theta, np)[0]), "rest": _split(theta, jnp)[1:]}

    def j_loss_tree(p):
        b1, W2, b2 = p["rest"]
        out = jnp.tanh(jnp.asarray(X) @ p["W1"].T + b1) @ W2.T + b2
        return 0.5 * jnp.mean(jnp.sum((out - jnp.asarray(Y)) ** 2, axis=1))

    H = torch.autograd.functional.hessian(_torch_mlp_loss(X, Y), torch.from_numpy(theta)).numpy()
    op_t = torch_hessian_operator(t_loss_list, parts)
    np.testing.assert_allclose(op_t.dense(), H, atol=1e-12 * np.abs(H).max())
    op_j = jax_hessian_operator(j_loss_tree, tree)
    # ravel_pytree orders dict keys alphabetically: "W1" then "rest", the same flat order.
    np.testing.assert_allclose(op_j.dense(), H, atol=1e-12 * np.abs(H).max())


def test_native_matvecs_are_float64() -> None:
    X, Y, theta = _data(6)
    op_t = torch_hessian_operator(_torch_mlp_loss(X, Y), torch.from_numpy(theta).float())
    v = torch.ones(N_PARAMS, dtype=torch.float64)
    assert op_t.hvp_native(v).dtype == torch.float64
    assert op_t.hvp_native_batch(torch.eye(N_PARAMS, dtype=torch.float64)).shape == (
        N_PARAMS,
        N_PARAMS,
    )
    op_j = jax_hessian_operator(_jax_mlp_loss(X, Y), np.asarray(theta, dtype=np.float32))
    assert op_j.hvp_native(jnp.ones(N_PARAMS)).dtype == jnp.float64


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_hvp_symmetry_property(seed: int) -> None:
    X, Y, theta = _data(seed)
    op_t = torch_hessian_operator(_torch_mlp_loss(X, Y), torch.from_numpy(theta))
    op_j = jax_hessian_operator(_jax_mlp_loss(X, Y), jnp.asarray(theta))
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((N_PARAMS, 3))
    for op in (op_t, op_j):
        HV = op @ V
        G = V.T @ HV
        np.testing.assert_allclose(G, G.T, atol=1e-12 * np.abs(G).max())
    np.testing.assert_allclose(op_t @ V, op_j @ V, atol=1e-12 * np.abs(op_t @ V).max())


def test_gauss_newton_matches_jacobian_formula_both_backends() -> None:
    X, Y, theta = _data(7)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def t_model(th):
        W1, b1, W2, b2 = _split(th, torch)
        return torch.tanh(Xt @ W1.T + b1) @ W2.T + b2

    def t_out_loss(out):
        return 0.5 * torch.mean(torch.sum((out - Yt) ** 2, dim=1))

    J = torch.autograd.functional.jacobian(t_model, torch.from_numpy(theta)).numpy()
    J = J.reshape(N_SAMPLES * D_OUT, N_PARAMS)
    G = J.T @ J / N_SAMPLES  # H_out = I / N_SAMPLES for this loss
    op_t = torch_gauss_newton_operator(t_model, t_out_loss, torch.from_numpy(theta))
    np.testing.assert_allclose(op_t.dense(), G, atol=1e-12 * np.abs(G).max())

    def j_model(th):
        W1, b1, W2, b2 = _split(th, jnp)
        return jnp.tanh(jnp.asarray(X) @ W1.T + b1) @ W2.T + b2

    def j_out_loss(out):
        return 0.5 * jnp.mean(jnp.sum((out - jnp.asarray(Y)) ** 2, axis=1))

    op_j = jax_gauss_newton_operator(j_model, j_out_loss, jnp.asarray(theta))
    np.testing.assert_allclose(op_j.dense(), G, atol=1e-12 * np.abs(G).max())
    assert np.linalg.eigvalsh(G)[0] >= -1e-12
    np.testing.assert_allclose(op_t.gradient(), op_j.gradient(), atol=1e-13)


def test_gauss_newton_equals_hessian_for_linear_least_squares() -> None:
    rng = np.random.default_rng(8)
    A = rng.standard_normal((20, 5))
    b = rng.standard_normal(20)
    At, bt = torch.from_numpy(A), torch.from_numpy(b)
    op = torch_gauss_newton_operator(
        lambda x: At @ x, lambda z: 0.5 * torch.sum((z - bt) ** 2), torch.zeros(5)
    )
    np.testing.assert_allclose(op.dense(), A.T @ A, atol=1e-12)


def test_hessian_bad_input() -> None:
    with pytest.raises(ValueError, match=r"method='exact' is not allowed: choose one of"):
        torch_hessian_operator(lambda t: t.sum(), torch.zeros(3), method="exact")
    with pytest.raises(TypeError, match=r"params of type ndarray is not allowed"):
        torch_hessian_operator(lambda t: t.sum(), np.zeros(3))
    with pytest.raises(TypeError, match=r"dtype torch.int64: need real floating"):
        torch_hessian_operator(lambda t: t.sum(), torch.zeros(3, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"loss_fn returned \(3,\): need a scalar torch tensor"):
        torch_hessian_operator(lambda t: t**2, torch.zeros(3))
    with pytest.raises(ValueError, match=r"loss_fn returned shape \(3,\): need a scalar"):
        jax_hessian_operator(lambda t: t**2, jnp.zeros(3))
    with pytest.raises(TypeError, match=r"loss_fn of type int is not callable"):
        jax_hessian_operator(3, jnp.zeros(3))
    with pytest.raises(TypeError, match=r"dtype int"):
        jax_hessian_operator(lambda t: t.sum(), np.zeros(3, dtype=np.int64))
