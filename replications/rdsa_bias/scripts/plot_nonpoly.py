"""Non-polynomial Newton runs (reads nonpoly.json): NMSE vs evaluations for m = 1..4.

Left: f(x) = x^T A x + sum (exp(x_i) - 1 - x_i), mean over seeds of each seed's NMSE with
+-2 SE of that mean; the per-seed values are thin lines and the median replication (mean over
seeds, descriptive: no claim reads it) is dashed. Middle: the control objective (a
quadratic with the same Hessian at x*). Right: f with a non-decaying perturbation c_k = c0.
"""

from __future__ import annotations

import argparse

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json

M_COLORS = {1: "C0", 2: "C1", 3: "C2", 4: "C4"}
PANELS = (
    ("expquad", "f = x'Ax + sum(exp(x) - 1 - x)"),
    ("control", "control: x'Ax + |x|^2/2 (unbiased)"),
    ("expquad_const_c", "f, non-decaying c_k = c0"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    d = read_json(args.json)
    p, c = d["params"], d["cells"]
    with house_style():
        fig, axes = plt.subplots(1, 3, figsize=(13.0, 4.0), sharey=True)
        for ax, (variant, title) in zip(axes, PANELS, strict=True):
            seeds = p["seeds"] if variant == "expquad" else p["control_seeds"]
            for m in p["ms"]:
                budgets = sorted(
                    {x["budget"] for x in c.values() if x["variant"] == variant and x["m"] == m}
                )
                y = np.array(
                    [[c[f"{variant}/s{s}/m{m}/B{b}"]["nmse"] for b in budgets] for s in seeds]
                )
                se = np.array(
                    [[c[f"{variant}/s{s}/m{m}/B{b}"]["se"] for b in budgets] for s in seeds]
                )
                med = np.array(
                    [[c[f"{variant}/s{s}/m{m}/B{b}"]["median"] for b in budgets] for s in seeds]
                )
                x = np.array(budgets) * (1.0 + 0.03 * (m - 2.5))
                # Descriptive: the median replication (mean over seeds), dashed.
                ax.plot(x, med.mean(0), ls="--", marker="x", color=M_COLORS[m], lw=1.0)
                for row in y:
                    ax.plot(x, row, color=M_COLORS[m], lw=0.5, alpha=0.5)
                ax.errorbar(
                    x,
                    y.mean(0),
                    yerr=2 * np.sqrt(np.sum(se**2, 0)) / len(seeds),
                    marker="o",
                    capsize=2,
                    color=M_COLORS[m],
                    label=f"m={m} ({2 * m + 1} meas.), gamma=1/{4 * m + 2}",
                )
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("function evaluations")
            ax.set_title(f"{title}\nseeds {seeds}, {p['replications']} runs each", fontsize=8.5)
        axes[0].set_ylabel("NMSE |x - x*|^2 / |x0 - x*|^2  (+-2 SE); dashed: median")
        axes[0].legend(fontsize=7)
        fig.suptitle(
            f"Newton, U[-1,1], a_k = {p['a']:g}/k^{p['alpha']:g}, c_k = {p['c']:g}/k^(1/(4m+2)), "
            f"sigma = {p['sigma']:g}, x0 = {p['x0']:g} 1 (README D12)",
            fontsize=9,
        )
        fig.tight_layout()
        save_figure(
            fig,
            args.out,
            replication="rdsa_bias",
            config_hash=args.config_hash,
            seed=p["seeds"][0],
            sources=[args.json],
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
