"""Finite-N threshold alpha_1/2(N) (P_success = 1/2, random init) against log N with its fit."""

from __future__ import annotations

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications.phase_retrieval_bbp.plot_inputs import read_inputs, sources


def main() -> None:
    args, d = read_inputs(__doc__)
    m = d["measurements"]["finite-size-threshold-drift"]["details"]
    th = d["theory"]
    ac = th["thresholds"][repr(float(th["a_default"]))]["alpha_bbp_init"]
    x, y = np.array(m["log_n"]), np.array(m["alpha_half"], dtype=float)
    with house_style():
        fig, ax = plt.subplots()
        ax.plot(x, y, "o", label=r"$\alpha_{1/2}(N)$, random init")
        ok = np.isfinite(y)
        if ok.sum() >= 2:
            c = np.polyfit(x[ok], y[ok], 1)
            xx = np.linspace(x.min() - 0.2, x.max() + 0.2, 20)
            ax.plot(
                xx,
                np.polyval(c, xx),
                "--",
                label=f"fit: slope {m['slope']:.3f} $\\pm$ {m['slope_stderr']:.3f} (bootstrap)",
            )
        ax.axhline(ac, color="k", ls=":", lw=1, label=r"$\alpha_{BBP}^{init}$ (RMT)")
        ax.set_xticks(x, [f"log {n}" for n in m["ns"]])
        ax.set_xlabel("log N")
        ax.set_ylabel(r"$\alpha$ at which $P_{success} = 1/2$")
        ax.set_title("Finite-size drift of the recovery threshold")
        ax.legend(fontsize=7)
        save_figure(
            fig,
            args.out,
            replication="phase_retrieval_bbp",
            config_hash=args.config_hash,
            seed=None,
            sources=sources(args),
        )


if __name__ == "__main__":
    main()
