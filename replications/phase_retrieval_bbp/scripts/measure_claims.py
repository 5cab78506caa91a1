"""Turn the computed numbers into one measurement per ledger claim (measurements.json)."""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from replications._workflow.io import read_json, write_measurements
from replications.phase_retrieval_bbp.analysis import (
    FLOOR_FACTOR,
    bracket,
    half_crossing,
    late_window,
    log_log_slope,
    logn_slope,
    outlier_loss_time,
    spectral_outlier,
    stop_checkpoint,
    wilson_interval,
)


def _theory_row(theory: dict, a: float, alpha: float) -> dict:
    for r in theory["predictions"][repr(a)]:
        if abs(r["alpha"] - alpha) < 1e-9:
            return r
    raise KeyError(f"no theory prediction at a={a}, alpha={alpha}")


def _theory_overlap(theory: dict, a: float, alpha: float) -> float:
    return float(_theory_row(theory, a, alpha)["overlap2"])


def _gap_rows(theory: dict, rows: list[dict], a0: float) -> dict:
    """Outlier-bulk gap lambda_2 - lambda_1 at alpha >= 5 against theory (card C2), and the
    control: the bulk spacing lambda_3 - lambda_2 against the same theory gap."""
    gaps, spacings = defaultdict(list), defaultdict(list)
    for r in rows:
        if r["alpha"] >= 5.0:
            ev = r["eigenvalues"]
            gaps[r["alpha"]].append(ev[1] - ev[0])
            spacings[r["alpha"]].append(ev[2] - ev[1])
    out = {}
    for al in sorted(gaps):
        t = _theory_row(theory, a0, al)
        th_gap = float(t["edge"] - t["outlier"])
        g, sp = float(np.mean(gaps[al])), float(np.mean(spacings[al]))
        out[al] = {
            "measured_mean_gap": g,
            "theory_gap": th_gap,
            "relative_error": abs(g - th_gap) / th_gap,
            "seeds": gaps[al],
            "mean_bulk_spacing_l3_minus_l2": sp,
            "bulk_spacing_relative_error": abs(sp - th_gap) / th_gap,
        }
    return out


def spectrum_claims(theory: dict, spec: dict) -> dict:
    a0 = float(spec["a_default"])
    al_c = theory["thresholds"][repr(a0)]["alpha_bbp_init"]
    by = defaultdict(list)
    for r in spec["rows"]:
        by[(r["a"], r["alpha"])].append(r["overlap2"][0])
    means = {k: float(np.mean(v)) for k, v in by.items()}
    cur = sorted((al, m) for (a, al), m in means.items() if a == a0)
    above = [(al, m) for al, m in cur if al >= 4.0]
    below = [(al, m) for al, m in cur if al <= 2.5]
    diffs = [abs(m - _theory_overlap(theory, a0, al)) for al, m in above]
    out = {
        "t0-overlap-matches-theory": {
            "value": diffs,
            "details": {
                f"alpha={al}": {
                    "measured_mean": m,
                    "theory": _theory_overlap(theory, a0, al),
                    "seeds": by[(a0, al)],
                }
                for al, m in above
            },
        },
        "t0-no-outlier-below-threshold": {
            "value": [m for _, m in below],
            "control": {"value": [m for al, m in cur if al >= 5.0]},
            "details": {
                f"alpha={al}": {"measured_mean": m, "seeds": by[(a0, al)]} for al, m in below
            },
        },
    }
    alphas = np.array([al for al, _ in cur])
    m = np.array([v for _, v in cur])
    cross = half_crossing(alphas, m, level=0.1)
    out["t0-transition-location"] = {
        "value": cross,
        "details": {
            "alpha_bbp_init_theory": al_c,
            "level": 0.1,
            "n": spec["n"],
            "mean_overlap2": dict(zip([str(x) for x in alphas], m.tolist(), strict=True)),
        },
    }
    # Card C2: outlier-bulk gap lambda_2 - lambda_1 against the theory gap (edge - outlier).
    gap_rows = _gap_rows(theory, [r for r in spec["rows"] if r["a"] == a0], a0)
    out["t0-gap-matches-theory"] = {
        "value": [g["relative_error"] for g in gap_rows.values()],
        "control": {"value": [g["bulk_spacing_relative_error"] for g in gap_rows.values()]},
        "details": {f"alpha={al}": g for al, g in gap_rows.items()},
    }
    other = [(a, al) for (a, al) in means if a != a0]
    out["t0-overlap-other-a"] = {
        "value": [abs(means[k] - _theory_overlap(theory, k[0], k[1])) for k in other],
        "details": {
            f"a={a},alpha={al}": {
                "measured_mean": means[(a, al)],
                "theory": _theory_overlap(theory, a, al),
                "seeds": by[(a, al)],
                "alpha_bbp_init": theory["thresholds"][repr(a)]["alpha_bbp_init"],
            }
            for a, al in other
        },
    }
    return out, al_c


