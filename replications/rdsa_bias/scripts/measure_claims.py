"""Turn the computed numbers into one measurement per ledger claim (measurements.json)."""

from __future__ import annotations

import argparse

import numpy as np

from replications._workflow.io import read_json, write_measurements

HESS_LAWS = ("gaussian", "uniform", "asym_bernoulli")
GRAD_LAWS = ("gaussian", "uniform", "asym_bernoulli", "sym_bernoulli")


def slope_cases(slopes: dict, kind: str, law: str, ms: list[int], order) -> tuple[list, dict]:
    """Per m: fitted slope minus the predicted order; details keep the raw slopes."""
    vals = [slopes[f"{kind}/{law}/m{m}"] - order(m) for m in ms]
    return [float(v) for v in vals], {f"m{m}": slopes[f"{kind}/{law}/m{m}"] for m in ms}


def strictly_ordered(curves: dict, kind: str, law: str, ms: list[int], window: np.ndarray) -> bool:
    c = np.array([np.asarray(curves[f"{kind}/{law}/m{m}"])[window] for m in ms])
    return bool(np.all(c[:-1] > c[1:]))


def bias_claims(b: dict) -> dict:
    out: dict[str, dict] = {}
    slopes, curves = b["slopes"], b["curves"]
    ms = b["params"]["ms"]
    deltas = np.asarray(b["deltas"])
    lo, hi = b["fit_window"]
    window = (deltas >= lo * (1 - 1e-9)) & (deltas <= hi * (1 + 1e-9))
    common = {"fit_window": b["fit_window"], "x0": b["x0"]}
    # Control: the competing reading O(delta^m) (k = m), where it differs from 2m (m >= 2).
    k_ms = [m for m in ms if m >= 2]
    for kind, laws in (("hess", HESS_LAWS), ("grad", GRAD_LAWS)):
        for law in laws:
            vals, raw = slope_cases(slopes, kind, law, ms, lambda m: 2 * m)
            ctrl, _ = slope_cases(slopes, kind, law, k_ms, lambda m: m)
            out[f"{kind}-bias-slope-{law.replace('_', '-')}"] = {
                "value": vals,
                "control": {"value": ctrl},
                "details": {
                    "slopes": raw,
                    "cases": [f"m{m}" for m in ms],
                    "control_cases": [f"m{m}: slope - m" for m in k_ms],
                    **common,
                },
            }
    out["hess-bias-strictly-ordered-in-m"] = {
        "value": [strictly_ordered(curves, "hess", law, ms, window) for law in HESS_LAWS],
        "details": {"cases": list(HESS_LAWS), **common},
    }
    out["grad-bias-strictly-ordered-in-m"] = {
        "value": [strictly_ordered(curves, "grad", law, ms, window) for law in GRAD_LAWS],
        "details": {"cases": list(GRAD_LAWS), **common},
    }
    k_cases = [(law, m) for law in HESS_LAWS for m in ms if m >= 2]
    out["bias-order-k-with-2k-plus-1-points"] = {
        "value": [float(slopes[f"hess/{law}/m{m}"] - m) for law, m in k_cases],
        "details": {
            "cases": [f"{law}/m{m}" for law, m in k_cases],
            "slopes": {f"{law}/m{m}": slopes[f"hess/{law}/m{m}"] for law, m in k_cases},
            "reading_supported": "O(delta^(2m)) with 2m+1 measurements",
        },
    }
    q = b["quadratic"]
    rastrigin_curves = {
        f"{kind}/{law}/m{m}": float(np.max(curves[f"{kind}/{law}/m{m}"]))
        for kind, laws in (("hess", HESS_LAWS), ("grad", GRAD_LAWS))
        for law in laws
        for m in ms
    }
    out["exactly-unbiased-on-quadratics"] = {
        "value": q["max_error"],
        "control": {"value": max(rastrigin_curves.values())},
        "details": {
            "errors": q["errors"],
            "dim": q["dim"],
            "deltas": q["deltas"],
            "control_max_relative_bias_on_rastrigin": rastrigin_curves,
        },
    }
    mono, mono_cases = [], []
    for kind, laws in (("hess", HESS_LAWS), ("grad", GRAD_LAWS)):
        for law in laws:
            for m in ms:
                c = np.asarray(curves[f"{kind}/{law}/m{m}"])
                mono.append(bool(np.all(np.diff(c) > 0)))  # increasing in delta
                mono_cases.append(f"{kind}/{law}/m{m}")
    mis_cases = [(law, m) for law in HESS_LAWS for m in ms]
    mis = {f"{law}/m{m}": np.asarray(curves[f"miscentred/hess/{law}/m{m}"]) for law, m in mis_cases}
    out["asymptotically-unbiased-monotone"] = {
        "value": mono,
        "control": {"value": [bool(np.all(np.diff(c) > 0)) for c in mis.values()]},
        "details": {
            "cases": mono_cases,
            "deltas": b["deltas"],
            "control_cases": [f"miscentred/hess/{k}" for k in mis],
            "control_curves": {k: v.tolist() for k, v in mis.items()},
        },
    }
    small = b["params"]["small_delta"]
    i_small = int(np.argmin(np.abs(deltas - small)))
    s_cases = [(law, m) for law in HESS_LAWS for m in ms if m >= 2]
    out["asymptotically-unbiased-small-delta"] = {
        "value": [float(curves[f"hess/{law}/m{m}"][i_small]) for law, m in s_cases],
        "control": {"value": [float(mis[f"{law}/m{m}"][i_small]) for law, m in s_cases]},
        "details": {
            "cases": [f"{law}/m{m}" for law, m in s_cases],
            "delta": float(deltas[i_small]),
            "control_cases": [f"miscentred/hess/{law}/m{m}" for law, m in s_cases],
        },
    }
    out.update(m4_bias_claims(b))
    out["spsa2-hessian-bias-order-two"] = {
        "value": float(slopes["hess/2spsa"]),
        "control": {"value": float(slopes["one_sided/hess/asym_bernoulli"])},
        "details": {"control_case": "one-sided 3-point Hessian, asymmetric Bernoulli", **common},
    }
    out["one-sided-stencil-orders"] = {
        "value": [
            float(slopes["one_sided/hess/asym_bernoulli"] - 1.0),
            float(slopes["one_sided/hess/gaussian"] - 2.0),
        ],
        "details": {
            "cases": ["asym_bernoulli (predicted 1)", "gaussian (predicted 2)"],
            "slopes": {k: v for k, v in slopes.items() if k.startswith("one_sided")},
            **common,
        },
    }
    return out


