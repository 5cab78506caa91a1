"""PINN for the 1-D reaction equation trained with Adam -> L-BFGS -> NNCG (RLFLU24).

Reaction problem (Rathore et al., ICML 2024, Sec. 3 and App. A; Krishnapriyan et al. 2021):
``u_t - rho u (1 - u) = 0`` on ``x in [0, 2 pi]``, ``t in [0, 1]``, ``u(x, 0) = h(x) =
exp(-(x - pi)^2 / (2 (pi/4)^2))``, periodic in ``x``; exact solution
``u = h e^{rho t} / (h e^{rho t} + 1 - h)``. Loss: mean squared residual + mean squared initial
error + mean squared periodic-boundary mismatch.

NNCG (RLFLU24 Alg. 4 / App. E.2): every ``F`` iterations a rank-``s`` Nystrom approximation of
the loss Hessian (core :func:`shared.sketch.nystrom` on the core HVP operator
:func:`shared.hessian.torch_hessian_operator`), direction ``d_k`` from Nystrom-preconditioned CG
on ``(H + mu I) d = grad`` (core :func:`shared.linalg.cg`, warm start ``d_{k-1}``), Armijo
backtracking from ``eta = 1`` with ``alpha = 0.1``, ``beta = 0.5``.

torch is imported inside the functions; everything runs in float64 with explicit seeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator

from shared.hessian import torch_hessian_operator
from shared.linalg import cg, lanczos
from shared.sketch import NystromApprox, nystrom, nystrom_preconditioner


def exact_solution(x: np.ndarray, t: np.ndarray, rho: float) -> np.ndarray:
    """``u(x, t) = h e^{rho t} / (h e^{rho t} + 1 - h)``."""
    h = np.exp(-((x - np.pi) ** 2) / (2 * (np.pi / 4) ** 2))
    e = h * np.exp(rho * t)
    return e / (e + 1 - h)


class ReactionPINN:
    """Functional tanh MLP ``(x, t) -> u`` with flat float64 parameters and the PINN loss."""

    def __init__(self, widths: list[int], rho: float, n_x: int, n_t: int, n_ic: int, n_bc: int):
        import torch

        self.torch = torch
        self.rho = rho
        self.shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
        self.n_params = sum(o * i + o for o, i in self.shapes)
        xs = np.linspace(0, 2 * np.pi, n_x)
        ts = np.linspace(0, 1, n_t)
        X, T = np.meshgrid(xs, ts, indexing="ij")
        self.res = torch.tensor(np.column_stack([X.ravel(), T.ravel()]))
        x_ic = np.linspace(0, 2 * np.pi, n_ic)
        self.ic = torch.tensor(np.column_stack([x_ic, np.zeros(n_ic)]))
        self.h = torch.tensor(exact_solution(x_ic, np.zeros(n_ic), rho))
        t_bc = np.linspace(0, 1, n_bc)
        self.bc0 = torch.tensor(np.column_stack([np.zeros(n_bc), t_bc]))
        self.bc1 = torch.tensor(np.column_stack([np.full(n_bc, 2 * np.pi), t_bc]))
        xe, te = np.meshgrid(np.linspace(0, 2 * np.pi, 101), np.linspace(0, 1, 51), indexing="ij")
        self.eval_pts = torch.tensor(np.column_stack([xe.ravel(), te.ravel()]))
        self.u_exact = exact_solution(xe.ravel(), te.ravel(), rho)

    def init_params(self, seed: int) -> Any:
        """Xavier-normal weights, zero biases (the paper's initialisation)."""
        g = self.torch.Generator().manual_seed(seed)
        parts = []
        for o, i in self.shapes:
            std = math.sqrt(2.0 / (o + i))
            parts += [
                self.torch.randn(o * i, generator=g, dtype=self.torch.float64) * std,
                self.torch.zeros(o, dtype=self.torch.float64),
            ]
        return self.torch.cat(parts)

    def u(self, theta: Any, pts: Any) -> Any:
        """Network output at points (N, 2)."""
        z, k = pts, 0
        for j, (o, i) in enumerate(self.shapes):
            W = theta[k : k + o * i].reshape(o, i)
            b = theta[k + o * i : k + o * i + o]
            k += o * i + o
            z = z @ W.T + b
            if j < len(self.shapes) - 1:
                z = self.torch.tanh(z)
        return z[:, 0]

    def residual(self, theta: Any, pts: Any) -> Any:
        """PDE residual ``u_t - rho u (1 - u)`` (``u_t`` by autograd, graph kept for HVPs)."""
        pts = pts.clone().requires_grad_(True)
        u = self.u(theta, pts)
        (du,) = self.torch.autograd.grad(u.sum(), pts, create_graph=True)
        return du[:, 1] - self.rho * u * (1 - u)

    def loss(self, theta: Any) -> Any:
        """Mean squared residual + initial + periodic-boundary terms (RLFLU24 eq. (2))."""
        r = self.residual(theta, self.res)
        ic = self.u(theta, self.ic) - self.h
        bc = self.u(theta, self.bc0) - self.u(theta, self.bc1)
        return (r**2).mean() + (ic**2).mean() + (bc**2).mean()

    def l2re(self, theta: Any) -> float:
        """L2 relative error on a 101 x 51 evaluation grid."""
        with self.torch.no_grad():
            u = self.u(theta, self.eval_pts).numpy()
        return float(np.linalg.norm(u - self.u_exact) / np.linalg.norm(self.u_exact))


def train_adam_lbfgs(
    model: ReactionPINN, theta: Any, adam_iters: int, adam_lr: float, lbfgs_iters: int
) -> tuple[Any, list[float]]:
    """Adam then L-BFGS (strong Wolfe, history 100: the paper's settings); returns losses."""
    torch = model.torch
    p = theta.clone().requires_grad_(True)
    losses = []
    opt = torch.optim.Adam([p], lr=adam_lr)
    for _ in range(adam_iters):
        opt.zero_grad()
        loss = model.loss(p)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # One call running up to ``lbfgs_iters`` iterations: torch's L-BFGS keeps its line-search
    # state inside a call, and repeated calls with max_iter=1 never move (a first build's bug).
    # The recorded losses are those of every closure evaluation.
    opt = torch.optim.LBFGS(
        [p], lr=1.0, max_iter=lbfgs_iters, history_size=100, line_search_fn="strong_wolfe"
    )

    def closure():
        opt.zero_grad()
        loss = model.loss(p)
        loss.backward()
        losses.append(loss.item())
        return loss

    opt.step(closure)
    return p.detach().clone(), losses


def _hessian_op(model: ReactionPINN, theta: Any):
    return torch_hessian_operator(model.loss, theta)


def psd_nystrom(
    H: LinearOperator, rank: int, rng: np.random.Generator
) -> tuple[NystromApprox, float]:
    """Nystrom of ``H``; if the core rejects the (indefinite) sketch, of ``H + |lambda_min| I``.

    Returns the approximation and the shift used (0 when none; deviation P1-D8).
    """
    try:
        return nystrom(H, rank, seed=rng), 0.0
    except ValueError:
        lam_min = float(lanczos(H, 1, which="smallest", tol=1e-6, seed=rng).eigenvalues[0])
        shift = abs(min(lam_min, 0.0)) * 1.01
        n = H.shape[0]
        Hs = LinearOperator(
            (n, n),
            matvec=lambda v: H @ v + shift * v,
            matmat=lambda V: H @ V + shift * V,
            dtype=float,
        )
        return nystrom(Hs, rank, seed=rng), shift


def nncg(
    model: ReactionPINN,
    theta: Any,
    *,
    iters: int,
    rank: int,
    refresh: int,
    mu: float,
    cg_maxiter: int,
    cg_tol: float,
    alpha: float,
    beta: float,
    seed: int,
    progress: Callable[[], None] | None = None,
) -> tuple[Any, list[float], dict]:
    """Nystrom-Newton-CG (RLFLU24 Alg. 4) from ``theta``; returns the iterate, losses, stats."""
    torch = model.torch
    rng = np.random.default_rng(seed)
    w = theta.clone()
    d_prev = np.zeros(model.n_params)
    losses, shifts, cg_iters, steps = [], [], [], []
    approx = None
    for k in range(iters):
        H = _hessian_op(model, w)
        g = H.gradient()
        if k % refresh == 0:
            approx, shift = psd_nystrom(H, rank, rng)
            shifts.append(shift)
        n = model.n_params
        A = LinearOperator((n, n), matvec=lambda v, H=H: H @ v + mu * v, dtype=float)
        res = cg(
            A, g, M=nystrom_preconditioner(approx, mu), tol=cg_tol, maxiter=cg_maxiter, x0=d_prev
        )
        d = res.x
        cg_iters.append(res.n_iter)
        f0 = model.loss(w).item()
        gd = float(g @ d)
        if not np.isfinite(gd) or gd <= 0:  # not a descent direction: fall back to -grad
            d, gd = g, float(g @ g)
        eta = 1.0
        dt = torch.from_numpy(d)
        while True:
            f1 = model.loss(w - eta * dt).item()
            if f1 <= f0 - alpha * eta * gd or eta < 1e-10:
                break
            eta *= beta
        if f1 < f0:
            w = w - eta * dt
        steps.append(eta)
        d_prev = d
        losses.append(min(f1, f0))
        if progress:
            progress()
    return w, losses, {"shifts": shifts, "cg_iters": cg_iters, "steps": steps}


def gd_armijo(
    model: ReactionPINN,
    theta: Any,
    *,
    iters: int,
    alpha: float,
    beta: float,
    progress: Callable[[], None] | None = None,
) -> tuple[Any, list[float]]:
    """Gradient descent with the Armijo backtracking of :func:`nncg` (from ``eta = 1``): the
    "+GD" control of RLFLU24 Sec. 7 / Table 2, run from the same L-BFGS point."""
    torch = model.torch
    w = theta.clone()
    losses = []
    for _ in range(iters):
        g = _hessian_op(model, w).gradient()
        f0 = model.loss(w).item()
        gg = float(g @ g)
        gt = torch.from_numpy(g)
        eta = 1.0
        while True:
            f1 = model.loss(w - eta * gt).item()
            if f1 <= f0 - alpha * eta * gg or eta < 1e-10:
                break
            eta *= beta
        if f1 < f0:
            w = w - eta * gt
        losses.append(min(f1, f0))
        if progress:
            progress()
    return w, losses


def spectra(model: ReactionPINN, theta: Any, *, rank: int, mu: float, seed: int, slq: dict) -> dict:
    """Exact eigenvalues of ``H + mu I``, ``P^{-1/2}(H + mu I)P^{-1/2}`` (Nystrom) and
    ``D^{-1/2}(H + mu I)D^{-1/2}`` (Jacobi, ``D = max(diag(H) + mu, mu)``), plus SLQ densities."""
    from shared.linalg import slq_density

    rng = np.random.default_rng(seed)
    H = _hessian_op(model, theta)
    Hd = H.dense()
    Hd = (Hd + Hd.T) / 2
    n = Hd.shape[0]
    approx, shift = psd_nystrom(H, rank, rng)
    P = nystrom_preconditioner(approx, mu)
    S = P.inverse_sqrt_dense()
    Amu = Hd + mu * np.eye(n)
    Pre = S @ Amu @ S
    Pre = (Pre + Pre.T) / 2
    ev_h = np.linalg.eigvalsh(Amu)
    ev_p = np.linalg.eigvalsh(Pre)
    # Control of nncg-precond-compresses-spectrum: Jacobi D = max(diag(H) + mu, mu).
    dinv = 1.0 / np.sqrt(np.maximum(np.diag(Hd) + mu, mu))
    Jac = dinv[:, None] * Amu * dinv[None, :]
    ev_j = np.linalg.eigvalsh((Jac + Jac.T) / 2)
    out = {
        "eig_h": ev_h.tolist(),
        "eig_pre": ev_p.tolist(),
        "eig_jacobi": ev_j.tolist(),
        "nystrom_shift": shift,
    }
    for key, M, ev in (("h", Amu, ev_h), ("pre", Pre, ev_p)):
        sigma = slq["sigma_rel"] * float(np.abs(ev).max())
        grid, dens = slq_density(
            M,
            num_probes=slq["probes"],
            num_iter=slq["iters"],
            grid=slq["grid"],
            sigma=sigma,
            seed=rng,
        )
        out[f"slq_{key}_grid"] = np.asarray(grid).tolist()
        out[f"slq_{key}_density"] = np.asarray(dens).tolist()
    return out


def pinn_experiment(params: dict, progress: Callable[[], None] | None = None) -> dict:
    """Adam -> L-BFGS -> NNCG (and the GD control) on the reaction PINN; spectra after L-BFGS."""
    import torch

    torch.set_num_threads(1)
    model = ReactionPINN(
        params["widths"],
        params["rho"],
        params["n_x"],
        params["n_t"],
        params["n_ic"],
        params["n_bc"],
    )
    theta0 = model.init_params(params["seed"])
    theta, losses = train_adam_lbfgs(
        model, theta0, params["adam_iters"], params["adam_lr"], params["lbfgs_iters"]
    )
    loss_lbfgs, l2_lbfgs = model.loss(theta).item(), model.l2re(theta)
    # Why L-BFGS stopped: torch's L-BFGS returns without a step once max|grad| <= 1e-7.
    grad_inf = float(np.abs(_hessian_op(model, theta).gradient()).max())
    spec = spectra(
        model, theta, rank=params["rank"], mu=params["mu"], seed=params["seed"], slq=params["slq"]
    )
    nn = params["nncg"]
    theta_n, losses_n, stats = nncg(
        model,
        theta,
        iters=nn["iters"],
        rank=params["rank"],
        refresh=nn["refresh"],
        mu=params["mu"],
        cg_maxiter=nn["cg_maxiter"],
        cg_tol=nn["cg_tol"],
        alpha=nn["alpha"],
        beta=nn["beta"],
        seed=params["seed"] + 1,
        progress=progress,
    )
    # The "+GD" control: same budget of iterations and the same line search as NNCG.
    theta_g, losses_g = gd_armijo(
        model, theta, iters=nn["iters"], alpha=nn["alpha"], beta=nn["beta"]
    )
    return {
        "n_params": model.n_params,
        "losses_adam_lbfgs": losses,
        "losses_nncg": losses_n,
        "losses_gd": losses_g,
        "loss_after_gd": model.loss(theta_g).item(),
        "l2re_after_gd": model.l2re(theta_g),
        "switch_lbfgs": params["adam_iters"],
        "loss_after_lbfgs": loss_lbfgs,
        "l2re_after_lbfgs": l2_lbfgs,
        "grad_inf_after_lbfgs": grad_inf,
        "loss_after_nncg": model.loss(theta_n).item(),
        "l2re_after_nncg": model.l2re(theta_n),
        "nncg_stats": stats,
        "spectra": spec,
    }