def large_n_claims(theory: dict, dense: dict) -> dict:
    """The t = 0 claims at N = claims_n from dense spectra (claims ``t0-*-large-n``, D8)."""
    a0, n0 = float(dense["a_default"]), int(dense["claims_n"])
    al_c = theory["thresholds"][repr(a0)]["alpha_bbp_init"]
    ov, dec = defaultdict(list), defaultdict(list)
    for r in dense["rows"]:
        ov[(r["n"], r["a"], r["alpha"])].append(r["overlap2"][0])
        dec[(r["n"], r["a"], r["alpha"])].append(r["decoy_overlap2"][0])
    mean = {k: float(np.mean(v)) for k, v in ov.items()}
    dmean = {k: float(np.mean(v)) for k, v in dec.items()}
    seeds = [int(s) for s in dense["seeds"]]
    cur = sorted((al, m) for (n, a, al), m in mean.items() if n == n0 and a == a0)
    trend = {
        str(n): {str(al): m for (nn, a, al), m in sorted(mean.items()) if nn == n and a == a0}
        for n in dense["ns"]
    }
    above = [al for al, _ in cur if al >= 4.0]
    below = [al for al, _ in cur if al <= 2.5]
    th = {al: _theory_overlap(theory, a0, al) for al in above}
    out = {
        "t0-overlap-matches-theory-large-n": {
            "value": [abs(mean[(n0, a0, al)] - th[al]) for al in above],
            "control": {"value": [abs(dmean[(n0, a0, al)] - th[al]) for al in above]},
            "seeds": seeds,
            "details": {
                "n": n0,
                **{
                    f"alpha={al}": {
                        "measured_mean": mean[(n0, a0, al)],
                        "theory": th[al],
                        "decoy_mean": dmean[(n0, a0, al)],
                        "seeds": ov[(n0, a0, al)],
                    }
                    for al in above
                },
            },
        },
        "t0-no-outlier-below-threshold-large-n": {
            "value": [mean[(n0, a0, al)] for al in below],
            "control": {"value": [m for al, m in cur if al >= 5.0]},
            "seeds": seeds,
            "details": {
                "n": n0,
                **{
                    f"alpha={al}": {"measured_mean": mean[(n0, a0, al)], "seeds": ov[(n0, a0, al)]}
                    for al in below
                },
                "mean_overlap2_by_n": trend,
            },
        },
    }
    alphas = np.array([al for al, _ in cur])
    m = np.array([v for _, v in cur])
    out["t0-transition-location-large-n"] = {
        "value": half_crossing(alphas, m, level=0.1),
        "seeds": seeds,
        "details": {
            "n": n0,
            "alpha_bbp_init_theory": al_c,
            "level": 0.1,
            "mean_overlap2": dict(zip([str(x) for x in alphas], m.tolist(), strict=True)),
            "crossing_by_n": {
                n: half_crossing(
                    np.array([float(x) for x in row]), np.array(list(row.values())), level=0.1
                )
                for n, row in trend.items()
            },
        },
    }
    gap_rows = _gap_rows(theory, [r for r in dense["rows"] if r["n"] == n0 and r["a"] == a0], a0)
    out["t0-gap-matches-theory-large-n"] = {
        "value": [g["relative_error"] for g in gap_rows.values()],
        "control": {"value": [g["bulk_spacing_relative_error"] for g in gap_rows.values()]},
        "seeds": seeds,
        "details": {"n": n0, **{f"alpha={al}": g for al, g in gap_rows.items()}},
    }
    other = sorted((a, al) for (n, a, al) in mean if n == n0 and a != a0)
    out["t0-overlap-other-a-large-n"] = {
        "value": [abs(mean[(n0, a, al)] - _theory_overlap(theory, a, al)) for a, al in other],
        "control": {
            "value": [abs(dmean[(n0, a, al)] - _theory_overlap(theory, a, al)) for a, al in other]
        },
        "seeds": seeds,
        "details": {
            f"a={a},alpha={al}": {
                "n": n0,
                "measured_mean": mean[(n0, a, al)],
                "theory": _theory_overlap(theory, a, al),
                "decoy_mean": dmean[(n0, a, al)],
                "seeds": ov[(n0, a, al)],
                "alpha_bbp_init": theory["thresholds"][repr(a)]["alpha_bbp_init"],
            }
            for a, al in other
        },
    }
    return out