def m4_bias_claims(b: dict) -> dict:
    """m = 4 slopes (order 8) and m = 4 < m = 3 on the m = 4 window (extra_fit_window)."""
    out: dict[str, dict] = {}
    slopes, curves = b["extra_slopes"], b["curves"]
    deltas = np.asarray(b["deltas"])
    lo, hi = b["extra_fit_window"]
    window = (deltas >= lo * (1 - 1e-9)) & (deltas <= hi * (1 + 1e-9))
    common = {"fit_window": b["extra_fit_window"], "x0": b["x0"]}
    for kind, laws in (("hess", HESS_LAWS), ("grad", GRAD_LAWS)):
        out[f"{kind}-bias-slope-m4"] = {
            "value": [float(slopes[f"{kind}/{law}/m4"] - 8.0) for law in laws],
            # Control: the competing reading O(delta^k), k = m = 4.
            "control": {"value": [float(slopes[f"{kind}/{law}/m4"] - 4.0) for law in laws]},
            "details": {
                "cases": list(laws),
                "slopes": {law: slopes[f"{kind}/{law}/m4"] for law in laws},
                **common,
            },
        }
    cases = [
        (kind, law) for kind, laws in (("hess", HESS_LAWS), ("grad", GRAD_LAWS)) for law in laws
    ]
    out["bias-strictly-ordered-m4-vs-m3"] = {
        "value": [strictly_ordered(curves, kind, law, [3, 4], window) for kind, law in cases],
        "details": {
            "cases": [f"{kind}/{law}" for kind, law in cases],
            "ratio_m4_over_m3": {
                f"{kind}/{law}": (
                    np.asarray(curves[f"{kind}/{law}/m4"])[window]
                    / np.asarray(curves[f"{kind}/{law}/m3"])[window]
                ).tolist()
                for kind, law in cases
            },
            **common,
        },
    }
    return out


def cell(nw: dict, alg: str, budget: int) -> dict:
    return nw["cells"][f"{alg}/B{budget}"]


def upper(c: dict) -> float:
    return c["nmse"] + 2.0 * c["se"]


def lower(c: dict) -> float:
    return c["nmse"] - 2.0 * c["se"]


