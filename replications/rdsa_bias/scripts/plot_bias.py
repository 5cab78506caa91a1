"""Bias-vs-delta figures (reads bias.npz / bias.json): Hessian, gradient, one-sided stencil."""

from __future__ import annotations

import argparse

import numpy as np
from matplotlib.ticker import LogLocator, NullFormatter

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz

LAW_TITLES = {
    "gaussian": "Gaussian (closed form)",
    "uniform": "uniform U[-1,1] (control-variate MC)",
    "asym_bernoulli": "asym. Bernoulli, eps=1 (enumeration)",
    "sym_bernoulli": "symmetric Bernoulli (enumeration)",
}
M_COLORS = {1: "C0", 2: "C1", 3: "C2", 4: "C4"}


def reference(ax, deltas, y_anchor, order, color):
    """Dashed slope-`order` line, a factor 5 below the curve's value at the window's top."""
    y_anchor = 0.2 * y_anchor
    ax.plot(
        deltas, y_anchor * (deltas / deltas[-1]) ** order, ls="--", lw=0.8, color=color, alpha=0.6
    )


def panel(ax, a, meta, kind, law, with_spsa):
    deltas = a["deltas"]
    win = a["window"].astype(bool)
    lo, hi = meta["fit_window"]
    ax.axvspan(lo, hi, color="0.92", zorder=0)
    xwin = a["extra_window"].astype(bool)
    extra = list(meta["params"].get("extra_ms", []))
    for m in list(meta["params"]["ms"]) + extra:
        key = f"{kind}/{law}/m{m}"
        y = a[key]
        # m = 4 is fitted on its own (higher) window; its reference line spans that window.
        s = meta["extra_slopes"][key] if m in extra else meta["slopes"][key]
        w = xwin if m in extra else win
        xlo, xhi = meta["extra_fit_window"]
        note = f" on [{xlo:g}, {xhi:g}]" if m in extra else ""
        ax.loglog(
            deltas,
            y,
            "o-",
            ms=3,
            color=M_COLORS[m],
            label=f"m={m} ({2 * m + 1} meas.): slope {s:.2f}{note}",
        )
        reference(ax, deltas[w], y[w][-1], 2 * m, M_COLORS[m])
        se = a.get(f"{kind}_se/{law}/m{m}")
        if se is not None:
            ax.fill_between(
                deltas, np.maximum(y - 2 * se, y * 1e-3), y + 2 * se, color=M_COLORS[m], alpha=0.2
            )
    if with_spsa:
        s = meta["slopes"]["hess/2spsa"]
        ax.loglog(
            deltas, a["hess/2spsa"], "s:", ms=3, color="k", label=f"2SPSA (4 meas.): slope {s:.2f}"
        )
    ax.set_title(LAW_TITLES[law], fontsize=9)
    ax.set_xlabel("perturbation size $\\delta$")
    ax.legend(fontsize=6.5, loc="lower right")


def draw(figure: str, out: str, a: dict, meta: dict, args: argparse.Namespace) -> None:
    """Draw and save one figure."""
    with house_style():
        if figure in ("hessian_bias", "gradient_bias"):
            kind = "hess" if figure == "hessian_bias" else "grad"
            laws = ["gaussian", "uniform", "asym_bernoulli"] + (
                ["sym_bernoulli"] if kind == "grad" else []
            )
            fig, axes = plt.subplots(1, len(laws), figsize=(3.4 * len(laws), 3.6), sharey=True)
            for ax, law in zip(axes, laws, strict=True):
                panel(ax, a, meta, kind, law, with_spsa=kind == "hess")
            axes[0].set_ylabel(
                "$\\|E\\hat H_m - H\\|_F / \\|H\\|_F$"
                if kind == "hess"
                else "$\\|E\\hat g_m - g\\|/\\|g\\|$"
            )
            fig.suptitle(
                f"{'Hessian' if kind == 'hess' else 'Gradient'} bias on 10-D Rastrigin "
                "(dashed: slope 2m; grey: fit window of m <= 3)",
                fontsize=10,
            )
        else:
            fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.6), sharey=True)
            deltas = a["deltas"]
            for ax, law in zip(axes, ["asym_bernoulli", "gaussian"], strict=True):
                for kind, lab, col in (("hess", "Hessian", "C0"), ("grad", "gradient", "C3")):
                    s_c = meta["slopes"][f"{kind}/{law}/m1"]
                    s_o = meta["slopes"][f"one_sided/{kind}/{law}"]
                    ax.loglog(
                        deltas,
                        a[f"{kind}/{law}/m1"],
                        "o-",
                        ms=3,
                        color=col,
                        label=f"{lab}, central (-1,0,1): slope {s_c:.2f}",
                    )
                    ax.loglog(
                        deltas,
                        a[f"one_sided/{kind}/{law}"],
                        "s--",
                        ms=3,
                        color=col,
                        label=f"{lab}, one-sided (0,1,2): slope {s_o:.2f}",
                    )
                ax.set_title(LAW_TITLES[law], fontsize=9)
                ax.set_xlabel("perturbation size $\\delta$")
                ax.legend(fontsize=6.5, loc="lower right")
            axes[0].set_ylabel("relative bias")
            fig.suptitle("One-sided vs central 3-point stencils (10-D Rastrigin)", fontsize=10)
        for ax in np.atleast_1d(axes):
            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_minor_formatter(NullFormatter())
        fig.tight_layout()
        save_figure(
            fig,
            out,
            replication="rdsa_bias",
            config_hash=args.config_hash,
            seed=meta["params"]["point_seed"],
            sources=[args.npz, args.json],
            compute_benchmark=args.compute_benchmark,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--figure", required=True, choices=["hessian_bias", "gradient_bias", "one_sided"]
    )
    ap.add_argument("--npz", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True, help="the PNG path")
    args = ap.parse_args()
    draw(args.figure, args.out, read_npz(args.npz), read_json(args.json), args)


if __name__ == "__main__":
    main()
