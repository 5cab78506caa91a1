"""Torch-native Krylov methods: Lanczos, Hutchinson / Hutch++ / XTrace / XNysTrace, SLQ.

The numpy functions of :mod:`shared.linalg` and :mod:`shared.trace` move every vector through
float64 numpy. The functions here keep every n-vector a torch tensor in the operator's dtype and
device (float32 or float64, CPU or CUDA): per product there is no host round trip; only small
projected matrices (m x m or s x s) go to the host, in float64. The mathematics and the defaults are
those of the numpy functions (same engine for Lanczos, same estimators for traces); results agree
with them to rounding of the dtype (tests in ``tests/shared/test_torch_linalg.py``).

An *operator* here is one of

* a torch :class:`~shared.hessian.HessianOperator` (products by ``hvp_native``; a batch of probes
  is a loop of single products, measured faster than the batched path, see ``benchmarks/``),
* a square 2-D torch tensor (products ``A @ v``),
* a :class:`TorchOperator` wrapping any ``matvec(v) -> tensor`` with its size, dtype and device.

Randomness comes from ``seed``: an int (a fresh ``torch.Generator`` on the operator's device) or a
``torch.Generator``; the global torch random state is never used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from shared._krylov import trlan
from shared._validate import check_choice, check_int, check_positive_float
from shared.linalg import LanczosResult, SLQQuadrature, TraceResult, lanczos_settings
from shared.trace import _stderr, xnystrace_core, xtrace_core

__all__ = [
    "TorchOperator",
    "as_torch_operator",
    "hutchinson_trace",
    "lanczos",
    "slq_density",
    "slq_quadrature",
]


@dataclass(frozen=True)
class TorchOperator:
    """A symmetric operator on torch vectors.

    Attributes
    ----------
    matvec : callable
        ``v -> A v`` for a 1-D tensor of length ``n``.
    n : int
        Dimension.
    dtype : torch.dtype
        Floating dtype of the vectors (float32 or float64).
    device : torch.device
        Device of the vectors.
    matmat : callable, optional
        ``X -> A X`` for an (n, s) tensor; default a loop of ``matvec`` over the columns.
    """

    matvec: Callable[[Any], Any]
    n: int
    dtype: Any
    device: Any
    matmat: Callable[[Any], Any] | None = None

    def apply_block(self, X: Any) -> Any:
        """``A X`` for an (n, s) tensor."""
        import torch

        if self.matmat is not None:
            return self.matmat(X)
        return torch.stack([self.matvec(X[:, i]) for i in range(X.shape[1])], dim=1)


def as_torch_operator(A: Any) -> TorchOperator:
    """Wrap a torch ``HessianOperator``, a square torch tensor or a :class:`TorchOperator`.

    Parameters
    ----------
    A : HessianOperator, torch.Tensor or TorchOperator
        The operator (see the module docstring).

    Returns
    -------
    TorchOperator
    """
    import torch

    from shared.hessian import HessianOperator

    if isinstance(A, TorchOperator):
        return A
    if isinstance(A, HessianOperator):
        if A.backend != "torch":
            raise TypeError(
                f"A is a {A.backend} HessianOperator: the torch path needs a torch one "
                "(use shared.linalg for jax operators)"
            )
        return TorchOperator(A.hvp_native, A.n_params, A.torch_dtype, A.device)
    if isinstance(A, torch.Tensor):
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 1:
            raise ValueError(f"A has shape {tuple(A.shape)}: need a square 2-D tensor")
        if not A.is_floating_point() or A.is_complex():
            raise TypeError(f"A has dtype {A.dtype}: need a real floating tensor")
        return TorchOperator(lambda v: A @ v, int(A.shape[0]), A.dtype, A.device, lambda X: A @ X)
    raise TypeError(
        f"A of type {type(A).__name__} is not allowed: pass a torch HessianOperator, a square "
        "torch tensor or a shared.torch_linalg.TorchOperator"
    )


def _generator(seed: Any, device: Any) -> Any:
    import torch

    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise TypeError(
            f"seed={seed!r} is not allowed: pass an int >= 0 or a torch.Generator "
            "(global random state is never used)"
        )
    g = torch.Generator(device=device)
    g.manual_seed(int(seed))
    return g


class _TorchBackend:
    """Engine backend on torch tensors (rows of a row-major basis)."""

    def __init__(self, op: TorchOperator, gen: Any) -> None:
        import torch

        self.torch = torch
        self.op = op
        self.n = op.n
        self.gen = gen
        self.eps = float(torch.finfo(op.dtype).eps)

    # Lanczos engine
    def matvec(self, x: Any) -> Any:
        return self.op.matvec(x)

    def zeros(self, rows: int) -> Any:
        return self.torch.zeros((rows, self.n), dtype=self.op.dtype, device=self.op.device)

    def randn(self) -> Any:
        return self.torch.randn(
            self.n, generator=self.gen, dtype=self.op.dtype, device=self.op.device
        )

    def dot_rows(self, V: Any, w: Any) -> np.ndarray:
        return (V @ w).double().cpu().numpy()

    def sub_rows(self, V: Any, h: np.ndarray, w: Any) -> Any:
        return w - self.torch.as_tensor(h, dtype=V.dtype, device=V.device) @ V

    def norm(self, w: Any) -> float:
        return float(self.torch.linalg.vector_norm(w))

    def combine(self, V: Any, S: np.ndarray) -> Any:
        return self.torch.as_tensor(S.T, dtype=V.dtype, device=V.device) @ V

    # Block estimators (shared.trace cores)
    def apply(self, X: Any) -> Any:
        return self.op.apply_block(X)

    def signs(self, s: int) -> Any:
        bits = self.torch.randint(
            0, 2, (self.n, s), generator=self.gen, device=self.op.device, dtype=self.torch.int8
        )
        return bits.to(self.op.dtype) * 2 - 1

    def qr(self, X: Any) -> tuple[Any, Any]:
        return self.torch.linalg.qr(X)

    def gram(self, X: Any, Y: Any) -> np.ndarray:
        return (X.T @ Y).double().cpu().numpy()

    def colsum_prod(self, X: Any, Y: Any) -> Any:
        return (X * Y).sum(0)

    @staticmethod
    def host(X: Any) -> np.ndarray:
        if isinstance(X, np.ndarray):
            return X.astype(np.float64, copy=False)
        return X.double().cpu().numpy()

    def from_host(self, X: np.ndarray, like: Any) -> Any:
        return self.torch.as_tensor(X, dtype=like.dtype, device=like.device)


def lanczos(
    A: Any,
    k: int,
    *,
    which: str = "largest",
    num_iter: int | None = None,
    tol: float | None = None,
    seed: Any = 0,
    max_restarts: int | None = None,
    num_keep: int | None = None,
    check_every: int = 1,
    copy_check: bool = True,
    tol_check: float | None = None,
) -> LanczosResult:
    """Extreme eigenpairs by thick-restart Lanczos on torch tensors.

    The algorithm, its convergence, breakdown and copy-check rules are those of
    :func:`shared.linalg.lanczos` (one engine); the basis is a torch tensor in the operator's dtype
    and device, and ``eps`` in the rounding floors is that dtype's.

    Parameters
    ----------
    A : HessianOperator, torch.Tensor or TorchOperator
        Real symmetric operator (see the module docstring).
    k, which, num_iter, max_restarts, num_keep, check_every, copy_check, tol_check
        As :func:`shared.linalg.lanczos`.
    tol : float, optional
        Relative residual tolerance; default 1e-10 in float64 and 1e-5 in float32 (a residual
        below ~100 eps ||A|| cannot be certified in the dtype).
    seed : int or torch.Generator
        Randomness of the starting (and breakdown / copy-check) vectors.

    Returns
    -------
    LanczosResult
        As :func:`shared.linalg.lanczos`; ``eigenvalues`` and ``residuals`` are float64 numpy
        arrays, ``eigenvectors`` an (n, k) tensor on the operator's device and dtype.

    References
    ----------
    K. Wu and H. Simon, SIAM J. Matrix Anal. Appl. 22(2):602-616, 2000 (thick restart); see
    :func:`shared.linalg.lanczos` for the rest.
    """
    import torch

    op = as_torch_operator(A)
    n = op.n
    k = check_int(k, "k", low=1, high=n)
    which = check_choice(which, "which", ("largest", "smallest"))
    if tol is None:
        tol = 1e-10 if op.dtype == torch.float64 else 1e-5
    m, keep, tol, max_restarts, check_every, tol_check = lanczos_settings(
        n, k, num_iter, tol, max_restarts, num_keep, check_every, tol_check
    )
    gen = _generator(seed, op.device)
    sign = 1.0 if which == "largest" else -1.0
    inner = op.matvec if sign > 0 else (lambda v: -op.matvec(v))
    be = _TorchBackend(TorchOperator(inner, n, op.dtype, op.device), gen)
    with torch.no_grad():
        start = be.randn()
    out = trlan(be, start, k, m, keep, tol, max_restarts, check_every, bool(copy_check), tol_check)
    theta, vectors, residuals = out.theta, out.vectors.T, out.residuals
    if sign < 0:
        theta, vectors, residuals = -theta[::-1], vectors.flip(1), residuals[::-1]
    return LanczosResult(
        eigenvalues=theta.copy(),
        eigenvectors=vectors.contiguous(),
        residuals=residuals.copy(),
        n_matvec=out.n_matvec,
        n_restarts=out.n_restarts,
        converged=out.converged,
        status=out.status,
        n_copy_checks=out.n_copy_checks,
    )


def hutchinson_trace(
    A: Any,
    num_probes: int,
    *,
    seed: Any = 0,
    method: str = "hutchinson",
) -> TraceResult:
    """Randomized trace estimate on torch tensors (Hutchinson, Hutch++, XTrace, XNysTrace).

    The estimators of :func:`shared.linalg.hutchinson_trace` (``"hutchinson"``, ``"hutch++"``)
    and of :mod:`shared.trace` (``"xtrace"``, ``"xnystrace"`` for psd operators) with Rademacher
    probes drawn on the operator's device. ``num_probes`` is the budget of products.

    Parameters
    ----------
    A : HessianOperator, torch.Tensor or TorchOperator
        Real symmetric operator.
    num_probes : int
        Number of products (>= 1; >= 3 for Hutch++; >= 2 for XTrace / XNysTrace).
    seed : int or torch.Generator
        Randomness of the probes.
    method : {"hutchinson", "hutch++", "xtrace", "xnystrace"}
        The estimator.

    Returns
    -------
    TraceResult
        ``value``, ``stderr``, ``n_matvec`` and ``method``.

    References
    ----------
    M. F. Hutchinson, Comm. Statist. Simulation Comput. 19(2):433-450, 1990. R. A. Meyer,
    C. Musco, C. Musco and D. P. Woodruff, SOSA 2021, Alg. 1. E. N. Epperly, J. A. Tropp and
    R. J. Webber, SIAM J. Matrix Anal. Appl. 45(1):1-23, 2024, Sec. 2-3.
    """
    import torch

    op = as_torch_operator(A)
    n = op.n
    method = check_choice(method, "method", ("hutchinson", "hutch++", "xtrace", "xnystrace"))
    low = {"hutchinson": 1, "hutch++": 3, "xtrace": 2, "xnystrace": 2}[method]
    high = {"xtrace": 2 * n, "xnystrace": n}.get(method)
    m = check_int(num_probes, "num_probes", low=low, high=high)
    be = _TorchBackend(op, _generator(seed, op.device))
    with torch.no_grad():
        if method == "xtrace":
            t, used = xtrace_core(be, m // 2)
            return TraceResult(float(t.mean()), _stderr(t), used, method)
        if method == "xnystrace":
            t, used = xnystrace_core(be, m)
            return TraceResult(float(t.mean()), _stderr(t), used, method)
        if method == "hutchinson":
            forms = _forms(be, m, None)
            return TraceResult(float(forms.mean()), _stderr(forms), m, method)
        s = m // 3
        g = m - 2 * s
        Q, _ = torch.linalg.qr(be.apply(be.signs(s)))
        top = float((Q * be.apply(Q)).sum())
        forms = _forms(be, g, Q)
        return TraceResult(top + float(forms.mean()), _stderr(forms), m, method)


def _forms(be: _TorchBackend, m: int, basis: Any) -> np.ndarray:
    """``z_i^T P A P z_i`` for ``m`` Rademacher probes (one product at a time)."""
    out = np.empty(m)
    for i in range(m):
        z = be.signs(1)[:, 0]
        if basis is not None:
            z = z - basis @ (basis.T @ z)
        out[i] = float(z @ be.op.matvec(z))
    return out


def slq_quadrature(
    A: Any,
    *,
    num_probes: int,
    num_iter: int,
    seed: Any = 0,
) -> SLQQuadrature:
    """Stochastic Lanczos quadrature rules on torch tensors, one probe at a time.

    As :func:`shared.linalg.slq_quadrature` (Rademacher probes, full reorthogonalisation); each
    probe's recurrence runs to the end before the next starts, so the memory is one basis of
    ``num_iter`` vectors (``num_iter * n`` entries), whatever ``num_probes``.

    Parameters
    ----------
    A : HessianOperator, torch.Tensor or TorchOperator
        Real symmetric operator.
    num_probes : int
        Number of Rademacher probes (>= 1).
    num_iter : int
        Lanczos steps per probe, ``1 <= num_iter <= n``.
    seed : int or torch.Generator
        Randomness of the probes.

    Returns
    -------
    SLQQuadrature
        ``nodes`` and ``weights`` (float64 numpy, shape (num_probes, num_iter)) and ``n_matvec``.

    References
    ----------
    S. Ubaru, J. Chen and Y. Saad, SIAM J. Matrix Anal. Appl. 38(4):1075-1099, 2017, Alg. 1.
    """
    import torch

    op = as_torch_operator(A)
    n = op.n
    p = check_int(num_probes, "num_probes", low=1)
    m = check_int(num_iter, "num_iter", low=1, high=n)
    be = _TorchBackend(op, _generator(seed, op.device))
    eps = be.eps
    nodes = np.empty((p, m))
    weights = np.empty((p, m))
    with torch.no_grad():
        basis = be.zeros(m)
        for i in range(p):
            q = be.signs(1)[:, 0]
            q = q / be.norm(q)
            alphas = np.zeros(m)
            betas = np.zeros(max(m - 1, 0))
            basis.zero_()
            alive = True
            for j in range(m):
                basis[j] = q
                w = op.matvec(q)
                w_norm = be.norm(w)
                Bj = basis[: j + 1]
                c = Bj @ w
                w = w - c @ Bj
                c2 = Bj @ w
                w = w - c2 @ Bj
                alphas[j] = float(c[j] + c2[j]) if alive else 0.0
                if j == m - 1:
                    break
                beta = be.norm(w)
                if not alive or beta <= 10 * n * eps * max(w_norm, abs(alphas[j])):
                    alive = False
                    betas[j] = 0.0
                    q = torch.zeros_like(q)
                else:
                    betas[j] = beta
                    q = w / beta
            if m == 1:
                nodes[i], weights[i] = alphas, 1.0
            else:
                theta, S = scipy.linalg.eigh_tridiagonal(alphas, betas)
                nodes[i], weights[i] = theta, S[0, :] ** 2
    return SLQQuadrature(nodes=nodes, weights=weights, n_matvec=p * m)


def slq_density(
    A: Any,
    *,
    num_probes: int,
    num_iter: int,
    grid: Any,
    sigma: float,
    seed: Any = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-smoothed spectral density by SLQ on torch tensors (see :func:`slq_quadrature`).

    The density of :func:`shared.linalg.slq_density` from the rules of :func:`slq_quadrature`.

    Parameters
    ----------
    A : HessianOperator, torch.Tensor or TorchOperator
        Real symmetric operator.
    num_probes, num_iter : int
        As :func:`slq_quadrature` (Ghorbani et al. 2019 use 10 probes and 90 steps).
    grid : ndarray or int
        Evaluation points, or a number (>= 2) of points spanning the nodes with a 5 sigma margin.
    sigma : float
        Standard deviation of the Gaussian kernel (> 0).
    seed : int or torch.Generator
        Randomness of the probes.

    Returns
    -------
    grid, density : ndarray
        Float64 numpy arrays.

    References
    ----------
    B. Ghorbani, S. Krishnan and Y. Xiao, ICML 2019, Sec. 2 and App. A.
    """
    from shared.linalg import _density_from_rules, _validate_grid

    sigma = check_positive_float(sigma, "sigma")
    _validate_grid(grid)
    quad = slq_quadrature(A, num_probes=num_probes, num_iter=num_iter, seed=seed)
    return _density_from_rules(quad, grid, sigma)