def time_claims(th: dict, al_c: float) -> dict:
    runs = th["runs"]
    out = {}

    def at(rec, t):
        ts = np.array(rec["t"])
        return int(np.argmin(np.abs(ts - t)))

    def lost_rule(rec):
        ov = np.array([o[0] for o in rec["overlap"]])
        ts = np.array(rec["t"])
        early = float(ov[at(rec, 0.03)])
        late = float(ov[ts >= 1.0 - 1e-9].max())
        return bool(early > 0.5 and late < 0.45), early, late, ov, ts

    def survive_rule(rec):
        j = at(rec, 20.0)
        ov, lam = rec["overlap"][j][0], rec["lambda"][j]
        return bool(ov > 0.6 and lam[0] < lam[1] - 1.0), ov, lam

    c4 = runs["constrained_a4"]
    c6 = runs["constrained_a6"]
    lost, marg, det = [], [], {}
    for rec in c4["seeds"]:
        ok, early, late, ov, ts = lost_rule(rec)
        lost.append(ok)
        lam1 = float(rec["lambda"][at(rec, 20.0)][0])
        marg.append(lam1)
        t_bbp = next((float(t) for t, o in zip(ts, ov, strict=True) if t > 0 and o < 0.45), None)
        det[f"seed={rec['seed']}"] = {
            "overlap_t0.03": early,
            "max_overlap_t_ge_1": late,
            "lambda1_t20": lam1,
            "t_bbp_first_below_0.45": t_bbp,
            "m_max": float(max(rec["m"])),
        }
    out["time-bbp-outlier-lost"] = {
        "value": lost,
        "control": {"value": [lost_rule(rec)[0] for rec in c6["seeds"]]},
        "details": det,
    }
    out["time-bbp-trapped-marginal"] = {
        "value": marg,
        "control": {"value": [float(rec["lambda"][at(rec, 20.0)][0]) for rec in c6["seeds"]]},
        "details": det,
    }
    surv, det6 = [], {}
    for rec in c6["seeds"]:
        ok, ov, lam = survive_rule(rec)
        surv.append(ok)
        det6[f"seed={rec['seed']}"] = {"overlap_t20": ov, "lambda1": lam[0], "lambda2": lam[1]}
    out["time-bbp-outlier-survives-large-alpha"] = {
        "value": surv,
        "control": {"value": [survive_rule(rec)[0] for rec in c4["seeds"]]},
        "details": det6,
    }
    return out


LOST_BELOW = 0.45  # |v1.w*|/sqrt(N) below which the outlier is lost (card C4)


def _ts_records(th: dict, ts: dict) -> dict[float, list[dict]]:
    """Constrained records per alpha: the ts_scan rows plus time_hessian runs held to t_ts."""
    t_ts = float(ts["t_ts"])
    recs = defaultdict(list)
    for name, run in th["runs"].items():
        if run["init"] != "constrained" or float(run["t_c"]) < t_ts - 1e-9:
            continue
        if int(run["n"]) != int(ts["n"]) or float(run["a"]) != float(ts["a"]):
            raise ValueError(f"time_hessian run {name} has other N / a than ts_scan")
        for rec in run["seeds"]:
            recs[float(run["alpha"])].append(rec)
    for rec in ts["rows"]:
        recs[float(rec["alpha"])].append(rec)
    for al in recs:
        if sorted(r["seed"] for r in recs[al]) != sorted(ts["seeds"]):
            raise ValueError(f"alpha={al}: seeds differ from the ts_scan seeds {ts['seeds']}")
    return dict(sorted(recs.items()))


def _at_time(r: dict, t: float, al: float) -> int:
    ts = np.array(r["t"])
    j = int(np.argmin(np.abs(ts - t)))
    if abs(ts[j] - t) > 1e-6:
        raise ValueError(f"alpha={al} seed={r['seed']}: no record at t = {t}")
    return j


