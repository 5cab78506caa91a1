"""Part 1 figures (reads the computed JSON only; no computation beyond summaries)."""

from __future__ import annotations

import argparse

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json
from replications.hunting_the_hessian.promise_metrics import (
    BASELINE_METHODS,
    SKETCHY_METHODS,
    adaptive_block_cost,
    block_cost,
    profile,
)
from replications.hunting_the_hessian.promise_preconditioners import (
    slbfgs_comparison,
    solved_counts,
)

COLORS = {
    "sketchy_svrg": "C0",
    "sketchy_saga": "C1",
    "sketchy_katyusha": "C2",
    "sketchy_sgd": "C4",
    "svrg": "C0",
    "saga": "C1",
    "l_katyusha": "C2",
}


def nystrom_error(d: dict, axes_fig):
    fig, axes = plt.subplots(2, 4, figsize=(15, 8), layout="constrained")
    axes = axes.ravel()
    for ax, c in zip(axes, d["classes"], strict=False):
        k = [e["k"] for e in c["s1"]]
        mean = np.array([e["mean"] for e in c["s1"]])
        ax.fill_between(k, [e["q25"] for e in c["s1"]], [e["q75"] for e in c["s1"]], alpha=0.3)
        ax.semilogy(k, mean, "o-", label="mean $\\|A-[[\\hat A]]_r\\|_{S_1}$")
        ax.semilogy(k, [e["bound"] for e in c["s1"]], "k--", label="TYUC17 bound")
        if "gm_s1" in c:
            ax.semilogy(
                k, [e["mean"] for e in c["gm_s1"]], "s:", color="C3", label="standard trunc."
            )
        ax.semilogy(k, [e["best"] for e in c["s1"]], "k:", label="best rank-r")
        ax.set_title(f"{c['kind']} ({c['param']:g})")
        ax.set_xlabel("sketch size k")
    axes[0].legend(fontsize=7)
    st = d["stability"]
    ax = axes[-1]
    ax.boxplot([st["stable_rel_error"], st["naive_rel_error"]])
    ax.set_xticks([1, 2], ["stable (shifted)", "naive pinv"])
    ax.set_yscale("log")
    ax.set_title("exp decay q=1: $\\|A-\\hat A\\|_2/\\|A\\|_2$")
    fig.suptitle(f"Fixed-rank Nystrom error, r = {d['r']} (n = {d['params']['n']})")
    return fig


def pcg_kappa(d: dict, _):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    for i, spec in enumerate(dict.fromkeys(r["spectrum"] for r in d["ratio"])):
        rows = [r for r in d["ratio"] if r["spectrum"] == spec]
        a1.semilogy(
            [r["ratio"] for r in rows],
            [np.mean(r["kappa"]) for r in rows],
            "o-",
            color=f"C{i}",
            label=f"{spec}, mu={rows[0]['mu']:g}",
        )
        rows = [r for r in d["kappa"] if r["spectrum"] == spec]
        mus = [r["mu"] for r in rows]
        a2.loglog(
            mus,
            [np.mean(r["kappa"]) for r in rows],
            "o-",
            color=f"C{i}",
            label=f"{spec}: mean kappa, l = 2ceil(1.5 d_eff)+1",
        )
        a2.loglog(
            mus,
            [r["kappa_unpreconditioned"] for r in rows],
            "x:",
            color=f"C{i}",
            label=f"{spec}: unpreconditioned",
        )
    for ax in (a1, a2):
        ax.axhline(28, color="k", ls="--", lw=1, label="28 (Thm 5.1)")
    a1.axvline(3.0, color="gray", ls=":", lw=1)
    a1.set_xlabel("sketch size / d_eff(mu)")
    a1.set_ylabel("kappa of preconditioned system")
    a2.set_xlabel("mu")
    a2.invert_xaxis()
    a1.legend(fontsize=8)
    a2.legend(fontsize=7)
    return fig


def pcg_iterations(d: dict, _):
    specs = list(dict.fromkeys(r["spectrum"] for r in d["iterations"]))
    fig, axes = plt.subplots(1, len(specs), figsize=(5.5 * len(specs), 4))
    for ax, spec in zip(np.atleast_1d(axes), specs, strict=True):
        rows = [r for r in d["iterations"] if r["spectrum"] == spec]
        mus = [r["mu"] for r in rows]
        ax.loglog(mus, [r["cg"] for r in rows], "o-", label="CG")
        ax.loglog(
            mus,
            [r["nyspcg_fixed"] for r in rows],
            "s-",
            label=f"NysPCG, l = {d['params']['fixed_rank']}",
        )
        ax.loglog(
            mus, [r["nyspcg_theorem"] for r in rows], "^-", label="NysPCG, l = 2ceil(1.5 d_eff)+1"
        )
        ax.invert_xaxis()
        ax.set_xlabel("mu")
        ax.set_title(f"{spec} (n = {d['params']['n_iter']}, tol {d['params']['tol']:g})")
    np.atleast_1d(axes)[0].set_ylabel("iterations")
    np.atleast_1d(axes)[0].legend()
    return fig