def compare(
    newton: dict,
    pairs: list[tuple[str, str, str, int]],
    reference_budget: dict[int, int] | None = None,
) -> dict:
    """value = upper(first) < rhs = lower(second), one case per (function, a, b, budget).

    With ``reference_budget`` the second cell is read at ``reference_budget[budget]`` (the same
    algorithm at the previous budget of the grid).
    """
    vals, rhs, cases, nums = [], [], [], {}
    for f, a, b, budget in pairs:
        b_ref = budget if reference_budget is None else reference_budget[budget]
        ca, cb = cell(newton[f], a, budget), cell(newton[f], b, b_ref)
        vals.append(upper(ca))
        rhs.append(lower(cb))
        name = (
            f"{f}/B{budget}: {a} vs {b}"
            if reference_budget is None
            else f"{f}/{a}: B{budget} vs B{b_ref}"
        )
        cases.append(name)
        nums[name] = {
            "nmse_a": ca["nmse"],
            "se_a": ca["se"],
            "nmse_b": cb["nmse"],
            "se_b": cb["se"],
        }
    return {"value": vals, "rhs": rhs, "details": {"cases": cases, "nmse": nums}}


def compare_cells(newton: dict, triples: list[tuple[str, str, str]]) -> dict:
    """:func:`compare` on explicit cell keys: value = upper(first) < rhs = lower(second)."""
    vals, rhs, cases = [], [], []
    for f, a, b in triples:
        ca, cb = newton[f]["cells"][a], newton[f]["cells"][b]
        vals.append(upper(ca))
        rhs.append(lower(cb))
        cases.append(f"{f}: {a} vs {b}")
    return {"value": vals, "rhs": rhs, "details": {"cases": cases}}


def with_control(claim: dict, control: dict) -> dict:
    """``claim`` with ``control``'s value and rhs as its control (cases kept in the details)."""
    out = dict(claim)
    out["control"] = {"value": control["value"], "rhs": control["rhs"]}
    out["details"] = {**claim["details"], "control_cases": control["details"]["cases"]}
    return out


def newton_claims(newton: dict) -> dict:
    out: dict[str, dict] = {}
    p = newton["quadratic"]["params"]
    laws, budgets = p["laws"], p["budgets"]
    # The first-session claims are about m = 1, 2, 3 and name their budgets (2000, 10000):
    # read exactly those cells, whatever m and budgets the grid adds.
    ms = [m for m in p["ms"] if m <= 3]
    b_lo, b_hi = p["claim_budget_low"], p["claim_budget_high"]
    conv = [
        (f, f"rdsa_{law}_m{m}", f"rdsa_{law}_m{m}")
        for f in ("quadratic", "quartic")
        for law in laws
        for m in ms
    ]
    vals, rhs, cases = [], [], []
    for f, a, _ in conv:
        vals.append(upper(cell(newton[f], a, b_hi)))
        rhs.append(lower(cell(newton[f], a, b_lo)))
        cases.append(f"{f}/{a}: NMSE({b_hi}) vs NMSE({b_lo})")
    out["newton-converges-with-budget"] = {
        "value": vals,
        "rhs": rhs,
        "details": {
            "cases": cases,
            "nmse": {
                f"{f}/{a}": {str(b): cell(newton[f], a, b) for b in budgets} for f, a, _ in conv
            },
        },
    }
    big = [b for b in budgets if b >= 5000]
    out["more-measurements-help-quartic"] = with_control(
        compare(
            newton,
            [("quartic", f"rdsa_{law}_m2", f"rdsa_{law}_m1", b) for law in laws for b in big],
        ),
        compare(
            newton,
            [("quadratic", f"rdsa_{law}_m2", f"rdsa_{law}_m1", b) for law in laws for b in big],
        ),
    )
    out["more-measurements-help-m3-vs-m2"] = compare(
        newton, [("quartic", f"rdsa_{law}_m3", f"rdsa_{law}_m2", b) for law in laws for b in big]
    )
    out["more-measurements-help-m4-vs-m3"] = compare(
        newton, [("quartic", f"rdsa_{law}_m4", f"rdsa_{law}_m3", b) for law in laws for b in big]
    )
    grid = sorted(budgets)
    algs = ["2spsa"] + [f"rdsa_{law}_m{m}" for m in p["ms"] for law in laws]
    out["newton-nmse-decreases-along-budget-grid"] = compare(
        newton,
        [("quartic", a, a, b) for a in algs for b in grid[1:]],
        reference_budget={b: grid[i] for i, b in enumerate(grid[1:])},
    )
    out["more-measurements-help-quadratic"] = compare(
        newton,
        [("quadratic", f"rdsa_{law}_m2", f"rdsa_{law}_m1", b) for law in laws for b in budgets],
    )
    out["more-measurements-help-small-budget"] = with_control(
        compare(newton, [("quartic", f"rdsa_{law}_m2", f"rdsa_{law}_m1", b_lo) for law in laws]),
        compare(newton, [("quadratic", f"rdsa_{law}_m2", f"rdsa_{law}_m1", b_lo) for law in laws]),
    )
    b_eps = p["eps_budget"]
    eps_cell = newton["quadratic"]["eps_sweep"][f"{min(p['eps_sweep']):g}"]
    out["asym-bernoulli-2rdsa-better-than-2spsa"] = with_control(
        compare(
            newton,
            [
                (f, "rdsa_asym_bernoulli_m1", "2spsa", b)
                for f in ("quadratic", "quartic")
                for b in (b_lo, b_hi)
            ],
        ),
        compare_cells(
            newton,
            [(f, eps_cell, f"2spsa/B{b_eps}") for f in ("quadratic", "quartic")],
        ),
    )
    ratios, cases, nums = [], [], {}
    for f in ("quadratic", "quartic"):
        for law in p["fraction_laws"]:
            for b in p["fraction_budgets"]:
                b75 = round(p["budget_fraction"] * b)
                r, s = cell(newton[f], f"rdsa_{law}_m1", b75), cell(newton[f], "2spsa", b)
                ratios.append(r["nmse"] / s["nmse"])
                name = f"{f}/{law}: 2RDSA@{b75} / 2SPSA@{b}"
                cases.append(name)
                nums[name] = {
                    "nmse_2rdsa": r["nmse"],
                    "se_2rdsa": r["se"],
                    "nmse_2spsa": s["nmse"],
                    "se_2spsa": s["se"],
                }
    ctrl, ctrl_cases = [], []
    for f in ("quadratic", "quartic"):
        for b in p["fraction_budgets"]:
            b75 = round(p["budget_fraction"] * b)
            ctrl.append(cell(newton[f], "2spsa", b75)["nmse"] / cell(newton[f], "2spsa", b)["nmse"])
            ctrl_cases.append(f"{f}: 2SPSA@{b75} / 2SPSA@{b}")
    out["rdsa2-needs-75-percent-of-2spsa-evaluations"] = {
        "value": ratios,
        "control": {"value": ctrl},
        "details": {"cases": cases, "nmse": nums, "control_cases": ctrl_cases},
    }
    counts = newton["quadratic"]["eval_counts"]
    out["rdsa2-three-measurements"] = {
        "value": counts["rdsa_uniform_m1"]["oracle_points"],
        "details": {k: v for k, v in counts.items() if k.endswith("_m1")},
    }
    out["spsa2-four-measurements"] = {
        "value": counts["2spsa"]["oracle_points"],
        "details": counts["2spsa"],
    }
    gen = {k: v["oracle_points"] for k, v in counts.items() if k != "2spsa"}
    core = {k: v for k, v in gen.items() if int(k.rsplit("_m", 1)[1]) <= 3}
    out["generalized-uses-2m-plus-1-measurements"] = {
        "value": all(v == 2 * int(k.rsplit("_m", 1)[1]) + 1 for k, v in core.items()),
        "details": {"oracle_points": gen},
    }
    return out


