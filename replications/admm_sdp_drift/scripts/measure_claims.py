"""Turn the computed numbers into one measurement per ledger claim (measurements.json)."""

from __future__ import annotations

import argparse
import math

import numpy as np

from replications._workflow.io import read_json, write_measurements

TOYS = ("toy1", "toy2", "toy3")
#: get_ang.m clamps the cosine at 1 - 1e-16: the smallest angle it can return (~1.5e-8).
ANGLE_FLOOR = float(np.arccos(1.0 - 1e-16))


def rel_err(p: float, ref: float) -> float:
    return abs(p - ref) / (1.0 + abs(ref))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    for name in ("toys", "face", "control", "slow", "followups", "dynamics", "reference", "out"):
        ap.add_argument(f"--{name}", required=True)
    args = ap.parse_args()
    toys = read_json(args.toys)["toys"]
    face = read_json(args.face)["face"]
    ctl, slow, fol = read_json(args.control), read_json(args.slow), read_json(args.followups)
    slow_name, ctl_name = slow["instance"], ctl["instance"]
    c: dict[str, dict] = {}

    def per_toy(fn) -> tuple[list, dict]:
        vals = [fn(toys[t]) for t in TOYS]
        return vals, dict(zip(TOYS, vals, strict=True))

    v, d = per_toy(lambda r: r["expansion"]["first_step_slope"])
    c["expansion-first-step-order-two"] = {"value": v, "details": {"cases": d}}
    v, d = per_toy(lambda r: r["expansion"]["off_cone_slope"])
    c["expansion-off-cone-order-one"] = {"value": v, "details": {"cases": d}}
    checked_t = ("1e-03", "1e-04", "1e-05")
    v, d = per_toy(lambda r: max(r["expansion"]["relerr_first_over_t"][t] for t in checked_t))
    c["expansion-first-logged-step-matches-phi"] = {
        "value": v,
        "details": {
            "cases": d,
            "relerr_over_t": {
                t: {k: toys[t]["expansion"]["relerr_first_over_t"][k] for k in checked_t}
                for t in TOYS
            },
        },
    }
    v, d = per_toy(lambda r: r["expansion"]["min_relerr_slope"])
    c["expansion-relerr-order-t"] = {
        "value": v,
        "details": {
            "cases": d,
            "min_relerr": {t: toys[t]["expansion"]["min_relerr"] for t in TOYS},
        },
    }

    stall = [toys[t]["taskVI"]["stall_decades_per_1000"] for t in TOYS] + [
        slow["stall_decades_per_1000"]
    ]
    c["slow-region-stalls"] = {
        "value": stall,
        "details": {
            "cases": dict(zip([*TOYS, slow_name], stall, strict=True)),
            "unit": "decades of r_max gained per 1000 iterations",
            f"{slow_name}_kkt_fixed_segment": slow["kkt_fixed"],
            f"{slow_name}_sigma_fixed": slow["sigma_fixed"],
        },
    }
    c["control-converges-linearly"] = {
        "value": ctl["decades_per_1000_last"],
        "details": {
            "instance": ctl_name,
            "converged_to_1e-10": ctl["converged"],
            "n_iter": ctl["n_iter"],
            "final_kkt": ctl["final"]["kkt"],
        },
    }

    ang_cases, ang_details = [], {}
    for t_key, t in (("1e-03", 1e-3), ("1e-04", 1e-4)):
        med = toys["toy1"]["expansion"]["median_angle_after_10"][t_key]
        mn = toys["toy1"]["expansion"]["min_angle_after_10"][t_key]
        ok = bool(0 < mn and med < 10 * t)
        ang_cases.append(ok)
        ang_details[f"toy1_t={t_key}"] = {"median": med, "min": mn, "bound_10t": 10 * t, "pass": ok}
    a = slow["angles"]
    ok = bool(a["min"] > 0 and a["median"] < 1e-3 and a["spike_fraction"] < 0.01)
    ang_cases.append(ok)
    ang_details[slow_name] = {**a, "pass": ok}
    c["angles-small-with-sparse-spikes"] = {"value": ang_cases, "details": ang_details}

    v, d = per_toy(lambda r: r["taskIV_sweep"]["dx_slope"])
    c["scaling-law-dx-slope"] = {
        "value": v,
        "details": {
            "cases": d,
            "control_t=1e-2": {t: toys[t]["taskIV_control"]["dx_slope"] for t in TOYS},
        },
    }
    v, d = per_toy(lambda r: r["taskIV_sweep"]["ds_slope"])
    c["scaling-law-ds-slope"] = {
        "value": v,
        "details": {
            "cases": d,
            "control_t=1e-2": {t: toys[t]["taskIV_control"]["ds_slope"] for t in TOYS},
        },
    }
    v, d = per_toy(lambda r: max(r["taskIV_sweep"]["spread_decades"].values()))
    c["infeasibility-flat-under-sigma"] = {
        "value": v,
        "details": {
            "cases": d,
            "spreads": {t: toys[t]["taskIV_sweep"]["spread_decades"] for t in TOYS},
            "spreads_without_first_two_steps (code's log starts after two warm-up calls; "
            "reported, not judged)": {
                t: toys[t]["taskIV_sweep"]["spread_decades_code_log"] for t in TOYS
            },
            "control_t=1e-2": {t: toys[t]["taskIV_control"]["spread_decades"] for t in TOYS},
        },
    }
    sw = fol["sweep"]
    c["scaling-law-benchmark-pattern"] = {
        "value": bool(sw["pinf_range_decades"] < 0.3 and sw["ds_slope"] < -0.5),
        "details": {"instance": slow_name, **sw},
    }

    esc, esc_d = [], {}
    for t in TOYS:
        g = toys[t]["taskVI"]["gain_vs_sigma1"]
        if t in ("toy1", "toy2"):
            ok = bool(g["0.01"] >= 3.0 and g["100"] < -0.5)
        else:
            ok = bool(abs(g["0.01"]) < 0.3)
        esc.append(ok)
        esc_d[t] = {"gain_decades_vs_sigma1": g, "follows_pattern": ok}
    c["sigma-escape-table"] = {"value": esc, "details": esc_d}

    top2 = slow["pca"]["top2"]
    c["transient-trapping-low-dimension"] = {
        "value": min(top2) if top2 else math.nan,
        "details": {"instance": slow_name, **slow["pca"]},
    }

    cases, obj = [], {}
    for t in TOYS:
        o = toys[t]["taskVI"]["objective"]
        e = rel_err(o["pobj"], o["reference"])
        cases.append(e)
        obj[t] = {**o, "rel_error": e}
    for seed, f in face.items():
        cases.append(f["rel_error"])
        obj[f"face_seed{seed}"] = f
    if ctl["reference"] is not None:
        e = rel_err(ctl["final"]["pobj"], ctl["reference"]["value"])
        cases.append(e)
        obj[ctl_name] = {
            "pobj": ctl["final"]["pobj"],
            "reference": ctl["reference"],
            "rel_error": e,
        }
    if slow["reference"] is not None:
        e = rel_err(slow["final"]["pobj"], slow["reference"]["value"])
        cases.append(e)
        obj[slow_name] = {
            "pobj": slow["final"]["pobj"],
            "reference": slow["reference"],
            "rel_error": e,
        }
    else:
        obj[slow_name] = {
            "pobj": slow["final"]["pobj"],
            "kkt": slow["final"]["kkt"],
            "reference": "not run at this scale (reference_slow: false)",
        }
    c["objective-matches-reference"] = {"value": cases, "details": obj}

    pert, pert_d = [], {}
    for t in TOYS:
        for seed, g in toys[t]["taskVI"]["perturb_gain"].items():
            pert.append(g)
            pert_d[f"{t}/seed{seed}"] = g
    for seed, g in fol["perturb_gain"].items():
        pert.append(g)
        pert_d[f"{slow_name}/seed{seed}"] = g
    c["seed-perturbation-shortens-slow-region"] = {
        "value": pert,
        "details": {"gain_decades_vs_continuing": pert_d},
    }
    rst = [toys[t]["taskVI"]["restart_gain"] for t in TOYS] + [fol["restart_gain"]]
    c["seed-restart-shortens-slow-region"] = {
        "value": rst,
        "details": {
            "gain_decades_vs_continuing": dict(zip([*TOYS, slow_name], rst, strict=True)),
            "restart_window": read_json(args.toys)["remedies"]["restart_window"],
        },
    }
    reg = [toys[t]["taskVI"]["regulariser"]["gain"] for t in TOYS] + [fol["regulariser"]["gain"]]
    c["seed-regulariser-shortens-slow-region"] = {
        "value": reg,
        "details": {
            "cases": dict(zip([*TOYS, slow_name], reg, strict=True)),
            "eps": {
                **{t: toys[t]["taskVI"]["regulariser"]["eps"] for t in TOYS},
                slow_name: fol["regulariser"]["eps"],
            },
        },
    }
    best, best_d = [], {}
    for t in TOYS:
        g = {k: v for k, v in toys[t]["taskVI"]["gain_vs_sigma1"].items() if k != "1"}
        best.append(max(g.values()))
        best_d[t] = g
    best.append(max(fol["sigma_gain"].values()))
    best_d[slow_name] = fol["sigma_gain"]
    c["seed-sigma-tuning-does-not-remove-drift"] = {
        "value": best,
        "details": {"gain_decades_by_sigma_factor": best_d},
    }
    measure_dynamics(c, read_json(args.dynamics)["toy_dynamics"])
    measure_slow_reference(c, slow, read_json(args.reference))
    write_measurements(args.out, c)


