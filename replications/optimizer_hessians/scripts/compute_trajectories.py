"""Run the blog's four optimiser experiments under both stopping rules and both precisions.

Writes results/optimizer_hessians/trajectories.npz (the blog-faithful float32 trajectories and
contour grids, for plotting) and trajectories.json (counts and outcomes of every run).
"""

from __future__ import annotations

import itertools

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.optimizer_hessians.experiment import eta_max, eta_star, run_optimizer


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
    progress = Progress(len(combos), "trajectories")
    for (name, spec), criterion, dtype in combos:
        lr = learning_rate(spec, p)
        run = run_optimizer(spec["optimizer"], lr, dtype=dtype, criterion=criterion, **common)
        runs[f"{name}/{criterion}/{dtype}"] = {
            "experiment": name,
            "optimizer": spec["optimizer"],
            "lr": lr,
            "criterion": criterion,
            "dtype": dtype,
            "epochs": run.epochs,
            "first_hit": run.first_hit,
            "converged": run.converged,
            "diverged": run.diverged,
            "final_position": run.positions[-1],
        }
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
    write_npz(args.out_npz, arrays)
    write_json(
        args.out_json,
        {
            "eta_max": eta_max(p["lambda_max"]),
            "eta_star": eta_star(p["lambda_min"], p["lambda_max"]),
            "titles": {k: v["title"] for k, v in p["experiments"].items()},
            "minimum": p["minimum"],
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