def hvp_claims(h: dict) -> dict:
    n_max = max(h["params"]["dims"])
    cases = [c for c in h["cases"].values() if c["dim"] == n_max]
    return {
        "hvp-beats-full-hessian-in-high-dimension": {
            "value": [c["ratio"] - 2.0 * c["ratio_se"] for c in cases],
            "details": {"cases": [f"N{c['dim']}/B{c['budget']}" for c in cases], "all": h["cases"]},
        }
    }


def lowrank_claims(lr: dict) -> dict:
    n_max = max(lr["params"]["dims"])
    r = str(lr["params"]["claim_rank"])
    cases = [c for c in lr["cases"].values() if c["dim"] == n_max]
    first = [c["nystrom_first_design"] for c in cases]
    return {
        "lowrank-nystrom-beats-full-hessian-in-high-dimension": {
            "value": [d["ratio_full_over_lowrank"] - 2.0 * d["ratio_se"] for d in first],
            "details": {
                "cases": [f"N{c['dim']}/B{c['budget']}/rank{r}" for c in cases],
                "first_design": first,
            },
        },
        "lowrank-beats-full-hessian-in-high-dimension": {
            "value": [
                c["ranks"][r]["ratio_full_over_lowrank"] - 2.0 * c["ranks"][r]["ratio_se"]
                for c in cases
            ],
            "details": {
                "cases": [f"N{c['dim']}/B{c['budget']}/rank{r}" for c in cases],
                "all": lr["cases"],
            },
        },
    }


