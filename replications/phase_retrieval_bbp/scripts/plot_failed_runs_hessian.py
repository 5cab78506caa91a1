"""Final Hessian of failed runs: lambda_1 against the bottom-eigenvector overlap with w* (C10); the
legend gives the fractions in the overlap box and without a spectral outlier (D10)."""

from __future__ import annotations

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications.phase_retrieval_bbp.plot_inputs import read_inputs, sources


def main() -> None:
    args, d = read_inputs(__doc__)
    succ = d["success"]
    meas = d["measurements"]["failed-runs-marginal-no-outlier"]["details"]
    with house_style():
        fig, ax = plt.subplots(figsize=(5.5, 4.0))
        for k, (init, mk) in enumerate([("random", "o"), ("constrained", "s"), ("spectral", "^")]):
            pts = [
                (f["lambda"][0], f["overlap"][0])
                for r in succ[init]["rows"]
                for f in r.get("final_hessian_failed", [])
            ]
            if not pts:
                continue
            lam, ov = np.array(pts).T
            frac = meas[init]["fraction_marginal_no_outlier"]
            frac_sp = meas[init]["fraction_marginal_no_spectral_outlier"]
            ax.plot(
                lam,
                ov,
                mk,
                color=f"C{k}",
                mfc="none",
                ms=4,
                label=(
                    f"{init}: {len(pts)} failed runs, {100 * frac:.0f}% in the box, "
                    f"{100 * frac_sp:.0f}% without spectral outlier"
                ),
            )
        ax.axvline(-0.1, color="k", ls="--", lw=0.8)
        ax.axhline(0.4, color="k", ls="--", lw=0.8)
        ax.set_xscale("symlog", linthresh=0.1)
        ax.set_xlabel(r"$\lambda_1$ of the Riemannian Hessian at the final point")
        ax.set_ylabel(r"$|v_1 \cdot w^*| / \sqrt{N}$")
        a_min = meas["random"]["alpha_min"]
        ax.set_title(
            rf"Failed runs ($|m(T)| \leq 0.9$, $\alpha \geq {a_min:g}$): "
            r"box $\lambda_1 > -0.1$, overlap $< 0.4$",
            fontsize=9,
        )
        ax.legend(fontsize=7)
        save_figure(
            fig,
            args.out,
            replication="phase_retrieval_bbp",
            config_hash=args.config_hash,
            seed=f"0..{len(succ['random']['seeds']) - 1}",
            sources=sources(args),
        )


if __name__ == "__main__":
    main()
