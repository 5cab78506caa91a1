"""The five OSGM figures; reads numbers only (the compute scripts wrote them)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz
from replications.hunting_the_hessian.osgm_metrics import PUBLISHED
from replications.hunting_the_hessian.osgm_suite import METHODS

HH = "hunting_the_hessian"
GRAYS = {
    "L-BFGS-M1": "0.75",
    "L-BFGS-M3": "0.6",
    "L-BFGS-M5": "0.45",
    "L-BFGS-M10": "0.3",
    "BFGS": "0.0",
}


def _load(inputs: list[str]) -> dict[str, object]:
    out = {}
    for p in inputs:
        out[Path(p).name] = read_json(p) if p.endswith(".json") else read_npz(p)
    return out


def curves(d: dict):
    svm = d["osgm_suite_svm.json"]
    names = svm["curves"]
    fig, axes = plt.subplots(2, len(names), figsize=(5.0 * len(names), 7.0), squeeze=False)
    for j, loss in enumerate(("svm", "logistic")):
        a = d[f"osgm_suite_{loss}.npz"]
        for i, inst in enumerate(names):
            ax = axes[j, i]
            fs = [a[f"{inst}/{m}/f"] for m in METHODS if f"{inst}/{m}/f" in a]
            if not fs:
                continue
            fstar = min(float(np.min(f)) for f in fs) - 1e-10
            for m in (*METHODS, "OSGM-Best"):
                f = a.get(f"{inst}/{m}/f")
                if f is None:
                    continue
                kw = {"color": GRAYS[m]} if m in GRAYS else {}
                if m == "OSGM":
                    kw = {"color": "#D55E00", "lw": 2.2}
                if m == "OSGM-Best":
                    kw = {"color": "#D55E00", "lw": 1.4, "ls": "--"}
                ax.semilogy(np.arange(1, len(f) + 1), np.maximum(f - fstar, 1e-12), label=m, **kw)
            ax.set_title(f"{inst}, {loss}")
            ax.set_xlabel("gradient evaluations")
            ax.set_ylabel("f - f_best + 1e-10")
            ax.set_ylim(bottom=1e-11)
    axes[0, 0].legend(ncol=2, fontsize=6)
    fig.suptitle("Suboptimality vs gradient evaluations (best grid entry per method)")
    fig.tight_layout()
    return fig, [svm["protocol"]["seed"]]


def solved(d: dict):
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.0))
    for ax, loss in zip(axes, ("svm", "logistic"), strict=True):
        s = d[f"osgm_suite_{loss}.json"]
        names = [*METHODS, "OSGM-Best"]
        x = np.arange(len(names))
        n = s["n_instances"]
        counts = {**s["counts"], **s.get("counts_extra", {})}
        ours = [counts.get(m, 0) / n for m in names]
        # the talk's table has no OSGM-Best entry (Part II came later): no published bar
        pub = [PUBLISHED[loss].get(m, 0) for m in names]
        ax.bar(x - 0.2, ours, 0.4, label=f"this build (fraction of {n} substitute instances)")
        ax2 = ax.twinx()
        ax2.bar(x + 0.2, pub, 0.4, color="0.6", label="published count (LIBSVM, N ~ 33-35)")
        ax2.set_ylim(0, 36)
        ax.set_ylim(0, 1.05)
        ax.set_xticks(x)
        ax.set_xticklabels(
            ["HDM-Best" if m == "OSGM" else m for m in names], rotation=60, ha="right", fontsize=7
        )
        ax.set_ylabel("fraction solved (this build)")
        ax2.set_ylabel("published # solved")
        ax.set_title(f"{loss}: solved = ||grad||_inf < 1e-4 in < 999 evals")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=6, loc="upper left")
    fig.subplots_adjust(wspace=0.5)
    return fig, [d["osgm_suite_svm.json"]["protocol"]["seed"]]


def quadratic(d: dict):
    meta, a = d["osgm_quadratic.json"], d["osgm_quadratic.npz"]
    f1 = meta["f1"]
    sig = sorted(f1, key=float)
    shifted = "superlinear/shifted_full" in a
    ncol = len(sig) + 1 + int(shifted)
    fig, axes = plt.subplots(1, ncol, figsize=(4.2 * ncol, 3.6))
    for ax, s in zip(axes, sig, strict=False):
        r = f1[s]
        for m, kw in (
            ("GD", {}),
            ("OptDiag", {"ls": "--"}),
            ("OSGM-R", {"lw": 2}),
            ("OSGM-H", {"lw": 1.2}),
            ("OSGM-G", {"lw": 1.2}),
            ("SAGD", {"ls": "-."}),
            ("OSGM-Nesterov", {"lw": 1.2, "ls": "--"}),
            ("AGD", {"color": "0.55", "lw": 0.9}),
            ("OSGM-Nesterov-CVX", {"lw": 1.2, "ls": (0, (5, 1))}),
        ):
            f = a.get(f"f1/{s}/{m}")
            if f is not None:
                ax.semilogy(np.maximum(f, 1e-30), label=m, **kw)
        k = np.arange(len(a[f"f1/{s}/GD"]))
        ks = 1 - 1 / r["kappa_star"]
        ax.semilogy(k, a[f"f1/{s}/GD"][0] * ks**k, "k:", lw=1, label="f0 (1 - 1/kappa*)^k")
        ax.set_ylim(1e-22, 10)
        lem = r.get("lemma")
        if lem is not None:
            ax.text(
                0.98,
                0.97,
                f"max r_x(P*) = {lem['max_ratio']:.3f} <= 1 - 1/kappa* = {ks:.3f}",
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=6,
            )
        ax.set_title(f"sigma={s}, kappa={r['kappa_H']:.3g}, kappa*={r['kappa_star']:.3g}")
        ax.set_xlabel("iteration")
        ax.set_ylabel("f(x) - f*")
    axes[0].legend(fontsize=6)
    ax = axes[len(sig)]
    for key, lab in (("GD", "GD"), ("diag", "OSGM-H diagonal"), ("full", "OSGM-H full matrix")):
        f = a[f"superlinear/{key}"]
        ax.semilogy(np.maximum(f, 1e-30), label=lab)
    ax.set_xlim(0, 1000)
    ax.set_ylim(1e-24, None)
    ax.set_title(f"superlinear: n=20, kappa={meta['superlinear']['kappa']:.0f}")
    ax.set_xlabel("iteration")
    ax.legend(fontsize=6)
    if shifted:
        sh = meta["superlinear"]["shifted"]
        ax = axes[-1]
        for key, lab in (("shifted_GD", "GD"), ("shifted_full", "OSGM-H full matrix")):
            f = a[f"superlinear/{key}"]
            ax.semilogy(np.maximum(f, 1e-300), label=lab)
        w = int(sh["window_length"])
        for j, (qf, qg) in enumerate(zip(sh["full_windows"], sh["gd_windows"], strict=True)):
            ax.axvline(j * w, color="0.8", lw=0.6)
            ax.text(
                (j + 0.5) * w,
                0.05,
                f"{qf:.3f}\n{qg:.4f}",
                ha="center",
                fontsize=6,
                transform=ax.get_xaxis_transform(),
            )
        ax.set_title("shifted problem (no floor): window contractions OSGM / GD", fontsize=8)
        ax.set_xlabel("iteration")
        ax.legend(fontsize=6)
    return fig, [0]


def stability(d: dict):
    meta, a = d["osgm_stability.json"], d["osgm_stability.npz"]
    runs = meta["runs"]
    dv = meta.get("divergent") or {}
    fig, axes2 = plt.subplots(
        1 + int(bool(dv)), 2, figsize=(10.0, 3.8 * (1 + int(bool(dv)))), squeeze=False
    )
    axes = axes2[0]
    cmap = plt.get_cmap("viridis")
    for i, r in enumerate(runs):
        c = f"{r['hyper_lr']:g}"
        col = cmap(i / max(1, len(runs) - 1))
        for ax, key in zip(axes, ("plain", "safe"), strict=True):
            f = a[f"{key}/{c}"]
            ax.semilogy(np.where(np.isfinite(f), f, np.nan), color=col, label=f"c={c}")
    axes[0].set_title("plain hypergradient descent (Baydin)")
    axes[1].set_title("HDM: null step + AdaGrad")
    for ax in axes:
        ax.set_xlabel("gradient evaluations")
    axes[0].set_ylabel(f"f ({meta['instance']}, {meta['loss']})")
    axes[0].set_ylim(top=meta["f0"] * 1e3)
    axes[1].legend(fontsize=6)
    for ax, (name, rec) in zip(axes2[1] if dv else [], dv.items(), strict=False):
        for i, r in enumerate(rec["runs"]):
            c = f"{r['hyper_lr']:g}"
            col = cmap(i / max(1, len(rec["runs"]) - 1))
            for key, ls in (("talk", "-"), ("safe", ":")):
                f = a[f"divergent/{name}/{key}/{c}"] / rec["f0"]
                ax.semilogy(np.where(np.isfinite(f), f, np.nan), color=col, ls=ls)
        ax.axhline(1e10, color="r", lw=0.8)  # the divergence rule (D11)
        ax.set_ylim(1e-30, 1e30)
        ax.set_title(f"{name}: plain HD, talk's rule (solid) vs HDM (dotted)", fontsize=8)
        ax.set_xlabel("gradient evaluations")
        ax.set_ylabel("f / f(x0)")
    return fig, [d["osgm_stability.json"].get("seed", None)]


def stochastic(d: dict):
    meta, a = d["osgm_stochastic.json"], d["osgm_stochastic.npz"]
    st = meta["settings"]
    sig = sorted({r["sigma"] for r in meta["runs"]})
    fig, axes = plt.subplots(1, len(sig), figsize=(5.0 * len(sig), 3.8), squeeze=False)
    for ax, s in zip(axes[0], sig, strict=True):
        r0 = next(r for r in meta["runs"] if r["sigma"] == s)
        for m in ("SGD", "OSGM-R", "OSGM-G", "OSGM-H"):
            f = a.get(f"{s:g}/{m}")
            if f is not None:
                ax.semilogy(np.maximum(f, 1e-30), label=m)
        ax.set_title(f"sigma={s:g}, kappa={r0['kappa_H']:.3g} (seed {r0['seed']})")
        ax.set_xlabel("iteration")
        ax.set_ylabel(f"mini-batch loss, {st['window']}-point moving average")
        ax.set_ylim(bottom=1e-20)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"Stochastic least squares (test_stochastic.m): n={st['n']}, batch {st['batch']}")
    fig.tight_layout()
    return fig, [meta["runs"][0]["seed"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--figure",
        required=True,
        choices=[
            "osgm_curves",
            "osgm_solved",
            "osgm_quadratic",
            "osgm_stability",
            "osgm_stochastic",
        ],
    )
    ap.add_argument("--inputs", nargs="+", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark", help="the compute job's benchmark file (sidecar)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    d = _load(args.inputs)
    draw = {
        "osgm_curves": curves,
        "osgm_solved": solved,
        "osgm_quadratic": quadratic,
        "osgm_stability": stability,
        "osgm_stochastic": stochastic,
    }[args.figure]
    with house_style():
        fig, seeds = draw(d)
        save_figure(
            fig,
            args.out,
            replication=HH,
            config_hash=args.config_hash,
            seed=seeds[0],
            sources=args.inputs,
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
