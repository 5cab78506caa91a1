"""Plot GD eigen-component decay |alpha_i^(t)| against (1 - eta lambda_i)^t (reads numbers)."""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import plot_parser
from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz


def main() -> None:
    ap = plot_parser(__doc__)
    args = ap.parse_args()
    a, meta = read_npz(args.npz), read_json(args.json)
    decay = meta["eigen_decay"]
    with house_style():
        fig, axes = plt.subplots(1, len(decay), figsize=(4.2 * len(decay), 3.6), sharey=True)
        for ax, d in zip(np.atleast_1d(axes), decay, strict=True):
            factor = d["lr_factor"]
            alpha, pred = a[f"decay_{factor}__alpha"], a[f"decay_{factor}__predicted"]
            t = np.arange(alpha.shape[0])
            for i, lab in enumerate(("$\\lambda_{min}$", "$\\lambda_{max}$")):
                ax.semilogy(t, np.abs(alpha[:, i]), color=f"C{i}", label=f"measured, {lab}")
                ax.semilogy(
                    t,
                    np.abs(pred[:, i]),
                    "k:",
                    lw=1.0,
                    label="$(1-\\eta\\lambda_i)^t\\,\\alpha_i^{(0)}$" if i == 0 else None,
                )
            ax.set_title(
                f"$\\eta$ = {float(factor):g} $\\eta^*$ (max rel. err {d['max_rel_error']:.1e})"
            )
            ax.set_xlabel("step t")
            # Below ~1e-16 * |w*| the float64 iterate equals the minimum: the error is exactly 0.
            ax.set_ylim(1e-18, 10)
        np.atleast_1d(axes)[0].set_ylabel("$|\\alpha_i^{(t)}|$")
        np.atleast_1d(axes)[0].legend()
        save_figure(
            fig,
            args.out,
            replication="optimizer_hessians",
            config_hash=args.config_hash,
            seed=None,
            sources=[args.npz, args.json],
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
