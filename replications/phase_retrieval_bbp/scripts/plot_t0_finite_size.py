"""Finite-size trend of the t = 0 spectrum: squared overlap of the bottom eigenvector with w* vs
alpha for N = 256 ... 1500 against theory; below-threshold overlap vs N against the 1/N floor
and the decoy direction; the alpha at which the mean crosses 0.1, per N (dense eigh, D8)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications.phase_retrieval_bbp.plot_inputs import read_inputs, sources


def main() -> None:
    args, d = read_inputs(__doc__)
    th, dense = d["theory"], d["dense"]
    a0 = float(dense["a_default"])
    ov, dec = defaultdict(list), defaultdict(list)
    for r in dense["rows"]:
        if r["a"] == a0:
            ov[(r["n"], r["alpha"])].append(r["overlap2"][0])
            dec[(r["n"], r["alpha"])].append(r["decoy_overlap2"][0])
    ns = sorted({n for n, _ in ov})
    alphas = sorted({al for _, al in ov})
    al_c = th["thresholds"][repr(a0)]["alpha_bbp_init"]
    cross = d["measurements"]["t0-transition-location-large-n"]["details"]["crossing_by_n"]
    with house_style():
        fig, (ax, ax2, ax3) = plt.subplots(1, 3, figsize=(13.5, 3.8))
        rows = sorted(th["predictions"][repr(a0)], key=lambda r: r["alpha"])
        ax.plot([r["alpha"] for r in rows], [r["overlap2"] for r in rows], "k-", label="RMT theory")
        for k, n in enumerate(ns):
            grid = [al for al in alphas if (n, al) in ov]  # some sizes: near threshold only
            x = [al + 0.03 * (k - 1.5) for al in grid]
            ax.errorbar(
                x,
                [np.mean(ov[(n, al)]) for al in grid],
                yerr=[np.std(ov[(n, al)]) for al in grid],
                fmt="o",
                ms=3,
                capsize=2,
                color=f"C{k}",
                label=f"N = {n}",
            )
        ax.axvline(al_c, color="k", ls=":", lw=1)
        ax.axhline(0.1, color="gray", ls="--", lw=0.8)
        ax.set_xlabel(r"$\alpha$")
        ax.set_ylabel(r"$|v_1 \cdot w^*|^2 / N$ at $t = 0$")
        ax.set_title(f"Mean $\\pm$ std over {len(dense['seeds'])} seeds, a = {a0:g}")
        ax.legend(fontsize=7)
        low = [al for al in alphas if al <= 3.0]
        for k, al in enumerate(low):
            ax2.loglog(
                ns,
                [np.mean(ov[(n, al)]) for n in ns],
                "o-",
                color=f"C{k}",
                label=rf"$\alpha = {al:g}$",
            )
        ax2.loglog(
            ns,
            [np.mean([np.mean(v) for (nn, _), v in dec.items() if nn == n]) for n in ns],
            "s--",
            color="gray",
            mfc="none",
            label="decoy direction (all $\\alpha$)",
        )
        ax2.loglog(ns, [1.0 / n for n in ns], "k:", label="$1/N$")
        ax2.axhline(0.15, color="gray", ls="--", lw=0.8)
        ax2.set_xlabel("N")
        ax2.set_xticks(ns, [str(n) for n in ns])
        ax2.minorticks_off()
        ax2.set_ylabel(r"mean $|v_1 \cdot w^*|^2 / N$")
        ax2.set_title(r"At and below $\alpha_{BBP}^{init}$ (dashed: 0.15)")
        ax2.legend(fontsize=7)
        nc = sorted(cross, key=int)
        ax3.semilogx([int(n) for n in nc], [cross[n] for n in nc], "o-", label="measured")
        ax3.axhline(al_c, color="k", ls=":", lw=1, label=r"$\alpha_{BBP}^{init}$ (RMT)")
        ax3.axhspan(2.6, 3.85, color="C2", alpha=0.1, lw=0, label="claim window")
        ax3.set_xlabel("N")
        ax3.set_xticks(ns, [str(n) for n in ns])
        ax3.minorticks_off()
        ax3.set_ylabel(r"$\alpha$ where the mean first exceeds 0.1")
        ax3.set_title("Transition location vs N")
        ax3.legend(fontsize=7)
        save_figure(
            fig,
            args.out,
            replication="phase_retrieval_bbp",
            config_hash=args.config_hash,
            seed=str(dense["seeds"]),
            sources=sources(args),
        )


if __name__ == "__main__":
    main()
