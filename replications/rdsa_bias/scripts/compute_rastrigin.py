"""Stochastic Newton on 10-D Rastrigin with m-dependent perturbation schedules (exploratory).

The 2026 paper validates its Newton methods on Rastrigin, with a setup that is not public
(README, deviations D2 and D11). These runs fix the constants a priori: 10-D Rastrigin
(type 5 of the 2RDSA code), affine noise sigma = 0.001, x0 = 0.2 * 1 inside the global basin,
U[-1, 1] directions, the (2m+1)-point RDSA estimators for m = 1, 2, 3, the Newton recursion of
:func:`shared.stochastic_newton.stochastic_newton` without warm start, a_k = 1/k^0.602 and
c_k = c / k^(gamma_m) with gamma_m = 1/(4m+2) (paper card section 3.6 [derived]: squared bias
c^(4m) balanced against variance 1/(n c^2); gamma_1 = 1/6 is Spall's choice). Per (m, budget):
100 replications, NMSE = mean |x - x*|^2 / |x0 - x*|^2 (x* = 0) and its SE; also the share of
replications that end in the global basin (|x_i| < 0.5 for every i).
Writes rastrigin.npz (per-replication ratios) and rastrigin.json.
"""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.rdsa_bias.device import read_device_run_on_cpu
from replications.rdsa_bias.model import rastrigin
from shared.stochastic_newton import Gains, NewtonConfig, stochastic_newton
from shared.zeroth_order import affine_noise_oracle, law_from_name, rdsa_estimate


def gamma_of(m: int) -> float:
    """gamma_m = 1/(4m+2) (card section 3.6: balances c^(4m) squared bias and 1/(n c^2))."""
    return 1.0 / (4 * m + 2)


def main() -> None:
    pin_threads(1)
    args = compute_parser(__doc__).parse_args()
    read_device_run_on_cpu("rastrigin")
    p = params_of(args)["rastrigin"]
    n, R = p["dim"], p["replications"]
    x0 = np.full((R, n), p["x0"])
    law = law_from_name(p["law"])
    oracle = affine_noise_oracle(rastrigin, p["sigma"])
    cells = [(m, b) for m in p["ms"] for b in p["budgets"]]
    prog = Progress(len(cells), "rastrigin")
    out: dict[str, dict] = {}
    arrays: dict[str, np.ndarray] = {}
    for m, budget in cells:
        gains = Gains(a=p["a"], A=p["A"], alpha=p["alpha"], c=p["c"], gamma=gamma_of(m))
        config = NewtonConfig(budget=int(budget), warm_fraction=0.0, gains=gains, h0=p["h0"])
        rng = np.random.default_rng(np.random.SeedSequence([p["seed"], m, int(budget)]))
        res = stochastic_newton(
            oracle,
            x0,
            lambda o, X, c, r, m=m: rdsa_estimate(o, X, c, law, r, m=m),
            config,
            rng,
        )
        ratio = np.sum(res.x**2, 1) / np.sum(x0[0] ** 2)
        key = f"m{m}/B{budget}"
        arrays[key] = ratio
        out[key] = {
            "m": m,
            "budget": budget,
            "gamma": gamma_of(m),
            "nmse": float(ratio.mean()),
            "se": float(ratio.std(ddof=1) / np.sqrt(R)),
            "median": float(np.median(ratio)),
            "in_global_basin": float(np.mean(np.all(np.abs(res.x) < 0.5, axis=1))),
            "n_iter": res.n_iter,
            "n_evals": res.n_evals,
            "converged": res.converged,
        }
        prog.step(note=f"{key}: NMSE {out[key]['nmse']:.3g}, {res.n_iter} iterations")
    write_json(args.out_json, {"params": p, "cells": out})
    write_npz(args.out_npz, arrays)


if __name__ == "__main__":
    main()