def threshold_states(th: dict, ts: dict, alpha_min: float = 5.0) -> list[dict]:
    """Bottom pairs at t_ts of the constrained runs at alpha >= alpha_min (controls of the
    failed-runs claims: threshold states that carry an outlier)."""
    t_ts = float(ts["t_ts"])
    out = []
    for al, rs in _ts_records(th, ts).items():
        if al < alpha_min:
            continue
        for r in rs:
            j = _at_time(r, t_ts, al)
            out.append(
                {
                    "alpha": al,
                    "seed": r["seed"],
                    "lambda": r["lambda"][j],
                    "overlap": r["overlap"][j],
                }
            )
    return out


def ts_bracket_claim(th: dict, ts: dict, al_c: float) -> dict:
    """Brackets of alpha_BBP^TS from constrained runs at t = t_ts, and their t = 0 controls.

    ``alpha-ts-above-alpha-init``: a seed has lost the outlier when ``|v1.w*|/sqrt(N) < 0.45`` at
    t_ts; lost at alpha = majority of seeds; lower bracket = largest grid alpha where lost
    (alpha_BBP^init if none). ``alpha-ts-above-alpha-init-spectral``: the same with the spectral
    outlier of D10 (lost = no spectral outlier), and ``flags.bracket_open`` when no grid alpha
    above the lower bracket keeps it. Controls: the same rules at t = 0 of the same runs.
    """
    t_ts = float(ts["t_ts"])
    recs = _ts_records(th, ts)

    def rule(t: float, spectral: bool) -> tuple[dict, dict]:
        per_alpha, lost = {}, {}
        for al, rs in recs.items():
            ov, lam1, lam2, has = [], [], [], []
            for r in rs:
                j = _at_time(r, t, al)
                ov.append(float(r["overlap"][j][0]))
                lam1.append(float(r["lambda"][j][0]))
                lam2.append(float(r["lambda"][j][1]))
                has.append(spectral_outlier(lam1[-1], lam2[-1]))
            lost_seed = [not h for h in has] if spectral else [o < LOST_BELOW for o in ov]
            frac = float(np.mean(lost_seed))
            lost[al] = frac > 0.5
            per_alpha[str(al)] = {
                "overlap": ov,
                "mean_overlap2": float(np.mean(np.square(ov))),
                "lambda1": lam1,
                "lambda2": lam2,
                "spectral_outlier": has,
                "fraction_of_seeds_lost": frac,
                "lost": lost[al],
            }
        return per_alpha, lost

    old_pa, old_lost = rule(t_ts, spectral=False)
    lower, upper = bracket(old_lost, al_c)
    old0_pa, old0_lost = rule(0.0, spectral=False)
    lower0, _ = bracket(old0_lost, al_c)
    sp_pa, sp_lost = rule(t_ts, spectral=True)
    sp_lower, sp_upper = bracket(sp_lost, al_c)
    sp0_pa, sp0_lost = rule(0.0, spectral=True)
    sp0_lower, sp0_upper = bracket(sp0_lost, al_c)
    # The old claim's per-alpha details keep their previous names.
    per_alpha = {
        k: {
            "overlap_t0": old0_pa[k]["overlap"],
            "overlap_t_ts": v["overlap"],
            "mean_overlap2_t0": old0_pa[k]["mean_overlap2"],
            "mean_overlap2_t_ts": v["mean_overlap2"],
            "lambda1_t_ts": v["lambda1"],
            "lambda2_t_ts": v["lambda2"],
            "fraction_of_seeds_lost": v["fraction_of_seeds_lost"],
            "lost": v["lost"],
        }
        for k, v in old_pa.items()
    }
    return {
        "alpha-ts-above-alpha-init": {
            "value": lower,
            "rhs": al_c,
            "control": {"value": lower0, "rhs": al_c},
            "details": {
                "alpha_ts_bracket": [lower, upper],
                "lower_is_alpha_bbp_init_fallback": not any(old_lost.values()),
                "alpha_bbp_init_theory": al_c,
                "t_ts": t_ts,
                "n": int(ts["n"]),
                "lost_below": LOST_BELOW,
                "per_alpha": per_alpha,
                "control_t0_bracket_lower": lower0,
            },
        },
        "alpha-ts-above-alpha-init-spectral": {
            "value": sp_lower,
            "rhs": al_c,
            "flags": {"bracket_open": sp_upper is None},
            "control": {
                "value": sp0_lower,
                "rhs": al_c,
                "flags": {"bracket_open": sp0_upper is None},
            },
            "seeds": [int(x) for x in ts["seeds"]],
            "details": {
                "alpha_ts_bracket": [sp_lower, sp_upper],
                "control_t0_bracket": [sp0_lower, sp0_upper],
                "alpha_bbp_init_theory": al_c,
                "t_ts": t_ts,
                "n": int(ts["n"]),
                "per_alpha_t_ts": sp_pa,
                "per_alpha_t0": sp0_pa,
            },
        },
    }