def rf_residuals(d: dict, _):
    runs = d["runs"]
    fig, axes = plt.subplots(1, len(runs), figsize=(4.2 * len(runs), 3.8), sharey=True)
    for ax, run in zip(np.atleast_1d(axes), runs, strict=True):
        r = np.asarray(run["cg"]["residuals"])
        ax.semilogy(np.arange(r.size), r, "k-", label="CG")
        for i, (s, ny) in enumerate(run["nyspcg"].items()):
            r = np.asarray(ny["residuals"])
            # Block-product cost model (P1-D16): the sketch is one block product.
            x0 = block_cost(ny) - ny["n_iter"]
            ax.semilogy(x0 + np.arange(r.size), r, color=f"C{i}", label=f"NysPCG s={s}")
        if "adaptive" in run:
            ad = run["adaptive"]
            r = np.asarray(ad["residuals"])
            # Sketch blocks and power iterations are charged before the first PCG step.
            x0 = adaptive_block_cost(ad, d["params"]["adaptive"]["rank0"], d["m"]) - ad["n_iter"]
            ax.semilogy(
                x0 + np.arange(r.size),
                r,
                color="C5",
                ls="--",
                label="AdaNysPCG (adaptive rank)",
            )
        ada = f", AdaNysPCG rank {run['adaptive']['rank']}" if "adaptive" in run else ""
        ax.set_title(f"mu={run['mu']:g}, d_eff={run['d_eff']:.0f}{ada}", fontsize=9)
        ax.set_xlabel("block products (sketch = 1, P1-D16)")
    np.atleast_1d(axes)[0].set_ylabel("relative residual")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.suptitle(f"Random-features ridge (n={d['n']}, m={d['m']}; stand-in for YearMSD)")
    return fig


def suboptimality(d: dict, _):
    names = d["params"]["curve_problems"]
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.2))
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        rec = d["problems"][name]
        for m in SKETCHY_METHODS:
            run = rec["sketchy"][m]
            ax.semilogy(
                run["passes"],
                np.maximum(run["subopt"], 1e-16),
                "-",
                color=COLORS[m],
                label=f"{m} (default)",
            )
        c = rec["curves"]["sketchy_sgd"]
        ax.semilogy(
            c["passes"],
            np.maximum(c["subopt"], 1e-16),
            "-",
            color=COLORS["sketchy_sgd"],
            label="sketchy_sgd (default)",
        )
        for m in BASELINE_METHODS:
            c = rec["curves"][m]
            ax.semilogy(
                c["passes"],
                np.maximum(c["subopt"], 1e-16),
                "--",
                color=COLORS[m],
                label=f"{m} (tuned, {rec['grid'][m]['best_step']:.3g})",
            )
        ax.axhline(d["tol"], color="k", lw=0.8, ls=":")
        ax.set_title(f"{name} (kappa = {rec['kappa']:.1e})")
        ax.set_xlabel("full data passes")
        ax.set_ylim(1e-11, None)
    np.atleast_1d(axes)[0].set_ylabel("f - f*")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    return fig


def share_solved(d: dict, _):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    grid = np.linspace(0, d["max_passes"], 201)
    for ax, loss in zip(axes, ("ridge", "logistic"), strict=True):
        prof = profile(d, loss, grid)
        n = sum(1 for r in d["problems"].values() if r["loss"] == loss)
        for m in SKETCHY_METHODS + BASELINE_METHODS:
            ax.plot(
                grid,
                prof[m],
                "-" if m.startswith("sketchy") else "--",
                color=COLORS[m],
                label=m + ("" if m.startswith("sketchy") else " (tuned)"),
            )
        ax.set_title(f"{loss} ({n} problems, f - f* <= {d['tol']:g})")
        ax.set_xlabel("full data passes")
    axes[0].set_ylabel("proportion of problems solved")
    axes[0].legend(fontsize=8)
    return fig


