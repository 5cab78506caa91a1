"""Random-matrix predictions: alpha_BBP^init(a); t = 0 bulk edge, outlier and overlap vs alpha."""

from __future__ import annotations

from replications._workflow.cli import params_of, parser
from replications._workflow.io import write_json
from replications._workflow.runtime import Progress, pin_threads
from replications.phase_retrieval_bbp import theory


def main() -> None:
    pin_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)
    a0 = float(p["a"])
    extra = p["spectrum_init"].get("extra_a")
    curves = {a0: list(p["theory"]["alpha_grid"])}
    if extra:
        curves.setdefault(float(extra["a"]), []).extend(
            list(extra["alphas"]) + list(p["theory"].get("extra_alpha_grid", []))
        )
    a_list = sorted(set(float(x) for x in p["theory"]["a_grid"]) | set(curves))
    thresholds = {}
    prog = Progress(len(a_list), "theory/thresholds")
    for a in a_list:
        al, lc, regime = theory.alpha_bbp_init(a)
        thresholds[repr(a)] = {"a": a, "alpha_bbp_init": al, "lambda_c": lc, "regime": regime}
        prog.step(note=f"a={a}: alpha_BBP^init={al:.4f} ({regime})")
    # Each curve also gets a point at its own threshold.
    grids = {
        a: sorted(set(float(x) for x in alphas) | {thresholds[repr(a)]["alpha_bbp_init"]})
        for a, alphas in curves.items()
    }
    prog = Progress(sum(len(g) for g in grids.values()), "theory/predictions")
    preds = {}
    for a, grid in grids.items():
        rows = []
        for al in grid:
            r = theory.predict(al, a)
            rows.append(
                {
                    "alpha": al,
                    "mu0": r.mu0,
                    "edge": r.edge,
                    "outlier": r.outlier,
                    "overlap2": r.overlap2,
                    "has_outlier": r.has_outlier,
                }
            )
            prog.step()
        preds[repr(a)] = rows
    write_json(args.out_json, {"a_default": a0, "thresholds": thresholds, "predictions": preds})


if __name__ == "__main__":
    main()
