"""Turn synthetic.json and real.json into results/curse_of_unrolling/measurements.json.

One entry per claim id of claims.yaml: ``{"value": ..., "control": {"value": ...}, "flags":
{...}, "details": {...}}`` (reads numbers only). Each control is the case named in the claim's
ledger entry, measured with the same quantity.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from replications._workflow.io import read_json, write_measurements
from replications.curse_of_unrolling.device import cpu_device
from replications.curse_of_unrolling.model import loglog_slope

#: Float64 unit roundoff scale used by the forward-error model of the scale-aware checks.
EPS = float(np.finfo(np.float64).eps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--synthetic", required=True)
    ap.add_argument("--real", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cpu_device("measure")
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
    m["unrolled-converges-to-implicit"] = {
        "value": ic["unrolled_vs_implicit"],
        "control": {"value": ic["edge_step_vs_implicit"]},
        "details": ic,
    }
    lg = r["logistic"]
    m["logistic-unrolled-converges-to-implicit"] = {"value": lg["rel_err_final"], "details": lg}

    sc = s["scaling"]
    kappas = np.array([e["kappa"] for e in sc["gd"]])
    small_ctrl, fixed_ctrl = sc["control"]["1/L"], sc["control"]["1.5/L"]
    m["gd-burn-in-exists-large-step"] = {
        "value": [e["total_max"] > 1.0 + 1e-12 for e in sc["gd"]],
        "control": {"value": [e["total_max"] > 1.0 + 1e-12 for e in small_ctrl]},
        "details": {
            "kappas": kappas.tolist(),
            "total_max": [e["total_max"] for e in sc["gd"]],
            "total_argmax": [e["total_argmax"] for e in sc["gd"]],
            "first_below_1_after_peak": [e["total_first_below_1_after_peak"] for e in sc["gd"]],
            "horizon": [e["T"] for e in sc["gd"]],
            "control_total_max": [e["total_max"] for e in small_ctrl],
        },
    }

    def lengths(entries: list, key: str) -> tuple[dict, bool]:
        """Burn-in lengths by kappa (the horizon stands in where the burn-in has not ended)."""
        vals = {f"k{e['kappa']:g}": (e[key] if e[key] is not None else e["T"]) for e in entries}
        return vals, any(e[key] is None for e in entries)

    gd_len, gd_open = lengths(sc["gd"], "total_first_below_1_after_peak")
    ctrl_len, ctrl_open = lengths(small_ctrl, "burn_in_end")
    m["gd-burn-in-length-grows-with-kappa"] = {
        "value": gd_len,
        "flags": {"not_ended": gd_open},
        "control": {"value": ctrl_len, "flags": {"not_ended": ctrl_open}},
        "details": {
            "length_over_kappa": {
                f"k{e['kappa']:g}": (gd_len[f"k{e['kappa']:g}"] / e["kappa"]) for e in sc["gd"]
            },
            "horizon": {f"k{e['kappa']:g}": e["T"] for e in sc["gd"]},
        },
    }
    # Controls of the slopes: the other method's peak times, the fixed step 1.5/L's peaks.
    for meth, what, cid, ctrl in (
        ("gd", "peak", "gd-peak-height-linear-in-kappa", fixed_ctrl),
        ("gd", "peak_t", "gd-peak-time-linear-in-kappa", sc["chebyshev"]),
        ("chebyshev", "peak_t", "chebyshev-peak-time-sqrt-kappa", sc["gd"]),
        ("chebyshev", "peak", "chebyshev-peak-height-linear-in-kappa", fixed_ctrl),
    ):
        ys = np.array([e[what] for e in sc[meth]], float)
        cs = np.array([e[what] for e in ctrl], float)
        m[cid] = {
            "value": loglog_slope(kappas, ys),
            "control": {"value": loglog_slope(kappas, cs)},
            "details": {
                "kappas": kappas.tolist(),
                what: ys.tolist(),
                "heavy_ball_" + what: [e[what] for e in sc["heavy_ball"]],
                "control_" + what: cs.tolist(),
            },
        }
    big, cheb = sc["gd"][-1], sc["chebyshev"][-1]
    m["gd-peak-over-kappa-is-1-over-e"] = {
        "value": big["peak"] / big["kappa"],
        "control": {"value": cheb["peak"] / cheb["kappa"]},
        "details": {"kappa": big["kappa"], "peak": big["peak"], "exact_peak": big["exact_peak"]},
    }
    m["gd-peak-time-over-kappa-is-half"] = {
        "value": big["peak_t"] / big["kappa"],
        "control": {"value": cheb["peak_t"] / cheb["kappa"]},
        "details": {
            "kappa": big["kappa"],
            "peak_t": big["peak_t"],
            "exact_peak_t": big["exact_peak_t"],
        },
    }
    curves = [e for meth in ("gd", "chebyshev") for e in sc[meth]]
    devs = [e["curve_dev"] for e in curves]
    argmax_mismatch = sum(e["peak_t"] != e["exact_peak_t"] for e in curves)
    m["burn-in-peaks-match-closed-form"] = {
        "value": max(devs) + float(argmax_mismatch),
        "details": {"max_curve_dev": max(devs), "argmax_mismatches": argmax_mismatch},
    }
    # Scale-aware: deviation in units of the forward-error model p T eps max(peak, 1).
    scaled = [e["curve_dev"] / (sc["p"] * e["T"] * EPS * max(e["exact_peak"], 1.0)) for e in curves]
    worst = int(np.argmax(scaled))
    m["burn-in-peaks-match-closed-form-scaled"] = {
        "value": max(scaled) + float(argmax_mismatch),
        "details": {
            "worst_case": {
                "method": "gd" if worst < len(sc["gd"]) else "chebyshev",
                "kappa": curves[worst]["kappa"],
                "curve_dev": curves[worst]["curve_dev"],
                "model_bound": sc["p"]
                * curves[worst]["T"]
                * EPS
                * max(curves[worst]["exact_peak"], 1.0),
            },
            "max_curve_dev": max(devs),
            "argmax_mismatches": argmax_mismatch,
        },
    }

    small = s["small_steps_synthetic"] + r["small_steps"]
    large = s["large_step_synthetic"] + [
        {
            "case": f"{e['case']}-h2/(L+mu)",
            "monotone": e["steps"]["2/(L+mu)"]["total_monotone"],
            "component_rise": e["steps"]["2/(L+mu)"]["component_rise"],
        }
        for e in r["ridge"]
    ]
    m["small-step-monotone"] = {
        "value": [c["monotone"] for c in small],
        "control": {"value": [c["monotone"] for c in large]},
        "details": {
            "cases": [c["case"] for c in small],
            "control_cases": [c["case"] for c in large],
        },
    }
    m["small-step-no-component-rises"] = {
        "value": [c["component_rise"] for c in small],
        "control": {"value": [c["component_rise"] for c in large]},
        "details": {
            "cases": [c["case"] for c in small],
            "control_cases": [c["case"] for c in large],
            "control_monotone_total_norm": [c["monotone"] for c in large],
        },
    }
    th = s["threshold"]
    m["monotone-threshold-sqrt2"] = {
        "value": th["component"]["threshold_hL"],
        "control": {"value": th["total"]["threshold_hL"]},
        "details": th,
    }
    m["monotone-threshold-total-norm-at-least-sqrt2"] = {
        "value": th["total"]["threshold_hL"],
        "details": th,
    }

    f1 = s["fig1"]["steps"]

    def figure1_pattern(steps: dict) -> bool:
        return bool(
            all(v["fgap_monotone"] for v in steps.values())
            and not steps["2/(L+mu)"]["jerr_monotone"]
            and steps["1/L"]["jerr_monotone"]
            and steps["sqrt2/L"]["jerr_monotone"]
        )

    keys = ("hL", "jerr_monotone", "fgap_monotone", "jerr_max")
    summary = {k: {x: v[x] for x in keys} for k, v in f1.items()}
    iso = s["fig1"]["isotropic"]
    m["function-monotone-jacobian-not"] = {
        "value": figure1_pattern(f1),
        "control": {"value": figure1_pattern(iso)},
        "details": {
            **summary,
            "control_isotropic": {k: {x: v[x] for x in keys} for k, v in iso.items()},
        },
    }
    bf = s["better_f"]
    per_seed = {
        d: {seed: v["pairs_with_inversion"] for seed, v in seeds.items()}
        for d, seeds in bf["designs"].items()
    }
    m["better-f-worse-jacobian-random-x0"] = {
        "value": sum(n for seeds in per_seed.values() for n in seeds.values()),
        "control": {
            "value": sum(v["pairs_with_inversion"] for v in bf["control"].values()),
        },
        "seeds": sorted({int(seed) for seeds in bf["designs"].values() for seed in seeds}),
        "details": {
            "cases_in_grid": bf["n_pairs"] * sum(len(v) for v in bf["designs"].values()),
            "pairs_with_inversion_per_design_and_seed": per_seed,
            "max_jacobian_ratio_in_inversions": max(
                v["max_jacobian_ratio"] for seeds in bf["designs"].values() for v in seeds.values()
            ),
            "x0_zero_pairs_with_inversion": {
                d: v["pairs_with_inversion"] for d, v in bf["x0_zero"].items()
            },
            "T": bf["T"],
        },
    }
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
        "control": {"value": s["rates"]["gd"]["ratio_one_power_fewer"]},
        "details": s["rates"]["gd"],
    }
    bsteps = ("1/L", "sqrt2/L", "2/(L+mu)")
    m["gd-bound-b-holds"] = {
        "value": max(f1[k]["bound_ratio_max"] for k in bsteps),
        "control": {"value": max(f1[k]["iterate_rate_ratio_max"] for k in bsteps)},
        "details": {
            **{k: f1[k]["bound_ratio_max"] for k in f1},
            "control_iterate_rate_ratio": {k: f1[k]["iterate_rate_ratio_max"] for k in bsteps},
        },
    }
    m["chebyshev-asymptotic-rate-t2-rho-t"] = {
        "value": s["rates"]["chebyshev"]["ratio"],
        "control": {"value": s["rates"]["chebyshev"]["ratio_one_power_fewer"]},
        "details": s["rates"]["chebyshev"],
    }

    tr = s["tradeoff"]
    best = {k: v["best_hL"] for k, v in tr["horizons"].items()}
    it_best = {k: v["iterate_best_hL_grid"] for k, v in tr["horizons"].items()}
    m["tradeoff-best-step-below-iterate-optimal"] = {
        "value": max(best.values()) - tr["iterate_optimal_hL"],
        "control": {"value": max(it_best.values()) - tr["iterate_optimal_hL"]},
        "details": {
            "best_hL": best,
            "iterate_optimal_hL": tr["iterate_optimal_hL"],
            "ad_sup_T100": tr["ad_sup_T100"],
        },
    }
    m["tradeoff-best-step-increases-with-horizon"] = {
        "value": best,
        "control": {"value": it_best},
        "details": tr["horizons"],
    }
    m["tradeoff-best-step-tends-to-iterate-optimal"] = {
        "value": best["T1000"],
        "control": {"value": best["T100"]},
        "details": {"iterate_optimal_hL": tr["iterate_optimal_hL"]},
    }

    trs = s["truncation"]
    tk, tctrl = trs["cases"], trs["control"]
    m["truncation-matches-closed-form"] = {
        "value": max(c["closed_form_dev"] for c in tk.values()),
        "details": {k: c["closed_form_dev"] for k, c in tk.items()},
    }
    t_scaled = {
        k: c["closed_form_dev"] / (trs["p"] * trs["T"] * EPS * max(c["closed_form_peak"], 1.0))
        for k, c in tk.items()
    }
    m["truncation-matches-closed-form-scaled"] = {
        "value": max(t_scaled.values()),
        "details": {"T": trs["T"], "dev_over_model_bound": t_scaled},
    }
    m["truncation-peak-decreases-with-k"] = {
        "value": {k: c["peak_after_k"] for k, c in tk.items()},
        "control": {"value": tctrl["untruncated_peak_after_k"]},
        "details": {
            k: {x: c[x] for x in ("peak_t", "final", "reverse_memory_bytes")} for k, c in tk.items()
        },
    }
    k2 = tk[f"k{int(2 * trs['kappa'])}"]
    m["truncation-removes-burn-in-at-2-kappa"] = {
        "value": k2["peak_after_k"] <= 1.0 + 1e-12,
        "control": {"value": tctrl["untruncated_max_after_2kappa"] <= 1.0 + 1e-12},
        "details": {
            **k2,
            "control_untruncated_max_after_2kappa": tctrl["untruncated_max_after_2kappa"],
        },
    }
    m["truncation-final-error-not-worse"] = {
        "value": [c["final"] <= tk["k0"]["final"] for k, c in tk.items() if k != "k0"],
        "details": {k: c["final"] for k, c in tk.items()},
    }
    later = [k for k in tk if k != "k0"]
    m["truncation-final-error-not-worse-above-floor"] = {
        "value": [tk[k]["final"] for k in later],
        "rhs": tk["k0"]["final"],
        "control": {"value": tctrl["late_k_final"], "rhs": tk["k0"]["final"]},
        "details": {"cases": later, "T": trs["T"], "control_k": tctrl["late_k"]},
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

    cold = s["warm_start"]["cases"]["cold"]
    m["warm-start-suppresses-burn-in"] = {
        "value": [c["sup_max_minus_1"] for c in ws.values()],
        "control": {"value": cold["sup_max_minus_1"]},
        "details": {"cases": list(ws), "T": s["warm_start"]["T"]},
    }

    ie = s["implicit_exact"]
    m["seed-rule-implicit-exact"] = {
        "value": ie["rel_err_vs_exact"],
        "control": {"value": ie["rel_err_vs_central_fd"]},
        "details": ie,
    }
    sr = s["seed_rules"]
    sw, lc, sc_ = sr["short_warm"], sr["long_cold"], sr["short_cold"]
    sides = ("reverse_memory_bytes", "peak", "final")
    m["seed-rule-short-warm-unroll-both-sides"] = {
        "value": [float(sw[x]) for x in sides],
        "rhs": [float(lc[x]) for x in sides],
        "control": {"value": [float(sc_[x]) for x in sides], "rhs": [float(lc[x]) for x in sides]},
        "details": {
            "cases": ["memory (bytes)", "peak error (stability)", "final error (accuracy)"],
            "mixing_time": sr["mixing_time"],
            "short_warm": sw,
            "long_cold": lc,
            "short_cold": sc_,
        },
    }
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
    # Controls of the checks and superseded claims are declared 'none' in the ledger.
    for v in m.values():  # JSON has no NaN semantics for verdicts: fail loudly instead
        val = v["value"]
        if isinstance(val, float) and math.isnan(val):
            raise ValueError(f"a measurement is NaN: {v}")
    write_measurements(args.out, m)


if __name__ == "__main__":
    main()
