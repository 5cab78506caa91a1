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

Options of the third session (each off by default, so earlier runs are unchanged):

* ``warmup``: linear warm-up of the step over the first ``warmup`` iterations (card pitfall P8;
  the paper uses a constant step, so this is a disclosed deviation, D11/D12).
* ``loss_levels``: curvature is also measured at the first logged step at which the full-batch
  loss falls to ``level * L_0`` (``L_0`` the loss at initialization), for each level; this gives
  the trace *at equal training loss* across runs (mini-batch design, D12).
* ``stop_on_blowup``: stop a run as soon as its full-batch loss exceeds ``10 L_0`` (the blow-up
  rule of the measurement) or the parameters become non-finite (used by :func:`select_step`).
* ``n_checkpoints``: per-run override of the number of evenly spaced checkpoints.

Two optional diagnostics (second session; neither touches the trajectory):

* ZO-Adam: the relative commutator ``||P H - H P||_F / ||P H||_F`` of the last update's
  preconditioner and the Hessian (Remark 2, App. D.3; ``shared.zo_stability.relative_commutator``,
  shared Rademacher probes) after the first update and at every later checkpoint.
* Runs listed in ``exact_spectrum_runs``: the dense Hessian at the final checkpoint (batched
  HVPs), its exact eigenvalues, and Theorem 1's threshold ``eta*_ms`` on the positive part of the
  spectrum (card P11), beside the signed trace.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator

from replications.zo_edge_of_stability.analysis import BLOWUP_FACTOR, blew_up
from replications.zo_edge_of_stability.model import MLP, batched_loss
from shared.hessian import torch_hessian_operator
from shared.linalg import hutchinson_trace, lanczos
from shared.zeroth_order import gaussian_two_point_gradient_torch
from shared.zo_optim import ZOOptimizer, adam_preconditioner, init_state, step
from shared.zo_stability import relative_commutator, zo_threshold


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


def dense_hessian(
    model: MLP, theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor, *, chunk: int = 400
) -> np.ndarray:
    """The full ``d x d`` Hessian of the full-batch loss, by HVPs with blocks of unit vectors.

    Batched double-backward HVPs (``shared.hessian.torch_hessian_operator``) on ``chunk`` columns
    of the identity at a time (one batched call on all ``d`` columns needs much more memory and is
    slower); symmetrised to remove rounding asymmetry.
    """
    if int(chunk) < 1:
        raise ValueError(f"chunk={chunk!r} is not allowed: need an integer >= 1")
    op = torch_hessian_operator(lambda t: batched_loss(model, t, X, y), theta)
    d = op.shape[0]
    eye = torch.eye(d, dtype=torch.float64)
    H = torch.cat([op.hvp_native_batch(eye[i : i + chunk]) for i in range(0, d, chunk)]).numpy()
    return 0.5 * (H + H.T)


def exact_spectrum(
    model: MLP,
    theta: torch.Tensor,
    X: torch.Tensor,
    y: torch.Tensor,
    eta: float,
    *,
    method: str = "gd",
    beta: float = 0.0,
    chunk: int = 400,
) -> dict[str, np.ndarray]:
    """Exact spectrum of the dense Hessian and Theorem 1/2's threshold on its positive part.

    Returns eigenvalues (ascending), signed and positive-part traces, the negative mass, and
    ``eta*_ms`` with its bounds (``shared.zo_stability.zo_threshold``, ``clip_negative=True``:
    the theory assumes ``H >= 0``, card P11), plus ``eta / eta*_ms``.
    """
    if method not in ("gd", "gdm"):
        raise ValueError(f"method={method!r} is not allowed: exact spectrum for gd or gdm only")
    ev = np.linalg.eigvalsh(dense_hessian(model, theta, X, y, chunk=chunk))
    th = zo_threshold(ev, method, beta, clip_negative=True)
    neg = ev[ev < 0]
    return {
        "eigenvalues": ev,
        "trace_signed": np.array(float(ev.sum())),
        "trace_positive": np.array(float(th.trace)),
        "lambda_max": np.array(float(ev[-1])),
        "n_negative": np.array(float(neg.size)),
        "sum_negative": np.array(float(neg.sum())),
        "eta_star_ms": np.array(th.eta),
        "eta_star_lower": np.array(th.lower),
        "eta_star_upper": np.array(th.upper),
        "eta_over_eta_star": np.array(float(eta) / th.eta),
        "root_converged": np.array(th.converged),
    }


