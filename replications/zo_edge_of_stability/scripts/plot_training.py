"""Training figures: Fig. 1-5 analogues (reads the training logs only)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz
from replications.zo_edge_of_stability.analysis import band, threshold


def load(npzs: list[str], jsons: list[str]) -> tuple[dict, dict, list[str]]:
    """Runs and their settings from the i-th npz and json of every group (same stem)."""
    runs, meta, sources = {}, {}, []
    for npz, js in zip(npzs, jsons, strict=True):
        if Path(npz).with_suffix("").name != Path(js).with_suffix("").name:
            raise ValueError(f"--train-npz {npz} and --train-json {js} are not the same group")
        arr, m = read_npz(npz), read_json(js)
        g = m["group"]
        sources += [npz, js]
        for name, cfg in m["runs"].items():
            runs[name] = {
                k.split("__", 1)[1]: v for k, v in arr.items() if k.startswith(name + "__")
            }
            meta[name] = {**cfg, "group": g, "adam_beta1": m["train"]["adam_betas"][0]}
    return runs, meta, sources


def of_group(meta: dict, group: str, seed: int | None = 0) -> list[str]:
    return [
        n for n, c in meta.items() if c["group"] == group and (seed is None or c["seed"] == seed)
    ]


def eos_gd_vs_zo(runs: dict, meta: dict):
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), sharex="col")
    for col, (group, q, title) in enumerate(
        (("gd", "lambda_max", "first-order GD: lambda_max"), ("zo_gd", "trace", "ZO-GD: Tr(H)"))
    ):
        for i, n in enumerate(of_group(meta, group)):
            r, eta = runs[n], float(meta[n]["eta"])
            axes[0, col].plot(
                r["loss_step"], r["loss"], color=f"C{i}", lw=0.8, label=f"eta={eta:g}"
            )
            axes[1, col].plot(r["step"], r[q], "o-", color=f"C{i}", ms=3, label=f"eta={eta:g}")
            axes[1, col].axhline(2 / eta, color=f"C{i}", ls="--", lw=0.8)
            if group == "zo_gd":
                axes[1, col].plot(r["step"], r["lambda_max"], ":", color=f"C{i}", lw=0.8)
        axes[0, col].set_yscale("log")
        axes[0, col].set_ylabel("training loss")
        axes[0, col].set_title(title + " (dashed: 2/eta)")
        axes[0, col].legend(fontsize=7)
        axes[1, col].set_xlabel("iteration")
        axes[1, col].set_ylabel(q + (" (dotted: lambda_max)" if group == "zo_gd" else ""))
    return fig


def eos_band(runs: dict, meta: dict):
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 3.9))
    for ax, group, title in zip(
        axes,
        ("zo_gd", "zo_gdm", "zo_adam"),
        (
            "ZO-GD: Tr, Tr + 2 lmax, 2/eta",
            "ZO-GDM (eta=0.01): Tr, Tr + 2 lmax/(1+b), 2(1-b)/eta",
            "ZO-Adam: Tr(P^-1 H), + 2 lmax/(1+b1), 2/eta",
        ),
        strict=True,
    ):
        for i, n in enumerate(of_group(meta, group)):
            c, r = meta[n], runs[n]
            method = c["method"]
            beta = float(c.get("beta", c["adam_beta1"] if method == "adam" else 0.0))
            lo, hi = band(r, method, beta)
            lab = f"beta={beta:g}" if group == "zo_gdm" else f"eta={float(c['eta']):g}"
            ax.plot(r["step"], lo, "-", color=f"C{i}", label=lab)
            ax.plot(r["step"], hi, "-.", color=f"C{i}", lw=0.8)
            ax.axhline(threshold(method, float(c["eta"]), beta), color=f"C{i}", ls="--", lw=0.8)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("iteration")
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    return fig


def catapult(runs: dict, meta: dict):
    r = runs["catapult"]
    fig, axes = plt.subplots(2, 1, figsize=(7, 5.6), sharex=True)
    axes[0].plot(r["loss_step"], r["loss"], lw=0.8)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("training loss")
    axes[1].plot(r["step"], r["trace"], "o-", ms=2, label="Tr(H)")
    axes[1].plot(r["step"], 2 / r["eta_at_checkpoint"], "k--", lw=0.8, label="2/eta")
    for s, _ in meta["catapult"]["schedule"][1:]:
        for ax in axes:
            ax.axvline(s, color="0.6", lw=0.6)
    axes[1].set_xlabel("iteration")
    axes[1].set_ylabel("trace")
    axes[1].legend(fontsize=7)
    axes[0].set_title("ZO-GD, eta stepped up 0.02 -> 0.03 -> 0.04 (Fig. 3 analogue)")
    return fig


def ablations(runs: dict, meta: dict):
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.9))
    for i, (n, lab) in enumerate(
        (("zogd_eta0.02_s0", "mu=1e-3"), ("mu0.03", "mu=3e-2"), ("mu0.1", "mu=1e-1"))
    ):
        r = runs[n]
        axes[0].plot(r["step"], r["trace"], "-", color=f"C{i}", label=lab)
        axes[0].plot(r["step"], r["trace"] + 2 * r["lambda_max"], "-.", color=f"C{i}", lw=0.8)
    for i, (n, lab) in enumerate(
        (("zogd_eta0.02_s0", "full batch"), ("batch64", "batch 64"), ("batch16", "batch 16"))
    ):
        if meta[n].get("blew_up"):
            lab += f" (blew up: max loss x{meta[n]['max_loss_over_initial']:.1e})"
        axes[1].plot(runs[n]["step"], runs[n]["trace"], "-", color=f"C{i}", label=lab)
    for i, (n, lab) in enumerate(
        (
            ("mb_full_eta0.01", "full batch"),
            ("mb_batch64_eta0.01", "batch 64"),
            ("mb_batch16_eta0.01", "batch 16"),
        )
    ):
        if meta[n].get("blew_up"):
            lab += f" (blew up: max loss x{meta[n]['max_loss_over_initial']:.1e})"
        axes[2].plot(runs[n]["step"], runs[n]["trace"], "-", color=f"C{i}", label=lab)
    titles = (
        "eta=0.02: smoothing radius mu (Fig. 4)",
        "eta=0.02: batch size (Fig. 5, registered)",
        "eta=0.01: batch size (Fig. 5, re-test D7)",
    )
    for ax, t, eta in zip(axes, titles, (0.02, 0.02, 0.01), strict=True):
        ax.axhline(2 / eta, color="k", ls="--", lw=0.8, label="2/eta")
        ax.set_xlabel("iteration")
        ax.set_ylabel("Tr(H) (dash-dot: Tr + 2 lmax)" if "mu" in t else "full-batch Tr(H)")
        ax.set_title(f"ZO-GD {t}", fontsize=9)
        ax.legend(fontsize=7)
    return fig


def adam_beta1_commutator(runs: dict, meta: dict):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.9))
    sweep = (
        ("zoadam_b0.5_eta0.002_s0", "beta1=0.5"),
        ("zoadam_eta0.002_s0", "beta1=0.9"),
        ("zoadam_b0.95_eta0.002_s0", "beta1=0.95"),
    )
    for i, (n, lab) in enumerate(sweep):
        axes[0].plot(runs[n]["step"], runs[n]["trace"], "o-", ms=3, color=f"C{i}", label=lab)
    axes[0].axhline(2 / 0.002, color="k", ls="--", lw=0.8, label="2/eta")
    axes[0].set_title("ZO-Adam eta=0.002: Tr(P^-1 H) over beta1 (Fig. 10)", fontsize=9)
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("Tr(P^-1 H)")
    axes[0].legend(fontsize=7)
    allr = (("zoadam_eta0.003_s0", "beta1=0.9, eta=0.003"), *sweep)
    for i, (n, lab) in enumerate(allr):
        r = runs[n]
        axes[1].plot(r["commutator_step"], r["commutator"], "o-", ms=3, color=f"C{i}", label=lab)
    axes[1].axhspan(0.8, 0.9, color="0.85", label="paper at init (0.8-0.9)")
    axes[1].axhline(0.05, color="k", ls="--", lw=0.8, label="paper: < 0.05")
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("iteration (first point: after the first update)")
    axes[1].set_ylabel("||PH - HP||_F / ||PH||_F")
    axes[1].set_title("ZO-Adam preconditioner / Hessian commutator (Remark 2)", fontsize=9)
    axes[1].legend(fontsize=7)
    return fig


def exact_spectrum(runs: dict, meta: dict):
    names = [n for n in runs if "exact_eigenvalues" in runs[n]]
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 3.9))
    # Bins uniform in symlog coordinates: 1e-4 < |lambda| < 1e2 log-spaced, linear near 0.
    pos = np.logspace(-4, 2, 61)
    edges = np.concatenate([-pos[::-1], pos])
    for i, n in enumerate(names):
        ev = runs[n]["exact_eigenvalues"]
        if ev.size:
            lab = n + (" (blew up, saturated)" if meta[n].get("blew_up") else "")
            axes[0].hist(ev, bins=edges, histtype="step", color=f"C{i}", label=lab, log=True)
    axes[0].set_xscale("symlog", linthresh=1e-4)
    axes[0].set_xlabel("eigenvalue of H_T (final checkpoint)")
    axes[0].set_ylabel("count")
    axes[0].set_title("exact Hessian spectrum, ZO-GD (indefinite, card P11)", fontsize=9)
    axes[0].legend(fontsize=7)
    labels = ("Tr (signed)", "Tr (positive part)", "2/eta*_ms (pos.)", "Hutch++ Tr", "2 lmax")
    width = 0.8 / len(labels)
    for i, n in enumerate(names):
        r = runs[n]
        scale = float(meta[n]["eta"]) / 2.0  # everything in units of 2/eta
        vals = (
            float(r["exact_trace_signed"]),
            float(r["exact_trace_positive"]),
            1.0 / float(r["exact_eta_star_ms"]) * 2.0,
            float(r["trace"][-1]),
            2.0 * float(r["exact_lambda_max"]),
        )
        for j, v in enumerate(vals):
            axes[1].bar(
                i + (j - 2) * width,
                v * scale,
                width,
                color=f"C{j}",
                label=labels[j] if i == 0 else None,
            )
    axes[1].axhline(1.0, color="k", ls="--", lw=0.8, label="2/eta")
    axes[1].set_xticks(range(len(names)), [n.replace("zogd_", "") for n in names], fontsize=8)
    axes[1].set_ylabel("value / (2/eta)")
    axes[1].set_title("final checkpoint: exact threshold vs step (Thm. 1)", fontsize=9)
    axes[1].legend(fontsize=7)
    return fig


def zo_gdm_beta_sweep(runs: dict, meta: dict):
    """D11: Tr(H_t) against 2(1 - beta)/eta for beta in {0, 0.5, 0.7} (warm-up runs)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.9), sharey=True)
    for ax, seed in zip(axes, (0, 1), strict=True):
        for i, n in enumerate(of_group(meta, "zo_gdm_warmup", seed)):
            c, r = meta[n], runs[n]
            beta, eta = float(c["beta"]), float(c["eta"])
            lab = f"beta={beta:g}" + (" (blew up)" if c.get("blew_up") else "")
            ax.plot(r["step"], r["trace"], "o-", ms=3, color=f"C{i}", label=lab)
            ax.axhline(threshold("gdm", eta, beta), color=f"C{i}", ls="--", lw=0.8)
            ax.axvline(float(r["step"].max()) / 2, color=f"C{i}", ls=":", lw=0.6)
        ax.axvline(float(c.get("warmup", 0)), color="0.6", lw=0.6)
        ax.set_yscale("log")
        ax.set_xlabel("iteration (grey: end of warm-up; dotted: plateau window starts)")
        ax.set_title(f"ZO-GDM eta=0.01, seed {seed}: Tr(H) and 2(1-beta)/eta (dashed)", fontsize=9)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("Tr(H)")
    return fig


