"""Hessian-vector product vs full Hessian estimate: relative RMSE of Hv vs evaluations."""

from __future__ import annotations

import argparse

import numpy as np

from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    h = read_json(args.json)
    p = h["params"]
    with house_style():
        fig, ax = plt.subplots(figsize=(5.2, 3.8))
        for k, n in enumerate(p["dims"]):
            cases = sorted(
                (c for c in h["cases"].values() if c["dim"] == n), key=lambda c: c["budget"]
            )
            b = np.array([c["budget"] for c in cases])
            for kind, ls, mk in (("full", "-", "o"), ("hvp", "--", "s")):
                y = [c[f"rmse_{kind}"] for c in cases]
                lab = (
                    "full 2RDSA Hessian x v (3 eval., N^2 memory)"
                    if kind == "full"
                    else "RDSA Hessian-vector product (4 eval., O(N) memory)"
                )
                ax.loglog(b, y, ls=ls, marker=mk, color=f"C{k}", label=f"N={n}: {lab}")
            for c in cases:
                ax.annotate(
                    f"ratio {c['ratio']:.1f}",
                    (c["budget"], c["rmse_hvp"]),
                    fontsize=6,
                    xytext=(4, -10),
                    textcoords="offset points",
                )
        ax.set_xlabel("function evaluations")
        ax.set_ylabel("relative RMSE of the estimate of Hv")
        ax.set_title(
            f"Hv on the 2017 quadratic (sigma={p['sigma']:g}, {p['replications']} runs)", fontsize=9
        )
        ax.legend(fontsize=6)
        fig.tight_layout()
        save_figure(
            fig,
            args.out,
            replication="rdsa_bias",
            config_hash=args.config_hash,
            seed=p["seed"],
            sources=[args.json],
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
