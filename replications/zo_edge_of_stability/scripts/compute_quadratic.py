"""Quadratic theory: exact thresholds vs operators, bounds, momentum, Monte Carlo second moments."""

from __future__ import annotations

import sys

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, configured_device
from replications.zo_edge_of_stability.quadratic import (
    exact_second_moment,
    first_order_second_moment,
    horizon,
    make_spectrum,
    monte_carlo,
    random_orthogonal,
)
from shared.zo_stability import (
    first_order_threshold,
    full_moment_operator,
    moment_operator,
    spectral_radius,
    zo_threshold,
)


def METHOD_BETAS(q: dict) -> list[tuple[str, float]]:
    """ZO-GD, ZO-GDM at each beta, frozen ZO-Adam at beta1."""
    return [("gd", 0.0)] + [("gdm", b) for b in q["gdm_betas"]] + [("adam", q["adam_beta1"])]


def main() -> None:
    args = compute_parser(__doc__).parse_args()
    params = params_of(args)
    print(
        f"[device] configured: {configured_device()}; this step runs on cpu by design: it is "
        "numpy only (torch comes in with shared.zeroth_order, unused here)",
        file=sys.stderr,
        flush=True,
    )
    q, mc = params["quadratic"], params["monte_carlo"]
    rng = np.random.default_rng(12345)
    arrays: dict[str, np.ndarray] = {}
    meta: dict = {"operator_check": [], "bounds": {}, "momentum": {}, "monte_carlo": {}}

    # 1. Root vs reduced operator, every spectrum and method.
    worst = 0.0
    for name, spec in q["spectra"].items():
        lam = make_spectrum(spec, rng)
        for method, beta in METHOD_BETAS(q):
            th = zo_threshold(lam, method, beta)
            dev = abs(spectral_radius(moment_operator(lam, th.eta, method, beta)) - 1.0)
            worst = max(worst, dev)
            # Control: the trace bound 2c/Tr (Eq. 17/19/21 upper) as the threshold instead.
            dev_up = abs(spectral_radius(moment_operator(lam, th.upper, method, beta)) - 1.0)
            meta["operator_check"].append(
                {
                    "spectrum": name,
                    "method": method,
                    "beta": beta,
                    "eta": th.eta,
                    "lower": th.lower,
                    "upper": th.upper,
                    "mean": th.mean,
                    "abs_rho_minus_1": dev,
                    "control_abs_rho_minus_1_at_upper": dev_up,
                    "operator": "reduced",
                }
            )
    # Dense, rotated H (and a non-diagonal commuting P for Adam): full vec-covariance operator.
    d = int(q["dense_check_d"])
    lam = np.linspace(1.0, 0.1, d)
    Q = random_orthogonal(d, rng)
    H = Q @ np.diag(lam) @ Q.T
    p = np.linspace(0.5, 2.0, d)
    for method, beta in METHOD_BETAS(q):
        if method == "adam":
            th = zo_threshold(lam / p, method, beta)
            kw = {"precond": Q @ np.diag(p) @ Q.T}
        else:
            th = zo_threshold(lam, method, beta)
            kw = {}
        M = full_moment_operator(H, th.eta, method, beta, **kw)
        dev = abs(spectral_radius(M) - 1.0)
        worst = max(worst, dev)
        M_up = full_moment_operator(H, th.upper, method, beta, **kw)
        dev_up = abs(spectral_radius(M_up) - 1.0)
        meta["operator_check"].append(
            {
                "spectrum": f"dense_rotated_d{d}",
                "method": method,
                "beta": beta,
                "eta": th.eta,
                "abs_rho_minus_1": dev,
                "control_abs_rho_minus_1_at_upper": dev_up,
                "operator": "full",
            }
        )
    meta["operator_check_worst"] = worst

    # 2. Bounds over random spectra; threshold / (2c/Tr) vs effective rank Tr/lambda_max.
    all_ok = True
    for method, beta in METHOD_BETAS(q):
        key = f"{method}_beta{beta}"
        ratios, ranks, lows = [], [], []
        for _ in range(int(q["n_random_spectra"])):
            dd = int(rng.integers(1, 201))
            lam_r = rng.gamma(float(rng.uniform(0.2, 3.0)), 1.0, size=dd) * (
                rng.uniform(size=dd) > 0.1
            )
            if not np.any(lam_r > 0):
                lam_r[0] = 1.0
            th = zo_threshold(lam_r, method, beta)
            ok = th.lower * (1 - 1e-12) <= th.eta <= th.upper * (1 + 1e-12)
            all_ok &= bool(ok)
            ratios.append(th.eta / th.upper)
            lows.append(th.lower / th.upper)
            ranks.append(th.trace / th.lambda_max)
        arrays[f"bounds__{key}__ratio"] = np.array(ratios)
        arrays[f"bounds__{key}__lower_ratio"] = np.array(lows)
        arrays[f"bounds__{key}__rank"] = np.array(ranks)
        meta["bounds"][key] = {"n": len(ratios), "all_within": bool(all_ok)}
    meta["bounds_all_hold"] = bool(all_ok)

    # 3. Momentum: ZO-GDM threshold vs beta against first-order GDM.
    lam = make_spectrum(mc["spectrum"], rng)
    betas = np.array(q["beta_grid"], dtype=float)
    zo = np.array([zo_threshold(lam, "gdm", b).eta for b in betas])
    fo = np.array([first_order_threshold(lam.max(), "gdm", b) for b in betas])
    arrays["momentum__betas"], arrays["momentum__zo"], arrays["momentum__fo"] = betas, zo, fo
    eta_gd = zo_threshold(lam, "gd").eta
    shrink = {
        str(b): zo_threshold(lam, "gdm", b).eta / ((1 - b) * eta_gd) for b in q["shrink_betas"]
    }
    # Controls. (a) Rank-1 spectrum (Tr/lambda_max = 1), where Theorem 2's bounds leave room:
    # the same shrink ratio. (b) EMA momentum m+ = beta m + (1 - beta) g (card pitfall P1; the
    # threshold of frozen ZO-Adam with P = I) on the same beta grid, ZO and first order.
    rank1 = np.array([1.0])
    eta_gd1 = zo_threshold(rank1, "gd").eta
    shrink_rank1 = {
        str(b): zo_threshold(rank1, "gdm", b).eta / ((1 - b) * eta_gd1) for b in q["shrink_betas"]
    }
    zo_ema = np.array([zo_threshold(lam, "adam", b).eta for b in betas])
    fo_ema = np.array([first_order_threshold(lam.max(), "adam", b) for b in betas])
    arrays["momentum__zo_ema"], arrays["momentum__fo_ema"] = zo_ema, fo_ema
    meta["momentum"] = {
        "zo_strictly_decreasing": bool(np.all(np.diff(zo) < 0)),
        "fo_strictly_increasing": bool(np.all(np.diff(fo) > 0)),
        "shrink_ratio": shrink,
        "eta_gd": eta_gd,
        "trace_over_lambda_max": float(lam.sum() / lam.max()),
        "control_rank1_shrink_ratio": shrink_rank1,
        "control_ema_zo_strictly_decreasing": bool(np.all(np.diff(zo_ema) < 0)),
        "control_ema_fo_strictly_increasing": bool(np.all(np.diff(fo_ema) > 0)),
    }

    # 4. Monte Carlo of second moments (dense rotated H; x0 ~ N(0, I)).
    mrng = np.random.default_rng(int(mc["seed"]))
    lam = make_spectrum(mc["spectrum"], mrng)
    Q = random_orthogonal(lam.size, mrng)
    H = Q @ np.diag(lam) @ Q.T
    cases = [("gd", 0.0), ("gdm", float(mc["gdm_beta"])), ("adam", float(mc["adam_beta1"]))]
    prog = Progress(len(cases) * len(mc["factors"]) + 1, "monte_carlo")  # controls not counted
    for method, beta in cases:
        th = zo_threshold(lam, method, beta)
        for f in mc["factors"]:
            eta = f * th.eta
            T, rho = horizon(lam, eta, method, beta, float(mc["horizon_factor"]))
            out = monte_carlo(H, method, eta, beta, int(mc["n_runs"]), T, mrng)
            exact = exact_second_moment(lam, eta, method, beta, T)
            first = first_order_second_moment(lam, eta, method, beta, T)
            key = f"{method}_f{f}"
            arrays[f"mc__{key}__mean_sq"] = out["mean_sq"] / out["mean_sq"][0]
            arrays[f"mc__{key}__exact"] = exact
            mc_log = float(np.log(out["mean_sq"][-1] / out["mean_sq"][0]))
            meta["monte_carlo"][key] = {
                "method": method,
                "beta": beta,
                "factor": f,
                "eta": eta,
                "eta_star": th.eta,
                "T": T,
                "rho": rho,
                "exact_log_ratio": float(np.log(exact[-1])),
                "first_order_log_ratio": float(np.log(first[-1])),
                "mc_log_ratio": mc_log,
                "median_run_log_ratio": float(np.median(out["log_ratio_per_run"])),
                "fraction_growing": float(np.mean(out["log_ratio_per_run"] > 0)),
            }
            prog.step(1, key)
    # Mean vs mean square: ZO-GD at 1.1 eta* from a common x0.
    th = zo_threshold(lam, "gd")
    eta = 1.1 * th.eta
    T, rho = horizon(lam, eta, "gd", 0.0, float(mc["horizon_factor"]))
    x0 = Q @ np.ones(lam.size)
    out = monte_carlo(H, "gd", eta, 0.0, int(mc["n_runs"]), T, mrng, x0=x0)
    arrays["mean__mean_norm"] = out["mean_norm"] / out["mean_norm"][0]
    arrays["mean__mean_sq"] = out["mean_sq"] / out["mean_sq"][0]
    arrays["mean__exact_mean_norm"] = np.array(
        [np.linalg.norm((1 - eta * lam) ** t) / np.sqrt(lam.size) for t in range(T + 1)]
    )
    meta["mean_vs_mean_square"] = {
        "eta": eta,
        "eta_star": th.eta,
        "mean_threshold": 2.0 / lam.max(),
        "T": T,
        "mean_norm_ratio": float(out["mean_norm"][-1] / out["mean_norm"][0]),
        "mean_sq_ratio": float(out["mean_sq"][-1] / out["mean_sq"][0]),
        "exact_mean_norm_ratio": float(arrays["mean__exact_mean_norm"][-1]),
    }
    # Control of the sign test: the same Monte Carlo at 0.9 and 1.1 x the first-order threshold
    # (the competing hypothesis that mean-square stability is first-order stability).
    # Controls draw from their own generator, so the registered runs above are unchanged.
    crng = np.random.default_rng([int(mc["seed"]), 1])
    meta["monte_carlo_control"] = {}
    for method, beta in cases:
        eta_fo = first_order_threshold(lam.max(), method, beta)
        for f in mc["factors"]:
            eta = f * eta_fo
            T, rho = horizon(lam, eta, method, beta, float(mc["horizon_factor"]))
            out = monte_carlo(H, method, eta, beta, int(mc["n_runs"]), T, crng)
            exact = exact_second_moment(lam, eta, method, beta, T)
            meta["monte_carlo_control"][f"{method}_f{f}"] = {
                "method": method,
                "beta": beta,
                "factor": f,
                "eta": eta,
                "eta_first_order": eta_fo,
                "T": T,
                "rho": rho,
                "exact_log_ratio": float(np.log(exact[-1])),
                "mc_log_ratio": float(np.log(out["mean_sq"][-1] / out["mean_sq"][0])),
            }
    # Control: the same run at 0.9 eta*_ms, below the mean-square threshold.
    eta_c = 0.9 * th.eta
    T_c, _ = horizon(lam, eta_c, "gd", 0.0, float(mc["horizon_factor"]))
    out_c = monte_carlo(H, "gd", eta_c, 0.0, int(mc["n_runs"]), T_c, crng, x0=x0)
    meta["mean_vs_mean_square_control"] = {
        "eta": eta_c,
        "eta_star": th.eta,
        "mean_threshold": 2.0 / lam.max(),
        "T": T_c,
        "mean_norm_ratio": float(out_c["mean_norm"][-1] / out_c["mean_norm"][0]),
        "mean_sq_ratio": float(out_c["mean_sq"][-1] / out_c["mean_sq"][0]),
    }
    prog.step(1, "mean vs mean square")
    write_npz(args.out_npz, arrays)
    write_json(args.out_json, meta)


if __name__ == "__main__":
    main()
