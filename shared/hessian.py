"""Hessian-vector-product operators from torch and jax losses.

A loss ``f`` of parameters ``theta`` (a torch tensor or a sequence of tensors; a jax pytree)
becomes a float64 ``scipy.sparse.linalg.LinearOperator`` ``v -> H v`` with
``H = nabla^2 f(theta_0)`` acting on the flattened parameters, so that every estimator of
:mod:`shared.linalg` and :mod:`shared.sketch` applies unchanged. Each operator also exposes a
native matvec (``hvp_native`` / ``hvp_native_batch`` on torch tensors or jax arrays) for loops
that should stay in the framework. Gauss-Newton products ``J^T H_out J v`` are available for losses
of the form ``loss(model(theta))``.

torch and jax are imported lazily, inside the functions, so importing this module (or
:mod:`shared.linalg`) does not import either framework. Everything is computed in float64: torch
tensors are converted with ``.double()``; for jax, ``jax_enable_x64`` is switched on (a process-wide
jax setting) by the jax functions below before any array is created.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator

from shared._validate import check_choice

__all__ = [
    "HessianOperator",
    "enable_jax_x64",
    "jax_gauss_newton_operator",
    "jax_hessian_operator",
    "torch_gauss_newton_operator",
    "torch_hessian_operator",
]


class HessianOperator(LinearOperator):
    """A symmetric float64 ``LinearOperator`` ``v -> H v`` backed by a framework's autodiff.

    Attributes
    ----------
    backend : str
        ``"torch"`` or ``"jax"``.
    n_params : int
        Number of (flattened) parameters ``n``.
    hvp_native : callable
        ``v -> H v`` on a native 1-D float64 tensor / array of length ``n``.
    hvp_native_batch : callable
        ``V -> V H`` on a native (k, n) float64 tensor / array (rows are vectors).
    params_flat : ndarray
        The point ``theta_0`` (flattened, float64) at which the Hessian is taken.
    torch_dtype, device
        For torch operators: dtype and device of the native products (None for jax).
    """

    def __init__(
        self,
        *,
        n: int,
        backend: str,
        hvp_native: Callable[[Any], Any],
        hvp_native_batch: Callable[[Any], Any],
        to_native: Callable[[np.ndarray], Any],
        to_numpy: Callable[[Any], np.ndarray],
        params_flat: np.ndarray,
        gradient: Callable[[], np.ndarray] | None = None,
        torch_dtype: Any = None,
        device: Any = None,
    ) -> None:
        super().__init__(dtype=np.float64, shape=(n, n))
        self.backend = backend
        self.n_params = n
        self.hvp_native = hvp_native
        self.hvp_native_batch = hvp_native_batch
        self._to_native = to_native
        self._to_numpy = to_numpy
        self.params_flat = params_flat
        self._gradient = gradient
        self.torch_dtype = torch_dtype
        self.device = device

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1))
        return self._to_numpy(self.hvp_native(self._to_native(x))).reshape(-1)

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1] == 1:
            return self._matvec(X[:, 0]).reshape(-1, 1)
        rows = np.ascontiguousarray(X.T)
        return self._to_numpy(self.hvp_native_batch(self._to_native(rows))).T

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        return self._matvec(x)

    def _adjoint(self) -> HessianOperator:
        return self

    def gradient(self) -> np.ndarray:
        """The gradient ``nabla f(theta_0)`` as a float64 numpy vector."""
        if self._gradient is None:  # pragma: no cover - every constructor sets it
            raise ValueError("this operator has no gradient function")
        return self._gradient()

    def dense(self) -> np.ndarray:
        """The dense n x n matrix (n products in one batch; for small ``n`` only)."""
        return self._matmat(np.eye(self.n_params))


# --------------------------------------------------------------------------------------------
# torch
# --------------------------------------------------------------------------------------------


def _torch_flatten(params: Any, dtype: Any = None) -> tuple[Any, Callable[[Any], Any]]:
    """Flatten a tensor or a sequence of tensors to a vector (float64 unless ``dtype``)."""
    import torch

    if dtype is None:
        dtype = torch.float64
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype={dtype} is not allowed: choose torch.float32 or torch.float64")

    single = isinstance(params, torch.Tensor)
    if single:
        tensors = [params]
    elif (
        isinstance(params, Sequence) and params and all(isinstance(t, torch.Tensor) for t in params)
    ):
        tensors = list(params)
    else:
        raise TypeError(
            f"params of type {type(params).__name__} is not allowed: pass a torch.Tensor or a "
            "non-empty sequence of torch.Tensor"
        )
    for t in tensors:
        if t.is_complex() or not t.is_floating_point():
            raise TypeError(f"params has a tensor of dtype {t.dtype}: need real floating tensors")
    shapes = [tuple(t.shape) for t in tensors]
    sizes = [int(np.prod(s)) for s in shapes]
    flat = torch.cat([t.detach().reshape(-1).to(dtype) for t in tensors])

    def unflatten(theta: Any) -> Any:
        parts = torch.split(theta, sizes)
        out = [p.reshape(s) for p, s in zip(parts, shapes, strict=True)]
        return out[0] if single else out

    return flat, unflatten


def _torch_scalar(value: Any, name: str) -> Any:
    import torch

    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"{name} returned {shape}: need a scalar torch tensor")
    return value.reshape(())


def torch_hessian_operator(
    loss_fn: Callable[[Any], Any],
    params: Any,
    *,
    method: str = "double_backward",
    dtype: Any = None,
) -> HessianOperator:
    """Hessian of a torch loss at ``params`` as a float64 operator (Pearlmutter's trick).

    ``H v = d/dr nabla f(theta_0 + r v) |_{r=0}``, computed without forming ``H``:

    * ``"double_backward"``: build ``g = nabla f(theta_0)`` once with ``create_graph=True`` and
      return ``H v = nabla_theta (g^T v)`` by one more backward pass through the stored graph
      (reverse-over-reverse). Batches use ``is_grads_batched`` (vmap over the backward pass).
    * ``"forward_over_reverse"``: ``torch.func.jvp(torch.func.grad(f), (theta_0,), (v,))``, with
      ``torch.func.vmap`` for batches. No graph is kept between calls. Where a loss's backward
      formula has no forward derivative for a constant argument (torch 2.13 raises "ZeroTensors are
      immutable" through ``torch.nn.functional.mse_loss``), the product falls back to the
      reverse-over-forward composition ``H v = grad(theta -> jvp(f, theta, v))``, the same
      matrix-vector product by symmetry of ``H``.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> scalar tensor``, called with a tensor (or list of tensors) shaped as
        ``params``, in float64.
    params : torch.Tensor or sequence of torch.Tensor
        The point ``theta_0`` (converted to float64; not modified).
    method : {"double_backward", "forward_over_reverse"}
        How the products are computed (see above).
    dtype : torch.dtype, optional
        dtype of the native products (``hvp_native``): ``torch.float64`` (default) or
        ``torch.float32``. The numpy ``LinearOperator`` interface is float64 either way; the
        torch-native estimators of :mod:`shared.torch_linalg` work in this dtype.

    Returns
    -------
    HessianOperator
        n x n float64 operator with ``hvp_native`` / ``hvp_native_batch`` on torch tensors (on the
        parameters' device, in ``dtype``) and ``gradient()``.

    References
    ----------
    B. A. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 6(1):147-160,
    1994, Sec. 3 (the R-operator). A. Griewank and A. Walther, "Evaluating Derivatives", 2nd ed.,
    SIAM 2008, Sec. 5.4 (forward-over-reverse costs a small constant times one gradient).
    """
    import torch
    import torch.func

    method = check_choice(method, "method", ("double_backward", "forward_over_reverse"))
    if not callable(loss_fn):
        raise TypeError(f"loss_fn of type {type(loss_fn).__name__} is not callable")
    theta0, unflatten = _torch_flatten(params, dtype)
    n = int(theta0.numel())

    def f(theta: Any) -> Any:
        return _torch_scalar(loss_fn(unflatten(theta)), "loss_fn")

    def gradient() -> np.ndarray:
        theta = theta0.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(f(theta), theta)
        return g.detach().cpu().numpy().copy()

    if method == "double_backward":
        theta = theta0.clone().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(f(theta), theta, create_graph=True)

        def hvp(v: Any) -> Any:
            (hv,) = torch.autograd.grad(g, theta, grad_outputs=v, retain_graph=True)
            return hv.detach()

        def hvp_batch(V: Any) -> Any:
            try:
                (hv,) = torch.autograd.grad(
                    g, theta, grad_outputs=V, retain_graph=True, is_grads_batched=True
                )
                return hv.detach()
            except RuntimeError:  # an op without a batching rule: fall back to a loop
                return torch.stack([hvp(v) for v in V])

    else:
        grad_f = torch.func.grad(f)

        def hvp_fwd_rev(v: Any) -> Any:
            return torch.func.jvp(grad_f, (theta0,), (v,))[1]

        def hvp_rev_fwd(v: Any) -> Any:
            return torch.func.grad(lambda t: torch.func.jvp(f, (t,), (v,))[1])(theta0)

        state = {"hvp": hvp_fwd_rev}

        def call(fn: Callable[[Any], Any], v: Any) -> Any:
            try:
                return fn(v)
            except RuntimeError as exc:
                if "ZeroTensor" not in str(exc) or state["hvp"] is hvp_rev_fwd:
                    raise
                state["hvp"] = hvp_rev_fwd
                return None

        def hvp(v: Any) -> Any:
            out = call(lambda u: state["hvp"](u), v)
            return state["hvp"](v) if out is None else out

        def hvp_batch(V: Any) -> Any:
            out = call(lambda U: torch.func.vmap(state["hvp"])(U), V)
            return torch.func.vmap(state["hvp"])(V) if out is None else out

    return HessianOperator(
        n=n,
        backend="torch",
        hvp_native=hvp,
        hvp_native_batch=hvp_batch,
        # Operators live on the parameters' device; numpy vectors cross to it and back.
        to_native=lambda x: torch.from_numpy(np.array(x, dtype=np.float64)).to(
            device=theta0.device, dtype=theta0.dtype
        ),
        to_numpy=lambda t: t.detach().cpu().numpy().astype(np.float64, copy=False),
        params_flat=theta0.double().cpu().numpy().copy(),
        gradient=gradient,
        torch_dtype=theta0.dtype,
        device=theta0.device,
    )


def torch_gauss_newton_operator(
    model_fn: Callable[[Any], Any],
    loss_on_output: Callable[[Any], Any],
    params: Any,
) -> HessianOperator:
    """Generalised Gauss-Newton matrix ``G = J^T H_out J`` of ``loss_on_output(model_fn(theta))``.

    ``J`` is the Jacobian of the model output with respect to the parameters and ``H_out`` the
    Hessian of the loss with respect to the output; ``G v = J^T (H_out (J v))`` costs one jvp, one
    output-space Hessian-vector product and one vjp. ``G`` is psd when the loss is convex in the
    output (e.g. squared error, cross-entropy: then ``G`` is also the Fisher matrix).

    Parameters
    ----------
    model_fn : callable
        ``model_fn(params) -> output tensor`` (any shape).
    loss_on_output : callable
        ``loss_on_output(output) -> scalar tensor``.
    params : torch.Tensor or sequence of torch.Tensor
        The point ``theta_0``.

    Returns
    -------
    HessianOperator
        n x n float64 operator (``backend="torch"``).

    References
    ----------
    N. N. Schraudolph, "Fast curvature matrix-vector products for second-order gradient descent",
    Neural Computation 14(7):1723-1738, 2002, Sec. 3 (GGN products). J. Martens, "New insights and
    perspectives on the natural gradient method", JMLR 21(146), 2020, Sec. 9 (GGN = Fisher).
    """
    import torch
    import torch.func

    if not callable(model_fn) or not callable(loss_on_output):
        raise TypeError("model_fn and loss_on_output must be callable")
    theta0, unflatten = _torch_flatten(params)
    n = int(theta0.numel())

    def model_flat(theta: Any) -> Any:
        return model_fn(unflatten(theta))

    def loss_out(z: Any) -> Any:
        return _torch_scalar(loss_on_output(z), "loss_on_output")

    out0, vjp_fn = torch.func.vjp(model_flat, theta0)
    out0 = out0.detach()
    grad_out = torch.func.grad(loss_out)

    def gvp(v: Any) -> Any:
        _, jv = torch.func.jvp(model_flat, (theta0,), (v,))
        _, hjv = torch.func.jvp(grad_out, (out0,), (jv,))
        (g,) = vjp_fn(hjv)
        return g

    vmapped = torch.func.vmap(gvp)

    def gradient() -> np.ndarray:
        theta = theta0.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(loss_out(model_flat(theta)), theta)
        return g.detach().cpu().numpy().copy()

    return HessianOperator(
        n=n,
        backend="torch",
        hvp_native=gvp,
        hvp_native_batch=lambda V: vmapped(V),
        # Operators live on the parameters' device; numpy vectors cross to it and back.
        to_native=lambda x: torch.from_numpy(np.array(x, dtype=np.float64)).to(theta0.device),
        to_numpy=lambda t: t.detach().cpu().numpy().astype(np.float64, copy=False),
        params_flat=theta0.cpu().numpy().copy(),
        gradient=gradient,
        torch_dtype=theta0.dtype,
        device=theta0.device,
    )


# --------------------------------------------------------------------------------------------
# jax
# --------------------------------------------------------------------------------------------


def enable_jax_x64() -> None:
    """Switch jax to float64 (``jax_enable_x64``, a process-wide setting) before arrays are made."""
    import jax

    jax.config.update("jax_enable_x64", True)


def _jax_flatten(params: Any) -> tuple[Any, Callable[[Any], Any]]:
    import jax
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise TypeError("params has no array leaves: pass a jax array or a non-empty pytree")
    for leaf in leaves:
        dtype = np.asarray(leaf).dtype
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"params has a leaf of dtype {dtype}: need real floating arrays")
    params64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype=jnp.float64), params)
    flat, unravel = ravel_pytree(params64)
    return flat, unravel


def _jax_scalar(value: Any, name: str) -> Any:
    shape = np.shape(value)
    if int(np.prod(shape)) != 1:
        raise ValueError(f"{name} returned shape {shape}: need a scalar")
    return value.reshape(())


def jax_hessian_operator(loss_fn: Callable[[Any], Any], params: Any) -> HessianOperator:
    """Hessian of a jax loss at ``params`` as a float64 operator (forward-over-reverse).

    ``H v = jvp(grad f, (theta_0,), (v,))``: one forward-mode derivative of the reverse-mode
    gradient, jit-compiled; batches use ``jax.vmap``. Calls ``jax_enable_x64`` first.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> scalar``, called with a pytree shaped as ``params`` in float64.
    params : jax array or pytree of arrays
        The point ``theta_0``.

    Returns
    -------
    HessianOperator
        n x n float64 operator with ``hvp_native`` / ``hvp_native_batch`` on jax arrays and
        ``gradient()``.

    References
    ----------
    B. A. Pearlmutter, Neural Computation 6(1):147-160, 1994, Sec. 3. The JAX autodiff cookbook,
    "Hessian-vector products using both forward- and reverse-mode" (forward-over-reverse is the
    recommended composition).
    """
    enable_jax_x64()
    import jax

    if not callable(loss_fn):
        raise TypeError(f"loss_fn of type {type(loss_fn).__name__} is not callable")
    theta0, unravel = _jax_flatten(params)
    n = int(theta0.size)

    def f(theta: Any) -> Any:
        return _jax_scalar(loss_fn(unravel(theta)), "loss_fn")

    f(theta0)  # validate the output shape eagerly, with a clear message
    grad_f = jax.grad(f)

    def hvp_raw(v: Any) -> Any:
        return jax.jvp(grad_f, (theta0,), (v,))[1]

    hvp = jax.jit(hvp_raw)
    hvp_batch = jax.jit(jax.vmap(hvp_raw))
    grad_jit = jax.jit(grad_f)
    return HessianOperator(
        n=n,
        backend="jax",
        hvp_native=hvp,
        hvp_native_batch=hvp_batch,
        to_native=lambda x: jax.numpy.asarray(x, dtype=jax.numpy.float64),
        to_numpy=lambda a: np.array(a, dtype=np.float64),
        params_flat=np.asarray(theta0, dtype=np.float64).copy(),
        gradient=lambda: np.asarray(grad_jit(theta0), dtype=np.float64),
    )


def jax_gauss_newton_operator(
    model_fn: Callable[[Any], Any],
    loss_on_output: Callable[[Any], Any],
    params: Any,
) -> HessianOperator:
    """Generalised Gauss-Newton matrix ``J^T H_out J`` of ``loss_on_output(model_fn(theta))``, jax.

    See :func:`torch_gauss_newton_operator` for the mathematics; here ``J v`` is a ``jax.jvp``,
    ``H_out`` a forward-over-reverse product in output space and ``J^T`` a ``jax.vjp``.

    Parameters
    ----------
    model_fn : callable
        ``model_fn(params) -> output array``.
    loss_on_output : callable
        ``loss_on_output(output) -> scalar``.
    params : jax array or pytree of arrays
        The point ``theta_0``.

    Returns
    -------
    HessianOperator
        n x n float64 operator (``backend="jax"``).

    References
    ----------
    N. N. Schraudolph, Neural Computation 14(7):1723-1738, 2002, Sec. 3.
    """
    enable_jax_x64()
    import jax

    if not callable(model_fn) or not callable(loss_on_output):
        raise TypeError("model_fn and loss_on_output must be callable")
    theta0, unravel = _jax_flatten(params)
    n = int(theta0.size)

    def model_flat(theta: Any) -> Any:
        return model_fn(unravel(theta))

    def loss_out(z: Any) -> Any:
        return _jax_scalar(loss_on_output(z), "loss_on_output")

    out0, vjp_fn = jax.vjp(model_flat, theta0)
    loss_out(out0)
    grad_out = jax.grad(loss_out)

    def gvp(v: Any) -> Any:
        _, jv = jax.jvp(model_flat, (theta0,), (v,))
        _, hjv = jax.jvp(grad_out, (out0,), (jv,))
        return vjp_fn(hjv)[0]

    grad_jit = jax.jit(jax.grad(lambda t: loss_out(model_flat(t))))
    return HessianOperator(
        n=n,
        backend="jax",
        hvp_native=jax.jit(gvp),
        hvp_native_batch=jax.jit(jax.vmap(gvp)),
        to_native=lambda x: jax.numpy.asarray(x, dtype=jax.numpy.float64),
        to_numpy=lambda a: np.array(a, dtype=np.float64),
        params_flat=np.asarray(theta0, dtype=np.float64).copy(),
        gradient=lambda: np.asarray(grad_jit(theta0), dtype=np.float64),
    )