def _plateau_run_summary(run: dict) -> list[dict]:
    """Per seed of one plateau run: stop checkpoint, late window, lambda_1 at the stop, t_BBP."""
    n = int(run["n"])
    cps = run["checkpoints"]
    ceiling = FLOOR_FACTOR / np.sqrt(n)
    out = []
    for rec in run["seeds"]:
        k = stop_checkpoint(cps, rec["t_final"], rec["status"])
        t_stop = float(sorted(cps)[k])
        j_stop = next(j for j, t in enumerate(run["t_req"]) if abs(t - t_stop) < 1e-9)
        late = late_window(run["t_req"], [o[0] for o in rec["overlap"]], cps, k)
        m_stop = float(rec["m"][j_stop])
        loss_t = outlier_loss_time(
            run["t_req"], [o[0] for o in rec["overlap_perp"]], rec["m"], n, t_stop
        )
        out.append(
            {
                "seed": int(rec["seed"]),
                "status": rec["status"],
                "t_stop": t_stop,
                "plateau": rec["status"] == "plateau",
                "late_overlap": float(np.mean(late)),
                "late_overlap_floor_units": float(np.mean(late) * np.sqrt(n)),
                "lambda_stop": rec["lambda"][j_stop],
                "overlap_stop": rec["overlap"][j_stop],
                "m_stop": m_stop,
                "loss_stop": rec["loss"][j_stop],
                "outlier_not_lost": bool(m_stop < 0.5 and float(np.mean(late)) > ceiling),
                **loss_t,
            }
        )
    return out


