"""Plot one of the blog's trajectory contour figures (reads numbers only)."""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import plot_parser
from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz


def main() -> None:
    ap = plot_parser(__doc__)
    ap.add_argument("--experiment", required=True)
    args = ap.parse_args()
    arrays, meta = read_npz(args.npz), read_json(args.json)
    name = args.experiment
    pos = arrays[f"{name}__positions"]
    run = meta["runs"][f"{name}/function/float32"]
    with house_style():
        fig, ax = plt.subplots(figsize=(4.6, 4.0))
        ax.contour(
            arrays[f"{name}__grid_x"],
            arrays[f"{name}__grid_y"],
            arrays[f"{name}__grid_f"],
            levels=50,
            linewidths=0.5,
        )
        ax.scatter(*meta["minimum"], marker="x", color="k", zorder=3, label="minimum (0.8, 0.6)")
        finite = np.all(np.isfinite(pos), axis=1)
        ax.plot(
            pos[finite, 0],
            pos[finite, 1],
            "-",
            color="C1",
            lw=0.6,
            marker=".",
            ms=3,
            label="iterates",
        )
        outcome = "diverged" if run["diverged"] else f"converged in {run['epochs']} epochs"
        ax.set_title(f"{meta['titles'][name]}\n{outcome} (blog's stop rule, float32)")
        ax.set_xlabel("$w_1$ (eigenvalue $\\lambda_{min}$)")
        ax.set_ylabel("$w_2$ (eigenvalue $\\lambda_{max}$)")
        ax.legend(loc="best")
        save_figure(
            fig,
            args.out,
            replication="optimizer_hessians",
            config_hash=args.config_hash,
            seed=None,
            sources=[args.npz, args.json],
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
