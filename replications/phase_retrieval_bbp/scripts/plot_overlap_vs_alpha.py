"""Squared overlap of the bottom Hessian eigenvector with w* vs alpha against theory: at t = 0,
at the threshold states of constrained runs (alpha_TS bracket) and for spectral starts; the
outlier-bulk gap at t = 0 against theory; alpha_BBP^init(a)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications.phase_retrieval_bbp.plot_inputs import read_inputs, sources


def main() -> None:
    args, d = read_inputs(__doc__)
    th, sp = d["theory"], d["spectrum"]
    with house_style():
        fig, (ax, ax3, ax2) = plt.subplots(1, 3, figsize=(13.5, 3.8))
        for k, (akey, rows) in enumerate(sorted(th["predictions"].items())):
            a = float(akey)
            rows = sorted(rows, key=lambda r: r["alpha"])
            al = [r["alpha"] for r in rows]
            ax.plot(
                al,
                [r["overlap2"] for r in rows],
                "-",
                color=f"C{k}",
                label=f"RMT theory, a = {a:g}",
            )
            by = defaultdict(list)
            for r in sp["rows"]:
                if r["a"] == a:
                    by[r["alpha"]].append(r["overlap2"][0])
            xs = sorted(by)
            ax.errorbar(
                xs,
                [np.mean(by[x]) for x in xs],
                yerr=[np.std(by[x]) for x in xs],
                fmt="o",
                color=f"C{k}",
                capsize=2,
                label=f"N = {sp['n']}, a = {a:g} (mean $\\pm$ std, {len(by[xs[0]])} seeds)",
            )
            dense = d["dense"]
            n0 = dense["claims_n"]
            byd = defaultdict(list)
            for r in dense["rows"]:
                if r["a"] == a and r["n"] == n0:
                    byd[r["alpha"]].append(r["overlap2"][0])
            xd = sorted(byd)
            ax.errorbar(
                xd,
                [np.mean(byd[x]) for x in xd],
                yerr=[np.std(byd[x]) for x in xd],
                fmt="D",
                mfc="none",
                color=f"C{k}",
                capsize=2,
                label=f"N = {n0}, a = {a:g} (dense, {len(byd[xd[0]])} seeds)",
            )
            ac = th["thresholds"][akey]["alpha_bbp_init"]
            ax.axvline(ac, color=f"C{k}", ls=":", lw=1)
        # Threshold states (constrained runs at t_ts) and spectral starts: read from the
        # measurements, which merge the ts_scan and time_hessian runs.
        tsd = d["measurements"]["alpha-ts-above-alpha-init"]["details"]
        pa = {float(k): v for k, v in tsd["per_alpha"].items()}
        xs = sorted(pa)
        ov2 = [np.square(pa[x]["overlap_t_ts"]) for x in xs]
        ax.errorbar(
            xs,
            [o.mean() for o in ov2],
            yerr=[o.std() for o in ov2],
            fmt="s",
            mfc="none",
            color="C3",
            capsize=2,
            label=f"threshold states (constrained, t = {tsd['t_ts']:g}), N = {tsd['n']}",
        )
        # The band is the bracket of the live (spectral, D10) claim.
        tsp = d["measurements"]["alpha-ts-above-alpha-init-spectral"]["details"]
        lo, hi = tsp["alpha_ts_bracket"]
        ax.axvspan(lo, hi if hi is not None else max(xs), color="C3", alpha=0.1, lw=0)
        m0 = d["spectral_m0"]
        ax.plot(
            [r["alpha"] for r in m0["rows"]],
            [np.mean(r["m0"]) ** 2 for r in m0["rows"]],
            "^",
            color="C4",
            label=f"spectral start (mean $|m(0)|$)$^2$, N = {m0['n']}",
        )
        ax.set_xlabel(r"$\alpha = M/N$")
        ax.set_ylabel(r"$|v_1 \cdot w^*|^2 / N$")
        ax.set_title(r"Outlier overlap (dotted: $\alpha_{BBP}^{init}$; band: $\alpha_{TS}$ range)")
        gd = d["measurements"]["t0-gap-matches-theory"]["details"]
        a0 = repr(float(th["a_default"]))
        rows0 = [r for r in sorted(th["predictions"][a0], key=lambda r: r["alpha"])]
        rows0 = [r for r in rows0 if r["has_outlier"]]
        ax3.plot(
            [r["alpha"] for r in rows0],
            [r["edge"] - r["outlier"] for r in rows0],
            "-",
            color="C0",
            label="RMT theory (edge - outlier)",
        )
        gx = [float(k.split("=")[1]) for k in gd]
        ax3.errorbar(
            gx,
            [g["measured_mean_gap"] for g in gd.values()],
            yerr=[np.std(g["seeds"]) for g in gd.values()],
            fmt="o",
            color="C0",
            capsize=2,
            label=f"$\\lambda_2 - \\lambda_1$, N = {sp['n']}",
        )
        gdl = d["measurements"]["t0-gap-matches-theory-large-n"]["details"]
        gl = {k: v for k, v in gdl.items() if k.startswith("alpha=")}
        ax3.errorbar(
            [float(k.split("=")[1]) + 0.05 for k in gl],
            [g["measured_mean_gap"] for g in gl.values()],
            yerr=[np.std(g["seeds"]) for g in gl.values()],
            fmt="D",
            mfc="none",
            color="C1",
            capsize=2,
            label=f"$\\lambda_2 - \\lambda_1$, N = {gdl['n']} (dense)",
        )
        ax3.set_xlabel(r"$\alpha$")
        ax3.set_ylabel("outlier-bulk gap at $t = 0$")
        ax3.set_title(f"Gap of the initial Hessian, a = {float(th['a_default']):g}")
        ax3.legend(fontsize=7)
        ax.legend(fontsize=7)
        ts = sorted(th["thresholds"].values(), key=lambda r: r["a"])
        ax2.semilogx([r["a"] for r in ts], [r["alpha_bbp_init"] for r in ts], "o-")
        ax2.set_xlabel("loss parameter $a$")
        ax2.set_ylabel(r"$\alpha_{BBP}^{init}(a)$ (RMT solve)")
        ax2.set_title("Threshold at initialisation")
        save_figure(
            fig,
            args.out,
            replication="phase_retrieval_bbp",
            config_hash=args.config_hash,
            seed=str(sorted({r["seed"] for r in sp["rows"]})),
            sources=sources(args),
        )


if __name__ == "__main__":
    main()