def plateau_claims(pl: dict) -> dict:
    """Claims read at the loss plateau (D9): time-bbp-*-plateau and random-start-outlier-loss-time.

    ``time-bbp-outlier-lost-plateau``: value sqrt(N_max) * q(N_max), q(N) the seed mean of the
    late-window overlap; flags ``no_plateau`` (some run did not level off) and
    ``decaying_above_floor`` (value > 3 and slope of log q against log N <= -0.25). Control: the
    same for the constrained alpha = 6 runs. ``time-bbp-trapped-marginal-plateau``: lambda_1 at
    the stop per (N, seed), flags ``no_plateau`` and ``outlier_not_lost``; control: random-start
    runs. ``random-start-outlier-loss-time``: lost at a finite t_BBP per (N, seed) of the
    random-start runs, flags ``escaped_first`` and ``no_plateau``; control: constrained alpha = 6.
    """
    ns = [int(n) for n in pl["ns"]]
    summ = {
        name: {n: _plateau_run_summary(run[str(n)]) for n in ns} for name, run in pl["runs"].items()
    }

    def floor_test(name: str) -> dict:
        q = [float(np.mean([x["late_overlap"] for x in summ[name][n]])) for n in ns]
        value = q[-1] * np.sqrt(ns[-1])
        slope = log_log_slope(ns, q)
        flags = {
            "no_plateau": not all(x["plateau"] for n in ns for x in summ[name][n]),
            "decaying_above_floor": bool(value > FLOOR_FACTOR and slope <= -0.25),
        }
        return {"value": float(value), "flags": flags, "q": q, "slope": slope}

    c4, c6 = floor_test("constrained_a4"), floor_test("constrained_a6")

    def per_case(name: str, key: str) -> list:
        return [x[key] for n in ns for x in summ[name][n]]

    def details(name: str) -> dict:
        return {
            f"N={n}": {
                f"seed={x['seed']}": {
                    k: x[k]
                    for k in (
                        "status",
                        "t_stop",
                        "late_overlap",
                        "late_overlap_floor_units",
                        "lambda_stop",
                        "overlap_stop",
                        "m_stop",
                        "loss_stop",
                        "t_bbp",
                        "t_escape",
                    )
                }
                for x in summ[name][n]
            }
            for n in ns
        }

    lam1 = {name: [x["lambda_stop"][0] for n in ns for x in summ[name][n]] for name in summ}
    seeds = [int(s) for s in pl["seeds"]]
    return {
        "time-bbp-outlier-lost-plateau": {
            "value": c4["value"],
            "flags": c4["flags"],
            "control": {"value": c6["value"], "flags": c6["flags"]},
            "seeds": seeds,
            "details": {
                "ns": ns,
                "floor_factor": FLOOR_FACTOR,
                "seed_mean_late_overlap": dict(zip(map(str, ns), c4["q"], strict=True)),
                "slope_log_q_vs_log_n": c4["slope"],
                "control_alpha6_seed_mean_late_overlap": dict(
                    zip(map(str, ns), c6["q"], strict=True)
                ),
                "control_alpha6_slope": c6["slope"],
                "runs": details("constrained_a4"),
            },
        },
        "time-bbp-trapped-marginal-plateau": {
            "value": lam1["constrained_a4"],
            "flags": {
                "no_plateau": [not p for p in per_case("constrained_a4", "plateau")],
                "outlier_not_lost": per_case("constrained_a4", "outlier_not_lost"),
            },
            "control": {
                "value": lam1["random_a4"],
                "flags": {
                    "no_plateau": [not p for p in per_case("random_a4", "plateau")],
                    "outlier_not_lost": per_case("random_a4", "outlier_not_lost"),
                },
            },
            "seeds": seeds,
            "details": {
                "cases": "(N, seed) in order",
                "ns": ns,
                "runs": details("constrained_a4"),
                "control_random_a4": details("random_a4"),
            },
        },
        "random-start-outlier-loss-time": {
            "value": per_case("random_a4", "lost"),
            "flags": {
                "escaped_first": per_case("random_a4", "escaped_first"),
                "no_plateau": [
                    (not x["plateau"]) and x["t_escape"] is None
                    for n in ns
                    for x in summ["random_a4"][n]
                ],
            },
            "control": {
                "value": per_case("constrained_a6", "lost"),
                "flags": {
                    "escaped_first": per_case("constrained_a6", "escaped_first"),
                    "no_plateau": [
                        (not x["plateau"]) and x["t_escape"] is None
                        for n in ns
                        for x in summ["constrained_a6"][n]
                    ],
                },
            },
            "seeds": seeds,
            "details": {
                "cases": "(N, seed) in order",
                "ns": ns,
                "runs": details("random_a4"),
                "control_constrained_a6": details("constrained_a6"),
            },
        },
    }


def spectral_m0_claim(theory: dict, m0: dict, random: dict | None = None) -> dict:
    """Mean |m(0)| of spectral starts vs sqrt(theory overlap^2) (card C8, second part).

    Control: the |m(0)| of random starts (``random``: the random success runs) at the same N
    and the alphas both grids share.
    """
    a = float(m0["a"])
    vals, det = [], {}
    for r in m0["rows"]:
        th = float(np.sqrt(_theory_overlap(theory, a, r["alpha"])))
        mean = float(np.mean(r["m0"]))
        vals.append(abs(mean - th))
        det[f"alpha={r['alpha']}"] = {
            "mean_abs_m0": mean,
            "std_abs_m0": float(np.std(r["m0"])),
            "sqrt_theory_overlap2": th,
            "n": int(m0["n"]),
            "n_seeds": len(r["m0"]),
        }
    out = {"value": vals, "details": det}
    if random is not None:
        grid = {float(r["alpha"]) for r in m0["rows"]}
        ctrl = [
            (float(r["alpha"]), float(np.mean(r["m0"])))
            for r in random["rows"]
            if int(r["n"]) == int(m0["n"]) and float(r["alpha"]) in grid
        ]
        out["control"] = {
            "value": [abs(m - float(np.sqrt(_theory_overlap(theory, a, al)))) for al, m in ctrl]
        }
        det["control_random_starts_mean_abs_m0"] = {str(al): m for al, m in ctrl}
    return {"spectral-m0-matches-theory": out}


def _old_box(lam: list[float], ov: list[float]) -> bool:
    """C10 box of failed-runs-marginal-no-outlier: lambda_1 > -0.1 and overlap < 0.4."""
    return bool(lam[0] > -0.1 and ov[0] < 0.4)


def _spectral_box(lam: list[float]) -> bool:
    """Box of failed-runs-no-spectral-outlier: lambda_1 > -0.1 and no spectral outlier (D10)."""
    return bool(lam[0] > -0.1 and not spectral_outlier(lam[0], lam[1]))


