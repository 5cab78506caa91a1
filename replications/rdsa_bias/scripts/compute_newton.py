"""Stochastic Newton runs (2SPSA, 2RDSA and generalized m = 2, 3) on one test function.

For every (algorithm, budget) cell (budgets 1000, 2000, 5000, 10000; 2SPSA and RDSA m = 1..4 with
three laws): 100 replications from x0 = 1 with the official 2RDSA
constants, NMSE = mean_j |x_j - x*|^2 / |x0 - x*|^2 and its standard error std/sqrt(R). Also the
2RDSA and 2SPSA runs at 75% of the 2SPSA budgets, the asymmetric-Bernoulli eps sweep, and (for
--count-evals) the number of oracle points per Newton iteration counted at the oracle.
Writes newton_<function>.npz (arrays) and newton_<function>.json (numbers).
"""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.rdsa_bias.device import read_device_run_on_cpu
from replications.rdsa_bias.model import FUNCTIONS
from shared.stochastic_newton import NewtonConfig, stochastic_newton
from shared.zeroth_order import (
    AsymmetricBernoulli,
    affine_noise_oracle,
    law_from_name,
    rdsa_estimate,
    rdsa_gradient,
    spsa2_estimate,
    spsa_gradient,
)

FUNCTION_IDS = {"quadratic": 1, "quartic": 2}


def make_algorithm(name: str, p: dict, eps: float | None = None):
    """(second-order estimator, warm-start estimator) of an algorithm name."""
    if name == "2spsa":
        return (
            lambda o, X, c, r: spsa2_estimate(o, X, c, r),
            lambda o, X, c, r: spsa_gradient(o, X, c, r),
        )
    law_name, m_txt = name.removeprefix("rdsa_").rsplit("_m", 1)
    m = int(m_txt)
    if law_name == "asym_bernoulli":
        law = AsymmetricBernoulli(p["asym_eps"] if eps is None else eps)
        warm_law = AsymmetricBernoulli(p["warm_asym_eps"])
    else:
        law = warm_law = law_from_name(law_name)
    return (
        lambda o, X, c, r: rdsa_estimate(o, X, c, law, r, m=m),
        lambda o, X, c, r: rdsa_gradient(o, X, c, warm_law, r),
    )


def run_cell(f_name: str, alg: str, budget: int, p: dict, key: int, eps: float | None = None):
    """NMSE mean and SE over the replications of one cell (own SeedSequence stream)."""
    f, xstar_of = FUNCTIONS[f_name]
    n = p["dim"]
    xstar = xstar_of(n)
    x0 = np.full((p["replications"], n), p["x0"])
    est, warm = make_algorithm(alg, p, eps)
    rng = np.random.default_rng(
        np.random.SeedSequence([p["seed"], FUNCTION_IDS[f_name], key, int(budget)])
    )
    res = stochastic_newton(
        affine_noise_oracle(f, p["sigma"]),
        x0,
        est,
        NewtonConfig(budget=int(budget)),
        rng,
        warm_estimator=warm,
    )
    ratio = np.sum((res.x - xstar) ** 2, 1) / np.sum((x0[0] - xstar) ** 2)
    return {
        "nmse": float(ratio.mean()),
        "se": float(ratio.std(ddof=1) / np.sqrt(len(ratio))),
        "n_iter": res.n_iter,
        "n_iter_warm": res.n_iter_warm,
        "n_evals": res.n_evals,
        "converged": res.converged,
    }, ratio


def count_evals(p: dict) -> dict:
    """Oracle points per batch member in one Newton-phase estimate, counted at the oracle."""
    f, _ = FUNCTIONS["quadratic"]
    base = affine_noise_oracle(f, p["sigma"])
    counts: dict[str, dict] = {}
    X = np.ones((4, p["dim"]))
    for alg in ["2spsa"] + [f"rdsa_{law}_m{m}" for law in p["laws"] for m in p["ms"]]:
        seen = []

        def oracle(points, rng, seen=seen):
            seen.append(points.shape)
            return base(points, rng)

        est, _ = make_algorithm(alg, p)
        out = est(oracle, X, 0.5, np.random.default_rng(0))
        n_points = sum(int(np.prod(s[:-1])) for s in seen) // X.shape[0]
        perturbation_numbers = (2 if alg == "2spsa" else 1) * p["dim"]
        counts[alg] = {
            "oracle_points": n_points,
            "reported_n_evals": out.n_evals,
            "perturbation_numbers": perturbation_numbers,
        }
    return counts


def main() -> None:
    pin_threads(1)
    ap = compute_parser(__doc__)
    ap.add_argument("--function", required=True, choices=sorted(FUNCTIONS))
    args = ap.parse_args()
    read_device_run_on_cpu(f"newton_{args.function}")
    p = params_of(args)["newton"]
    algs = ["2spsa"] + [f"rdsa_{law}_m{m}" for m in p["ms"] for law in p["laws"]]
    cells = [(a, b, None) for a in algs for b in p["budgets"]]
    frac = [round(p["budget_fraction"] * b) for b in p["fraction_budgets"]]
    cells += [
        (f"rdsa_{law}_m1", b, None)
        for law in p["fraction_laws"]
        for b in frac
        if b not in p["budgets"]
    ]
    # Control of the 75% claim: 2SPSA itself at 0.75 B (its own streams, keyed by budget).
    cells += [("2spsa", b, None) for b in frac if b not in p["budgets"]]
    # The sweep reuses the main cell for the main eps when its budget is on the grid.
    reuse = p["eps_budget"] in p["budgets"]
    sweep_keys = {
        f"{e:g}": (
            f"rdsa_asym_bernoulli_m1/B{p['eps_budget']}"
            if reuse and e == p["asym_eps"]
            else f"eps_sweep/eps{e:g}/B{p['eps_budget']}"
        )
        for e in p["eps_sweep"]
    }
    cells += [
        ("rdsa_asym_bernoulli_m1", p["eps_budget"], e)
        for e in p["eps_sweep"]
        if not (reuse and e == p["asym_eps"])
    ]
    prog = Progress(len(cells), f"newton/{args.function}")
    results: dict[str, dict] = {}
    arrays: dict[str, np.ndarray] = {}
    n_eps = 0
    for alg, budget, eps in cells:
        key = algs.index(alg) if alg in algs else 99
        cell_key = f"{alg}/B{budget}" if eps is None else f"eps_sweep/eps{eps:g}/B{budget}"
        # eps-sweep cells: explicit stream keys (params eps_stream), independent of how many
        # cells precede them on the grid.
        stream = key if eps is None else p["eps_stream"] + n_eps
        n_eps += eps is not None
        summary, ratio = run_cell(args.function, alg, budget, p, stream, eps)
        results[cell_key] = {"algorithm": alg, "budget": budget, "eps": eps, **summary}
        arrays[cell_key] = ratio
        prog.step(note=f"{cell_key}: {summary['n_iter']} Newton iterations")
    out = {
        "function": args.function,
        "params": p,
        "algorithms": algs,
        "cells": results,
        "eps_budget": p["eps_budget"],
        "eps_sweep": sweep_keys,
    }
    if args.function == "quadratic":
        out["eval_counts"] = count_evals(p)
    write_json(args.out_json, out)
    write_npz(args.out_npz, arrays)


if __name__ == "__main__":
    main()
