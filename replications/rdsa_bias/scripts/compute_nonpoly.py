"""Stochastic Newton on a non-polynomial objective, m = 1..4 (registered design, README D12).

Does lower-order bias give better Newton iterates where every estimator is biased? The
objective f(x) = x^T A x + sum_i (exp(x_i) - 1 - x_i) (x* = 0) has nonzero directional
derivatives of every order, so the (2m+1)-point estimators are biased for every m; the control
objective f_c(x) = x^T A x + |x|^2 / 2 has the same Hessian at x* but is a quadratic, on which
every central estimator is unbiased. Both with affine noise sigma = 0.001 from x0 = 1, U[-1, 1]
directions, the official warm start (20% of the budget, 1RDSA) and the Newton recursion of
:func:`shared.stochastic_newton.stochastic_newton` with a_k = a/(k + A)^alpha (alpha = 1: the
conditions sum a_k = inf, sum (a_k/c_k)^2 < inf of the convergence theory) and the
m-dependent perturbation schedule c_k = c / k^(1/(4m+2)) (paper card section 3.6).

Cells: per seed, m and budget on f; on the control seeds also on f_c and on f with a
non-decaying perturbation c_k = c (gamma = 0; the control of the convergence claim). Per cell:
NMSE = mean_j |x_j - x*|^2 / |x0 - x*|^2 over the replications, its SE std/sqrt(R), the
systematic part |mean_j x_j - x*|^2 / |x0 - x*|^2, divergence (mean NMSE > 1 or a
non-finite iterate), and (descriptive) the median ratio and the share of ratios above 1e-2.
Writes nonpoly.npz (per-replication ratios) and nonpoly.json.
"""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.rdsa_bias.device import read_device_run_on_cpu
from replications.rdsa_bias.model import expquad, expquad_control, uniform_exp_gradient_bias
from shared.stochastic_newton import Gains, NewtonConfig, stochastic_newton
from shared.zeroth_order import affine_noise_oracle, law_from_name, rdsa_estimate, rdsa_gradient

OBJECTIVES = {"expquad": expquad, "control": expquad_control}
#: Stream keys of the variants (part of each cell's SeedSequence entropy).
VARIANTS = {"expquad": 0, "control": 1, "expquad_const_c": 2}


def gamma_of(m: int) -> float:
    """gamma_m = 1/(4m+2) (card section 3.6: squared bias c^(4m) balanced against 1/(n c^2))."""
    return 1.0 / (4 * m + 2)


def run_cell(variant: str, m: int, budget: int, seed: int, p: dict) -> tuple[dict, np.ndarray]:
    """One (variant, m, budget, seed) cell: summary numbers and per-replication ratios."""
    n, R = p["dim"], p["replications"]
    x0 = np.full((R, n), p["x0"])
    f = OBJECTIVES["control" if variant == "control" else "expquad"]
    law = law_from_name(p["law"])
    gamma = 0.0 if variant == "expquad_const_c" else gamma_of(m)
    gains = Gains(a=p["a"], A=p["A"], alpha=p["alpha"], c=p["c"], gamma=gamma)
    config = NewtonConfig(
        budget=int(budget), warm_fraction=p["warm_fraction"], gains=gains, h0=p["h0"]
    )
    rng = np.random.default_rng(np.random.SeedSequence([seed, VARIANTS[variant], m, int(budget)]))
    res = stochastic_newton(
        affine_noise_oracle(f, p["sigma"]),
        x0,
        lambda o, X, c, r: rdsa_estimate(o, X, c, law, r, m=m),
        config,
        rng,
        warm_estimator=lambda o, X, c, r: rdsa_gradient(o, X, c, law, r),
    )
    d0 = float(np.sum(x0[0] ** 2))  # x* = 0
    ratio = np.sum(res.x**2, 1) / d0
    finite = bool(np.all(np.isfinite(res.x)))
    nmse = float(ratio.mean())
    c_last = float(gains.perturbation(max(res.n_iter, 1)))
    bias = uniform_exp_gradient_bias(c_last, m) if variant != "control" else 0.0
    return {
        "variant": variant,
        "m": m,
        "budget": int(budget),
        "seed": seed,
        "nmse": nmse,
        "se": float(ratio.std(ddof=1) / np.sqrt(R)),
        "systematic": float(np.sum(res.x.mean(0) ** 2) / d0),
        # Descriptive only (no claim reads them): the typical replication and the tail.
        "median": float(np.median(ratio)),
        "share_above_1e-2": float(np.mean(ratio > 1e-2)),
        "diverged": (not finite) or nmse > 1.0,
        "n_iter": res.n_iter,
        "n_iter_warm": res.n_iter_warm,
        "n_evals": res.n_evals,
        "c_last": c_last,
        # Linearised bias-only NMSE at the last perturbation: x_b = -b/2.1 per coordinate (N =
        # 10: the bias vector b 1 is the Hessian's eigenvector with eigenvalue 2.1); the a
        # priori quantity of D12, reported beside the measured systematic part.
        "predicted_bias_nmse": float((bias / (1.0 + (n + 1.0) / n)) ** 2),
    }, ratio


def cells_of(p: dict) -> list[tuple[str, int, int, int]]:
    """(variant, m, budget, seed) of every run of the params block."""
    cells = [("expquad", m, b, s) for s in p["seeds"] for m in p["ms"] for b in p["budgets"]]
    for s in p["control_seeds"]:
        cells += [("control", m, b, s) for m in p["ms"] for b in p["budgets"]]
        lo, hi = p["claim_budget_low"], p["claim_budget_high"]
        cells += [("expquad_const_c", m, b, s) for m in p["ms"] for b in (lo, hi)]
    return cells


def main() -> None:
    pin_threads(1)
    args = compute_parser(__doc__).parse_args()
    read_device_run_on_cpu("nonpoly")
    p = params_of(args)["nonpoly"]
    cells = cells_of(p)
    prog = Progress(len(cells), "nonpoly")
    out: dict[str, dict] = {}
    arrays: dict[str, np.ndarray] = {}
    for variant, m, budget, seed in cells:
        key = f"{variant}/s{seed}/m{m}/B{budget}"
        out[key], arrays[key] = run_cell(variant, m, budget, seed, p)
        prog.step(note=f"{key}: {out[key]['n_iter']} Newton iterations")
    write_json(args.out_json, {"params": p, "cells": out})
    write_npz(args.out_npz, arrays)


if __name__ == "__main__":
    main()
