"""Plot one figure of the replication (``--figure``) from the computed numbers (.npz / .json)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz

TOYS = ("toy1", "toy2", "toy3")


#: Computed results a figure may read: ``--<key>`` (JSON) and ``--<key>-npz`` (arrays).
RESULTS = {
    "toys": "toys (compute_toys.py)",
    "dynamics": "toy_dynamics (compute_toy_dynamics.py)",
    "control": "theta_control (compute_theta.py --part control)",
    "slow": "theta_slow (compute_theta.py --part slow)",
    "followups": "theta_followups (compute_theta.py --part followups)",
}
Inputs = dict[str, str]


def load(inputs: Inputs, key: str) -> tuple[dict, dict]:
    """Arrays and numbers of one computed result (``--<key>-npz`` and ``--<key>``)."""
    missing = [f"--{k.replace('_', '-')}" for k in (f"{key}_npz", key) if not inputs.get(k)]
    if missing:
        raise ValueError(f"this figure reads {RESULTS[key]}: pass {' and '.join(missing)}")
    return read_npz(inputs[f"{key}_npz"]), read_json(inputs[key])


def fig_expansion(inputs: Inputs):
    a, _ = load(inputs, "toys")
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


def fig_kkt_theta(inputs: Inputs):
    c, cj = load(inputs, "control")
    s, sj = load(inputs, "slow")
    t, _ = load(inputs, "toys")
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


def fig_angles(inputs: Inputs):
    s, sj = load(inputs, "slow")
    t, _ = load(inputs, "toys")
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


def fig_sigma_scaling(inputs: Inputs):
    t, _ = load(inputs, "toys")
    f, fj = load(inputs, "followups")
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


def fig_escape_table(inputs: Inputs):
    _, tj = load(inputs, "toys")
    _, fj = load(inputs, "followups")
    rem = tj["remedies"]
    cols = [f"sigma x{f:g}" for f in (1e-2, 1e-1, 10.0, 100.0)]
    cols += [f"perturb s{s}" for s in rem["perturb_seeds"]] + ["restart (avg)", "C + eps I"]
    rows, table = [], []
    for name in TOYS:
        vi = tj["toys"][name]["taskVI"]
        g = vi["gain_vs_sigma1"]
        row = [g.get(f"{f:g}", np.nan) for f in (1e-2, 1e-1, 10.0, 100.0)]
        row += [vi["perturb_gain"][str(s)] for s in rem["perturb_seeds"]]
        row += [vi["restart_gain"], vi["regulariser"]["gain"]]
        rows.append(name)
        table.append(row)
    sg = fj["sigma_gain"]
    row = [sg.get(f"{f:g}", np.nan) for f in (1e-2, 1e-1, 10.0, 100.0)]
    row += [fj["perturb_gain"][str(s)] for s in rem["perturb_seeds"]]
    row += [fj["restart_gain"], fj["regulariser"]["gain"]]
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


def fig_pca_windows(inputs: Inputs):
    s, sj = load(inputs, "slow")
    _, cj = load(inputs, "control")
    fc = cj["fixed_control"]["pca"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4))
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
    ax = axes[2]
    rate_s = sj["pca"]["decades_per_1000"]
    ax.plot(np.arange(len(rate_s)), rate_s, "o-", label=f"{sj['instance']} (slow)")
    ax.plot(
        np.arange(len(fc["decades_per_1000"])),
        fc["decades_per_1000"],
        "s-",
        label=f"{cj['instance']} fixed-sigma control",
    )
    ax.axhline(0.5, color="k", ls="--", lw=1, label="stall threshold 0.5")
    ax.set_xlabel("window index")
    ax.set_ylabel("decades of r_max per 1000 iterations")
    ax.set_title("trapped = below the threshold and top-2 share >= 0.99")
    ax.legend()
    fig.tight_layout()
    return fig


def _cone_plane(ax, t: float, sigma: float) -> None:
    """The cone plane Z22 = -sigma - Z12 (Z11 >= 0), the optimal ray and Zbar (toy1.m)."""
    A, B = np.meshgrid(np.linspace(0, t, 10), np.linspace(-t, t, 10))
    ax.plot_surface(A, B, -sigma - B, color="b", alpha=0.12, linewidth=0)
    ax.plot([0, 1.2 * t], [0, 0], [-sigma, -sigma], "k-", lw=1.5, label="optimal ray $Z_\\star$")
    ax.scatter([0], [0], [-sigma], color="k", s=30, label="$\\bar Z$")
    ax.set_xlabel("$Z_{11}$")
    ax.set_ylabel("$Z_{12}$")
    ax.set_zlabel("$Z_{22}$")


def fig_toy1_field(inputs: Inputs):
    a, j = load(inputs, "dynamics")
    p3 = j["params"]["taskIII"]
    sigma = j["params"]["sigma"]
    P, U = a["field__points"], a["field__arrows"]
    fig = plt.figure(figsize=(7, 6))
    ax = fig.add_subplot(projection="3d")
    # Arrows scaled for visibility (the drift is O(t^2), the plane O(t)).
    scale = 0.1 * p3["t"] / max(np.abs(U).max(), 1e-300)
    ax.quiver(
        *P.T, *(scale * U).T, color="r", lw=0.8, label="$(t^2/2)\\,\\phi_Z(\\bar Z; H)$ (scaled)"
    )
    _cone_plane(ax, p3["t"], sigma)
    ax.view_init(60, -45)
    ax.legend(fontsize=7)
    ax.set_title(f"toy1 task III: limit drift on the cone, t = {p3['t']:g}, sigma = {sigma:g}")
    return fig


def fig_toy1_trajectories(inputs: Inputs):
    a, j = load(inputs, "dynamics")
    d = j["toy_dynamics"]["taskV"]
    sigma = j["params"]["sigma"]
    t_list = d["t_list"]
    fig = plt.figure(figsize=(4.2 * len(t_list), 8))
    for i, t in enumerate(t_list):
        ax = fig.add_subplot(2, len(t_list), i + 1, projection="3d")
        tr = a[f"taskV_{i}__traj"]
        # One polyline for all starts (NaN rows break it): one artist instead of 64.
        gap = np.full((1, tr.shape[1], 3), np.nan)
        lines = np.concatenate([tr, gap]).transpose(1, 0, 2).reshape(-1, 3)
        ax.plot(*lines.T, "r-", lw=0.5, rasterized=True)
        ax.scatter(*tr[0].T, color="0.5", s=4)
        _cone_plane(ax, 3 * t, sigma)
        ax.view_init(60, -45)
        ax.set_title(f"t = {t:g}: 64 off-cone starts (grey)", fontsize=9)
    ax = fig.add_subplot(2, 1, 2)
    ax.loglog(
        t_list, d["max_plane_distance_start"], "o-", label=f"start (slope {d['slope_start']:.3f})"
    )
    ax.loglog(
        t_list,
        d["max_plane_distance_after_one_step"],
        "s-",
        label=f"after one step (slope {d['slope_after_one_step']:.3f})",
    )
    ax.set_xlabel("t")
    ax.set_ylabel("max distance to the cone plane")
    ax.legend()
    fig.suptitle("toy1 task V: off-cone starts land on the cone plane in one step, then creep")
    fig.tight_layout()
    return fig


def fig_toy3_spike_grid(inputs: Inputs):
    a, j = load(inputs, "dynamics")
    p7 = j["params"]["taskVII"]
    eps_l, h_l = p7["eps_list"], p7["h_list"]
    fig, axes = plt.subplots(len(eps_l), len(h_l), figsize=(4 * len(h_l), 2.6 * len(eps_l)))
    dz, kkt, ang = a["taskVII__dz_norm"], a["taskVII__kkt"], a["taskVII__angle"]
    spk = a["taskVII__spikes"].astype(bool)
    for i, e in enumerate(eps_l):
        for k, h in enumerate(h_l):
            ax = axes[i, k]
            with np.errstate(divide="ignore"):
                ax.plot(np.log10(np.abs(np.diff(dz[:, i, k]))), lw=0.6, label="|d ||dZ|| |")
                ax.plot(np.log10(np.abs(np.diff(kkt[:, i, k]))), lw=0.6, label="|d r_max|")
            ax.plot(np.log10(ang[:, i, k]), lw=0.6, label="angle")
            for line in ax.get_lines():
                line.set_rasterized(True)  # 16 panels x 3000 points: keep the PDF light
            x = np.flatnonzero(spk[:, i, k])
            ax.plot(x, np.log10(ang[x, i, k]), "rx", ms=4)
            ax.set_title(f"eps = {e:g}, h = {h:.2f}: {x.size} spikes", fontsize=9)
    axes[0, 0].legend(fontsize=6)
    for ax in axes[-1]:
        ax.set_xlabel("iteration")
    fig.suptitle(
        f"toy3 task VII (t = {p7['t']:g}): log10 of |change of ||dZ|||, |change of r_max| and the"
        " angle between consecutive dZ; spikes (x) > 100 x rolling median"
    )
    fig.tight_layout()
    return fig


def fig_escape_dimension(inputs: Inputs):
    a, j = load(inputs, "dynamics")
    esc = j["toy_dynamics"]["escape"]
    ep = j["toy_dynamics"]["escape_params"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    ax = axes[0]
    for name in TOYS:
        ax.semilogy(a[f"escape_{name}__kkt"], lw=0.8, label=name)
    n, w = ep["iters"], ep["window"]
    ax.axvspan(n - w, n, color="0.8", alpha=0.6, label="slow window")
    ax.axvspan(n, n + w, color="C3", alpha=0.2, label="escape window")
    ax.axvline(n, color="k", lw=0.7, ls="--")
    ax.set_xlabel("iteration")
    ax.set_ylabel("$r_{max}$")
    ax.set_title(f"task VI: sigma 1 -> {ep['sigma_new']:g} at k = {n} (t = {ep['t']:g})")
    ax.legend(fontsize=7)
    ax = axes[1]
    x = np.arange(len(TOYS))
    for off, key, col in ((-0.2, "slow", "0.5"), (0.2, "escape", "C3")):
        ax.bar(x + off, [esc[t][key]["n999"] for t in TOYS], 0.4, color=col, label=f"{key} window")
    ax.set_xticks(x, TOYS)
    ax.set_ylabel("components for 99.9% of the variance of Z")
    for i, t in enumerate(TOYS):
        for off, key in ((-0.2, "slow"), (0.2, "escape")):
            rest = 1.0 - esc[t][key]["top1"]
            ax.text(i + off, 0.1, f"1 - top1\n{rest:.1e}", ha="center", fontsize=7)
    ax.legend(fontsize=7)
    ax.set_title("PCA of the centred iterates before / after the switch")
    fig.tight_layout()
    return fig


FIGURES = {
    "expansion": fig_expansion,
    "kkt_theta": fig_kkt_theta,
    "angles": fig_angles,
    "sigma_scaling": fig_sigma_scaling,
    "escape_table": fig_escape_table,
    "pca_windows": fig_pca_windows,
    "toy1_field": fig_toy1_field,
    "toy1_trajectories": fig_toy1_trajectories,
    "toy3_spike_grid": fig_toy3_spike_grid,
    "escape_dimension": fig_escape_dimension,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--figure", required=True, choices=list(FIGURES))
    for key in RESULTS:
        ap.add_argument(f"--{key}", help=f"{RESULTS[key]}: JSON")
        ap.add_argument(f"--{key}-npz", help=f"{RESULTS[key]}: arrays")
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True, help="the PNG (its PDF and sidecar go beside it)")
    args = ap.parse_args()
    inputs = {
        k: getattr(args, k) for key in RESULTS for k in (key, f"{key}_npz") if getattr(args, k)
    }
    with house_style():
        fig = FIGURES[args.figure](inputs)
        save_figure(
            fig,
            Path(args.out),
            replication="admm_sdp_drift",
            config_hash=args.config_hash,
            seed=None,
            sources=sorted(inputs.values()),
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
