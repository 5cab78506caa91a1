"""Turn the computed numbers into one measurement per ledger claim (measurements.json)."""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from replications._workflow.io import read_json, write_json
from replications.phase_retrieval_bbp.analysis import half_crossing, logn_slope, wilson_interval


def _theory_overlap(theory: dict, a: float, alpha: float) -> float:
    for r in theory["predictions"][repr(a)]:
        if abs(r["alpha"] - alpha) < 1e-9:
            return float(r["overlap2"])
    raise KeyError(f"no theory prediction at a={a}, alpha={alpha}")


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
    # Lower bracket of alpha_TS: largest alpha of the constrained runs where most seeds lost it.
    lost_by_alpha = {}
    for _name, run in runs.items():
        if run["init"] != "constrained":
            continue
        flags = [
            float(np.array([o[0] for o in r["overlap"]])[np.array(r["t"]) >= 1.0 - 1e-9].max())
            < 0.45
            for r in run["seeds"]
        ]
        lost_by_alpha[float(run["alpha"])] = float(np.mean(flags))
    lost_alphas = [al for al, f in lost_by_alpha.items() if f > 0.5]
    lower = max(lost_alphas) if lost_alphas else float("nan")
    kept = [
        al for al, f in lost_by_alpha.items() if f <= 0.5 and al > (lower if lost_alphas else 0)
    ]
    out["alpha-ts-above-alpha-init"] = {
        "value": lower,
        "rhs": al_c,
        "details": {
            "fraction_of_seeds_losing_outlier": {str(k): v for k, v in lost_by_alpha.items()},
            "alpha_ts_bracket": [lower, min(kept) if kept else None],
            "alpha_bbp_init_theory": al_c,
        },
    }
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
    ap.add_argument("--success", nargs=3, required=True, help="random, constrained, spectral")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    theory, spec, th = read_json(args.theory), read_json(args.spectrum), read_json(args.time)
    succ = {d["init"]: d for d in (read_json(p) for p in args.success)}
    claims, al_c = spectrum_claims(theory, spec)
    claims.update(time_claims(th, al_c))
    claims.update(success_claims(succ))
    write_json(args.out, {"claims": claims})


if __name__ == "__main__":
    main()
