"""Tests of shared.torch_linalg (torch-native Lanczos, traces, SLQ) against exact dense answers and
the numpy path, on CPU in float64 and float32; and of the torch HVP fixes in shared.hessian."""

from __future__ import annotations

import numpy as np
import pytest
from _shared_oracles import matrix_with_spectrum

torch = pytest.importorskip("torch")

from shared import linalg  # noqa: E402
from shared import torch_linalg as tl  # noqa: E402
from shared.hessian import torch_hessian_operator  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)
N = 200


def _dense(eig: np.ndarray, seed: int, dtype=torch.float64):
    A = matrix_with_spectrum(eig, seed=seed)
    return A, torch.from_numpy(A).to(dtype)


@pytest.mark.parametrize("which", ["largest", "smallest"])
def test_torch_lanczos_matches_eigh_and_numpy_path(which: str) -> None:
    eig = np.concatenate([[5.0, 5.0, 5.0], np.linspace(-2.0, 3.0, N - 3)])
    A, At = _dense(eig, seed=1)
    exact = np.linalg.eigvalsh(A)
    ref = exact[-4:] if which == "largest" else exact[:4]
    res = tl.lanczos(At, 4, which=which, tol=1e-10, seed=0)
    assert res.converged and isinstance(res.eigenvectors, torch.Tensor)
    assert res.eigenvectors.dtype == torch.float64 and res.eigenvectors.shape == (N, 4)
    np.testing.assert_allclose(res.eigenvalues, ref, atol=1e-9 * np.abs(exact).max())
    Y = res.eigenvectors.numpy()
    assert np.linalg.norm(A @ Y - Y * res.eigenvalues, axis=0).max() <= 1e-8
    num = linalg.lanczos(A, 4, which=which, tol=1e-10, seed=0)
    np.testing.assert_allclose(res.eigenvalues, num.eigenvalues, atol=1e-9 * np.abs(exact).max())


def test_torch_lanczos_float32_agrees_to_single_precision() -> None:
    A, At = _dense(np.linspace(0.0, 1.0, N) ** 3, seed=2, dtype=torch.float32)
    res = tl.lanczos(At, 3, seed=1)  # default tol 1e-5 in float32
    assert res.converged and res.eigenvectors.dtype == torch.float32
    np.testing.assert_allclose(res.eigenvalues, np.linalg.eigvalsh(A)[-3:], rtol=1e-5)


@pytest.mark.parametrize("method", ["hutchinson", "hutch++", "xtrace", "xnystrace"])
def test_torch_traces_unbiased_within_4_standard_errors(method: str) -> None:
    A, At = _dense(np.arange(1, N + 1, dtype=float) ** -1.0, seed=3)
    exact = np.trace(A)
    vals = np.array([tl.hutchinson_trace(At, 12, seed=s, method=method).value for s in range(150)])
    assert abs(vals.mean() - exact) <= 4 * vals.std(ddof=1) / np.sqrt(vals.size)
    r = tl.hutchinson_trace(At, 12, seed=0, method=method)
    assert r.n_matvec == 12 and r.method == method and np.isfinite(r.stderr)


