"""Turn the computed numbers into one measurement per ledger claim (measurements.json)."""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from replications._workflow.io import read_json, write_measurements
from replications.phase_retrieval_bbp.analysis import half_crossing, logn_slope, wilson_interval


def _theory_row(theory: dict, a: float, alpha: float) -> dict:
    for r in theory["predictions"][repr(a)]:
        if abs(r["alpha"] - alpha) < 1e-9:
            return r
    raise KeyError(f"no theory prediction at a={a}, alpha={alpha}")


def _theory_overlap(theory: dict, a: float, alpha: float) -> float:
    return float(_theory_row(theory, a, alpha)["overlap2"])


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
    gaps = defaultdict(list)
    for r in spec["rows"]:
        if r["a"] == a0 and r["alpha"] >= 5.0:
            gaps[r["alpha"]].append(r["eigenvalues"][1] - r["eigenvalues"][0])
    gap_rows = {}
    for al in sorted(gaps):
        t = _theory_row(theory, a0, al)
        th_gap = float(t["edge"] - t["outlier"])
        gap_rows[al] = {
            "measured_mean_gap": float(np.mean(gaps[al])),
            "theory_gap": th_gap,
            "relative_error": abs(float(np.mean(gaps[al])) - th_gap) / th_gap,
            "seeds": gaps[al],
        }
    out["t0-gap-matches-theory"] = {
        "value": [g["relative_error"] for g in gap_rows.values()],
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


def time_claims(th: dict, al_c: float) -> dict:
    runs = th["runs"]
    out = {}

    def at(rec, t):
        ts = np.array(rec["t"])
        return int(np.argmin(np.abs(ts - t)))

    c4 = runs["constrained_a4"]
    lost, marg, det = [], [], {}
    for rec in c4["seeds"]:
        ov = np.array([o[0] for o in rec["overlap"]])
        ts = np.array(rec["t"])
        early = float(ov[at(rec, 0.03)])
        late = float(ov[ts >= 1.0 - 1e-9].max())
        lost.append(bool(early > 0.5 and late < 0.45))
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
    out["time-bbp-outlier-lost"] = {"value": lost, "details": det}
    out["time-bbp-trapped-marginal"] = {"value": marg, "details": det}
    c6 = runs["constrained_a6"]
    surv, det6 = [], {}
    for rec in c6["seeds"]:
        j = at(rec, 20.0)
        ov, lam = rec["overlap"][j][0], rec["lambda"][j]
        surv.append(bool(ov > 0.6 and lam[0] < lam[1] - 1.0))
        det6[f"seed={rec['seed']}"] = {"overlap_t20": ov, "lambda1": lam[0], "lambda2": lam[1]}
    out["time-bbp-outlier-survives-large-alpha"] = {"value": surv, "details": det6}
    return out


LOST_BELOW = 0.45  # |v1.w*|/sqrt(N) below which the outlier is lost (card C4)


def ts_bracket_claim(th: dict, ts: dict, al_c: float) -> dict:
    """Bracket of alpha_BBP^TS from constrained runs at t = t_ts (claim alpha-ts-above-alpha-init).

    Grid: ``ts_scan`` alphas plus the constrained ``time_hessian`` runs held to at least t_ts.
    A seed has lost the outlier when ``|v1.w*|/sqrt(N) < 0.45`` at t_ts; lost at alpha = majority
    of seeds. Lower bracket = largest grid alpha where lost; alpha_BBP^init if none is lost.
    """
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
    per_alpha = {}
    for al in sorted(recs):
        if sorted(r["seed"] for r in recs[al]) != sorted(ts["seeds"]):
            raise ValueError(f"alpha={al}: seeds differ from the ts_scan seeds {ts['seeds']}")
        ov0, ovt, lam1, lam2 = [], [], [], []
        for r in recs[al]:
            t = np.array(r["t"])
            j = int(np.argmin(np.abs(t - t_ts)))
            if abs(t[j] - t_ts) > 1e-6:
                raise ValueError(f"alpha={al} seed={r['seed']}: no record at t = {t_ts}")
            ov0.append(float(r["overlap"][0][0]))
            ovt.append(float(r["overlap"][j][0]))
            lam1.append(float(r["lambda"][j][0]))
            lam2.append(float(r["lambda"][j][1]))
        lost_frac = float(np.mean([o < LOST_BELOW for o in ovt]))
        per_alpha[al] = {
            "overlap_t0": ov0,
            "overlap_t_ts": ovt,
            "mean_overlap2_t0": float(np.mean(np.square(ov0))),
            "mean_overlap2_t_ts": float(np.mean(np.square(ovt))),
            "lambda1_t_ts": lam1,
            "lambda2_t_ts": lam2,
            "fraction_of_seeds_lost": lost_frac,
            "lost": lost_frac > 0.5,
        }
    lost = [al for al, d in per_alpha.items() if d["lost"]]
    lower = max(lost) if lost else al_c
    kept = [al for al, d in per_alpha.items() if not d["lost"] and al > lower]
    return {
        "alpha-ts-above-alpha-init": {
            "value": float(lower),
            "rhs": al_c,
            "details": {
                "alpha_ts_bracket": [float(lower), min(kept) if kept else None],
                "lower_is_alpha_bbp_init_fallback": not lost,
                "alpha_bbp_init_theory": al_c,
                "t_ts": t_ts,
                "n": int(ts["n"]),
                "lost_below": LOST_BELOW,
                "per_alpha": {str(al): d for al, d in per_alpha.items()},
            },
        }
    }


def spectral_m0_claim(theory: dict, m0: dict) -> dict:
    """Mean |m(0)| of spectral starts vs sqrt(theory overlap^2) (card C8, second part)."""
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
    return {"spectral-m0-matches-theory": {"value": vals, "details": det}}


def failed_runs_claim(succ: dict[str, dict]) -> dict:
    """Fraction of failed runs whose final Hessian is marginal without outlier (card C10)."""
    vals, det = [], {}
    for init in ("random", "constrained", "spectral"):
        runs = [
            (r["n"], r["alpha"], f)
            for r in succ[init]["rows"]
            for f in r.get("final_hessian_failed", [])
        ]
        ok = [f["lambda"][0] > -0.1 and f["overlap"][0] < 0.4 for _, _, f in runs]
        frac = float(np.mean(ok)) if ok else float("nan")
        det[init] = {
            "n_failed_runs": len(runs),
            "fraction_marginal_no_outlier": frac,
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
    return {"failed-runs-marginal-no-outlier": {"value": vals, "details": det}}


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

    out["random-succeeds-intermediate-alpha"] = {
        "value": [float(rnd[n][4.0].mean()) for n in sorted(rnd)],
        "details": {f"N={n}": rate(rnd[n][4.0]) for n in sorted(rnd)},
    }
    n_c = sorted(con)[0]
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
    out["constrained-succeeds-large-alpha"] = {
        "value": [float(con[n_c][al].mean()) for al in big],
        "details": {str(al): rate(con[n_c][al]) for al in big},
    }
    n_s = sorted(spe)[0]
    common_s = sorted(set(spe[n_s]) & set(rnd.get(n_s, {})))
    out["spectral-at-least-random"] = {
        "value": [float(spe[n_s][al].mean()) for al in common_s],
        "rhs": [float(rnd[n_s][al].mean()) - 0.1 for al in common_s],
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
    out["spectral-lower-threshold"] = {
        "value": a_half_s,
        "rhs": a_half_r,
        "details": {
            "N": n_s,
            "alpha_half_spectral": a_half_s,
            "alpha_half_random": a_half_r,
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
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    theory, spec, th = read_json(args.theory), read_json(args.spectrum), read_json(args.time)
    succ = {d["init"]: d for d in (read_json(p) for p in args.success)}
    claims, al_c = spectrum_claims(theory, spec)
    claims.update(time_claims(th, al_c))
    claims.update(ts_bracket_claim(th, read_json(args.ts_scan), al_c))
    claims.update(spectral_m0_claim(theory, read_json(args.spectral_m0)))
    claims.update(success_claims(succ))
    claims.update(failed_runs_claim(succ))
    write_measurements(args.out, claims)


if __name__ == "__main__":
    main()