def pinn(d: dict, _):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2))
    sp = d["spectra"]
    for key, lab, c in (("h", "H + mu I", "C3"), ("pre", "P^-1/2 (H + mu I) P^-1/2", "C0")):
        g, dens = np.asarray(sp[f"slq_{key}_grid"]), np.asarray(sp[f"slq_{key}_density"])
        a1.semilogy(
            g / np.abs(np.asarray(sp[f"eig_{key}"])).max(),
            np.maximum(dens, 1e-12),
            color=c,
            label=f"{lab} (lambda_max = {max(sp[f'eig_{key}']):.3g})",
        )
    a1.set_xlabel("eigenvalue / max |eigenvalue|")
    a1.set_ylabel("SLQ spectral density")
    a1.set_ylim(1e-8, None)
    a1.legend(fontsize=8)
    a1.set_title(f"Hessian spectrum after L-BFGS ({d['n_params']} parameters)")
    la = np.asarray(d["losses_adam_lbfgs"])
    ln = np.asarray(d["losses_nncg"])
    a2.semilogy(np.arange(la.size), la, color="k", label="Adam -> L-BFGS")
    a2.semilogy(la.size + np.arange(ln.size), ln, color="C0", label="NNCG")
    if "losses_gd" in d:
        lg = np.asarray(d["losses_gd"])
        a2.semilogy(la.size + np.arange(lg.size), lg, color="C1", ls="--", label="GD (Armijo)")
    a2.axvline(d["switch_lbfgs"], color="gray", ls=":", lw=1)
    a2.axvline(la.size, color="gray", ls="--", lw=1)
    a2.set_xlabel("iteration (L-BFGS: loss evaluations)")
    a2.set_ylabel("PINN loss")
    a2.set_title(f"L2RE {d['l2re_after_lbfgs']:.3g} -> {d['l2re_after_nncg']:.3g} after NNCG")
    a2.legend()
    return fig


def sketchysgd(d: dict, _):
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5), layout="constrained")
    comp = d["comparison"]["problems"]
    for ax, name in zip(axes[0, :2], d["params"]["curve_problems"], strict=True):
        rec = comp[name]
        sk = rec["sketchy_sgd"]
        med = np.median(np.maximum(np.asarray(sk["subopt"]), 1e-16), axis=0)
        ax.semilogy(sk["passes"], med, color=COLORS["sketchy_sgd"], label="SketchySGD (default)")
        for g in rec["sgd_grid"]:
            if g["subopt"] is None:
                continue
            best = g["step"] == rec["sgd_best"]["step"]
            ax.semilogy(
                g["passes"],
                np.median(np.maximum(np.asarray(g["subopt"]), 1e-16), axis=0),
                "--",
                color="k" if best else "0.7",
                lw=1.5 if best else 0.8,
                label=f"SGD, best step {g['step']:.3g}" if best else None,
            )
        ax.set_ylim(None, 30 * med[0])  # diverged grid steps would otherwise set the scale
        ax.set_title(f"{name} (kappa = {rec['kappa']:.1e}); median of seeds")
        ax.set_xlabel("full data passes")
        ax.set_ylabel("f - f*")
        ax.legend(fontsize=8)
    ax = axes[0, 2]
    names = list(comp)
    ratios = [comp[n]["sketchy_sgd"]["median"] / comp[n]["sgd_best"]["median"] for n in names]
    colors = ["C3" if comp[n]["kappa"] >= d["params"]["kappa_min"] else "0.6" for n in names]
    ax.barh(range(len(names)), ratios, color=colors)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=1)
    ax.set_yticks(range(len(names)), [f"{n} ({comp[n]['kappa']:.0e})" for n in names], fontsize=7)
    ax.set_xlabel("(f - f*) SketchySGD / tuned SGD after budget (red: kappa >= 1e3)")
    ax = axes[1, 0]
    for i, run in enumerate(d["ball"]["runs"].values()):
        sub = np.maximum(np.asarray(run["subopt"]), 1e-16)
        it = np.asarray(run["passes"]) * run["iterations_per_epoch"]
        ax.semilogy(it, np.median(sub, axis=0), color=f"C{i}", label=f"b_g = {run['batch_size']}")
        ax.axhline(run["median_plateau"], color=f"C{i}", ls=":", lw=1)
    ax.set_xlabel("iterations")
    ax.set_ylabel("f - f*")
    ax.set_title(f"SketchySGD fixed step, {d['ball']['problem']}: ball vs batch size")
    ax.legend(fontsize=8)
    sp = d["spectra"]
    for ax, flat in ((axes[1, 1], False), (axes[1, 2], True)):
        for i, c in enumerate(x for x in sp["cases"] if (x["alpha"] == 0.0) == flat):
            for key, ls, lab in (("eig_h", "-", "H + mu I"), ("eig_pre", "--", "preconditioned")):
                ev = np.asarray(c[key])
                ax.semilogy(
                    np.arange(1, ev.size + 1),
                    ev / ev[0],
                    ls,
                    color=f"C{i}",
                    label=f"{c['loss']} a={c['alpha']:g}: {lab}",
                )
        ax.axvline(sp["top"], color="gray", ls=":", lw=1)
        ax.set_xlabel("k")
        ax.set_ylabel("lambda_k / lambda_1")
        ax.set_title(("flat" if flat else "decaying") + f" spectra, p = {sp['p']}, w = 0")
        ax.legend(fontsize=7)
    fig.suptitle("SketchySGD (default hyperparameters): vs tuned SGD, noise ball, Hessian spectra")
    return fig