def nonpoly_claims(npl: dict) -> dict:
    """The registered non-polynomial Newton claims (D12), with controls and inconclusive flags."""
    c, p = npl["cells"], npl["params"]
    ms, budgets, seeds = p["ms"], sorted(p["budgets"]), p["seeds"]
    b_lo, b_hi = p["claim_budget_low"], p["claim_budget_high"]

    def key(variant: str, s: int, m: int, b: int) -> dict:
        return c[f"{variant}/s{s}/m{m}/B{b}"]

    def pair(first: dict, second: dict) -> tuple[float, float, bool]:
        return upper(first), lower(second), bool(first["diverged"] or second["diverged"])

    def converge(variant: str, seed_list: list[int]) -> dict:
        vals, rhs, div, cases = [], [], [], []
        for s in seed_list:
            for m in ms:
                v, r, d = pair(key(variant, s, m, b_hi), key(variant, s, m, b_lo))
                vals.append(v)
                rhs.append(r)
                div.append(d)
                cases.append(f"{variant}/s{s}/m{m}: NMSE({b_hi}) vs NMSE({b_lo})")
        return {"value": vals, "rhs": rhs, "flags": {"diverged": div}, "cases": cases}

    def ordered(variant: str, seed_list: list[int], m_hi: int) -> dict:
        vals, rhs, div, noise, cases = [], [], [], [], []
        for s in seed_list:
            for b in budgets:
                hi, lo = key(variant, s, m_hi, b), key(variant, s, m_hi - 1, b)
                v, r, d = pair(hi, lo)
                vals.append(v)
                rhs.append(r)
                div.append(d)
                noise.append(bool(lo["systematic"] < 0.5 * lo["nmse"]))
                cases.append(f"{variant}/s{s}/B{b}: m{m_hi} vs m{m_hi - 1}")
        return {
            "value": vals,
            "rhs": rhs,
            "flags": {"diverged": div, "noise_dominated": noise},
            "cases": cases,
        }

    def claim(main: dict, ctrl: dict) -> dict:
        return {
            "value": main["value"],
            "rhs": main["rhs"],
            "flags": main["flags"],
            "seeds": seeds,
            "control": {"value": ctrl["value"], "rhs": ctrl["rhs"], "flags": ctrl["flags"]},
            "details": {"cases": main["cases"], "control_cases": ctrl["cases"], "cells": c},
        }

    out = {
        "nonpoly-newton-converges": claim(
            converge("expquad", seeds), converge("expquad_const_c", p["control_seeds"])
        )
    }
    for m_hi in ms[1:]:
        out[f"nonpoly-newton-m{m_hi}-beats-m{m_hi - 1}"] = claim(
            ordered("expquad", seeds, m_hi), ordered("control", p["control_seeds"], m_hi)
        )
    return out


def rastrigin_claims(ra: dict) -> dict:
    c = ra["cells"]
    ms, budgets = ra["params"]["ms"], sorted(ra["params"]["budgets"])
    b_lo, b_hi = budgets[0], budgets[-1]
    conv_v, conv_r, conv_c = [], [], []
    for m in ms:
        conv_v.append(upper(c[f"m{m}/B{b_hi}"]))
        conv_r.append(lower(c[f"m{m}/B{b_lo}"]))
        conv_c.append(f"m{m}: NMSE({b_hi}) vs NMSE({b_lo})")
    help_v, help_r, help_c = [], [], []
    for b in budgets:
        for m_more, m_less in zip(ms[1:], ms[:-1], strict=True):
            help_v.append(upper(c[f"m{m_more}/B{b}"]))
            help_r.append(lower(c[f"m{m_less}/B{b}"]))
            help_c.append(f"B{b}: m{m_more} vs m{m_less}")
    return {
        "rastrigin-newton-converges": {
            "value": conv_v,
            "rhs": conv_r,
            "details": {"cases": conv_c, "cells": c},
        },
        "rastrigin-more-measurements-help": {
            "value": help_v,
            "rhs": help_r,
            "details": {"cases": help_c, "cells": c},
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bias", required=True)
    ap.add_argument("--newton", required=True, nargs="+")
    ap.add_argument("--hvp", required=True)
    ap.add_argument("--lowrank", required=True)
    ap.add_argument("--rastrigin", required=True)
    ap.add_argument("--nonpoly", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    newton = {d["function"]: d for d in (read_json(p) for p in args.newton)}
    claims = {
        **bias_claims(read_json(args.bias)),
        **newton_claims(newton),
        **hvp_claims(read_json(args.hvp)),
        **lowrank_claims(read_json(args.lowrank)),
        **rastrigin_claims(read_json(args.rastrigin)),
        **nonpoly_claims(read_json(args.nonpoly)),
    }
    write_measurements(args.out, claims)


if __name__ == "__main__":
    main()
