"""ZO-GD, ZO-GDM and ZO-Adam updates on flat parameter vectors (Song et al. 2026, Sec. 3).

The optimizers take a gradient *estimate* ``g`` (e.g. from
``shared.zeroth_order.gaussian_two_point_gradient_torch``) and update a flat parameter vector.
They are written with plain arithmetic so they act on ``numpy`` arrays and ``torch`` tensors
alike. Conventions (they change the thresholds, see ``shared.zo_stability``):

* ZO-GD: ``x+ = x - eta g``.
* ZO-GDM, heavy ball *without* dampening: ``m+ = beta m + g``, ``x+ = x - eta m+``; first-order
  threshold ``2(1+beta)/lambda_max`` (Prop. 2 of Song et al., citing Cohen et al. 2021), ZO
  threshold Eq. 18 (``<= 2(1-beta)/Tr H``). The EMA form ``m+ = beta m + (1-beta) g`` would
  rescale eta by ``1-beta`` (card pitfall P1).
* ZO-Adam, bias-corrected Adam written as a preconditioned momentum step (Sec. 3 of Song et al.;
  Cohen et al. 2022 convention): ``m+ = beta1 m + (1-beta1) g``,
  ``v+ = beta2 v + (1-beta2) g*g``,
  ``P+ = (1 - beta1^(t+1)) (sqrt(v+ / (1 - beta2^(t+1))) + eps)``, ``x+ = x - eta m+ / P+``;
  identical to torch's Adam (``eps`` outside the square root). Frozen-``P`` threshold Eq. 20.

References
----------
M. Song et al., "Zeroth-Order Optimization at the Edge of Stability", ICML 2026,
arXiv:2604.14669, Sec. 3 and 4. J. Cohen et al., "Adaptive Gradient Methods at the Edge of
Stability", arXiv:2207.14484, 2022, Sec. 2 (the preconditioner ``P`` with bias correction).
D. P. Kingma and J. Ba, "Adam", ICLR 2015, Alg. 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

__all__ = ["OPTIMIZERS", "ZOOptimizer", "ZOState", "adam_preconditioner", "init_state", "step"]

OPTIMIZERS = ("gd", "gdm", "adam")


@dataclass(frozen=True)
class ZOOptimizer:
    """Hyper-parameters of one optimizer.

    Attributes
    ----------
    method : {"gd", "gdm", "adam"}
    eta : float
        Step size ``> 0`` (constant, Sec. 5.2 of Song et al.).
    beta : float
        Heavy-ball momentum (gdm) or ``beta1`` (adam); Song et al. Adam default 0.9.
    beta2 : float
        Adam's second-moment decay (default 0.999, Sec. 5.2).
    eps : float
        Adam's ``eps`` (default 1e-8, outside the square root).
    """

    method: str
    eta: float
    beta: float = 0.0
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        if self.method not in OPTIMIZERS:
            raise ValueError(f"method={self.method!r} is not allowed: choose one of {OPTIMIZERS}")
        if not (np.isfinite(self.eta) and self.eta > 0):
            raise ValueError(f"eta={self.eta!r} is not allowed: need a finite number > 0")
        for name in ("beta", "beta2"):
            b = getattr(self, name)
            if not (0.0 <= b < 1.0):
                raise ValueError(f"{name}={b!r} is not allowed: need 0 <= {name} < 1")
        if not self.eps >= 0:
            raise ValueError(f"eps={self.eps!r} is not allowed: need eps >= 0")


@dataclass(frozen=True)
class ZOState:
    """Optimizer state: step count ``t`` (updates done), momentum ``m`` and Adam's ``v``."""

    t: int
    m: Any
    v: Any


def init_state(opt: ZOOptimizer, x: Any) -> ZOState:
    """Zero state shaped like ``x`` (numpy array or torch tensor)."""
    zeros = x * 0
    return ZOState(0, zeros, zeros if opt.method == "adam" else None)


def adam_preconditioner(opt: ZOOptimizer, state: ZOState) -> Any:
    """``P_t = (1 - beta1^t) (sqrt(v_t / (1 - beta2^t)) + eps)`` of the state after ``t`` steps.

    The diagonal of the preconditioner used in the *last* update (Cohen et al. 2022, Sec. 2).
    """
    if opt.method != "adam" or state.t < 1:
        raise ValueError("adam_preconditioner needs an adam state after at least one step")
    t = state.t
    return (1 - opt.beta**t) * ((state.v / (1 - opt.beta2**t)) ** 0.5 + opt.eps)


def step(
    opt: ZOOptimizer, x: Any, state: ZOState, g: Any, eta: float | None = None
) -> tuple[Any, ZOState]:
    """One update ``x -> x+`` from the gradient estimate ``g`` (module docstring).

    Parameters
    ----------
    opt : ZOOptimizer
    x : array or tensor
        Current parameters (not modified).
    state : ZOState
    g : array or tensor
        Gradient estimate at ``x``, same shape.
    eta : float, optional
        Override of ``opt.eta`` for this step (step-size schedules, e.g. the catapult runs).

    Returns
    -------
    (x+, state+)
    """
    lr = opt.eta if eta is None else float(eta)
    if opt.method == "gd":
        return x - lr * g, replace(state, t=state.t + 1)
    if opt.method == "gdm":
        m = opt.beta * state.m + g
        return x - lr * m, ZOState(state.t + 1, m, None)
    m = opt.beta * state.m + (1 - opt.beta) * g
    v = opt.beta2 * state.v + (1 - opt.beta2) * g * g
    new = ZOState(state.t + 1, m, v)
    return x - lr * m / adam_preconditioner(opt, new), new