def measure_slow_reference(c: dict, slow: dict, ref: dict) -> None:
    """1dc.128 against the cached Clarabel value (D7); only when the instances agree."""
    if ref["instance"] != slow["instance"] or ref["m"] != slow["m"]:
        # e.g. paper scale (1dc1024): the claim is not checked there.
        return
    p_ref = ref["reference"]["value"]
    kkt = slow["final"]["kkt"]
    errs = {k: rel_err(slow["final"][k], p_ref) for k in ("pobj", "dobj")}
    c["objective-slow-instance-matches-reference"] = {
        "value": max(errs.values()) / kkt,
        "details": {
            "instance": slow["instance"],
            "pobj": slow["final"]["pobj"],
            "dobj": slow["final"]["dobj"],
            "reference": ref["reference"],
            "reference_versions": ref["versions"],
            "rel_error": errs,
            "final_kkt": kkt,
        },
    }


def measure_dynamics(c: dict, d: dict) -> None:
    """Claims of the toys' geometry: task V, the task VII grid and the escape PCA."""
    v = d["taskV"]
    c["offcone-start-lands-on-cone-plane"] = {
        "value": v["slope_after_one_step"],
        "details": {
            "slope_at_start": v["slope_start"],
            "t_list": v["t_list"],
            "max_distance_start": v["max_plane_distance_start"],
            "max_distance_after_one_step": v["max_plane_distance_after_one_step"],
            "n_starts": v["n_starts"],
        },
    }
    t = d["taskVII"]["t"]
    vals, det = [], {}
    for key, r in d["taskVII"]["cases"].items():
        ok = bool(
            r["min_angle"] > ANGLE_FLOOR
            and r["median_angle"] < 10 * t
            and r["spike_fraction"] < 0.01
        )
        vals.append(ok)
        det[key] = {**r, "bound_10t": 10 * t, "angle_floor": ANGLE_FLOOR, "pass": ok}
    c["angles-toy3-spike-grid"] = {"value": vals, "details": det}
    vals, det = [], {}
    for name, r in d["escape"].items():
        ok = bool(r["slow"]["top1"] > 0.999 and r["escape"]["n999"] > r["slow"]["n999"])
        det[name] = {**r, "pass": ok}
        if name in ("toy1", "toy2"):  # the toys that escape at sigma = 1e-2 (task VI)
            vals.append(ok)
    det["judged"] = ["toy1", "toy2"]
    det["params"] = d["escape_params"]
    c["trapping-dimension-jumps-on-escape"] = {"value": vals, "details": det}


if __name__ == "__main__":
    main()