def test_torch_traces_exact_cases_and_generator() -> None:
    B = torch.randn(N, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    At = B @ B.T
    exact = float(torch.trace(At))
    for method, m in (("hutch++", 15), ("xtrace", 10), ("xnystrace", 6)):
        assert tl.hutchinson_trace(At, m, seed=1, method=method).value == pytest.approx(
            exact, rel=1e-9
        )
    D = torch.diag(torch.arange(1.0, N + 1.0, dtype=torch.float64))
    g = torch.Generator().manual_seed(3)
    assert tl.hutchinson_trace(D, 3, seed=g).value == pytest.approx(float(D.trace()), rel=1e-14)


def test_torch_slq_gauss_rule_moments_match_numpy_definition() -> None:
    # m-node Gauss rules are exact for degree <= 2m - 1: moments j <= 5 with m = 3, per probe.
    A, At = _dense(np.linspace(-1.0, 2.0, N), seed=4)
    quad = tl.slq_quadrature(At, num_probes=4, num_iter=3, seed=0)
    assert quad.nodes.shape == (4, 3) and quad.n_matvec == 12
    np.testing.assert_allclose(quad.weights.sum(axis=1), 1.0, atol=1e-12)
    # Mean over probes of q^T A^j q is unbiased for tr(A^j)/n: within 4 standard errors.
    quad = tl.slq_quadrature(At, num_probes=200, num_iter=6, seed=1)
    for j in (1, 2, 3):
        per = np.sum(quad.weights * quad.nodes**j, axis=1)
        exact = np.trace(np.linalg.matrix_power(A, j)) / N
        assert abs(per.mean() - exact) <= 4 * per.std(ddof=1) / np.sqrt(per.size)
    t, d = tl.slq_density(At, num_probes=3, num_iter=30, grid=400, sigma=0.05, seed=2)
    assert np.trapezoid(d, t) == pytest.approx(1.0, abs=1e-6)


def _mlp_loss(seed: int, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(30, 4, generator=g, dtype=dtype)
    Y = torch.randn(30, 2, generator=g, dtype=dtype)
    sizes = [(6, 4), (6,), (2, 6), (2,)]
    n = sum(int(np.prod(s)) for s in sizes)

    def loss(theta):
        parts, i = [], 0
        for s in sizes:
            k = int(np.prod(s))
            parts.append(theta[i : i + k].reshape(s))
            i += k
        W1, b1, W2, b2 = parts
        return torch.nn.functional.mse_loss(torch.tanh(X @ W1.T + b1) @ W2.T + b2, Y)

    theta = 0.5 * torch.randn(n, generator=g, dtype=dtype)
    return loss, theta


def test_forward_over_reverse_works_through_mse_loss() -> None:
    # torch 2.13: jvp through mse_loss's backward raises "ZeroTensors are immutable"; the operator
    # falls back to reverse-over-forward, the same product.
    loss, theta = _mlp_loss(0)
    H = torch.autograd.functional.hessian(loss, theta).numpy()
    for method in ("forward_over_reverse", "double_backward"):
        op = torch_hessian_operator(loss, theta, method=method)
        V = np.random.default_rng(0).standard_normal((theta.numel(), 2))
        np.testing.assert_allclose(op @ V[:, 0], H @ V[:, 0], atol=1e-12 * np.abs(H).max())
        np.testing.assert_allclose(op @ V[:, 1], H @ V[:, 1], atol=1e-12 * np.abs(H).max())


def test_hessian_operator_native_paths_float32_and_float64() -> None:
    loss, theta = _mlp_loss(1)
    H = torch.autograd.functional.hessian(loss, theta).numpy()
    exact = np.linalg.eigvalsh(H)
    op64 = torch_hessian_operator(loss, theta)
    assert op64.torch_dtype == torch.float64 and op64.device.type == "cpu"
    r64 = tl.lanczos(op64, 2, tol=1e-10, seed=0)
    np.testing.assert_allclose(r64.eigenvalues, exact[-2:], rtol=1e-9)
    op32 = torch_hessian_operator(lambda t: loss(t.double()).float(), theta, dtype=torch.float32)
    assert op32.hvp_native(torch.ones(theta.numel())).dtype == torch.float32
    r32 = tl.lanczos(op32, 2, seed=0)
    np.testing.assert_allclose(r32.eigenvalues, exact[-2:], rtol=1e-4)
    tr = tl.hutchinson_trace(op64, 30, seed=0, method="xtrace")
    assert abs(tr.value - np.trace(H)) <= 5 * tr.stderr + 1e-9
    with pytest.raises(ValueError, match=r"dtype=torch.float16 is not allowed"):
        torch_hessian_operator(loss, theta, dtype=torch.float16)


def test_torch_linalg_bad_input() -> None:
    with pytest.raises(TypeError, match=r"A of type ndarray is not allowed"):
        tl.lanczos(np.eye(3), 1)
    with pytest.raises(ValueError, match=r"A has shape \(3, 4\): need a square 2-D tensor"):
        tl.hutchinson_trace(torch.ones(3, 4), 2)
    with pytest.raises(TypeError, match=r"seed=None is not allowed"):
        tl.lanczos(torch.eye(4, dtype=torch.float64), 1, seed=None)
    with pytest.raises(ValueError, match=r"num_probes=1 is not allowed: need 2 <= num_probes"):
        tl.hutchinson_trace(torch.eye(4, dtype=torch.float64), 1, method="xtrace")
