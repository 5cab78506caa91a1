"""Run the blog's optimiser experiments under both stopping rules and both precisions.

Also runs the ranking claims' control: the same optimisers and factors of eta* on a kappa = 1
quadratic (params ``well_conditioned``).

Writes results/optimizer_hessians/trajectories.npz (the blog-faithful float32 trajectories and
contour grids, for plotting) and trajectories.json (counts and outcomes of every run: the loop
count ``epochs`` the blog prints, the check-before-step count ``first_hit``, and the largest
per-coordinate step in units of the learning rate).
"""

from __future__ import annotations

import itertools

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, cpu_by_design, pin_threads
from replications.optimizer_hessians.experiment import (
    eta_max,
    eta_star,
    max_step_over_lr,
    run_optimizer,
)


def learning_rate(spec: dict, p: dict) -> float:
    base = {
        "eta_max": eta_max(p["lambda_max"]),
        "eta_star": eta_star(p["lambda_min"], p["lambda_max"]),
    }
    if spec["lr_base"] not in base:
        raise ValueError(f"lr_base = {spec['lr_base']!r} is not allowed; allowed are {list(base)}")
    return spec["lr_factor"] * base[spec["lr_base"]]


def main() -> None:
    pin_threads(1)
    ap = compute_parser(__doc__)
    args = ap.parse_args()
    p = params_of(args)
    # The post's numbers are torch CPU arithmetic (float32 / float64 on 2-D tensors).
    cpu_by_design("the blog's published counts are CPU float32 torch arithmetic (D3)")

    common = dict(
        momentum=p["momentum"],
        betas=tuple(p["betas"]),
        tol=p["tolerance"],
        max_epochs=p["max_epochs"],
        bound=p["bound"],
        minimum=tuple(p["minimum"]),
        lambdas=(p["lambda_min"], p["lambda_max"]),
    )
    runs, arrays = {}, {}
    combos = list(itertools.product(p["experiments"].items(), p["criteria"], p["dtypes"]))
    wc = p["well_conditioned"]
    p_wc = {**p, "lambda_min": wc["lambda_min"], "lambda_max": wc["lambda_max"]}
    common_wc = {**common, "lambdas": (wc["lambda_min"], wc["lambda_max"])}
    combos_wc = list(
        itertools.product(
            [(n, p["experiments"][n]) for n in wc["experiments"]], p["criteria"], p["dtypes"]
        )
    )
    progress = Progress(len(combos) + len(combos_wc), "trajectories")

    def record(name: str, spec: dict, criterion: str, dtype: str, params: dict, kw: dict):
        lr = learning_rate(spec, params)
        run = run_optimizer(spec["optimizer"], lr, dtype=dtype, criterion=criterion, **kw)
        return run, {
            "experiment": name,
            "optimizer": spec["optimizer"],
            "lr": lr,
            "criterion": criterion,
            "dtype": dtype,
            "epochs": run.epochs,
            "first_hit": run.first_hit,
            "converged": run.converged,
            "diverged": run.diverged,
            "max_step_over_lr": max_step_over_lr(run.positions, lr),
            "final_position": run.positions[-1],
        }

    for (name, spec), criterion, dtype in combos:
        run, runs[f"{name}/{criterion}/{dtype}"] = record(name, spec, criterion, dtype, p, common)
        if criterion == "function" and dtype == "float32":
            # The blog's own setting: its figures are these trajectories.
            arrays[f"{name}__positions"] = run.positions
            pos = run.positions[np.all(np.isfinite(run.positions), axis=1)]
            xs = np.linspace(
                min(pos[:, 0].min(), 0.0), max(pos[:, 0].max(), 1.0), p["contour_points"]
            )
            ys = np.linspace(
                min(pos[:, 1].min(), 0.0), max(pos[:, 1].max(), 1.0), p["contour_points"]
            )
            gx, gy = np.meshgrid(xs, ys)
            dx, dy = gx - p["minimum"][0], gy - p["minimum"][1]
            arrays[f"{name}__grid_x"] = xs
            arrays[f"{name}__grid_y"] = ys
            arrays[f"{name}__grid_f"] = 0.5 * (p["lambda_min"] * dx**2 + p["lambda_max"] * dy**2)
        progress.step(note=f"{name}/{criterion}/{dtype}: {run.epochs} epochs")
    runs_wc = {}
    for (name, spec), criterion, dtype in combos_wc:
        run, runs_wc[f"{name}/{criterion}/{dtype}"] = record(
            name, spec, criterion, dtype, p_wc, common_wc
        )
        progress.step(note=f"kappa = 1, {name}/{criterion}/{dtype}: {run.epochs} epochs")
    write_npz(args.out_npz, arrays)
    write_json(
        args.out_json,
        {
            "eta_max": eta_max(p["lambda_max"]),
            "eta_star": eta_star(p["lambda_min"], p["lambda_max"]),
            "titles": {k: v["title"] for k, v in p["experiments"].items()},
            "minimum": p["minimum"],
            "runs": runs,
            "well_conditioned": {
                "lambda_min": wc["lambda_min"],
                "lambda_max": wc["lambda_max"],
                "eta_star": eta_star(wc["lambda_min"], wc["lambda_max"]),
                "runs": runs_wc,
            },
        },
    )


if __name__ == "__main__":
    main()
