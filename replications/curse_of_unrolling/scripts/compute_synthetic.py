"""Synthetic ridge experiments: Figure 1 (and its caption on a grid of random starts), AD
cross-checks, burn-in scaling, rates, threshold, step-size trade-off, truncation, warm starts and
the seed-summary rules, each with the control case its ledger claim names.

Writes synthetic.npz (curves for the plots) and synthetic.json (scalars for measure_claims).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize_scalar

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.curse_of_unrolling import model as M
from replications.curse_of_unrolling.device import cpu_device
from shared import unrolling as U
from shared.diagnostics import derivative_norms

SECTIONS = 11


def rel_err(prob: M.Ridge, J: np.ndarray) -> np.ndarray:
    """Total-norm relative Jacobian error ||dx_t - dx*|| / ||dx*||."""
    return np.linalg.norm(J - prob.dx_star, axis=1) / np.linalg.norm(prob.dx_star)


def comp_err(prob: M.Ridge, J: np.ndarray) -> np.ndarray:
    """Per-eigencomponent relative errors |<q_i, dx_t - dx*>| / |<q_i, dx*>|, shape (T+1, p)."""
    c = prob.components(prob.dx_star)
    return np.abs(prob.components(J - prob.dx_star)) / np.abs(c)


def run(prob: M.Ridge, sched: U.Schedule, x0=None, truncate=None):
    x0 = np.zeros(prob.lam.size) if x0 is None else x0
    return U.jacobian_jvp(M.ridge_grad, prob.theta, x0, sched, truncate=truncate, args=prob.args)


def fgap(prob: M.Ridge, X: np.ndarray) -> np.ndarray:
    f_star = prob.fvalue(prob.x_star[None])[0]
    f = prob.fvalue(X)
    return (f - f_star) / (f[0] - f_star)


def main() -> None:
    pin_threads(1)
    args = compute_parser(__doc__).parse_args()
    cpu_device("synthetic")
    P = params_of(args)
    prog = Progress(SECTIONS, "synthetic")
    base = dict(p=P["p"], L=P["L"], theta_fraction=P["theta_fraction"], seed=P["seed"])
    arrays: dict[str, np.ndarray] = {}
    out: dict = {}

    # ---- 1. Figure 1 analogue + theory overlay (card Sec. 4.1-4.2) --------------------------
    c1 = P["fig1"]
    prob = M.synthetic_ridge(c1["kappa"], design="uniform", **base)
    T = int(c1["horizon_kappas"] * c1["kappa"])
    steps = {k: v / prob.L for k, v in c1["step_factors"].items()}
    steps["2/(L+mu)"] = 2.0 / (prob.L + prob.mu)
    fig1 = {}
    for name, h in steps.items():
        X, J = run(prob, U.gd_schedule(h, T))
        e, f = rel_err(prob, J), fgap(prob, X)
        comp = comp_err(prob, J)
        t = np.arange(T + 1)
        q = np.abs(M.gd_q(t[:, None], h * prob.lam[None, :]))
        exact = np.sqrt(np.sum((q * prob.components(prob.dx_star)) ** 2, 1)) / np.linalg.norm(
            prob.dx_star
        )
        # (B) with ||dx0 - dx*|| = ||dx*||, ||dH|| = 1, ||x0 - x*|| = ||x*||, relative to ||dx*||.
        bound = M.gd_bound(
            t, h, prob.L, prob.mu, np.linalg.norm(prob.dx_star), np.linalg.norm(prob.x_star)
        ) / np.linalg.norm(prob.dx_star)
        key = name.replace("/", "_over_").replace("(", "").replace(")", "").replace("+", "p")
        arrays.update(
            {
                f"fig1_{key}_jerr": e,
                f"fig1_{key}_fgap": f,
                f"fig1_{key}_sup": comp.max(1),
                f"fig1_{key}_exact": exact,
                f"fig1_{key}_bound": bound,
            }
        )
        fig1[name] = {
            "key": key,
            "hL": h * prob.L,
            "jerr_monotone": M.monotone(e, 1e-12, 1e-12),
            "fgap_monotone": M.monotone(f, 1e-12, 1e-12),
            "jerr_max": float(e.max()),
            "jerr_argmax": int(e.argmax()),
            "jerr_final": float(e[-1]),
            "exact_dev": float(np.max(np.abs(e - exact) / np.maximum(exact, 1.0))),
            "bound_ratio_max": float(np.max(e / bound)),
            # Control of bound (B): the iterate-rate term r^t ||dx0 - dx*|| alone.
            "iterate_rate_ratio_max": float(
                np.max(e / max(abs(1.0 - h * prob.mu), abs(1.0 - h * prob.L)) ** t)
            ),
        }
    e_big, f_big = arrays["fig1_2_over_Lpmu_jerr"], arrays["fig1_2_over_Lpmu_fgap"]
    e_one, f_one = arrays["fig1_1_over_L_jerr"], arrays["fig1_1_over_L_fgap"]
    inv = (f_big < f_one) & (e_big > e_one)
    out["fig1"] = {
        "kappa": prob.kappa,
        "T": T,
        "steps": fig1,
        "inversion_count": int(inv.sum()),
        "inversion_first_t": int(np.argmax(inv)) if inv.any() else None,
    }
    # Isotropic b: the hump can hide in the total norm (pitfall P1).
    iso = M.synthetic_ridge(c1["kappa"], design="isotropic", **base)
    X, J = run(iso, U.gd_schedule(2.0 / (iso.L + iso.mu), T))
    arrays["fig1_iso_jerr"], arrays["fig1_iso_sup"] = rel_err(iso, J), comp_err(iso, J).max(1)
    arrays["fig1_t"] = np.arange(T + 1)
    # Control of function-monotone-jacobian-not: the same four steps on the isotropic design.
    iso_steps = {k: v / iso.L for k, v in c1["step_factors"].items()}
    iso_steps["2/(L+mu)"] = 2.0 / (iso.L + iso.mu)
    out["fig1"]["isotropic"] = {}
    for name, h in iso_steps.items():
        X, J = run(iso, U.gd_schedule(h, T))
        e, f = rel_err(iso, J), fgap(iso, X)
        out["fig1"]["isotropic"][name] = {
            "hL": h * iso.L,
            "jerr_monotone": M.monotone(e, 1e-12, 1e-12),
            "fgap_monotone": M.monotone(f, 1e-12, 1e-12),
            "jerr_max": float(e.max()),
        }
    prog.step(note="figure 1")

    # ---- 1b. Figure 1 caption on a grid of random starts (claim better-f-worse-jacobian-...) --
    cb = P["better_f"]
    Tb = int(cb["horizon_kappas"] * cb["kappa"])
    bf: dict = {"kappa": float(cb["kappa"]), "T": Tb, "designs": {}, "control": {}, "x0_zero": {}}

    def curves(pr: M.Ridge, factors: list[float], x0: np.ndarray) -> list[tuple]:
        res = []
        for fac in factors:
            X, J = run(pr, U.gd_schedule(fac / pr.L, Tb), x0=x0)
            res.append((fac, fgap(pr, X), rel_err(pr, J)))
        return res

    def count_inversions(res: list[tuple]) -> dict:
        pairs, worst = 0, 1.0
        hits = []
        for (hs, fs, es), (hl, fl, el) in itertools.combinations(res, 2):
            inv = M.inversions(fs, es, fl, el, cb["rel_gap"], cb["floor"])
            if inv.any():
                pairs += 1
                worst = max(worst, float(np.max(el[inv] / es[inv])))
                hits.append([float(hs), float(hl), int(np.argmax(inv)), int(inv.sum())])
        return {"pairs_with_inversion": pairs, "max_jacobian_ratio": worst, "hits": hits}

    for design in cb["designs"]:
        pr = M.synthetic_ridge(cb["kappa"], design=design, **base)
        factors = [*cb["step_factors"], 2.0 * pr.kappa / (pr.kappa + 1.0)]
        per_seed = {}
        for seed in cb["x0_seeds"]:
            g = np.random.default_rng(seed).standard_normal(pr.lam.size)
            x0 = np.linalg.norm(pr.x_star) * g / np.linalg.norm(g)
            per_seed[str(seed)] = count_inversions(curves(pr, factors, x0))
        bf["designs"][design] = per_seed
        zeros = np.zeros(pr.lam.size)
        bf["control"][design] = count_inversions(curves(pr, cb["control_step_factors"], zeros))
        bf["x0_zero"][design] = count_inversions(curves(pr, factors, zeros))
    bf["n_pairs"] = len(list(itertools.combinations(range(len(cb["step_factors"]) + 1), 2)))
    out["better_f"] = bf
    prog.step(note="figure 1 caption grid")

    # ---- 2. AD cross-checks (C1) -------------------------------------------------------------
    ca = P["ad_check"]
    prob = M.synthetic_ridge(ca["kappa"], design="uniform", **base)
    Ta = int(ca["horizon"])
    scheds = {
        "gd": U.gd_schedule(2.0 / (prob.L + prob.mu), Ta),
        "heavy_ball": U.heavy_ball_schedule(prob.L, prob.mu, Ta),
        "chebyshev": U.chebyshev_schedule(prob.L, prob.mu, Ta),
    }
    n_dx = np.linalg.norm(prob.dx_star)
    ad = {}
    x0 = np.zeros(prob.lam.size)
    for name, s in scheds.items():
        X, J = run(prob, s)
        pig = U.unroll(M.ridge_grad, prob.theta, x0, s, args=prob.args)
        rev = U.jacobian_reverse(M.ridge_grad, prob.theta, x0, s, ca["reverse_at"], args=prob.args)
        hand = U.hand_recursion_quadratic(prob.H, np.eye(x0.size), np.zeros(x0.size), X, s)
        Pm, dPm = M.residual_polynomials(s, prob.lam)
        e_cf = M.jacobian_error_components(
            Pm, dPm, -prob.components(prob.dx_star), -prob.components(prob.x_star)
        )
        J_cf = prob.dx_star + e_cf @ prob.Q.T
        ad[name] = {
            "piggyback": float(np.abs(pig.jacobians - J).max() / n_dx),
            "reverse": float(np.abs(rev - J[ca["reverse_at"]]).max() / n_dx),
            "hand": float(np.abs(hand - J).max() / n_dx),
            "closed_form": float(np.abs(J_cf - J).max() / n_dx),
            "iterates_piggyback": float(np.abs(pig.iterates - X).max()),
        }
    out["ad_check"] = {"kappa": prob.kappa, "T": Ta, "max_rel_diff": ad}
    prog.step(note="AD cross-checks")

    # ---- 3. Convergence to the implicit Jacobian (C2) + implicit exactness (seed rule 1) ------
    ci = P["implicit_check"]
    prob = M.synthetic_ridge(ci["kappa"], design="uniform", **base)
    Ti = int(ci["horizon_kappas"] * ci["kappa"])
    _, J = run(prob, U.gd_schedule(2.0 / (prob.L + prob.mu), Ti))
    imp = U.implicit_jacobian(M.ridge_grad, prob.x_star, prob.theta, args=prob.args)
    out["implicit_check"] = {
        "kappa": prob.kappa,
        "T": Ti,
        "unrolled_vs_implicit": float(
            np.linalg.norm(J[-1] - imp.jacobian) / np.linalg.norm(imp.jacobian)
        ),
        "unrolled_vs_exact": float(rel_err(prob, J)[-1]),
    }
    # Control: GD at the stability edge h = 2/L (top component error (-1)^(t-1) (2t - 1)).
    _, J = run(prob, U.gd_schedule(2.0 / prob.L, Ti))
    out["implicit_check"]["edge_step_vs_implicit"] = float(
        np.linalg.norm(J[-1] - imp.jacobian) / np.linalg.norm(imp.jacobian)
    )
    cs = P["seed_rules"]
    prob = M.synthetic_ridge(cs["kappa"], design="uniform", **base)
    imp = U.implicit_jacobian(M.ridge_grad, prob.x_star, prob.theta, args=prob.args)
    eps = 1e-6 * prob.theta
    xp = np.linalg.solve(prob.sigma + (prob.theta + eps) * np.eye(prob.lam.size), -prob.b)
    xm = np.linalg.solve(prob.sigma + (prob.theta - eps) * np.eye(prob.lam.size), -prob.b)
    fd = (xp - xm) / (2 * eps)
    n_dx = np.linalg.norm(prob.dx_star)
    out["implicit_exact"] = {
        "kappa": prob.kappa,
        "rel_err_vs_exact": float(np.linalg.norm(imp.jacobian - prob.dx_star) / n_dx),
        "rel_err_vs_central_fd": float(np.linalg.norm(fd - prob.dx_star) / n_dx),
        "solve_residual": imp.solve_residual,
        "gradient_norm_at_x_star": imp.gradient_norm,
        "n_solves": imp.n_solves,
        "dense_hessian_bytes": int(prob.lam.size**2 * 8),
    }
    prog.step(note="implicit")

    # ---- 4. Burn-in scaling in kappa (C3, C7) ------------------------------------------------
    cc = P["scaling"]
    sc = {"kappas": cc["kappas"], "p": P["p"], "gd": [], "chebyshev": [], "heavy_ball": []}
    sc["control"] = {f"{f:g}/L": [] for f in cc["control_step_factors"]}
    for kappa in cc["kappas"]:
        prob = M.synthetic_ridge(kappa, design="uniform", **base)
        Tg = int(np.ceil(cc["gd_horizon_kappas"] * kappa))
        Tc = int(np.ceil(cc["cheb_horizon_sqrtkappas"] * np.sqrt(kappa)))
        for meth, s in (
            ("gd", U.gd_schedule(2.0 / (prob.L + prob.mu), Tg)),
            ("chebyshev", U.chebyshev_schedule(prob.L, prob.mu, Tc)),
            ("heavy_ball", U.heavy_ball_schedule(prob.L, prob.mu, Tc)),
        ):
            _, J = run(prob, s)
            comp = comp_err(prob, J)
            top = comp[:, -1]
            t = np.arange(s.n_steps + 1)
            if meth == "gd":
                exact = np.abs(M.gd_q(t, s.steps[0] * prob.L))
            elif meth == "chebyshev":
                exact = M.chebyshev_top_q(t, prob.L, prob.mu)
            else:
                Pm, dPm = M.residual_polynomials(s, prob.lam[-1:])
                exact = np.abs(Pm[:, 0] - prob.L * dPm[:, 0])
            total = rel_err(prob, J)
            sc[meth].append(
                {
                    "kappa": prob.kappa,
                    "T": s.n_steps,
                    "peak": float(top.max()),
                    "peak_t": int(top.argmax()),
                    "exact_peak": float(exact.max()),
                    "exact_peak_t": int(exact.argmax()),
                    "curve_dev": float(np.max(np.abs(top - exact) / np.maximum(exact, 1.0))),
                    "total_max": float(total.max()),
                    "total_argmax": int(total.argmax()),
                    # None: not back below 1 within the horizon (the old argmax over an
                    # all-False array returned the peak time here).
                    "total_first_below_1_after_peak": M.burn_in_end(total),
                }
            )
            arrays[f"scaling_{meth}_k{kappa}_top"] = top
            arrays[f"scaling_{meth}_k{kappa}_total"] = total
        # Controls: GD with fixed steps in units of 1/L (1/L: no burn-in; 1.5/L: a burn-in
        # whose size does not depend on kappa), same horizon as GD 2/(L+mu).
        for f in cc["control_step_factors"]:
            _, J = run(prob, U.gd_schedule(f / prob.L, Tg))
            top, total = comp_err(prob, J)[:, -1], rel_err(prob, J)
            sc["control"][f"{f:g}/L"].append(
                {
                    "kappa": prob.kappa,
                    "T": Tg,
                    "peak": float(top.max()),
                    "peak_t": int(top.argmax()),
                    "total_max": float(total.max()),
                    "burn_in_end": M.burn_in_end(total),
                }
            )
    out["scaling"] = sc
    prog.step(note="burn-in scaling")

    # ---- 5. Asymptotic slopes (C6, C7) -------------------------------------------------------
    cr = P["rates"]
    prob = M.synthetic_ridge(cr["kappa"], design="uniform", **base)
    rates = {}
    for meth, T_, power, rate in (
        (
            "gd",
            int(cr["gd_horizon_kappas"] * cr["kappa"]),
            1,
            (prob.kappa - 1) / (prob.kappa + 1),
        ),
        (
            "chebyshev",
            int(np.ceil(cr["cheb_horizon_sqrtkappas"] * np.sqrt(cr["kappa"]))),
            2,
            (np.sqrt(prob.kappa) - 1) / (np.sqrt(prob.kappa) + 1),
        ),
    ):
        s = (
            U.gd_schedule(2.0 / (prob.L + prob.mu), T_)
            if meth == "gd"
            else U.chebyshev_schedule(prob.L, prob.mu, T_)
        )
        _, J = run(prob, s)
        e = rel_err(prob, J)
        t0 = int(np.floor((1 - cr["window_fraction"]) * T_))
        t = np.arange(t0, T_ + 1)
        slope = float(np.polyfit(t, np.log(e[t0:] / t**power), 1)[0])
        # Control: the competing rate with one power of t fewer.
        slope_c = float(np.polyfit(t, np.log(e[t0:] / t ** (power - 1)), 1)[0])
        rates[meth] = {
            "T": T_,
            "window": [t0, T_],
            "slope": slope,
            "log_rate": float(np.log(rate)),
            "ratio": slope / float(np.log(rate)),
            "e_final": float(e[-1]),
            "power": power,
            "ratio_one_power_fewer": slope_c / float(np.log(rate)),
        }
        arrays[f"rates_{meth}_jerr"] = e
    out["rates"] = rates
    prog.step(note="rates")

    # ---- 6. Monotonicity threshold by bisection (C4) -----------------------------------------
    ct = P["threshold"]
    prob = M.synthetic_ridge(ct["kappa"], design="uniform", **base)
    Tt = int(ct["horizon"])

    def is_monotone(hL: float, metric: str) -> bool:
        _, J = run(prob, U.gd_schedule(hL / prob.L, Tt))
        e = comp_err(prob, J) if metric == "component" else rel_err(prob, J)
        return M.monotone(e, ct["slack"], ct["floor"])

    thr = {}
    for metric in ("component", "total"):
        lo, hi = 1.0, 2.0 * prob.kappa / (prob.kappa + 1)
        if not is_monotone(lo, metric) or is_monotone(hi, metric):
            thr[metric] = {"bracket_ok": False, "threshold_hL": float("nan")}
            continue
        for _ in range(int(ct["bisection_steps"])):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if is_monotone(mid, metric) else (lo, mid)
        thr[metric] = {"bracket_ok": True, "threshold_hL": lo, "upper": hi}
    out["threshold"] = {"kappa": prob.kappa, "T": Tt, **thr}
    prog.step(note="threshold")

    # Small steps on synthetic designs (C4 cases; real data in compute_real).
    small, large = [], []
    for kappa in (10, 100, 1000):
        for design in ("uniform", "isotropic"):
            pr = M.synthetic_ridge(kappa, design=design, **base)
            c = pr.components(pr.dx_star)
            for f in [*P["small_steps"], 2.0 * pr.kappa / (pr.kappa + 1.0)]:
                _, J = run(pr, U.gd_schedule(f / pr.L, int(6 * kappa)))
                entry = {
                    "monotone": M.monotone(rel_err(pr, J), 1e-12, 1e-12),
                    "component_rise": M.max_component_rise(pr.components(J - pr.dx_star), c),
                }
                if f in P["small_steps"]:
                    small.append({"case": f"{pr.name}-h{f:g}/L", **entry})
                else:  # the large step 2/(L+mu): control of the small-step claims
                    large.append({"case": f"{pr.name}-h2/(L+mu)", **entry})
    out["small_steps_synthetic"] = small
    out["large_step_synthetic"] = large

    # ---- 7. Finite-horizon trade-off (C8) ----------------------------------------------------
    cf = P["tradeoff"]
    kappa = float(cf["kappa"])
    lam_grid = np.linspace(1.0 / kappa, 1.0, int(cf["n_lambda"]))
    h_grid = np.linspace(cf["hL_low"], 2 * kappa / (kappa + 1), int(cf["n_h"]))
    trade = {"kappa": kappa, "iterate_optimal_hL": 2 * kappa / (kappa + 1), "horizons": {}}
    arrays["tradeoff_hL"] = h_grid
    for T_ in cf["horizons"]:
        sup = M.sup_q_gd(T_, h_grid, lam_grid)
        i = int(np.argmin(sup))
        a, b = h_grid[max(i - 1, 0)], h_grid[min(i + 1, h_grid.size - 1)]
        res = minimize_scalar(
            lambda x, T_=T_: float(M.sup_q_gd(T_, np.array([x]), lam_grid)[0]),
            bounds=(a, b),
            method="bounded",
            options={"xatol": 1e-10},
        )
        # Control: the iterate error's minimiser over the same grid, sup_lambda |1 - h lambda|^T
        # (2/(L+mu) at every T).
        sup_iter = np.max(np.abs(1.0 - h_grid[:, None] * lam_grid[None, :]), axis=1) ** T_
        trade["horizons"][f"T{T_}"] = {
            "T": T_,
            "best_hL": float(res.x),
            "best_hL_grid": float(h_grid[i]),
            "best_sup": float(res.fun),
            "sup_at_iterate_optimal": float(sup[-1]),
            "iterate_best_hL_grid": float(h_grid[int(np.argmin(sup_iter))]),
        }
        arrays[f"tradeoff_T{T_}_sup"] = sup
    # AD check at T = 100 on the 50-eigenvalue design: measured sup error per step.
    prob = M.synthetic_ridge(cf["kappa"], design="uniform", **base)
    ad_sup = {}
    for name, hL in (
        ("best", trade["horizons"]["T100"]["best_hL"]),
        ("1/L", 1.0),
        ("sqrt2/L", np.sqrt(2)),
        ("2/(L+mu)", 2 * prob.kappa / (prob.kappa + 1)),
    ):
        _, J = run(prob, U.gd_schedule(hL / prob.L, 100))
        ad_sup[name] = {"hL": float(hL), "sup_err_T100": float(comp_err(prob, J)[-1].max())}
    trade["ad_sup_T100"] = ad_sup
    out["tradeoff"] = trade
    # Polynomial view (card Sec. 4.4): |q_t| and |P_t'| over the spectrum for several t.
    lam_p = np.linspace(prob.mu, prob.L, 801)
    arrays["poly_lambda"] = lam_p
    arrays["poly_t"] = np.array([2, 5, 10, 25, 50, 100])
    for name, sch in (
        ("gd_1_over_L", U.gd_schedule(1.0 / prob.L, 100)),
        ("gd_2_over_Lpmu", U.gd_schedule(2.0 / (prob.L + prob.mu), 100)),
        ("chebyshev", U.chebyshev_schedule(prob.L, prob.mu, 100)),
    ):
        Pm, dPm = M.residual_polynomials(sch, lam_p)
        arrays[f"poly_{name}_q"] = np.abs(Pm - lam_p * dPm)[arrays["poly_t"]]
        arrays[f"poly_{name}_dP"] = np.abs(dPm)[arrays["poly_t"]]
    prog.step(note="trade-off")

    # ---- 8. Truncation (extension, card Sec. 2.8) --------------------------------------------
    ck = P["truncation"]
    prob = M.synthetic_ridge(ck["kappa"], design="uniform", **base)
    Tk = int(ck["horizon"])
    h = 2.0 / (prob.L + prob.mu)
    s = U.gd_schedule(h, Tk)
    t = np.arange(Tk + 1)
    trunc = {"kappa": prob.kappa, "T": Tk, "cases": {}}
    x0 = np.zeros(prob.lam.size)
    for k in ck["ks"]:
        _, J = run(prob, s, truncate=int(k))
        e = rel_err(prob, J)
        comp = comp_err(prob, J)
        exact = np.abs(M.gd_truncated_q(t, h * prob.lam, int(k)))
        trunc["cases"][f"k{k}"] = {
            "k": int(k),
            "peak_after_k": float(e[int(k) :].max()),
            "peak_t": int(int(k) + e[int(k) :].argmax()),
            "final": float(e[-1]),
            "closed_form_dev": float(np.max(np.abs(comp - exact) / np.maximum(exact, 1.0))),
            "closed_form_peak": float(exact.max()),
            "reverse_memory_bytes": M.reverse_mode_memory_bytes(
                prob, s, x0, truncate=int(k) if k > 0 else None
            ),
        }
        arrays[f"trunc_k{k}_jerr"] = e
    # Controls: the untruncated curve over the same windows, and truncation at k = T - kappa.
    e0 = arrays["trunc_k0_jerr"]  # the ledger's k grid starts at 0 (no truncation)
    k2 = int(2 * prob.kappa)
    k_late = int(Tk - prob.kappa)
    _, J = run(prob, s, truncate=k_late)
    trunc["control"] = {
        "untruncated_peak_after_k": {f"k{k}": float(e0[int(k) :].max()) for k in ck["ks"]},
        "untruncated_max_after_2kappa": float(e0[k2:].max()),
        "late_k": k_late,
        "late_k_final": float(rel_err(prob, J)[-1]),
    }
    trunc["p"] = int(prob.lam.size)
    out["truncation"] = trunc
    prog.step(note="truncation")

    # ---- 9. Warm start (extension, card Sec. 2.9) --------------------------------------------
    cw = P["warm_start"]
    prob = M.synthetic_ridge(cw["kappa"], design="uniform", **base)
    Tw = int(cw["horizon"])
    s = U.gd_schedule(2.0 / (prob.L + prob.mu), Tw)
    beta = prob.components(prob.b)
    warm = {"kappa": prob.kappa, "T": Tw, "cases": {}}
    Pm, dPm = M.residual_polynomials(s, prob.lam)
    for dm in [0.0, *cw["delta_over_mu"]]:
        delta = dm * prob.mu
        # x*(theta - delta) = -Q (beta / (lambda - delta)): the previous outer step's solution.
        x0 = -prob.Q @ (beta / (prob.lam - delta)) if dm > 0 else np.zeros(prob.lam.size)
        _, J = run(prob, s, x0=x0)
        comp = comp_err(prob, J)
        e_cf = M.jacobian_error_components(
            Pm, dPm, -prob.components(prob.dx_star), prob.components(x0 - prob.x_star)
        )
        exact = np.abs(e_cf) / np.abs(prob.components(prob.dx_star))
        sup = comp.max(1)
        key = "cold" if dm == 0 else f"d{dm:g}"
        warm["cases"][key] = {
            "delta_over_mu": dm,
            "excess": float(max(sup.max() - 1.0, 0.0)),
            "sup_max_minus_1": float(sup.max() - 1.0),
            "bound": float(delta / (prob.mu - delta)),
            "closed_form_dev": float(np.max(np.abs(comp - exact) / np.maximum(exact, 1.0))),
            "final_sup": float(sup[-1]),
            "total_max": float(rel_err(prob, J).max()),
        }
        arrays[f"warm_{key}_sup"] = sup
    out["warm_start"] = warm
    prog.step(note="warm start")

    # ---- 10. Seed-summary rules (seed 000) ---------------------------------------------------
    prob = M.synthetic_ridge(cs["kappa"], design="uniform", **base)
    h = 2.0 / (prob.L + prob.mu)
    r = (prob.kappa - 1) / (prob.kappa + 1)
    T_mix = int(np.ceil(1.0 / np.log(1.0 / r)))
    T_long = int(cs["long_horizon"])
    delta = cs["warm_delta_over_mu"] * prob.mu
    # Warm start x0 = x*(theta - delta), a constant (no tangent): exact in the eigenbasis.
    x_warm = -prob.Q @ (prob.components(prob.b) / (prob.lam - delta))
    s_long, s_short = U.gd_schedule(h, T_long), U.gd_schedule(h, T_mix)
    _, J_long = run(prob, s_long)
    _, J_short = run(prob, s_short, x0=x_warm)
    e_long, e_short = rel_err(prob, J_long), rel_err(prob, J_short)
    zeros = np.zeros(prob.lam.size)
    _, J_cold_short = run(prob, s_short)  # control: short but cold
    e_cold_short = rel_err(prob, J_cold_short)
    rules = {
        "kappa": prob.kappa,
        "mixing_time": T_mix,
        "long_cold": {
            "T": T_long,
            "peak": float(e_long.max()),
            "final": float(e_long[-1]),
            "reverse_memory_bytes": M.reverse_mode_memory_bytes(prob, s_long, zeros),
        },
        "short_warm": {
            "T": T_mix,
            "delta_over_mu": cs["warm_delta_over_mu"],
            "peak": float(e_short.max()),
            "final": float(e_short[-1]),
            "reverse_memory_bytes": M.reverse_mode_memory_bytes(prob, s_short, x_warm),
        },
        "short_cold": {
            "T": T_mix,
            "peak": float(e_cold_short.max()),
            "final": float(e_cold_short[-1]),
            "reverse_memory_bytes": M.reverse_mode_memory_bytes(prob, s_short, zeros),
        },
    }
    n_dx = float(np.linalg.norm(prob.dx_star))
    for name, kw in (
        ("plain", {}),
        ("clip", {"clip": cs["clip_multiple"] * n_dx}),
        ("relaxed", {"relaxation": cs["relaxation"]}),
    ):
        res = U.unroll(M.ridge_grad, prob.theta, zeros, s_long, args=prob.args, **kw)
        e = rel_err(prob, res.jacobians)
        # The observable detector (seed 000 checklist): the derivative-iterate norm spikes above
        # its final value. Needs no knowledge of dx*.
        dn = derivative_norms(res.jacobians)
        rules[name] = {
            "peak": float(e.max()),
            "final": float(e[-1]),
            "n_clipped": res.n_clipped,
            "derivative_norm_peak_index": dn.peak_index,
            "derivative_norm_spike_ratio": float(dn.norms.max() / dn.norms[-1]),
        }
        arrays[f"rules_{name}_jerr"] = e
        arrays[f"rules_{name}_dnorm"] = dn.norms / n_dx
    # Detector on a small step for contrast: no spike expected for h = 1/L.
    res = U.unroll(
        M.ridge_grad, prob.theta, zeros, U.gd_schedule(1.0 / prob.L, T_long), args=prob.args
    )
    dn = derivative_norms(res.jacobians)
    rules["small_step_1_over_L"] = {
        "derivative_norm_peak_index": dn.peak_index,
        "derivative_norm_spike_ratio": float(dn.norms.max() / dn.norms[-1]),
    }
    arrays["rules_small_dnorm"] = dn.norms / n_dx
    arrays["rules_short_warm_jerr"], arrays["rules_long_cold_jerr"] = e_short, e_long
    out["seed_rules"] = rules
    prog.step(note="seed rules")

    write_npz(args.out_npz, arrays)
    write_json(args.out_json, out)


if __name__ == "__main__":
    main()
