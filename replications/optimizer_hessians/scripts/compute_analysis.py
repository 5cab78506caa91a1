"""The blog's closed-form analysis, measured: rates vs eta, GD eigen-component decay, and the
momentum / Adam first-moment gains, each with its control (the step 1/lambda_max, momentum's
components, Adam vs momentum, no momentum). Writes analysis.npz (curves) and analysis.json.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import minimize_scalar

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import cpu_by_design, pin_threads
from replications.optimizer_hessians.experiment import (
    adam_first_moment_gain,
    eigen_components,
    eta_star,
    gd_shrink_factors,
    momentum_buffer_gain,
    momentum_step_gain,
    rates,
)


def gd_positions(lr: float, steps: int, p: dict, momentum: float = 0.0) -> np.ndarray:
    """``steps`` GD steps (torch.optim.SGD, float64, optional momentum) from the origin, no
    stopping rule."""
    w_star = torch.tensor(p["minimum"], dtype=torch.float64)
    lam = torch.tensor([p["lambda_min"], p["lambda_max"]], dtype=torch.float64)
    x = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=lr, momentum=momentum)
    out = [x.detach().clone()]
    for _ in range(steps):
        loss = 0.5 * torch.sum(lam * (x - w_star) ** 2)
        loss.backward()
        opt.step()
        opt.zero_grad()
        out.append(x.detach().clone())
    return torch.stack(out).numpy()


def main() -> None:
    pin_threads(1)
    ap = compute_parser(__doc__)
    args = ap.parse_args()
    p = params_of(args)
    cpu_by_design("2-D float64 analysis: a GPU would only add kernel-launch overhead")

    ex = p["rates_example"]
    lo, hi = ex["lambda_min"], ex["lambda_max"]
    grid = np.linspace(0.0, ex["eta_max_plot"], ex["n_grid"])
    curves = rates(grid, lo, hi)
    opt = minimize_scalar(
        lambda e: float(rates(np.array([e]), lo, hi)["R"][0]),
        bounds=(0.0, 2.0 / hi),
        method="bounded",
        options={"xatol": 1e-12},
    )
    # Control: the step that only removes the stiff component's oscillation, argmin |r(lambda_max)|.
    naive = minimize_scalar(
        lambda e: float(rates(np.array([e]), lo, hi)["r_max"][0]),
        bounds=(0.0, 2.0 / hi),
        method="bounded",
        options={"xatol": 1e-12},
    )
    arrays = {"eta_grid": grid, **{f"rates_{k}": v for k, v in curves.items()}}

    ed = p["eigen_decay"]
    lambdas = np.array([p["lambda_min"], p["lambda_max"]])
    decay = []
    for factor in ed["lr_factors"]:
        lr = factor * eta_star(p["lambda_min"], p["lambda_max"])
        pos = gd_positions(lr, ed["steps"], p)
        alpha = eigen_components(pos, tuple(p["minimum"]))
        predicted = (1.0 - lr * lambdas)[None, :] ** np.arange(ed["steps"] + 1)[:, None] * alpha[0]
        ratios = gd_shrink_factors(pos, tuple(p["minimum"]))
        expected = 1.0 - lr * lambdas
        usable = np.abs(alpha[:-1]) >= ed["min_component"]
        rel_err = np.abs(ratios - expected) / np.abs(expected)
        # Control: the same ratio test on SGD with momentum at the same step.
        mom = eigen_components(gd_positions(lr, ed["steps"], p, p["momentum"]), tuple(p["minimum"]))
        m_ratios = mom[1:] / mom[:-1]
        m_usable = np.abs(mom[:-1]) >= ed["min_component"]
        m_err = np.abs(m_ratios - expected) / np.abs(expected)
        decay.append(
            {
                "lr_factor": factor,
                "lr": lr,
                "expected_factors": expected,
                "max_rel_error": float(np.max(rel_err[usable])),
                "n_steps_checked": usable.sum(axis=0),
                "momentum_max_rel_error": float(np.max(m_err[m_usable])),
                "momentum_n_steps_checked": m_usable.sum(axis=0),
            }
        )
        arrays[f"decay_{factor}__alpha"] = alpha
        arrays[f"decay_{factor}__predicted"] = predicted

    n = p["accumulation"]["steps"]
    write_npz(args.out_npz, arrays)
    write_json(
        args.out_json,
        {
            "rates_example": {
                "lambda_min": lo,
                "lambda_max": hi,
                "eta_opt_numeric": float(opt.x),
                "R_opt_numeric": float(opt.fun),
                "eta_star_formula": 2.0 / (lo + hi),
                "R_formula": (hi - lo) / (hi + lo),
                "eta_naive_numeric": float(naive.x),
                "R_at_eta_naive": float(rates(np.array([naive.x]), lo, hi)["R"][0]),
            },
            "eigen_decay": decay,
            "accumulation": {
                "beta": p["momentum"],
                "steps": n,
                "momentum_constant_gain": momentum_buffer_gain(p["momentum"], n, alternating=False),
                "momentum_alternating_gain": momentum_buffer_gain(
                    p["momentum"], n, alternating=True
                ),
                "adam_first_moment_gain": adam_first_moment_gain(tuple(p["betas"]), n),
                "no_momentum_alternating_gain": momentum_step_gain(0.0, n, alternating=True),
            },
        },
    )


if __name__ == "__main__":
    main()