def eta_at(schedule: list | None, eta: float, t: int, warmup: int = 0) -> float:
    """Step size of iteration ``t``.

    Piecewise constant (the last ``[start, eta]`` of ``schedule`` with ``start <= t``), times a
    linear warm-up ``(t + 1) / warmup`` during the first ``warmup`` iterations (none if 0).
    """
    out = eta
    for start, value in schedule or []:
        if t >= start:
            out = float(value)
    if warmup > 0 and t < warmup:
        out *= (t + 1) / warmup
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
    warmup = int(cfg.get("warmup", 0)) * factor
    levels = sorted((float(v) for v in cfg.get("loss_levels", [])), reverse=True)
    stop_on_blowup = bool(cfg.get("stop_on_blowup", False))
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
        n_ckpt = int(cfg.get("n_checkpoints", common["n_checkpoints"]))
        ckpts = sorted(set(np.linspace(0, steps, n_ckpt).round().astype(int)))
    # ZO-Adam commutator: after the first update ("initialization", D9) and at every later
    # checkpoint; probes from their own stream (seeded by the step).
    comm_set: set[int] = set()
    if method == "adam":
        first = int(common.get("commutator_first_step", 1))
        comm_set = {first} | {t for t in ckpts if t >= first}
    comm_steps, comms = [], []
    want_exact = cfg["name"] in common.get("exact_spectrum_runs", [])
    exact: dict[str, np.ndarray] = {}
    loss_every = int(common.get("loss_every", 10))
    loss_steps, losses = [], []
    rows = []
    level_rows: list[dict] = []
    precond = None
    ckpt_set = set(ckpts)
    diverged = False
    stopped = False

    def measure(t: int) -> dict:
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
        return c

    for t in range(steps + 1):
        if not bool(torch.isfinite(theta).all()):
            diverged = True  # keep what was logged; the measurement reports the run as diverged
            break
        c = None
        if t in ckpt_set:
            c = measure(t)
            rows.append(c)
            if want_exact and t == steps:
                exact = exact_spectrum(
                    model,
                    theta,
                    X,
                    y,
                    eta_at(schedule, float(cfg["eta"]), t - 1),
                    method=method,
                    beta=beta,
                    chunk=int(common.get("dense_hessian_chunk", 400)),
                )
            if progress is not None:
                progress.step(
                    1, f"{cfg['name']} t={t} tr={c['trace']:.1f} lmax={c['lambda_max']:.2f}"
                )
        if t in comm_set and precond is not None:
            op = torch_hessian_operator(lambda P: batched_loss(model, P, X, y), theta)
            cm = relative_commutator(
                op,
                precond.numpy(),
                int(common.get("commutator_probes", 40)),
                seed=500_000 + 1000 * (seed + 1) + t,
            )
            comm_steps.append(t)
            comms.append(cm.value)
        if t % loss_every == 0 or t == steps:
            # Full-batch training loss (every loss_every steps: cheap next to the ZO steps).
            with torch.no_grad():
                losses.append(float(batched_loss(model, theta, X, y)))
            loss_steps.append(t)
            # Equal-loss checkpoints: the first logged step at which loss <= level * L_0.
            while levels and losses[-1] <= levels[0] * losses[0]:
                c = c if c is not None else measure(t)
                level_rows.append({**c, "level": levels.pop(0)})
            if stop_on_blowup and not (losses[-1] <= BLOWUP_FACTOR * losses[0]):
                stopped = True
                break
        if t == steps:
            break
        lr = eta_at(schedule, float(cfg["eta"]), t, warmup)
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
    if stop_on_blowup:
        out["stopped_on_blowup"] = np.array(stopped)
    if cfg.get("loss_levels"):
        for k in ("level", "step", "full_loss", "trace", "trace_stderr", "lambda_max"):
            out[f"level_{k}"] = np.array([r[k] for r in level_rows], dtype=np.float64)
    out["lanczos_converged"] = np.array([r["lanczos_converged"] for r in rows])
    out["loss_step"] = np.array(loss_steps, dtype=np.float64)
    out["loss"] = np.array(losses)
    out["commutator_step"] = np.array(comm_steps, dtype=np.float64)
    out["commutator"] = np.array(comms, dtype=np.float64)
    if want_exact:
        # A run that diverged before its final checkpoint has no exact spectrum (NaN).
        out["exact_available"] = np.array(bool(exact))
        for k in (
            "trace_signed",
            "trace_positive",
            "lambda_max",
            "n_negative",
            "sum_negative",
            "eta_star_ms",
            "eta_star_lower",
            "eta_star_upper",
            "eta_over_eta_star",
            "root_converged",
        ):
            out[f"exact_{k}"] = exact.get(k, np.array(np.nan))
        out["exact_eigenvalues"] = exact.get("eigenvalues", np.zeros(0))
    out["eta_at_checkpoint"] = np.array(
        [eta_at(schedule, float(cfg["eta"]), int(t), warmup) for t in out["step"]]
    )
    return out


