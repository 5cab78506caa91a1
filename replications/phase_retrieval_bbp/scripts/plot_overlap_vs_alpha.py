"""Squared overlap of the bottom Hessian eigenvector with w* at t = 0 vs alpha, against theory."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications.phase_retrieval_bbp.plot_inputs import read_inputs, sources


def main() -> None:
    args, d = read_inputs(__doc__)
    th, sp = d["theory"], d["spectrum"]
    with house_style():
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9.0, 3.6))
        for k, (akey, rows) in enumerate(sorted(th["predictions"].items())):
            a = float(akey)
            rows = sorted(rows, key=lambda r: r["alpha"])
            al = [r["alpha"] for r in rows]
            ax.plot(
                al,
                [r["overlap2"] for r in rows],
                "-",
                color=f"C{k}",
                label=f"RMT theory, a = {a:g}",
            )
            by = defaultdict(list)
            for r in sp["rows"]:
                if r["a"] == a:
                    by[r["alpha"]].append(r["overlap2"][0])
            xs = sorted(by)
            ax.errorbar(
                xs,
                [np.mean(by[x]) for x in xs],
                yerr=[np.std(by[x]) for x in xs],
                fmt="o",
                color=f"C{k}",
                capsize=2,
                label=f"N = {sp['n']}, a = {a:g} (mean $\\pm$ std, {len(by[xs[0]])} seeds)",
            )
            ac = th["thresholds"][akey]["alpha_bbp_init"]
            ax.axvline(ac, color=f"C{k}", ls=":", lw=1)
        ax.set_xlabel(r"$\alpha = M/N$")
        ax.set_ylabel(r"$|v_1 \cdot w^*|^2 / N$ at $t = 0$")
        ax.set_title("Outlier of the initial Hessian (dotted: $\\alpha_{BBP}^{init}$)")
        ax.legend(fontsize=7)
        ts = sorted(th["thresholds"].values(), key=lambda r: r["a"])
        ax2.semilogx([r["a"] for r in ts], [r["alpha_bbp_init"] for r in ts], "o-")
        ax2.set_xlabel("loss parameter $a$")
        ax2.set_ylabel(r"$\alpha_{BBP}^{init}(a)$ (RMT solve)")
        ax2.set_title("Threshold at initialisation")
        save_figure(
            fig,
            args.out,
            replication="phase_retrieval_bbp",
            config_hash=args.config_hash,
            seed=str(sorted({r["seed"] for r in sp["rows"]})),
            sources=sources(args),
        )


if __name__ == "__main__":
    main()
