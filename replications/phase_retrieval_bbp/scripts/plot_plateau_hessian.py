"""Runs to the loss plateau (D9): overlap of the bottom Hessian eigenvector with the signal in
units of the 1/sqrt(N) floor, lambda_1 and L/N along constrained runs (alpha = 4, 6) and the
random-start runs (alpha = 4, with |m|), for each N of the size grid."""

from __future__ import annotations

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications.phase_retrieval_bbp.plot_inputs import read_inputs, sources

STYLE = {"constrained_a4": "-", "constrained_a6": "--", "random_a4": "-."}
LABEL = {
    "constrained_a4": r"constrained $\alpha = 4$",
    "constrained_a6": r"constrained $\alpha = 6$",
    "random_a4": r"random $\alpha = 4$",
}


def main() -> None:
    args, d = read_inputs(__doc__)
    pl = d["plateau"]
    ns = [int(n) for n in pl["ns"]]
    with house_style():
        fig, axes = plt.subplots(1, 4, figsize=(16.0, 3.8))
        for name, runs in pl["runs"].items():
            for k, n in enumerate(ns):
                run = runs[str(n)]
                for j, rec in enumerate(run["seeds"]):
                    t = np.array(run["t_req"])
                    t = np.where(t <= 0, 1e-4, t)
                    keep = t <= rec["t_final"] + 1e-9
                    keep[: max(1, int(keep.sum()))] = True
                    ovp = np.array([o[0] for o in rec["overlap_perp"]]) * np.sqrt(n)
                    lam = np.array([x[0] for x in rec["lambda"]])
                    lab = f"{LABEL[name]}, N = {n}" if j == 0 else None
                    kw = {"color": f"C{k}", "ls": STYLE[name], "lw": 1}
                    if name == "random_a4":
                        # w*_perp is ill-defined once the run has reached the signal: the
                        # overlap is drawn only before the escape (|m| < 0.5).
                        pre = keep & (np.array(rec["m"]) < 0.5)
                        axes[3].plot(t[pre], ovp[pre], marker=".", label=lab, **kw)
                        axes[3].plot(
                            t[keep], np.array(rec["m"])[keep] * 10, color=f"C{k}", ls=":", lw=1
                        )
                        continue
                    axes[0].plot(t[keep], ovp[keep], marker=".", label=lab, **kw)
                    axes[1].plot(t[keep], lam[keep], marker=".", **kw)
                    axes[2].plot(t[keep], np.array(rec["loss"])[keep], marker=".", **kw)
                    axes[2].plot(rec["t_final"], rec["loss"][int(keep.sum()) - 1], "kx", ms=4)
        for ax in (axes[0], axes[3]):
            ax.axhline(3.0, color="k", ls="--", lw=0.8)
            ax.set_ylabel(r"$\sqrt{N}\,|v_1 \cdot \hat w^*_\perp|$ (floor units)")
        axes[0].set_title("Constrained runs (dashed: 3/sqrt(N) ceiling)")
        axes[1].set_yscale("symlog", linthresh=0.1)
        axes[1].axhspan(-0.1, 0.05, color="C2", alpha=0.15, lw=0)
        axes[1].set_ylabel(r"$\lambda_1$ (band: marginal window)")
        axes[1].set_title("Bottom eigenvalue, constrained runs")
        axes[2].set_yscale("log")
        axes[2].set_ylabel("L / N (x: plateau stop)")
        axes[2].set_title("Loss, constrained runs")
        axes[3].set_title(r"Random starts, before escape ($\alpha = 4$; dotted: $10\,|m|$)")
        for ax in axes:
            ax.set_xscale("log")
            ax.set_xlabel("time $t$ (t = 0 at $10^{-4}$)")
        axes[0].legend(fontsize=6)
        axes[3].legend(fontsize=6)
        save_figure(
            fig,
            args.out,
            replication="phase_retrieval_bbp",
            config_hash=args.config_hash,
            seed=str(pl["seeds"]),
            sources=sources(args),
        )


if __name__ == "__main__":
    main()
