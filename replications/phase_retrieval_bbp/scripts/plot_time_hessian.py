"""Time-dependent Hessian: lambda_1, lambda_2, bottom-eigenvector overlap and m(t) along a run."""

from __future__ import annotations

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications.phase_retrieval_bbp.plot_inputs import read_inputs, sources

LABELS = {
    "constrained_a4": r"constrained, $\alpha = 4$",
    "constrained_a6": r"constrained, $\alpha = 6$",
    "random_a4": r"random, $\alpha = 4$",
}


def main() -> None:
    args, d = read_inputs(__doc__)
    runs = d["time"]["runs"]
    with house_style():
        fig, axes = plt.subplots(1, 3, figsize=(12.0, 3.8))
        for k, (name, run) in enumerate(runs.items()):
            for j, rec in enumerate(run["seeds"]):
                t = np.array(rec["t"])
                t = np.where(t <= 0, 1e-4, t)  # t = 0 drawn at the left edge of the log axis
                lam = np.array(rec["lambda"])
                ov = np.array(rec["overlap"])[:, 0]
                lab = LABELS.get(name, name) if j == 0 else None
                axes[0].plot(t, lam[:, 0], "-o", color=f"C{k}", ms=2, label=lab)
                axes[0].plot(t, lam[:, 1], ":", color=f"C{k}", lw=1)
                axes[1].plot(t, ov, "-o", color=f"C{k}", ms=2, label=lab)
                axes[2].plot(t, rec["m"], "-o", color=f"C{k}", ms=2, label=lab)
        axes[0].set_yscale("symlog", linthresh=1.0)
        axes[0].set_ylabel(r"$\lambda_1$ (solid), $\lambda_2$ = bulk edge proxy (dotted)")
        axes[1].set_ylabel(r"$|v_1 \cdot w^*| / \sqrt{N}$")
        axes[1].axhline(0.45, color="k", lw=0.8, ls="--")
        axes[2].set_ylabel(r"$|m(t)| = |w \cdot w^*| / N$")
        for ax in axes:
            ax.set_xscale("log")
            ax.set_xlabel("time $t$ (t = 0 at $10^{-4}$)")
        n = next(iter(runs.values()))["n"]
        axes[0].set_title(f"Bottom of the Riemannian Hessian, N = {n}")
        axes[1].set_title("Bottom eigenvector vs signal")
        axes[2].set_title("Overlap with the signal")
        axes[1].legend()
        seeds = sorted({r["seed"] for run in runs.values() for r in run["seeds"]})
        save_figure(
            fig,
            args.out,
            replication="phase_retrieval_bbp",
            config_hash=args.config_hash,
            seed=str(seeds),
            sources=sources(args),
        )


if __name__ == "__main__":
    main()