def preconditioners(d: dict, _):
    fig, axes = plt.subplots(2, 2, figsize=(13, 9), layout="constrained")
    counts = solved_counts(d)
    kinds = d["params"]["preconditioners"]
    methods = d["params"]["methods"]
    for ax, loss in zip(axes[0], ("ridge", "logistic"), strict=True):
        width = 0.8 / len(kinds)
        for j, kind in enumerate(kinds):
            shares = [counts[loss][m][kind][0] / counts[loss][m][kind][1] for m in methods]
            ax.bar(
                np.arange(len(methods)) + (j - len(kinds) / 2 + 0.5) * width,
                shares,
                width,
                label=kind,
            )
        n = counts[loss][methods[0]][kinds[0]][1]
        if "slbfgs" in d:
            sl = slbfgs_comparison(d)[loss]
            ax.axhline(sl["slbfgs"] / sl["n"], color="k", ls="--", lw=1.2, label="tuned SLBFGS")
        ax.set_xticks(range(len(methods)), methods)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(f"share solved (f - f* <= {d['tol']:g}, {d['max_passes']} passes)")
        ax.set_title(f"{loss}: {n} problems, default hyperparameters")
    axes[0, 0].legend(fontsize=8)
    rows = d["sensitivity"]
    for ax, name in zip(axes[1], dict.fromkeys(r["problem"] for r in rows), strict=True):
        ranks = list(dict.fromkeys(r["rank"] for r in rows))
        periods = list(dict.fromkeys(r["update_epochs"] for r in rows))
        for i, per in enumerate(periods):
            y = [
                next(
                    (
                        r["passes"]
                        for r in rows
                        if r["problem"] == name and r["rank"] == k and r["update_epochs"] == per
                    ),
                    None,
                )
                for k in ranks
            ]
            y = [np.nan if v is None else v for v in y]
            lab = "built once" if per is None else f"every {per} epoch(s)"
            ax.plot(ranks, y, "o-", color=f"C{i}", label=lab)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rank r")
        ax.set_ylabel("data passes to 1e-4 (missing: not solved in budget)")
        ax.set_title(f"SketchySAGA sensitivity, {name}")
        ax.legend(fontsize=8)
    fig.suptitle("PROMISE preconditioners (NySSN, SSN, SASSN-C/R, DiagSSN) and sensitivity")
    return fig


def streaming(d: dict, _):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for i, (name, run) in enumerate(d["runs"].items()):
        sk = name == "sketchy_sgd"
        ctrl = name.startswith("sketchy_sgd_")  # the claims' control (weak preconditioner)
        style = {
            "color": "C4" if sk else ("k" if ctrl else f"C{i % 10}"),
            "ls": "-" if sk else (":" if ctrl else "--"),
        }
        if sk:
            lab = "SketchySGD (default)"
        elif ctrl:
            lab = f"SketchySGD + {name.removeprefix('sketchy_sgd_')} (control)"
        else:
            lab = f"SGD step {run['step']:.3g}"
        a1.plot(np.arange(len(run["test_accuracy"])), run["test_accuracy"], label=lab, **style)
        a2.semilogy(np.arange(len(run["train_loss"])), run["train_loss"], label=lab, **style)
    a1.axhline(d["majority_test_accuracy"], color="k", ls=":", lw=1, label="majority class")
    a1.set_xlabel("epoch")
    a1.set_ylabel("test accuracy (%)")
    a2.set_xlabel("epoch")
    a2.set_ylabel("training loss")
    a1.legend(fontsize=7)
    fig.suptitle(f"Streamed random-features logistic regression (n = {d['n_train']}, m = {d['m']})")
    return fig