def failed_runs_claim(succ: dict[str, dict], ts_states: list[dict] | None = None) -> dict:
    """Fraction of failed runs whose final Hessian is marginal without outlier (card C10).

    ``failed-runs-marginal-no-outlier`` (overlap box) and ``failed-runs-no-spectral-outlier``
    (spectral box, D10); their control is the same fraction over ``ts_states``, threshold states
    that carry an outlier (:func:`threshold_states`).
    """
    vals, vals_sp, det = [], [], {}
    for init in ("random", "constrained", "spectral"):
        runs = [
            (r["n"], r["alpha"], f)
            for r in succ[init]["rows"]
            for f in r.get("final_hessian_failed", [])
        ]
        ok = [_old_box(f["lambda"], f["overlap"]) for _, _, f in runs]
        frac = float(np.mean(ok)) if ok else float("nan")
        ok_sp = [_spectral_box(f["lambda"]) for _, _, f in runs]
        frac_sp = float(np.mean(ok_sp)) if ok_sp else float("nan")
        det[init] = {
            "n_failed_runs": len(runs),
            "fraction_marginal_no_outlier": frac,
            "fraction_marginal_no_spectral_outlier": frac_sp,
            "n_spectral_outlier": int(
                sum(spectral_outlier(f["lambda"][0], f["lambda"][1]) for _, _, f in runs)
            ),
            "n_lambda1_below_-0.1": int(sum(f["lambda"][0] <= -0.1 for _, _, f in runs)),
            "n_overlap_above_0.4": int(sum(f["overlap"][0] >= 0.4 for _, _, f in runs)),
            "lambda1_median": float(np.median([f["lambda"][0] for _, _, f in runs]))
            if runs
            else None,
            "alpha_min": succ[init]["final_hessian"]["alpha_min"],
            "by_n": {
                str(n): {
                    "n_failed_runs": sum(nn == n for nn, _, _ in runs),
                    "n_overlap_above_0.4": sum(
                        nn == n and f["overlap"][0] >= 0.4 for nn, _, f in runs
                    ),
                }
                for n in sorted({nn for nn, _, _ in runs})
            },
        }
        if init != "spectral":  # the card's C10 cases; spectral is reported only
            vals.append(frac)
            vals_sp.append(frac_sp)
    out = {
        "failed-runs-marginal-no-outlier": {"value": vals, "details": det},
        "failed-runs-no-spectral-outlier": {"value": vals_sp, "details": det},
    }
    if ts_states is not None:
        ctrl_det = {
            "states": [
                {k: x[k] for k in ("alpha", "seed")}
                | {"lambda": x["lambda"][:2], "overlap": x["overlap"][0]}
                for x in ts_states
            ]
        }
        out["failed-runs-marginal-no-outlier"]["control"] = {
            "value": [float(np.mean([_old_box(x["lambda"], x["overlap"]) for x in ts_states]))]
        }
        out["failed-runs-no-spectral-outlier"]["control"] = {
            "value": [float(np.mean([_spectral_box(x["lambda"]) for x in ts_states]))]
        }
        out["failed-runs-no-spectral-outlier"]["details"] = {**det, "control": ctrl_det}
    return out


