"""Figures of the curse-of-unrolling replication (reads .npz / .json, never computes)."""

from __future__ import annotations

import argparse

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz

FIGURES = (
    "figure1",
    "theory_overlay",
    "burn_in_scaling",
    "polynomials",
    "tradeoff",
    "accelerated",
    "truncation_warm_start",
    "real_data",
    "seed_rules",
)
STEP_KEYS = (
    ("1/L", "1_over_L"),
    ("sqrt2/L", "sqrt2_over_L"),
    ("1.5/L", "1.5_over_L"),
    ("2/(L+mu)", "2_over_Lpmu"),
)


def figure1(a, s, r):
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    t = a["fig1_t"]
    for i, (lab, key) in enumerate(STEP_KEYS):
        ax[0].semilogy(t, a[f"fig1_{key}_jerr"], color=f"C{i}", label=f"h = {lab}")
        ax[1].semilogy(t, a[f"fig1_{key}_fgap"], color=f"C{i}", label=f"h = {lab}")
    ax[0].set_title(f"Jacobian suboptimality (kappa = {s['fig1']['kappa']:g}, uniform mass)")
    ax[0].set_ylabel(r"$\|\partial x_t - \partial x^\star\| / \|\partial x^\star\|$")
    ax[1].set_title("function suboptimality")
    ax[1].set_ylabel(r"$(f(x_t) - f^\star)/(f(x_0) - f^\star)$")
    ax[2].semilogy(t, a["fig1_iso_jerr"], label="total norm")
    ax[2].semilogy(t, a["fig1_iso_sup"], "--", label="sup over eigencomponents")
    ax[2].set_title("isotropic b, h = 2/(L+mu): total norm hides the hump")
    for x in ax:
        x.set_xlabel("iteration t")
        x.legend(fontsize=7)
    return fig


def theory_overlay(a, s, r):
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    t = a["fig1_t"]
    for i, (lab, key) in enumerate((STEP_KEYS[0], STEP_KEYS[1], STEP_KEYS[3])):
        ax.semilogy(
            t, a[f"fig1_{key}_jerr"], color=f"C{i}", lw=2.5, alpha=0.5, label=f"measured, h = {lab}"
        )
        ax.semilogy(t, a[f"fig1_{key}_exact"], "k:", lw=1)
        ax.semilogy(t, a[f"fig1_{key}_bound"], "--", color=f"C{i}", lw=1)
    ax.plot([], [], "k:", label="exact per-eigencomponent formula")
    ax.plot([], [], "k--", label="two-term bound (B)")
    ax.set_xlabel("iteration t")
    ax.set_ylabel("relative Jacobian error")
    ax.set_title("measured curves on the exact formula, under the bound")
    ax.legend(fontsize=7)
    return fig


def burn_in_scaling(a, s, r):
    sc = s["scaling"]
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    for i, meth in enumerate(("gd", "heavy_ball", "chebyshev")):
        k = np.array([e["kappa"] for e in sc[meth]])
        ax[0].loglog(k, [e["peak"] for e in sc[meth]], "o-", color=f"C{i}", label=meth)
        ax[1].loglog(k, [e["peak_t"] for e in sc[meth]], "o-", color=f"C{i}", label=meth)
    k = np.array(sc["kappas"], float)
    ax[0].loglog(k, k / np.e, "k:", label="kappa/e")
    ax[0].loglog(k, 4 * k / np.e**2, "k--", label="4 kappa/e^2")
    ax[1].loglog(k, k / 2, "k:", label="kappa/2")
    ax[1].loglog(k, np.sqrt(k), "k--", label="sqrt(kappa)")
    ax[0].set_title("burn-in peak height (top eigencomponent)")
    ax[1].set_title("burn-in peak time")
    for x in ax:
        x.set_xlabel("kappa")
        x.legend(fontsize=7)
    return fig


def polynomials(a, s, r):
    fig, ax = plt.subplots(2, 3, figsize=(13, 6.5), sharex=True)
    lam, ts = a["poly_lambda"], a["poly_t"]
    for j, (name, title) in enumerate(
        (
            ("gd_1_over_L", "GD h = 1/L"),
            ("gd_2_over_Lpmu", "GD h = 2/(L+mu)"),
            ("chebyshev", "Chebyshev"),
        )
    ):
        for i, t in enumerate(ts):
            ax[0, j].semilogy(
                lam,
                a[f"poly_{name}_q"][i] + 1e-300,
                color=plt.cm.viridis(i / len(ts)),
                label=f"t = {t}",
            )
            ax[1, j].semilogy(
                lam, a[f"poly_{name}_dP"][i] + 1e-300, color=plt.cm.viridis(i / len(ts))
            )
        ax[0, j].set_title(f"{title}: |q_t(lambda)|")
        ax[1, j].set_title(f"{title}: |P_t'(lambda)|")
        ax[1, j].set_xlabel("lambda")
        ax[0, j].axhline(1.0, color="k", lw=0.5)
        # Exact zeros of the polynomials (1 - h lambda = 0) would stretch the axis to 1e-300.
        ax[0, j].set_ylim(1e-8, None)
        ax[1, j].set_ylim(1e-8, None)
    ax[0, 0].legend(fontsize=7)
    return fig


def tradeoff(a, s, r):
    tr = s["tradeoff"]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for i, (k, v) in enumerate(tr["horizons"].items()):
        ax.semilogy(a["tradeoff_hL"], a[f"tradeoff_{k}_sup"], color=f"C{i}", label=f"T = {v['T']}")
        ax.plot(v["best_hL"], v["best_sup"], "o", color=f"C{i}")
    ax.axvline(tr["iterate_optimal_hL"], color="k", ls="--", lw=1, label="2/(L+mu)")
    ax.axvline(np.sqrt(2), color="k", ls=":", lw=1, label="sqrt(2)/L")
    ax.set_xlabel("h L")
    ax.set_ylabel(r"$\sup_\lambda |q_T(\lambda)|$")
    ax.set_title(f"finite-horizon trade-off, kappa = {tr['kappa']:g} (extension)")
    ax.legend(fontsize=7)
    return fig