def rate(d: dict, _):
    runs = d["runs"]
    seed0 = runs[0]["seed"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    styles = {
        "sketchy_rho_mu": ("C0", "SketchySVRG rho = mu"),
        "sketchy_default": ("C1", "SketchySVRG rho = 1e-3"),
        "svrg_auto": ("k", "SVRG (auto step)"),
    }
    for r in (r for r in runs if r["seed"] == seed0):
        ls = "-" if r["lambda_low"] == max(x["lambda_low"] for x in runs) else "--"
        for key, (col, lab) in styles.items():
            run = r[key]
            sub = np.asarray(run["subopt"], dtype=float)
            a1.semilogy(
                run["passes"],
                np.where(sub > 0, sub, np.nan),
                color=col,
                ls=ls,
                label=f"{lab}, kappa {r['kappa']:.0e}",
            )
    a1.axhline(d["params"]["floor"], color="grey", lw=0.8, ls=":")
    a1.set_xlabel("data passes")
    a1.set_ylabel("f - f*")
    a1.set_title(f"seed {seed0}: same d_eff, kappa 1e3 (solid) vs 1e5 (dashed)", fontsize=9)
    a1.legend(fontsize=7)
    seeds = list(dict.fromkeys(r["seed"] for r in runs))
    lows = sorted({r["lambda_low"] for r in runs}, reverse=True)
    width = 0.8 / (len(styles) * len(lows))
    for j, (key, (col, lab)) in enumerate(styles.items()):
        for i, low in enumerate(lows):
            vals = [
                next(r[key]["rate"] for r in runs if r["seed"] == s and r["lambda_low"] == low)
                for s in seeds
            ]
            pos = np.arange(len(seeds)) + (j * len(lows) + i) * width
            a2.bar(
                pos,
                vals,
                width,
                color=col,
                alpha=1.0 if i == 0 else 0.5,
                label=f"{lab}, lambda_low {low:g}",
            )
    a2.set_yscale("log")
    a2.set_xticks(np.arange(len(seeds)) + 0.4 - width / 2, [str(s) for s in seeds])
    a2.set_xlabel("seed")
    a2.set_ylabel("rate (decades of f - f* per pass)")
    a2.legend(fontsize=7)
    fig.suptitle("PROMISE rate vs condition number at fixed effective dimension (ridge)")
    return fig


def regularity(d: dict, _):
    probs = d["problems"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for i, (name, p) in enumerate(probs.items()):
        a1.semilogy(
            np.arange(1, len(p["period_ratios"]) + 1),
            p["period_ratios"],
            "o-",
            ms=3,
            color=f"C{i % 10}",
            label=name,
        )
    a1.axhline(1.1, color="k", ls="--", lw=0.8, label="claim: median <= 1.1")
    a1.set_xlabel("preconditioner period (epoch; ridge: one period)")
    a1.set_ylabel("gamma_u / gamma_l")
    a1.legend(fontsize=7)
    names = list(probs)
    a2.scatter([probs[k]["kappa"] for k in names], [probs[k]["median_ratio"] for k in names])
    for k in names:
        a2.annotate(k, (probs[k]["kappa"], probs[k]["median_ratio"]), fontsize=7)
    lim = [1.0, max(probs[k]["kappa"] for k in names) * 2]
    a2.plot(lim, lim, "k:", lw=0.8, label="ratio = kappa")
    a2.set_xscale("log")
    a2.set_yscale("log")
    a2.set_xlabel("kappa(H(w*))")
    a2.set_ylabel("median gamma_u / gamma_l")
    a2.legend(fontsize=7)
    fig.suptitle(f"Quadratic regularity along SketchySAGA ({d['epochs']} epochs)")
    return fig


FIGURES = {
    "promise_nystrom_error": ("nystrom", nystrom_error),
    "promise_pcg_kappa": ("pcg", pcg_kappa),
    "promise_pcg_iterations": ("pcg", pcg_iterations),
    "promise_rf_residuals": ("rf", rf_residuals),
    "promise_suboptimality": ("suite", suboptimality),
    "promise_share_solved": ("suite", share_solved),
    "promise_pinn": ("pinn", pinn),
    "promise_sketchysgd": ("sketchysgd", sketchysgd),
    "promise_preconditioners": ("precond", preconditioners),
    "promise_streaming": ("streaming", streaming),
    "promise_rate": ("rate", rate),
    "promise_regularity": ("regularity", regularity),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--figure", required=True, choices=sorted(FIGURES))
    ap.add_argument("--json", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    d = read_json(args.json)
    with house_style():
        fig = FIGURES[args.figure][1](d, None)
        save_figure(
            fig,
            args.out,
            replication="hunting_the_hessian",
            config_hash=args.config_hash,
            seed=d["params"].get("seed", ",".join(map(str, d["params"].get("seeds", [])))),
            sources=[args.json],
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
