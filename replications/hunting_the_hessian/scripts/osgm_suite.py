"""Run the twelve methods of the solved-instance table on every instance of one loss, plus plain
HDM (claim T4) and OSGM-Best of Part II beside them (I/O only)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, device_setting
from replications.hunting_the_hessian import osgm_problems as prob
from replications.hunting_the_hessian.osgm_suite import METHODS, run_instance
from shared.first_order import is_solved
from shared.osgm import osgm, osgm_best


def instances(spec: dict) -> list[prob.Instance]:
    out = prob.sklearn_instances(spec["sklearn"], spec["versions"])
    out += prob.synthetic_instances(spec["synthetic"], spec["synthetic_seed"])
    if spec.get("libsvm_dir") and spec.get("libsvm_names"):
        out += prob.load_libsvm_instances(Path(spec["libsvm_dir"]), spec["libsvm_names"])
    return out


def main() -> None:
    ap = compute_parser(__doc__)
    ap.add_argument("--loss", required=True, choices=list(prob.LOSSES))
    args = ap.parse_args()
    # Device contract: the step gets the configured device as a param (its code imports
    # runtime.py, whose device helper imports torch), but it is numpy / SciPy float64 code
    # with no torch or jax, so it runs on CPU whatever the device (README, Runtime).
    print(
        f"[device] configured {device_setting()}; this step runs on CPU by design "
        "(numpy / SciPy float64 code, no torch or jax)",
        file=sys.stderr,
    )
    p = params_of(args)["osgm"]
    proto, spec = p["protocol"], p["instances"]
    insts = instances(spec)
    progress = Progress(len(insts), f"osgm suite {args.loss}")
    records, arrays = {}, {}
    for inst in insts:
        Z = prob.design(inst, args.loss)
        fun, L = prob.make_loss(Z, args.loss), prob.smoothness(Z)
        x0 = prob.start_point(Z.shape[1], proto["seed"])
        keep = inst.name in spec["curves"]
        res = run_instance(fun, x0, L, proto, keep_history=keep)
        # Plain diagonal HDM (no momentum), one setting, for the HDM-vs-GD claim (card T4).
        plain = osgm(
            fun,
            x0,
            feedback="hypergradient",
            kind="diagonal",
            lr=proto["hdm_plain_eta_p_times_L"] / L,
            tol=proto["tol"],
            max_evals=proto["max_evals"],
        )
        # OSGM-Best (Part II): untuned, one run; probes from a seeded Generator (D8).
        best = osgm_best(
            fun,
            x0,
            rng=np.random.default_rng(int(proto["osgm_best_probe_seed"])),
            tol=proto["tol"],
            max_iter=proto["max_evals"],
        )
        if keep:
            arrays[f"{inst.name}/OSGM-Best/f"] = best.f_hist
            arrays[f"{inst.name}/OSGM-Best/ginf"] = best.ginf_hist
        rec = {"m": int(Z.shape[0]), "d": int(Z.shape[1]), "L": L, "methods": {}}
        for name in METHODS:
            r = res[name]
            if keep:
                arrays[f"{inst.name}/{name}/f"] = r.pop("f_hist")
                arrays[f"{inst.name}/{name}/ginf"] = r.pop("ginf_hist")
            rec["methods"][name] = r
        rec["hdm_plain"] = {
            "f": float(plain.f),
            "converged": bool(plain.converged),
            "n_grad": int(plain.n_grad),
        }
        rec["osgm_best"] = {
            "solved": is_solved(best, proto["max_evals"]),
            "n_grad": int(best.n_grad),
            "f": float(best.f),
            "grad_inf": float(best.ginf_hist[-1]),
            "L_probe": float(best.params["L_probe"]),
            "lookahead": bool(best.params["lookahead"]),
        }
        records[inst.name] = rec
        progress.step(
            note=f"{inst.name}: {sum(r['solved'] for r in rec['methods'].values())} solved"
        )
    counts = {m: int(sum(records[i]["methods"][m]["solved"] for i in records)) for m in METHODS}
    write_json(
        args.out_json,
        {
            "loss": args.loss,
            "n_instances": len(records),
            "counts": counts,
            # beside the table, not part of the twelve-method ordinal checks
            "counts_extra": {
                "OSGM-Best": int(sum(r["osgm_best"]["solved"] for r in records.values()))
            },
            "instances": records,
            "curves": spec["curves"],
            "protocol": proto,
        },
    )
    write_npz(args.out_npz, arrays or {"empty": np.zeros(0)})


if __name__ == "__main__":
    main()
