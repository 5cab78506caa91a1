"""NMSE figures of the Newton runs (reads newton_<function>.json): vs evaluations, vs eps."""

from __future__ import annotations

import argparse

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json

LAW_COLORS = {"uniform": "C0", "asym_bernoulli": "C1", "gaussian": "C2"}
M_STYLES = {1: ("o", "-"), 2: ("s", "--"), 3: ("^", ":"), 4: ("v", "-.")}
LAW_LABELS = {"uniform": "Unif", "asym_bernoulli": "AsymBer", "gaussian": "Gauss"}


def nmse_vs_evals(ax, d: dict) -> None:
    p = d["params"]
    budgets = np.array(p["budgets"])
    c = d["cells"]
    y = np.array([c[f"2spsa/B{b}"]["nmse"] for b in budgets])
    e = np.array([c[f"2spsa/B{b}"]["se"] for b in budgets])
    ax.errorbar(budgets, y, yerr=2 * e, color="k", marker="D", ms=3, capsize=2, label="2SPSA")
    for k, law in enumerate(p["laws"]):
        for m in p["ms"]:
            alg = f"rdsa_{law}_m{m}"
            y = np.array([c[f"{alg}/B{b}"]["nmse"] for b in budgets])
            e = np.array([c[f"{alg}/B{b}"]["se"] for b in budgets])
            mk, ls = M_STYLES[m]
            name = f"2RDSA-{LAW_LABELS[law]}" if m == 1 else f"G-RDSA-{LAW_LABELS[law]} m={m}"
            # Small horizontal offsets keep overlapping error bars readable.
            x = budgets * (1.0 + 0.02 * (len(p["ms"]) * k + m - 6.5))
            ax.errorbar(
                x,
                y,
                yerr=2 * e,
                color=LAW_COLORS[law],
                marker=mk,
                ls=ls,
                ms=3,
                capsize=2,
                label=name,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("function evaluations")
    ax.set_title(f"{d['function']} (sigma = {p['sigma']:g}, {p['replications']} runs)", fontsize=9)


def nmse_vs_eps(ax, d: dict) -> None:
    d["params"]
    c = d["cells"]
    eps = np.array(sorted(float(k) for k in d["eps_sweep"]))
    keys = [d["eps_sweep"][f"{x:g}"] for x in eps]
    y = np.array([c[k]["nmse"] for k in keys])
    e = np.array([c[k]["se"] for k in keys])
    ax.errorbar(
        eps, y, yerr=2 * e, color="C1", marker="o", capsize=2, label="2RDSA-AsymBer (+-2 SE)"
    )
    s = c[f"2spsa/B{d['eps_budget']}"]
    ax.axhline(s["nmse"], color="k", ls="--", lw=1, label="2SPSA")
    ax.axhspan(s["nmse"] - 2 * s["se"], s["nmse"] + 2 * s["se"], color="k", alpha=0.1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("asymmetry eps")
    ax.set_title(f"{d['function']}, budget {d['eps_budget']}", fontsize=9)
    tw = ax.twinx()
    grid = np.logspace(np.log10(eps.min()), np.log10(eps.max()), 100)
    tw.loglog(
        grid,
        1.0 / (grid**2 * (1 + grid)),
        color="0.5",
        lw=0.8,
        label="1/kappa = 1/(eps^2 (1+eps)) (right axis)",
    )
    tw.set_ylabel("theoretical diagonal variance 1/kappa", color="0.4", fontsize=8)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = tw.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=6, loc="upper right")


def draw(figure: str, out: str, data: list[dict], args: argparse.Namespace) -> None:
    """Draw and save one figure."""
    with house_style():
        fig, axes = plt.subplots(1, len(data), figsize=(5.2 * len(data), 4.2))
        for ax, d in zip(np.atleast_1d(axes), data, strict=True):
            (nmse_vs_evals if figure == "nmse_vs_evals" else nmse_vs_eps)(ax, d)
        ax0 = np.atleast_1d(axes)[0]
        ax0.set_ylabel("NMSE  |x - x*|^2 / |x0 - x*|^2  (+-2 SE)")
        if figure == "nmse_vs_evals":
            ax0.legend(fontsize=5.5, ncol=2, loc="lower left")
        fig.tight_layout()
        save_figure(
            fig,
            out,
            replication="rdsa_bias",
            config_hash=args.config_hash,
            seed=data[0]["params"]["seed"],
            sources=list(args.json),
            compute_benchmark=args.compute_benchmark,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--figure", required=True, choices=["nmse_vs_evals", "nmse_vs_eps"])
    ap.add_argument("--json", required=True, nargs="+", help="newton_<function>.json, each")
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True, help="the PNG path")
    args = ap.parse_args()
    data = sorted((read_json(p) for p in args.json), key=lambda d: d["function"])
    draw(args.figure, args.out, data, args)


if __name__ == "__main__":
    main()
