"""Quadratic figures: thresholds vs bounds and momentum; Monte Carlo second moments (reads only)."""

from __future__ import annotations

import argparse

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz

LABEL = {"gd": "ZO-GD", "gdm": "ZO-GDM", "adam": "frozen ZO-Adam"}


def thresholds(arrays: dict, meta: dict):
    fig, axes = plt.subplots(1, 2, figsize=(9.2, 3.8))
    ax = axes[0]
    for i, key in enumerate(k for k in meta["bounds"]):
        rank = arrays[f"bounds__{key}__rank"]
        ax.scatter(rank, arrays[f"bounds__{key}__ratio"], s=5, color=f"C{i}", label=key)
        o = np.argsort(rank)
        ax.plot(rank[o], arrays[f"bounds__{key}__lower_ratio"][o], color=f"C{i}", lw=0.6, ls=":")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="upper bound 2c/Tr")
    ax.set_xscale("log")
    ax.set_xlabel("effective rank Tr / lambda_max")
    ax.set_ylabel("eta*_ms / (2c / Tr)")
    ax.set_title("exact threshold between the bounds\n(dotted: lower bound / upper bound)")
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[1]
    b = arrays["momentum__betas"]
    ax.plot(b, arrays["momentum__zo"], "o-", label="ZO-GDM eta*_ms (Thm. 2)")
    ax.plot(b, arrays["momentum__fo"], "s-", label="first-order GDM 2(1+beta)/lambda_max")
    ax.plot(b, (1 - b) * meta["momentum"]["eta_gd"], "k:", label="(1 - beta) x eta*_ms(ZO-GD)")
    ax.set_yscale("log")
    ax.set_xlabel("momentum beta (heavy ball)")
    ax.set_ylabel("threshold step size")
    ax.set_title(
        "linspace(1, 0.05, 50): momentum shrinks\nthe ZO range, widens the first-order one"
    )
    ax.legend(fontsize=7)
    return fig


def monte_carlo(arrays: dict, meta: dict):
    fig, axes = plt.subplots(1, 4, figsize=(13.5, 3.6))
    for ax, method in zip(axes[:3], ("gd", "gdm", "adam"), strict=True):
        for f, color in ((0.9, "C0"), (1.1, "C3")):
            key = f"{method}_f{f}"
            mc, ex = arrays[f"mc__{key}__mean_sq"], arrays[f"mc__{key}__exact"]
            ax.plot(mc, color=color, lw=1.2, label=f"Monte Carlo, {f} eta*")
            ax.plot(ex, color="k", lw=0.8, ls="--", label="exact recursion" if f == 0.9 else None)
        ax.set_yscale("log")
        ax.set_xlabel("iteration t")
        ax.set_ylabel("E||x_t||^2 / E||x_0||^2")
        ax.set_title(LABEL[method])
        ax.legend(fontsize=7)
    ax = axes[3]
    mv = meta["mean_vs_mean_square"]
    ax.plot(arrays["mean__mean_sq"], color="C3", label="mean square (MC)")
    ax.plot(arrays["mean__mean_norm"], color="C0", label="||mean x_t|| (MC)")
    ax.plot(arrays["mean__exact_mean_norm"], "k--", lw=0.8, label="||(I - eta H)^t x0|| (exact)")
    ax.set_yscale("log")
    ax.set_xlabel("iteration t")
    ax.set_title(
        f"ZO-GD at 1.1 eta*_ms = {mv['eta']:.3f}\n(2/lambda_max = {mv['mean_threshold']:.1f})"
    )
    ax.legend(fontsize=7)
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--figure", required=True, choices=["quadratic_thresholds", "quadratic_monte_carlo"]
    )
    ap.add_argument("--npz", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    arrays, meta = read_npz(args.npz), read_json(args.json)
    with house_style():
        fig = (thresholds if args.figure == "quadratic_thresholds" else monte_carlo)(arrays, meta)
        fig.tight_layout()
        save_figure(
            fig,
            args.out,
            replication="zo_edge_of_stability",
            config_hash=args.config_hash,
            seed=0,
            sources=[args.npz, args.json],
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
