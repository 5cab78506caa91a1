"""Turn synthetic.json and real.json into results/curse_of_unrolling/measurements.json.

One entry per claim id of claims.yaml: ``{"value": ..., "details": {...}}`` (reads numbers only).
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from replications._workflow.io import read_json, write_measurements
from replications.curse_of_unrolling.model import loglog_slope


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--synthetic", required=True)
    ap.add_argument("--real", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    s, r = read_json(args.synthetic), read_json(args.real)
    m: dict = {}

    ad = s["ad_check"]["max_rel_diff"]
    worst = max(v for meth in ad.values() for k, v in meth.items() if k != "iterates_piggyback")
    m["ad-modes-agree"] = {
        "value": worst,
        "details": {
            "kappa": s["ad_check"]["kappa"],
            "T": s["ad_check"]["T"],
            "per_method": ad,
            "logistic_jvp_vs_jacrev": r["logistic"]["jvp_vs_jacrev"],
        },
    }
    ic = s["implicit_check"]
    m["unrolled-converges-to-implicit"] = {"value": ic["unrolled_vs_implicit"], "details": ic}
    lg = r["logistic"]
    m["logistic-unrolled-converges-to-implicit"] = {"value": lg["rel_err_final"], "details": lg}

    sc = s["scaling"]
    kappas = np.array([e["kappa"] for e in sc["gd"]])
    m["gd-burn-in-exists-large-step"] = {
        "value": [e["total_max"] > 1.0 + 1e-12 for e in sc["gd"]],
        "details": {
            "kappas": kappas.tolist(),
            "total_max": [e["total_max"] for e in sc["gd"]],
            "total_argmax": [e["total_argmax"] for e in sc["gd"]],
            "first_below_1_after_peak": [e["total_first_below_1_after_peak"] for e in sc["gd"]],
        },
    }
    for meth, what, cid in (
        ("gd", "peak", "gd-peak-height-linear-in-kappa"),
        ("gd", "peak_t", "gd-peak-time-linear-in-kappa"),
        ("chebyshev", "peak_t", "chebyshev-peak-time-sqrt-kappa"),
        ("chebyshev", "peak", "chebyshev-peak-height-linear-in-kappa"),
    ):
        ys = np.array([e[what] for e in sc[meth]], float)
        m[cid] = {
            "value": loglog_slope(kappas, ys),
            "details": {
                "kappas": kappas.tolist(),
                what: ys.tolist(),
                "heavy_ball_" + what: [e[what] for e in sc["heavy_ball"]],
            },
        }
    big = sc["gd"][-1]
    m["gd-peak-over-kappa-is-1-over-e"] = {
        "value": big["peak"] / big["kappa"],
        "details": {"kappa": big["kappa"], "peak": big["peak"], "exact_peak": big["exact_peak"]},
    }
    m["gd-peak-time-over-kappa-is-half"] = {
        "value": big["peak_t"] / big["kappa"],
        "details": {
            "kappa": big["kappa"],
            "peak_t": big["peak_t"],
            "exact_peak_t": big["exact_peak_t"],
        },
    }
    devs = [e["curve_dev"] for meth in ("gd", "chebyshev") for e in sc[meth]]
    argmax_mismatch = sum(
        e["peak_t"] != e["exact_peak_t"] for meth in ("gd", "chebyshev") for e in sc[meth]
    )
    m["burn-in-peaks-match-closed-form"] = {
        "value": max(devs) + float(argmax_mismatch),
        "details": {"max_curve_dev": max(devs), "argmax_mismatches": argmax_mismatch},
    }

    small = s["small_steps_synthetic"] + r["small_steps"]
    m["small-step-monotone"] = {
        "value": [c["monotone"] for c in small],
        "details": {"cases": [c["case"] for c in small]},
    }
    th = s["threshold"]
    m["monotone-threshold-sqrt2"] = {"value": th["component"]["threshold_hL"], "details": th}
    m["monotone-threshold-total-norm-at-least-sqrt2"] = {
        "value": th["total"]["threshold_hL"],
        "details": th,
    }

    f1 = s["fig1"]["steps"]
    ok = (
        all(v["fgap_monotone"] for v in f1.values())
        and not f1["2/(L+mu)"]["jerr_monotone"]
        and f1["1/L"]["jerr_monotone"]
        and f1["sqrt2/L"]["jerr_monotone"]
    )
    summary = {
        k: {x: v[x] for x in ("hL", "jerr_monotone", "fgap_monotone", "jerr_max")}
        for k, v in f1.items()
    }
    m["function-monotone-jacobian-not"] = {"value": ok, "details": summary}
    m["better-f-not-better-jacobian"] = {
        "value": s["fig1"]["inversion_count"] > 0,
        "details": {
            "inversion_count": s["fig1"]["inversion_count"],
            "first_t": s["fig1"]["inversion_first_t"],
            "T": s["fig1"]["T"],
            "final_jerr": {k: v["jerr_final"] for k, v in f1.items()},
        },
    }
    m["gd-asymptotic-rate-t-r-t"] = {
        "value": s["rates"]["gd"]["ratio"],
        "details": s["rates"]["gd"],
    }
    m["gd-bound-b-holds"] = {
        "value": max(f1[k]["bound_ratio_max"] for k in ("1/L", "sqrt2/L", "2/(L+mu)")),
        "details": {k: f1[k]["bound_ratio_max"] for k in f1},
    }
    m["chebyshev-asymptotic-rate-t2-rho-t"] = {
        "value": s["rates"]["chebyshev"]["ratio"],
        "details": s["rates"]["chebyshev"],
    }

    tr = s["tradeoff"]
    best = {k: v["best_hL"] for k, v in tr["horizons"].items()}
    m["tradeoff-best-step-below-iterate-optimal"] = {
        "value": max(best.values()) - tr["iterate_optimal_hL"],
        "details": {
            "best_hL": best,
            "iterate_optimal_hL": tr["iterate_optimal_hL"],
            "ad_sup_T100": tr["ad_sup_T100"],
        },
    }
    m["tradeoff-best-step-increases-with-horizon"] = {"value": best, "details": tr["horizons"]}
    m["tradeoff-best-step-tends-to-iterate-optimal"] = {
        "value": best["T1000"],
        "details": {"iterate_optimal_hL": tr["iterate_optimal_hL"]},
    }

    tk = s["truncation"]["cases"]
    m["truncation-matches-closed-form"] = {
        "value": max(c["closed_form_dev"] for c in tk.values()),
        "details": {k: c["closed_form_dev"] for k, c in tk.items()},
    }
    m["truncation-peak-decreases-with-k"] = {
        "value": {k: c["peak_after_k"] for k, c in tk.items()},
        "details": {
            k: {x: c[x] for x in ("peak_t", "final", "reverse_memory_bytes")} for k, c in tk.items()
        },
    }
    k2 = tk[f"k{int(2 * s['truncation']['kappa'])}"]
    m["truncation-removes-burn-in-at-2-kappa"] = {
        "value": k2["peak_after_k"] <= 1.0 + 1e-12,
        "details": k2,
    }
    m["truncation-final-error-not-worse"] = {
        "value": [c["final"] <= tk["k0"]["final"] for k, c in tk.items() if k != "k0"],
        "details": {k: c["final"] for k, c in tk.items()},
    }
    ws = {k: c for k, c in s["warm_start"]["cases"].items() if k != "cold"}
    m["warm-start-bounded-excess"] = {
        "value": [c["excess"] for c in ws.values()],
        "rhs": [c["bound"] for c in ws.values()],
        "details": {
            "cases": list(ws),
            "cold_excess": s["warm_start"]["cases"]["cold"]["excess"],
            "closed_form_dev": {k: c["closed_form_dev"] for k, c in ws.items()},
            "final_sup": {k: c["final_sup"] for k, c in s["warm_start"]["cases"].items()},
        },
    }

    ie = s["implicit_exact"]
    m["seed-rule-implicit-exact"] = {"value": ie["rel_err_vs_exact"], "details": ie}
    sr = s["seed_rules"]
    sw, lc = sr["short_warm"], sr["long_cold"]
    m["seed-rule-short-warm-unroll-beats-long"] = {
        "value": bool(
            sw["reverse_memory_bytes"] < lc["reverse_memory_bytes"] and sw["peak"] < lc["peak"]
        ),
        "details": {"short_warm": sw, "long_cold": lc, "mixing_time": sr["mixing_time"]},
    }
    m["seed-rule-clip-damp-tames-spike"] = {
        "value": [
            sr["clip"]["peak"] < sr["plain"]["peak"],
            sr["relaxed"]["peak"] < sr["plain"]["peak"],
        ],
        "details": {
            "cases": ["clip", "relaxed"],
            "plain": sr["plain"],
            "clip": sr["clip"],
            "relaxed": sr["relaxed"],
            "detector_small_step": sr["small_step_1_over_L"],
        },
    }
    for v in m.values():  # JSON has no NaN semantics for verdicts: fail loudly instead
        val = v["value"]
        if isinstance(val, float) and math.isnan(val):
            raise ValueError(f"a measurement is NaN: {v}")
    write_measurements(args.out, m)


if __name__ == "__main__":
    main()