def success_claims(succ: dict[str, dict]) -> dict:
    def table(d):
        t = defaultdict(dict)
        for r in d["rows"]:
            t[r["n"]][r["alpha"]] = np.array(r["success"])
        return t

    rnd, con, spe = table(succ["random"]), table(succ["constrained"]), table(succ["spectral"])
    out = {}

    def rate(x):
        k, n = int(x.sum()), int(x.size)
        return {"p": k / n, "wilson95": wilson_interval(k, n), "k": k, "n": n}

    n_c = sorted(con)[0]
    out["random-succeeds-intermediate-alpha"] = {
        "value": [float(rnd[n][4.0].mean()) for n in sorted(rnd)],
        "control": {"value": [float(con[n_c][4.0].mean())]},
        "details": {
            **{f"N={n}": rate(rnd[n][4.0]) for n in sorted(rnd)},
            "control_constrained": {f"N={n_c}": rate(con[n_c][4.0])},
        },
    }
    common = sorted(set(con[n_c]) & set(rnd.get(n_c, {})))
    diffs = {al: float(rnd[n_c][al].mean() - con[n_c][al].mean()) for al in common}
    out["constrained-fails-where-random-succeeds"] = {
        "value": max(diffs.values()),
        "details": {
            "N": n_c,
            "P_random_minus_P_constrained": {str(k): v for k, v in diffs.items()},
            "constrained": {str(al): rate(con[n_c][al]) for al in sorted(con[n_c])},
            "random": {str(al): rate(rnd[n_c][al]) for al in common},
        },
    }
    big = [al for al in sorted(con[n_c]) if al >= 5.0]
    small = [al for al in sorted(con[n_c]) if al < 5.0]
    out["constrained-succeeds-large-alpha"] = {
        "value": [float(con[n_c][al].mean()) for al in big],
        "control": {"value": [float(con[n_c][al].mean()) for al in small]},
        "details": {str(al): rate(con[n_c][al]) for al in big + small},
    }
    n_s = sorted(spe)[0]
    common_s = sorted(set(spe[n_s]) & set(rnd.get(n_s, {})))
    common_c = sorted(set(con.get(n_s, {})) & set(rnd.get(n_s, {})))
    out["spectral-at-least-random"] = {
        "value": [float(spe[n_s][al].mean()) for al in common_s],
        "rhs": [float(rnd[n_s][al].mean()) - 0.1 for al in common_s],
        "control": {
            "value": [float(con[n_s][al].mean()) for al in common_c],
            "rhs": [float(rnd[n_s][al].mean()) - 0.1 for al in common_c],
        },
        "details": {
            "N": n_s,
            "spectral": {str(al): rate(spe[n_s][al]) for al in common_s},
            "random": {str(al): rate(rnd[n_s][al]) for al in common_s},
        },
    }
    grid_r = np.array(sorted(rnd[n_s]))
    a_half_r = half_crossing(grid_r, np.array([rnd[n_s][al].mean() for al in grid_r]))
    grid_s = np.array(sorted(spe[n_s]))
    a_half_s = half_crossing(grid_s, np.array([spe[n_s][al].mean() for al in grid_s]))
    grid_c = np.array(sorted(con[n_s]))
    a_half_c = half_crossing(grid_c, np.array([con[n_s][al].mean() for al in grid_c]))
    out["spectral-lower-threshold"] = {
        "value": a_half_s,
        "rhs": a_half_r,
        "control": {"value": a_half_c, "rhs": a_half_r},
        "details": {
            "N": n_s,
            "alpha_half_spectral": a_half_s,
            "alpha_half_random": a_half_r,
            "alpha_half_constrained": a_half_c,
            "note": "alpha_half equal to the lowest grid alpha is only an upper bound",
        },
    }
    ns = sorted(rnd)
    grid = np.array(sorted(rnd[ns[0]]))
    fit = logn_slope(ns, grid, [np.stack([rnd[n][al] for al in grid]) for n in ns])
    out["finite-size-threshold-drift"] = {"value": fit["slope"], "details": {"ns": ns, **fit}}
    z = fit["slope"] / fit["slope_stderr"] if fit["slope_stderr"] > 0 else float("nan")
    out["finite-size-log-n"] = {"value": z, "details": {"ns": ns, **fit}}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--theory", required=True)
    ap.add_argument("--spectrum", required=True)
    ap.add_argument("--time", required=True)
    ap.add_argument("--ts-scan", required=True)
    ap.add_argument("--spectral-m0", required=True)
    ap.add_argument("--success", nargs=3, required=True, help="random, constrained, spectral")
    ap.add_argument("--spectrum-dense", required=True)
    ap.add_argument("--plateau", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    theory, spec, th = read_json(args.theory), read_json(args.spectrum), read_json(args.time)
    ts = read_json(args.ts_scan)
    succ = {d["init"]: d for d in (read_json(p) for p in args.success)}
    claims, al_c = spectrum_claims(theory, spec)
    claims.update(large_n_claims(theory, read_json(args.spectrum_dense)))
    claims.update(time_claims(th, al_c))
    claims.update(ts_bracket_claim(th, ts, al_c))
    claims.update(spectral_m0_claim(theory, read_json(args.spectral_m0), succ["random"]))
    claims.update(success_claims(succ))
    claims.update(failed_runs_claim(succ, threshold_states(th, ts)))
    claims.update(plateau_claims(read_json(args.plateau)))
    write_measurements(args.out, claims)


if __name__ == "__main__":
    main()