def minibatch_equal_loss(runs: dict, meta: dict):
    """D12: full-batch trace against full-batch loss (equal-loss checkpoints) and iteration."""
    names = (
        ("mbeq_full", "full batch"),
        ("mbeq_batch64", "batch 64"),
        ("mbeq_batch16", "batch 16"),
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.9))
    for i, (n, lab) in enumerate(names):
        r, c = runs[n], meta[n]
        lab = f"{lab}, eta={float(c['eta']):g}" + (" (blew up)" if c.get("blew_up") else "")
        axes[0].plot(r["level_full_loss"], r["level_trace"], "o-", ms=3, color=f"C{i}", label=lab)
        axes[1].plot(r["step"], r["trace"], "o-", ms=3, color=f"C{i}", label=lab)
    axes[0].invert_xaxis()
    axes[0].set_xlabel("full-batch training loss (first step at or below each level)")
    axes[0].set_ylabel("full-batch Tr(H)")
    axes[0].set_title("ZO-SGD: trace at equal training loss (Fig. 5, D12)", fontsize=9)
    axes[1].set_xlabel("iteration")
    axes[1].set_ylabel("full-batch Tr(H)")
    axes[1].set_title("the same runs against iteration", fontsize=9)
    for ax in axes:
        ax.legend(fontsize=7)
    return fig


FIGURES = {
    "eos_gd_vs_zo": eos_gd_vs_zo,
    "eos_band": eos_band,
    "catapult": catapult,
    "ablations": ablations,
    "adam_beta1_commutator": adam_beta1_commutator,
    "exact_spectrum": exact_spectrum,
    "zo_gdm_beta_sweep": zo_gdm_beta_sweep,
    "minibatch_equal_loss": minibatch_equal_loss,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--figure", required=True, choices=sorted(FIGURES))
    ap.add_argument("--train-npz", nargs="+", required=True, help="train_<group>.npz, per group")
    ap.add_argument("--train-json", nargs="+", required=True, help="the matching .json files")
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    runs, meta, sources = load(args.train_npz, args.train_json)
    with house_style():
        fig = FIGURES[args.figure](runs, meta)
        fig.tight_layout()
        save_figure(
            fig,
            args.out,
            replication="zo_edge_of_stability",
            config_hash=args.config_hash,
            seed=0,
            sources=sources,
        )


if __name__ == "__main__":
    main()
