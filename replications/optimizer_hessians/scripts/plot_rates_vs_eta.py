"""Plot |r(lambda_min)|, |r(lambda_max)| and R against eta for lambda = (1, 5) (reads numbers)."""

from __future__ import annotations

from replications._workflow.cli import plot_parser
from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz


def main() -> None:
    ap = plot_parser(__doc__)
    args = ap.parse_args()
    a, meta = read_npz(args.npz), read_json(args.json)
    ex = meta["rates_example"]
    with house_style():
        fig, ax = plt.subplots()
        eta = a["eta_grid"]
        ax.plot(eta, a["rates_r_min"], label=f"$|r(\\lambda_{{min}}={ex['lambda_min']:g})|$")
        ax.plot(eta, a["rates_r_max"], label=f"$|r(\\lambda_{{max}}={ex['lambda_max']:g})|$")
        ax.plot(eta, a["rates_R"], "k--", lw=1.0, label="$R = \\max$")
        ax.scatter(
            [ex["eta_opt_numeric"]],
            [ex["R_opt_numeric"]],
            color="k",
            zorder=3,
            label=f"min R: $\\eta$={ex['eta_opt_numeric']:.4f}, R={ex['R_opt_numeric']:.4f}",
        )
        ax.set_xlabel("learning rate $\\eta$")
        ax.set_ylabel("per-step contraction")
        ax.set_ylim(0, 2)
        ax.set_title("GD rates on a quadratic with $\\lambda \\in \\{1, 5\\}$")
        ax.legend()
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