def select_step(
    cfgs: list[dict], common: dict, X: torch.Tensor, y: torch.Tensor, progress=None
) -> tuple[dict[str, dict], float, list[dict]]:
    """Run a design at the largest step of its grid at which no run blows up (rule D12).

    Every config carries the same ``eta_grid`` (tried in the order given, largest first) instead
    of ``eta``. At each step the runs are trained in the listed order with ``stop_on_blowup``;
    the first run that blows up ends the attempt and the next step of the grid is tried. The
    first step at which every run trains is kept. If every step fails, the runs of the last
    step are returned as they are (the measurement then reports them as diverged).

    Returns
    -------
    outs : dict
        Run name -> :func:`run` output at the selected step.
    eta : float
        The selected step.
    attempts : list of dict
        ``{"eta", "runs": {name: {"blew_up", "steps_run"}}}`` per step tried, in order.
    """
    grids = {tuple(float(e) for e in c["eta_grid"]) for c in cfgs}
    if len(grids) != 1:
        raise ValueError(f"eta_grid differs between the runs of one design: {sorted(grids)}")
    grid = grids.pop()
    if not grid:
        raise ValueError("eta_grid is empty: need at least one step size")
    attempts: list[dict] = []
    outs: dict[str, dict] = {}
    for eta in grid:
        outs, record = {}, {}
        for c in cfgs:
            cfg = {k: v for k, v in c.items() if k != "eta_grid"}
            out = run({**cfg, "eta": eta, "stop_on_blowup": True}, common, X, y, progress)
            outs[c["name"]] = out
            record[c["name"]] = {
                "blew_up": blew_up(out),
                "steps_run": int(out["loss_step"][-1]),
            }
            if record[c["name"]]["blew_up"]:
                break
        attempts.append({"eta": eta, "runs": record})
        if len(outs) == len(cfgs) and not any(r["blew_up"] for r in record.values()):
            return outs, eta, attempts
    # Every step failed: complete the last attempt's runs so each run has a record.
    for c in cfgs:
        if c["name"] not in outs:
            cfg = {k: v for k, v in c.items() if k != "eta_grid"}
            outs[c["name"]] = run({**cfg, "eta": grid[-1], "stop_on_blowup": True}, common, X, y)
    return outs, grid[-1], attempts
