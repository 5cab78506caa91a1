"""Success probability vs alpha (Wilson 95% intervals): random init for several N, constrained and
spectral init."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications.phase_retrieval_bbp.analysis import wilson_interval
from replications.phase_retrieval_bbp.plot_inputs import read_inputs, sources


def curves(run: dict) -> dict:
    out = defaultdict(list)
    for r in run["rows"]:
        s = np.array(r["success"])
        lo, hi = wilson_interval(int(s.sum()), int(s.size))
        out[r["n"]].append((r["alpha"], s.mean(), lo, hi))
    return {n: sorted(v) for n, v in out.items()}


def draw(ax, pts, **kw) -> None:
    a, p, lo, hi = (np.array(x) for x in zip(*pts, strict=True))
    ax.errorbar(a, p, yerr=[p - lo, hi - p], capsize=2, **kw)


def main() -> None:
    args, d = read_inputs(__doc__)
    succ, th = d["success"], d["theory"]
    ac = th["thresholds"][repr(float(th["a_default"]))]["alpha_bbp_init"]
    with house_style():
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True)
        for k, (n, pts) in enumerate(sorted(curves(succ["random"]).items())):
            draw(ax1, pts, fmt="-o", color=f"C{k}", label=f"random, N = {n}")
        rnd = curves(succ["random"])
        for k, (init, mk) in enumerate([("constrained", "s"), ("spectral", "^")]):
            for n, pts in sorted(curves(succ[init]).items()):
                draw(ax2, pts, fmt=f"-{mk}", color=f"C{k + 4}", label=f"{init}, N = {n}")
                if n in rnd:
                    draw(
                        ax2,
                        rnd[n],
                        fmt="--o",
                        color="0.5",
                        label=f"random, N = {n}" if k == 0 else None,
                    )
        tc = succ["constrained"]["t_c"]
        for ax in (ax1, ax2):
            ax.axvline(ac, color="k", ls=":", lw=1, label=r"$\alpha_{BBP}^{init}$ (RMT)")
            ax.set_xlabel(r"$\alpha$")
        ax1.set_ylabel(
            rf"$P(|m(T)| > {succ['random']['m_threshold']})$, T = {succ['random']['t_max']:g}"
        )
        n_seeds = len(succ["random"]["rows"][0]["success"])
        ax1.set_title(f"Random initialisation ({n_seeds} seeds per point)")
        ax2.set_title(f"Constrained ($t_c$ = {tc:g}) and spectral initialisation")
        ax1.legend(fontsize=7)
        ax2.legend(fontsize=7)
        save_figure(
            fig,
            args.out,
            replication="phase_retrieval_bbp",
            config_hash=args.config_hash,
            seed=f"0..{n_seeds - 1}",
            sources=sources(args),
        )


if __name__ == "__main__":
    main()
