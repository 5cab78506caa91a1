"""Curvature operators accumulated over a data loader: GGN, true Fisher, empirical Fisher.

For a model ``f(x; theta)`` and a per-sample negative log-likelihood ``l(f(x), y)`` averaged over
a data set ``{(x_i, y_i)}_{i=1..N}``:

* generalised Gauss-Newton ``G = (1/N) sum_i J_i^T H_i J_i`` with ``J_i = d f(x_i) / d theta``
  and ``H_i = d^2 l / d f^2`` at ``f(x_i)`` (Schraudolph 2002, Sec. 3);
* true Fisher ``F = (1/N) sum_i E_{y ~ p(y | x_i)} [g_i(y) g_i(y)^T]``; for the losses here
  (Gaussian with unit variance, categorical with a softmax link) the expectation is exact and
  ``F = G`` (Martens 2020, Sec. 9.2);
* empirical Fisher ``E = (1/N) sum_i g_i g_i^T`` with ``g_i`` the gradient of the loss at the
  observed label (Kunstner, Balles & Hennig 2019): not a curvature matrix in general.

Every product visits the batches in the order the loader gives them (a list or a callable
returning a fresh iterator), so products are deterministic; the operators are float64 numpy
``LinearOperator`` objects like :class:`shared.hessian.HessianOperator` and work with every
estimator of the core (Lanczos, Hutchinson / XTrace, SLQ).

References
----------
N. N. Schraudolph, "Fast curvature matrix-vector products for second-order gradient descent",
Neural Computation 14(7), 2002. J. Martens, "New insights and perspectives on the natural
gradient method", JMLR 21(146), 2020. F. Kunstner, L. Balles and P. Hennig, "Limitations of the
empirical Fisher approximation for natural gradient descent", NeurIPS 2019.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from shared._validate import check_choice
from shared.hessian import HessianOperator, _torch_flatten

__all__ = ["LOSSES", "torch_curvature_operator"]

#: Per-sample negative log-likelihoods with an exact output-space Hessian.
LOSSES = ("mse", "cross_entropy")
KINDS = ("ggn", "fisher", "empirical_fisher")


def _batches(data: Iterable | Callable[[], Iterable]) -> list:
    """The loader's batches in its order (materialised once: products must see the same data)."""
    batches = list(data() if callable(data) else data)
    if not batches:
        raise ValueError("data has no batches: pass a non-empty list of (inputs, targets)")
    for i, b in enumerate(batches):
        if not (isinstance(b, tuple | list) and len(b) == 2):
            raise ValueError(f"batch {i} is {type(b).__name__}: need a pair (inputs, targets)")
    return batches


def torch_curvature_operator(
    model_fn: Callable[[Any, Any], Any],
    params: Any,
    data: Iterable | Callable[[], Iterable],
    *,
    loss: str = "mse",
    kind: str = "ggn",
) -> HessianOperator:
    """Curvature of the mean per-sample loss over a data loader, as a matvec operator.

    Parameters
    ----------
    model_fn : callable
        ``model_fn(params, inputs) -> outputs`` with outputs of shape (batch, k).
    params : torch.Tensor or sequence of torch.Tensor
        The point ``theta``.
    data : iterable of (inputs, targets), or a callable returning one
        The batches, visited in this order for every product. ``mse``: targets (batch, k);
        ``cross_entropy``: integer class labels (batch,).
    loss : {"mse", "cross_entropy"}
        Per-sample loss: ``0.5 ||f(x) - y||^2`` (Gaussian NLL, unit variance) or
        ``-log softmax(f(x))_y``.
    kind : {"ggn", "fisher", "empirical_fisher"}
        Which matrix (see the module docstring). ``fisher`` equals ``ggn`` for these losses.

    Returns
    -------
    HessianOperator
        n x n float64 operator; ``gradient()`` is the mean gradient over the data.
    """
    import torch
    import torch.func

    loss = check_choice(loss, "loss", LOSSES)
    kind = check_choice(kind, "kind", KINDS)
    if not callable(model_fn):
        raise TypeError("model_fn must be callable: model_fn(params, inputs) -> outputs")
    batches = _batches(data)
    theta0, unflatten = _torch_flatten(params)
    n = int(theta0.numel())
    n_samples = sum(int(x.shape[0]) for x, _ in batches)

    def per_sample_loss(out: Any, y: Any) -> Any:
        if loss == "mse":
            return 0.5 * torch.sum((out - y) ** 2)
        return -torch.log_softmax(out, dim=-1)[y]

    def out_hessian_vec(out: Any, v: Any) -> Any:
        """H_out v per sample: v for mse, (diag(p) - p p^T) v for softmax cross-entropy."""
        if loss == "mse":
            return v
        p = torch.softmax(out, dim=-1)
        return p * v - p * torch.sum(p * v, dim=-1, keepdim=True)

    def batch_loss(theta: Any, x: Any, y: Any) -> Any:
        out = model_fn(unflatten(theta), x)
        return torch.sum(torch.func.vmap(per_sample_loss)(out, y))

    def ggn_vec(v: Any) -> Any:
        acc = torch.zeros_like(theta0)
        for x, _y in batches:

            def f(theta: Any, x: Any = x) -> Any:
                return model_fn(unflatten(theta), x)

            out, jv = torch.func.jvp(f, (theta0,), (v,))
            _, vjp_fn = torch.func.vjp(f, theta0)
            (g,) = vjp_fn(out_hessian_vec(out.detach(), jv))
            acc = acc + g
        return acc / n_samples

    def sample_grads(x: Any, y: Any) -> Any:
        def one(xi: Any, yi: Any) -> Any:
            return torch.func.grad(
                lambda th: per_sample_loss(model_fn(unflatten(th), xi[None])[0], yi)
            )(theta0)

        return torch.func.vmap(one)(x, y)

    def ef_vec(v: Any) -> Any:
        acc = torch.zeros_like(theta0)
        for x, y in batches:
            G = sample_grads(x, y)
            acc = acc + G.T @ (G @ v)
        return acc / n_samples

    product = ef_vec if kind == "empirical_fisher" else ggn_vec

    def batch_product(V: Any) -> Any:
        return torch.stack([product(v) for v in V])

    def gradient() -> np.ndarray:
        theta = theta0.clone().requires_grad_(True)
        total = sum(batch_loss(theta, x, y) for x, y in batches) / n_samples
        (g,) = torch.autograd.grad(total, theta)
        return g.detach().cpu().numpy().astype(np.float64)

    return HessianOperator(
        n=n,
        backend="torch",
        hvp_native=product,
        hvp_native_batch=batch_product,
        to_native=lambda x: torch.from_numpy(np.array(x, dtype=np.float64)).to(
            device=theta0.device, dtype=theta0.dtype
        ),
        to_numpy=lambda t: t.detach().cpu().numpy().astype(np.float64, copy=False),
        params_flat=theta0.detach().cpu().numpy().astype(np.float64),
        gradient=gradient,
        torch_dtype=theta0.dtype,
        device=theta0.device,
    )
