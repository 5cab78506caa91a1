"""Plot every figure of the replication from the computed numbers (reads .npz / .json only)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz

TOYS = ("toy1", "toy2", "toy3")


def load(results: Path, name: str) -> tuple[dict, dict]:
    return read_npz(results / f"{name}.npz"), read_json(results / f"{name}.json")


def fig_expansion(results: Path):
    a, _ = load(results, "toys")
    t_list = a["t_list"]
    fig, axes = plt.subplots(3, 3, figsize=(12, 10))
    cmap = plt.get_cmap("viridis")
    for row, name in enumerate(TOYS):
        ax0, ax1, ax2 = axes[row]
        for i, t in enumerate(t_list):
            col = cmap(i / max(1, len(t_list) - 1))
            lab = f"t = 1e{np.log10(t):.1f}"
            ax0.semilogy(a[f"{name}__taskI_{i}__dz_norm"], color=col, lw=0.8, label=lab)
            rel = np.minimum(a[f"{name}__taskI_{i}__relerr"], 1.0)
            ax1.semilogy(rel, color=col, lw=0.8)
        ax0.set_title(f"{name}: $\\|\\Delta Z^{{(k)}}\\|_F$")
        ax1.set_title(f"{name}: rel. error to $(t^2/2)\\,\\phi(\\bar Z; H)$ (capped at 1)")
        ax0.set_xlabel("iteration k")
        ax1.set_xlabel("iteration k")
        ax2.loglog(t_list, a[f"{name}__first_step"], "o-", label="first step, H in cone")
        ax2.loglog(t_list, a[f"{name}__off_cone_step"], "s-", label="first step, random H")
        ax2.loglog(t_list, a[f"{name}__min_relerr"], "^-", label="min$_k$ rel. error")
        ax2.loglog(t_list, a[f"{name}__relerr_first"], "v:", label="rel. error, first logged step")
        ax2.loglog(t_list, t_list**2, "k--", lw=0.7, label="$t^2$, $t$")
        ax2.loglog(t_list, t_list, "k--", lw=0.7)
        ax2.set_xlabel("t")
        ax2.set_title(f"{name}: orders in t")
        if row == 0:
            ax0.legend(fontsize=6, ncol=2)
            ax2.legend(fontsize=6)
    fig.suptitle("Second-order expansion from $Z^0 = \\bar Z + tH$ (code task I), sigma = 1")
    fig.tight_layout()
    return fig


def fig_kkt_theta(results: Path):
    c, cj = load(results, "theta_control")
    s, sj = load(results, "theta_slow")
    t, _ = load(results, "toys")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    ax.semilogy(c["control__kkt"], label=f"{cj['instance']} $r_{{max}}$")
    ax.semilogy(c["control__dz_norm"], alpha=0.6, label="$\\|\\Delta Z\\|$")
    ax.set_title(f"control {cj['instance']}: converged = {cj['converged']}")
    ax.set_xlabel("iteration")
    ax.legend()
    ax2 = ax.twinx()
    ax2.plot(c["control__sigma"], "k:", lw=0.8)
    ax2.set_ylabel("sigma (dotted)")
    ax = axes[1]
    kkt = np.concatenate([s["adaptive__kkt"], s["fixed__kkt"]])
    dz = np.concatenate([s["adaptive__dz_norm"], s["fixed__dz_norm"]])
    sig = np.concatenate([s["adaptive__sigma"], s["fixed__sigma"]])
    ax.semilogy(kkt, label="$r_{max}$")
    ax.semilogy(dz, alpha=0.6, label="$\\|\\Delta Z\\|$")
    ax.axvline(len(s["adaptive__kkt"]), color="r", lw=0.8, ls="--", label="sigma fixed from here")
    ax.set_title(f"slow region {sj['instance']}")
    ax.set_xlabel("iteration")
    ax.legend()
    ax2 = ax.twinx()
    ax2.plot(sig, "k:", lw=0.8)
    ax2.set_ylabel("sigma (dotted)")
    ax = axes[2]
    for name in TOYS:
        ax.semilogy(t[f"{name}__taskVI_start__kkt"], label=name)
    ax.set_title("toys from $\\bar Z + 10^{-4} H$, sigma = 1")
    ax.set_xlabel("iteration")
    ax.set_ylabel("$r_{max}$")
    ax.legend()
    fig.tight_layout()
    return fig


def fig_angles(results: Path):
    s, sj = load(results, "theta_slow")
    t, _ = load(results, "toys")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    ax = axes[0]
    n1 = len(s["adaptive__angle_z"])
    ax.semilogy(np.arange(n1), s["adaptive__angle_z"], lw=0.4, color="0.6", label="adaptive sigma")
    k2 = n1 + np.arange(len(s["fixed__angle_z"]))
    ax.semilogy(k2, s["fixed__angle_z"], lw=0.4, color="C0", label="fixed sigma")
    sp = s["fixed__spikes"].astype(bool)
    ax.semilogy(
        k2[sp],
        s["fixed__angle_z"][sp],
        "rx",
        ms=4,
        label=f"spikes (> 100 x rolling median): {sj['angles']['n_spikes']}",
    )
    ax.set_title(f"{sj['instance']}: angle between consecutive $\\Delta Z$ (rad)")
    ax.set_xlabel("iteration")
    ax.legend(fontsize=7)
    ax = axes[1]
    t_list = t["t_list"]
    for i, tv in enumerate(t_list):
        if 1e-5 <= tv <= 1e-2:
            ax.semilogy(t[f"toy1__taskI_{i}__angle_z"], lw=0.7, label=f"t = 1e{np.log10(tv):.1f}")
    ax.set_title("toy1 (task I): angle between consecutive $\\Delta Z$")
    ax.set_xlabel("iteration")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_sigma_scaling(results: Path):
    t, _ = load(results, "toys")
    f, fj = load(results, "theta_followups")
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    panels = [
        (
            name,
            {
                k: t[f"{name}__taskIV_sweep__{k}"]
                for k in ("sigma", "dx_norm", "ds_norm", "pinf", "dinf")
            },
        )
        for name in TOYS
    ]
    panels.append(
        (
            fj["instance"],
            {k: f[f"sweep__{k}"] for k in ("sigma", "dx_norm", "ds_norm", "pinf", "dinf")},
        )
    )
    for ax, (title, d) in zip(axes, panels, strict=True):
        ls = np.log10(d["sigma"])
        for key, lab in (
            ("dx_norm", "$\\|\\Delta X\\|$"),
            ("ds_norm", "$\\|\\Delta S\\|$"),
            ("pinf", "$r_p$"),
            ("dinf", "$r_d$"),
        ):
            ax.plot(ls, np.log10(d[key]), label=lab)
        ax.set_title(title)
        ax.set_xlabel("log10 sigma")
    axes[0].set_ylabel("log10")
    axes[0].legend(fontsize=7)
    fig.suptitle(
        "sigma sweep x10 inside the slow region (toys: task IV, t = 1e-5; 1dc: four_items)"
    )
    fig.tight_layout()
    return fig


def fig_escape_table(results: Path):
    _, tj = load(results, "toys")
    _, fj = load(results, "theta_followups")
    rem = tj["remedies"]
    cols = [f"sigma x{f:g}" for f in (1e-2, 1e-1, 10.0, 100.0)]
    cols += [f"perturb s{s}" for s in rem["perturb_seeds"]] + ["C + eps I"]
    rows, table = [], []
    for name in TOYS:
        vi = tj["toys"][name]["taskVI"]
        g = vi["gain_vs_sigma1"]
        row = [g.get(f"{f:g}", np.nan) for f in (1e-2, 1e-1, 10.0, 100.0)]
        row += [vi["perturb_gain"][str(s)] for s in rem["perturb_seeds"]]
        row += [vi["regulariser"]["gain"]]
        rows.append(name)
        table.append(row)
    sg = fj["sigma_gain"]
    row = [sg.get(f"{f:g}", np.nan) for f in (1e-2, 1e-1, 10.0, 100.0)]
    row += [fj["perturb_gain"][str(s)] for s in rem["perturb_seeds"]] + [fj["regulariser"]["gain"]]
    rows.append(fj["instance"])
    table.append(row)
    T = np.array(table, dtype=float)
    fig, ax = plt.subplots(figsize=(10, 3.6))
    lim = max(1.0, np.nanmax(np.abs(T)))
    im = ax.imshow(T, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    for i in range(T.shape[0]):
        for j in range(T.shape[1]):
            txt = "n/a" if np.isnan(T[i, j]) else f"{T[i, j]:+.2f}"
            ax.text(j, i, txt, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(cols)), cols, rotation=20)
    ax.set_yticks(range(len(rows)), rows)
    fig.colorbar(im, ax=ax, label="decades of $r_{max}$ gained vs continuing unchanged")
    ax.set_title("Escape table: sigma change (paper, task VI) and the seed document's remedies")
    fig.tight_layout()
    return fig


def fig_pca_windows(results: Path):
    s, sj = load(results, "theta_slow")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    starts = s["pca__starts"]
    ax = axes[0]
    ax.plot(starts, 1 - s["pca__top1"], "o-", label="1 - top-1 ratio")
    ax.plot(starts, 1 - s["pca__top2"], "s-", label="1 - top-2 ratio")
    ax.set_yscale("log")
    ax.set_xlabel("window start (iteration)")
    ax.plot(starts, 1 - s["pca__step_top1"], "^-", label="1 - top-1 ratio, unit steps dZ")
    ax.set_title(f"{sj['instance']}, fixed sigma: PCA per window")
    ax.legend()
    ax = axes[1]
    ax.step(starts, s["pca__n999"], where="post")
    ax.set_xlabel("window start (iteration)")
    ax.set_ylabel("components for 99.9% of variance")
    fig.tight_layout()
    return fig


FIGURES = {
    "expansion": fig_expansion,
    "kkt_theta": fig_kkt_theta,
    "angles": fig_angles,
    "sigma_scaling": fig_sigma_scaling,
    "escape_table": fig_escape_table,
    "pca_windows": fig_pca_windows,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--results", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    results = Path(args.results)
    sources = sorted(str(p) for p in results.glob("*.json") if p.name != "measurements.json")
    # One job draws every figure: matplotlib's start-up dominates each figure's cost.
    for name, draw in FIGURES.items():
        with house_style():
            fig = draw(results)
            save_figure(
                fig,
                Path(args.out_dir) / f"{name}.png",
                replication="admm_sdp_drift",
                config_hash=args.config_hash,
                seed=None,
                sources=sources,
                compute_benchmark=args.compute_benchmark,
            )


if __name__ == "__main__":
    main()