def accelerated(a, s, r):
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for i, meth in enumerate(("gd", "heavy_ball", "chebyshev")):
        y = a[f"scaling_{meth}_k100_total"]
        ax[0].semilogy(np.arange(y.size), y, color=f"C{i}", label=meth)
        y = a[f"scaling_{meth}_k1000_total"]
        ax[1].semilogy(np.arange(y.size), y, color=f"C{i}", label=meth)
    ax[0].set_title("kappa = 100 (GD: h = 2/(L+mu))")
    ax[1].set_title("kappa = 1000")
    for x in ax:
        x.set_xscale("symlog", linthresh=10)
        x.set_xlabel("iteration t")
        x.set_ylabel("relative Jacobian error (total)")
        x.legend(fontsize=7)
    return fig


def truncation_warm_start(a, s, r):
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for i, k in enumerate(s["truncation"]["cases"]):
        y = a[f"trunc_{k}_jerr"]
        ax[0].semilogy(np.arange(y.size), y, color=f"C{i}", label=f"truncate at {k[1:]}")
    ax[0].set_title(f"truncated unrolling, kappa = {s['truncation']['kappa']:g} (extension)")
    for i, k in enumerate(s["warm_start"]["cases"]):
        y = a[f"warm_{k}_sup"]
        lab = "cold start" if k == "cold" else f"warm, delta/mu = {k[1:]}"
        ax[1].semilogy(np.arange(y.size), y, color=f"C{i}", label=lab)
    ax[1].set_title("warm start x0 = x*(theta - delta): sup-component error")
    for x in ax:
        x.set_xlabel("iteration t")
        x.legend(fontsize=7)
    return fig


def real_data(a, s, r):
    fig, ax = plt.subplots(2, 3, figsize=(14, 7))
    cases = [
        ("breast_cancer_raw_fac0.001", "breast cancer raw"),
        ("breast_cancer_standardised_fac0.001", "breast cancer standardised"),
        ("diabetes_raw_fac0.01", "diabetes raw"),
    ]
    for j, (tag, title) in enumerate(cases):
        for i, (key, lab) in enumerate(
            (
                ("0.5_over_L", "h = 0.5/L"),
                ("1_over_L", "h = 1/L"),
                ("sqrt2_over_L", "h = sqrt2/L"),
                ("2_over_Lpmu", "h = 2/(L+mu)"),
            )
        ):
            y = a[f"{tag}_{key}_total"]
            ax[0, j].semilogy(np.arange(y.size), y, color=f"C{i}", label=lab)
        comp, lams = a[f"{tag}_2_over_Lpmu_components"], a[f"{tag}_2_over_Lpmu_component_lams"]
        for i in range(comp.shape[1]):
            ax[1, j].semilogy(np.arange(comp.shape[0]), comp[:, i], label=f"lambda = {lams[i]:.3g}")
        ax[0, j].set_title(f"{title}: total relative error")
        ax[1, j].set_title("h = 2/(L+mu): per-eigencomponent errors")
        ax[0, j].legend(fontsize=6)
        ax[1, j].legend(fontsize=6)
        ax[1, j].set_xlabel("iteration t")
    return fig


def seed_rules(a, s, r):
    fig, ax = plt.subplots(1, 3, figsize=(15, 4))
    sr = s["seed_rules"]
    for key, lab in (
        ("long_cold", f"cold, T = {sr['long_cold']['T']}"),
        ("short_warm", f"warm, T = mixing time {sr['mixing_time']}"),
    ):
        y = a[f"rules_{key}_jerr"]
        ax[0].semilogy(
            np.arange(y.size),
            y,
            label=f"{lab} ({sr[key]['reverse_memory_bytes'] / 1e6:.2f} MB reverse)",
        )
    ax[0].set_title("short warm unroll vs long cold unroll")
    for key in ("plain", "clip", "relaxed"):
        y = a[f"rules_{key}_jerr"]
        ax[1].semilogy(np.arange(y.size), y, label=key)
    ax[1].set_title("clipping / under-relaxing the derivative iterates")
    for key, lab in (
        ("plain", "h = 2/(L+mu)"),
        ("clip", "clipped"),
        ("relaxed", "relaxed"),
        ("small", "h = 1/L"),
    ):
        y = a[f"rules_{key}_dnorm"]
        ax[2].semilogy(np.arange(y.size), y, label=lab)
    ax[2].set_title("detector: derivative-iterate norm / ||dx*|| (shared.diagnostics)")
    for x in ax:
        x.set_xlabel("iteration t")
        x.legend(fontsize=7)
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--figure", required=True, choices=FIGURES)
    ap.add_argument("--synthetic-npz", required=True)
    ap.add_argument("--synthetic-json", required=True)
    ap.add_argument("--real-npz", required=True)
    ap.add_argument("--real-json", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    a = {**read_npz(args.synthetic_npz), **read_npz(args.real_npz)}
    s, r = read_json(args.synthetic_json), read_json(args.real_json)
    with house_style():
        fig = globals()[args.figure](a, s, r)
        fig.tight_layout()
        save_figure(
            fig,
            args.out,
            replication="curse_of_unrolling",
            config_hash=args.config_hash,
            seed=None,
            sources=[args.synthetic_npz, args.synthetic_json, args.real_npz, args.real_json],
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
