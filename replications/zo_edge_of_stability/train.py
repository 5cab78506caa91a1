"""Full-batch training runs with curvature tracking (Song et al. 2026, Sec. 5; Cohen et al. 2021).

One run = one optimizer on the digits MLP (``model.py``): first-order GD (``fo_gd``, the
anchor), or ZO-GD / ZO-GDM / ZO-Adam with the two-point Gaussian estimator (Eq. 3, one
direction, ``mu = 1e-3``) from ``shared.zeroth_order`` and the updates of ``shared.zo_optim``.
At evenly spaced checkpoints the curvature of the full-batch loss is measured with the shared
core: ``lambda_max`` by Lanczos on exact HVPs (``shared.hessian.torch_hessian_operator``,
``shared.linalg.lanczos``; not power iteration, card P10) and the signed trace by Hutch++
(``shared.linalg.hutchinson_trace``). For ZO-Adam both are of ``P^{-1/2} H P^{-1/2}`` (same
spectrum as ``P^{-1} H``; Sec. 5.1, Eq. 25). Training directions, mini-batches and curvature
probes use independent streams, so logging never changes the trajectory (card P13).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator

from replications.zo_edge_of_stability.model import MLP, batched_loss
from shared.hessian import torch_hessian_operator
from shared.linalg import hutchinson_trace, lanczos
from shared.zeroth_order import gaussian_two_point_gradient_torch
from shared.zo_optim import ZOOptimizer, adam_preconditioner, init_state, step


def _scaled(op: LinearOperator, s: np.ndarray) -> LinearOperator:
    """``D H D`` with ``D = diag(s)`` (symmetric form of ``P^{-1} H`` for ``s = P^{-1/2}``)."""
    n = op.shape[0]
    return LinearOperator(
        (n, n),
        matvec=lambda v: s * (op @ (s * np.ravel(v))),
        matmat=lambda V: s[:, None] * (op @ (s[:, None] * V)),
        dtype=np.float64,
    )


def curvature(
    model: MLP,
    theta: torch.Tensor,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    scale: np.ndarray | None,
    probes: int,
    tol: float,
    seed: int,
) -> dict[str, float]:
    """``lambda_max`` (Lanczos, largest algebraic) and signed trace (Hutch++) of H or D H D."""
    op = torch_hessian_operator(lambda t: batched_loss(model, t, X, y), theta)
    A = op if scale is None else _scaled(op, scale)
    lz = lanczos(A, 1, which="largest", tol=tol, seed=seed)
    tr = hutchinson_trace(A, probes, seed=seed + 1, method="hutch++")
    return {
        "lambda_max": float(lz.eigenvalues[-1]),
        "trace": tr.value,
        "trace_stderr": tr.stderr,
        "lanczos_converged": bool(lz.converged),
        "n_hvp": int(lz.n_matvec + tr.n_matvec),
    }


def eta_at(schedule: list | None, eta: float, t: int) -> float:
    """Piecewise-constant step size: the last ``[start, eta]`` with ``start <= t``."""
    if not schedule:
        return eta
    out = eta
    for start, value in schedule:
        if t >= start:
            out = float(value)
    return out


def run(cfg: dict, common: dict, X: torch.Tensor, y: torch.Tensor, progress=None) -> dict:
    """Train one configuration; return loss per step and curvature per checkpoint.

    Parameters
    ----------
    cfg : dict
        ``method`` (fo_gd, gd, gdm, adam), ``eta``, ``steps``, ``seed`` and optional ``beta``,
        ``mu``, ``batch``, ``schedule`` ([[start, eta], ...]), ``checkpoint_every``.
    common : dict
        The ``train`` block of params.yaml.
    """
    factor = int(common.get("steps_factor", 1))
    steps = int(cfg["steps"]) * factor
    schedule = [[int(s) * factor, float(e)] for s, e in cfg.get("schedule", [])] or None
    model = MLP(tuple(common["sizes"]))
    seed = int(cfg["seed"])
    g_init = torch.Generator().manual_seed(seed)
    g_dir = torch.Generator().manual_seed(10_000 + seed)
    g_batch = torch.Generator().manual_seed(20_000 + seed)
    theta = model.init(float(common["init_scale"]), g_init)
    n = X.shape[0]
    method = cfg["method"]
    mu = float(cfg.get("mu", common["mu"]))
    batch = int(cfg.get("batch", n))
    beta = float(cfg.get("beta", common["adam_betas"][0] if method == "adam" else 0.0))
    opt = None
    if method != "fo_gd":
        opt = ZOOptimizer(
            method,
            float(cfg["eta"]),
            beta=beta,
            beta2=float(common["adam_betas"][1]),
            eps=float(common["adam_eps"]),
        )
        state = init_state(opt, theta)
    every = cfg.get("checkpoint_every")
    if every:
        ckpts = sorted(set(range(0, steps, int(every) * factor)) | {steps})
    else:
        ckpts = sorted(set(np.linspace(0, steps, int(common["n_checkpoints"])).round().astype(int)))
    loss_every = int(common.get("loss_every", 10))
    loss_steps, losses = [], []
    rows = []
    precond = None
    ckpt_set = set(ckpts)
    diverged = False
    for t in range(steps + 1):
        if not bool(torch.isfinite(theta).all()):
            diverged = True  # keep what was logged; the measurement reports the run as diverged
            break
        if t in ckpt_set:
            scale = None
            if method == "adam" and precond is not None:
                scale = 1.0 / np.sqrt(precond.numpy())
            c = curvature(
                model,
                theta,
                X,
                y,
                scale=scale,
                probes=int(common["trace_probes"]),
                tol=float(common["lanczos_tol"]),
                seed=1000 * (seed + 1) + t,
            )
            c["step"] = t
            c["full_loss"] = float(batched_loss(model, theta, X, y))
            rows.append(c)
            if progress is not None:
                progress.step(
                    1, f"{cfg['name']} t={t} tr={c['trace']:.1f} lmax={c['lambda_max']:.2f}"
                )
        if t % loss_every == 0 or t == steps:
            # Full-batch training loss (every loss_every steps: cheap next to the ZO steps).
            with torch.no_grad():
                losses.append(float(batched_loss(model, theta, X, y)))
            loss_steps.append(t)
        if t == steps:
            break
        lr = eta_at(schedule, float(cfg["eta"]), t)
        if batch < n:
            idx = torch.randperm(n, generator=g_batch)[:batch]
            Xb, yb = X[idx], y[idx]
        else:
            Xb, yb = X, y
        if method == "fo_gd":
            th = theta.clone().requires_grad_(True)
            L = batched_loss(model, th, Xb, yb)
            (grad,) = torch.autograd.grad(L, th)
            theta = theta - lr * grad
            continue
        est = gaussian_two_point_gradient_torch(
            lambda P, Xb=Xb, yb=yb: batched_loss(model, P, Xb, yb), theta, mu, 1, g_dir
        )
        theta, state = step(opt, theta, state, est.gradient, eta=lr)
        if method == "adam":
            precond = adam_preconditioner(opt, state)
    keys = ["step", "lambda_max", "trace", "trace_stderr", "full_loss", "n_hvp"]
    out = {k: np.array([r[k] for r in rows], dtype=np.float64) for k in keys}
    out["diverged"] = np.array(diverged)
    out["lanczos_converged"] = np.array([r["lanczos_converged"] for r in rows])
    out["loss_step"] = np.array(loss_steps, dtype=np.float64)
    out["loss"] = np.array(losses)
    out["eta_at_checkpoint"] = np.array(
        [eta_at(schedule, float(cfg["eta"]), int(t)) for t in out["step"]]
    )
    return out
