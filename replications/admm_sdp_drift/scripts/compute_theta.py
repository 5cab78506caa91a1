"""ADMM on the Lovasz-theta SDPs of the coding graphs 1dc.n (the paper's 1dc1024 family).

Parts (one Snakemake job each, so they run side by side):

* ``control``: 1dc.64 with the code's start protocol (generate_start_points.m: X = S = 0,
  sigma = 1, update_sig_1 for 2e4 iterations, then fixed, tol 1e-10) and its Clarabel reference.
* ``slow``: 1dc.128 (or 1dc.1024 at paper scale), adaptive sigma then a fixed-sigma segment
  (main_baseline.m), with PCA windows of the Z iterates; writes the final state for ``followups``.
* ``escape`` (paper scale only): 1dc.128 with the code's protocol at the paper's counts, for
  one residual-unit variant of update_sig_1 (``--variant``), looking for a natural escape.
* ``followups``: from that state, the forward sigma sweep (study_sig_wave.m, Ampl = 10) and the
  seed document's remedies (perturbation, eps I regulariser, sigma factors) against continuing.
"""

from __future__ import annotations

from replications._workflow.runtime import pin_threads

pin_threads(1)

import argparse  # noqa: E402

import numpy as np  # noqa: E402

from replications._workflow.cli import compute_parser, params_of  # noqa: E402
from replications._workflow.io import read_npz, write_json, write_npz  # noqa: E402
from replications._workflow.runtime import Progress  # noqa: E402
from replications.admm_sdp_drift.device import cpu_by_design  # noqa: E402
from replications.admm_sdp_drift.experiments import (  # noqa: E402
    LastAverage,
    PCAWindows,
    clarabel_theta,
    final_kkt,
    log_slope,
    perturbed_state,
    theta_start,
    window_rates,
    with_regulariser,
)
from shared.admm_sdp import (  # noqa: E402
    ADMMResult,
    ADMMState,
    SigmaRule,
    angle_floor,
    kkt_residuals,
    run_admm,
    state_from_z,
)
from shared.diagnostics import spike_mask  # noqa: E402


def trace_summary(kkt: np.ndarray) -> dict:
    return {"first": float(kkt[0]), "last": float(kkt[-1]), "n": len(kkt)}


def angle_stats(seg: ADMMResult, spike: dict) -> tuple[dict, np.ndarray]:
    """Angle summary of a fixed-sigma segment ``seg`` (claim (i)).

    Median, min, max and the spike mask (``shared.diagnostics.spike_mask``: angle above
    ``factor`` x its rolling median).
    """
    ang = seg.trace["angle_z"]
    spikes = spike_mask(ang, spike["factor"], spike["window"])
    return {
        "median": float(np.nanmedian(ang)),
        "min": float(np.nanmin(ang)),
        "max": float(np.nanmax(ang)),
        "spike_fraction": float(spikes.mean()),
        "n_spikes": int(spikes.sum()),
        "n": int(np.isfinite(ang).sum()),
    }, spikes


def floor_stats(prev: ADMMResult, seg: ADMMResult) -> dict:
    """Median get_ang floor of a segment's angles and the median ratio angle / floor.

    The floor of each angle is :func:`shared.admm_sdp.angle_floor` of its two step norms; the
    first angle of ``seg`` pairs the last step of ``prev`` with the first of ``seg``.
    """
    ang = seg.trace["angle_z"]
    dzn = np.concatenate([prev.trace["dz_norm"][-1:], seg.trace["dz_norm"]])
    floor = angle_floor(dzn[:-1], dzn[1:])
    return {
        "median_floor": float(np.nanmedian(floor)),
        "median_ratio_to_floor": float(np.nanmedian(ang / floor)),
    }


def sweep_summary(tr: dict) -> dict:
    """Log-log slopes and log10 ranges of a sigma sweep (study_sig_wave.m "four_items")."""
    lp, ld = np.log10(tr["pinf"]), np.log10(tr["dinf"])
    return {
        "dx_slope": log_slope(tr["sigma"], tr["dx_norm"]),
        "ds_slope": log_slope(tr["sigma"], tr["ds_norm"]),
        "pinf_slope": log_slope(tr["sigma"], tr["pinf"]),
        "dinf_slope": log_slope(tr["sigma"], tr["dinf"]),
        "pinf_range_decades": float(lp.max() - lp.min()),
        "dinf_range_decades": float(ld.max() - ld.min()),
    }


def run_fixed_control(p: dict, data, st: ADMMState, arrays: dict) -> dict:
    """1dc.64 with the code's adaptive start for a few iterations, then fixed sigma.

    The control of the trapping, angle and benchmark sweep claims: a run that converges
    linearly at fixed sigma with no slow region, measured exactly as the 1dc.128 fixed segment
    (PCA windows, angles, per-window rates) and swept like it (x ampl over sweep iterations
    from the start of the fixed segment).
    """
    th = p["theta"]
    cf = th["control_fixed"]
    rule = SigmaRule("adaptive", stop_iter=th["stop_iter"])
    r1 = run_admm(data, st, 1.0, cf["adaptive_iters"], tol=th["tol"], rule=rule)
    pca = PCAWindows(th["pca_window"], offset=r1.n_iter)
    r2 = run_admm(
        data,
        r1.state,
        r1.sigma,
        cf["max_iters"],
        tol=th["tol"],
        prev_step=r1.last_step,
        callback=pca,
    )
    angles, spikes = angle_stats(r2, th["angle_spike"])
    sw = th["sweep"]
    sched = r1.sigma * sw["ampl"] ** np.linspace(0.0, 1.0, sw["iters"])
    rs = run_admm(
        data,
        r1.state,
        r1.sigma,
        sw["iters"],
        tol=-1.0,
        rule=SigmaRule("schedule", sched),
        prev_step=r1.last_step,
    )
    for k in ("kkt", "angle_z", "dz_norm"):
        arrays[f"fixed_control__{k}"] = r2.trace[k]
    arrays["fixed_control__spikes"] = spikes
    for k in ("sigma", "dx_norm", "ds_norm", "pinf", "dinf", "kkt"):
        arrays[f"fixed_control_sweep__{k}"] = rs.trace[k]
    pca_d = {k: v.tolist() for k, v in pca.as_dict().items()}
    pca_d["decades_per_1000"] = window_rates(r2.trace["kkt"], th["pca_window"]).tolist()
    pca_d["window"] = th["pca_window"]
    kkt2 = r2.trace["kkt"]
    return {
        "adaptive_iters": r1.n_iter,
        "sigma_fixed": r1.sigma,
        "fixed_iters": r2.n_iter,
        "converged": r2.converged,
        "kkt_fixed": trace_summary(kkt2),
        "decades_per_1000": float(
            (np.log10(kkt2[0]) - np.log10(kkt2[-1])) * 1000.0 / max(1, len(kkt2) - 1)
        ),
        "angles": {**angles, **floor_stats(r1, r2)},
        "pca": pca_d,
        "sweep": sweep_summary(rs.trace),
    }


def run_control(p: dict, args: argparse.Namespace) -> None:
    th = p["theta"]
    sdp, data, st = theta_start(th["control_L"])
    rule = SigmaRule("adaptive", stop_iter=th["stop_iter"])
    res = run_admm(data, st, 1.0, th["control_max_iter"], tol=th["tol"], rule=rule)
    kkt = res.trace["kkt"]
    last = min(1000, res.n_iter - 1)
    rate = float((np.log10(kkt[-1 - last]) - np.log10(kkt[-1])) * 1000.0 / last)
    r = kkt_residuals(data, res.state)
    ref = clarabel_theta(sdp) if th["run_reference"] else None
    arrays = {f"control__{k}": v for k, v in res.trace.items()}
    fixed = run_fixed_control(p, data, st, arrays)
    write_npz(args.out_npz, arrays)
    write_json(
        args.out_json,
        {
            "instance": f"1dc.{sdp.n}",
            "n": sdp.n,
            "m": sdp.m,
            "n_iter": res.n_iter,
            "converged": res.converged,
            "final_sigma": res.sigma,
            "decades_per_1000_last": rate,
            "final": r,
            "reference": ref,
            "fixed_control": fixed,
        },
    )


def run_slow(p: dict, args: argparse.Namespace) -> None:
    th = p["theta"]
    sdp, data, st = theta_start(th["slow_L"])
    progress = Progress(2, f"1dc.{sdp.n}")
    rule = SigmaRule("adaptive", stop_iter=th["stop_iter"])
    res1 = run_admm(data, st, 1.0, th["adaptive_iters"], tol=th["tol"], rule=rule)
    progress.step(note=f"adaptive segment: {res1.n_iter} iterations, sigma {res1.sigma:.4g}")
    pca = PCAWindows(th["pca_window"], offset=res1.n_iter)
    avg = LastAverage(p["remedies"]["restart_window"])

    def record(k: int, old: ADMMState, new: ADMMState, sigma: float) -> None:
        pca(k, old, new, sigma)
        avg(k, old, new, sigma)

    res2 = run_admm(
        data,
        res1.state,
        res1.sigma,
        th["fixed_iters"],
        tol=th["tol"],
        prev_step=res1.last_step,
        callback=record,
    )
    progress.step(note=f"fixed segment: {res2.n_iter} iterations")
    angles, spikes = angle_stats(res2, th["angle_spike"])
    kkt2 = res2.trace["kkt"]
    stall = float((np.log10(kkt2[0]) - np.log10(kkt2[-1])) * 1000.0 / max(1, len(kkt2) - 1))
    arrays = {f"adaptive__{k}": v for k, v in res1.trace.items()}
    arrays.update({f"fixed__{k}": v for k, v in res2.trace.items()})
    arrays.update({f"pca__{k}": v for k, v in pca.as_dict().items()})
    arrays["fixed__spikes"] = spikes
    s = res2.state
    arrays.update(
        {
            "state__X": s.X,
            "state__S": s.S,
            "state__y": s.y,
            "state__Z": s.Z,
            "state__eigvals": s.eigvals,
            "state__sigma": np.array(res2.sigma),
            "state__Z_avg": avg.mean(),
        }
    )
    if res2.last_step is not None:
        arrays.update(
            {
                "state__dZ": res2.last_step[0],
                "state__dX": res2.last_step[1],
                "state__dS": res2.last_step[2],
            }
        )
    r = kkt_residuals(data, s)
    ref = clarabel_theta(sdp) if th["reference_slow"] else None
    write_npz(args.out_npz, arrays)
    write_json(
        args.out_json,
        {
            "instance": f"1dc.{sdp.n}",
            "n": sdp.n,
            "m": sdp.m,
            "adaptive_iters": res1.n_iter,
            "fixed_iters": res2.n_iter,
            "converged": bool(res1.converged or res2.converged),
            "sigma_fixed": res2.sigma,
            "kkt_adaptive": trace_summary(res1.trace["kkt"]),
            "kkt_fixed": trace_summary(kkt2),
            "stall_decades_per_1000": stall,
            "angles": {**angles, **floor_stats(res1, res2)},
            "pca": {
                **{k: v.tolist() for k, v in pca.as_dict().items()},
                "decades_per_1000": window_rates(kkt2, th["pca_window"]).tolist(),
                "window": th["pca_window"],
            },
            "final": r,
            "reference": ref,
        },
    )


def run_followups(p: dict, args: argparse.Namespace) -> None:
    th, rem = p["theta"], p["remedies"]
    a = read_npz(args.state)
    sdp, data, _ = theta_start(th["slow_L"])
    state = ADMMState(
        X=a["state__X"],
        S=a["state__S"],
        y=a["state__y"],
        Z=a["state__Z"],
        eigvals=a["state__eigvals"],
    )
    sigma = float(a["state__sigma"])
    prev = (a["state__dZ"], a["state__dX"], a["state__dS"]) if "state__dZ" in a else None
    n_it, floor = th["remedy_iters"], th["tol"]
    jobs = 4 + len(rem["perturb_seeds"]) + len(rem["sigma_factors_theta"])
    progress = Progress(jobs, f"followups 1dc.{sdp.n}")
    arrays: dict[str, np.ndarray] = {}

    # forward sigma sweep (study_sig_wave.m): sigma = sigma0 * ampl^(k / iters)
    sw = th["sweep"]
    sched = sigma * sw["ampl"] ** np.linspace(0.0, 1.0, sw["iters"])
    res = run_admm(
        data, state, sigma, sw["iters"], tol=-1.0, rule=SigmaRule("schedule", sched), prev_step=prev
    )
    tr = res.trace
    for k in ("sigma", "dx_norm", "ds_norm", "pinf", "dinf", "kkt"):
        arrays[f"sweep__{k}"] = tr[k]
    sweep = sweep_summary(tr)
    progress.step(note="sigma sweep")

    def cont(data_, st_, sig_) -> np.ndarray:
        return run_admm(data_, st_, sig_, n_it, tol=floor).trace["kkt"]

    base = cont(data, state, sigma)
    arrays["remedy_base__kkt"] = base
    b_last = final_kkt(base, floor)
    progress.step(note="baseline")
    pert = {}
    for seed in rem["perturb_seeds"]:
        kkt = cont(data, perturbed_state(state, sigma, rem["perturb_rel"], seed, sdp.m), sigma)
        arrays[f"remedy_perturb_{seed}__kkt"] = kkt
        pert[str(seed)] = float(np.log10(b_last) - np.log10(final_kkt(kkt, floor)))
        progress.step(note=f"perturbation seed {seed}")
    kkt = cont(data, state_from_z(a["state__Z_avg"], sigma, sdp.m), sigma)
    arrays["remedy_restart__kkt"] = kkt
    restart_gain = float(np.log10(b_last) - np.log10(final_kkt(kkt, floor)))
    progress.step(note="restart from the average")
    eps = rem["eps_rel"] * (1.0 + np.linalg.norm(sdp.C))
    kkt = cont(with_regulariser(data, eps), state, sigma)
    arrays["remedy_reg__kkt"] = kkt
    reg_gain = float(np.log10(b_last) - np.log10(final_kkt(kkt, floor)))
    progress.step(note="regulariser")
    sig_gain = {}
    for f in rem["sigma_factors_theta"]:
        kkt = cont(data, state, sigma * f)
        arrays[f"remedy_sigma_{f:g}__kkt"] = kkt
        sig_gain[f"{f:g}"] = float(np.log10(b_last) - np.log10(final_kkt(kkt, floor)))
        progress.step(note=f"sigma x {f:g}")
    write_npz(args.out_npz, arrays)
    write_json(
        args.out_json,
        {
            "instance": f"1dc.{sdp.n}",
            "sigma_start": sigma,
            "sweep": sweep,
            "remedy_iters": n_it,
            "baseline_final_kkt": b_last,
            "perturb_gain": pert,
            "restart_gain": restart_gain,
            "regulariser": {"eps": float(eps), "gain": reg_gain},
            "sigma_gain": sig_gain,
        },
    )


def run_escape(p: dict, args: argparse.Namespace) -> None:
    """1dc.128 with the code's start protocol at the paper's counts, one sigma-rule variant.

    generate_start_points.m (X = S = 0, sigma = 1, update_sig_1 for ``adaptive_iters``) then
    main_baseline.m (fixed sigma, ``fixed_iters``), tol 1e-10; ``--variant`` says which
    residuals update_sig_1 compares (SigmaRule.residuals). PCA windows and r_max rates of the
    fixed phase, for the escape claim (trapping-dimension-jumps-on-real-escape).
    """
    esc = p["theta"]["escape"]
    if args.variant not in esc["variants"]:
        raise ValueError(f"--variant {args.variant!r} is not one of {esc['variants']}")
    th = p["theta"]
    sdp, data, st = theta_start(esc["L"])
    progress = Progress(2, f"escape 1dc.{sdp.n} ({args.variant})")
    rule = SigmaRule("adaptive", stop_iter=th["stop_iter"], residuals=args.variant)
    r1 = run_admm(data, st, 1.0, esc["adaptive_iters"], tol=th["tol"], rule=rule)
    progress.step(note=f"adaptive: {r1.n_iter} iterations, sigma {r1.sigma:.4g}")
    pca = PCAWindows(esc["window"], offset=r1.n_iter)
    r2 = run_admm(
        data,
        r1.state,
        r1.sigma,
        esc["fixed_iters"] if not r1.converged else 0,
        tol=th["tol"],
        prev_step=r1.last_step,
        callback=pca,
    )
    progress.step(note=f"fixed: {r2.n_iter} iterations")
    arrays = {f"adaptive__{k}": r1.trace[k] for k in ("kkt", "sigma", "pinf", "dinf")}
    arrays.update({f"fixed__{k}": r2.trace[k] for k in ("kkt", "dz_norm", "angle_z")})
    kkt2 = r2.trace["kkt"]
    pca_d = {k: v.tolist() for k, v in pca.as_dict().items()}
    pca_d["decades_per_1000"] = window_rates(kkt2, esc["window"]).tolist() if len(kkt2) else []
    pca_d["window"] = esc["window"]
    write_npz(args.out_npz, arrays)
    write_json(
        args.out_json,
        {
            "instance": f"1dc.{sdp.n}",
            "variant": args.variant,
            "adaptive_iters": r1.n_iter,
            "adaptive_converged": r1.converged,
            "sigma_fixed": r1.sigma,
            "fixed_iters": r2.n_iter,
            "converged": bool(r1.converged or r2.converged),
            "kkt_adaptive": trace_summary(r1.trace["kkt"]),
            "kkt_fixed": trace_summary(kkt2) if len(kkt2) else None,
            "pca": pca_d,
        },
    )


def main() -> None:
    ap = compute_parser(__doc__)
    ap.add_argument("--part", required=True, choices=["control", "slow", "followups", "escape"])
    ap.add_argument("--state", help="slow-run npz (for --part followups)")
    ap.add_argument("--variant", help="residual units of update_sig_1 (for --part escape)")
    args = ap.parse_args()
    cpu_by_design(f"theta ({args.part})")
    p = params_of(args)
    if args.part == "escape":
        run_escape(p, args)
    elif args.part == "control":
        run_control(p, args)
    elif args.part == "slow":
        run_slow(p, args)
    else:
        if not args.state:
            raise ValueError("--part followups needs --state (the slow run's npz)")
        run_followups(p, args)


if __name__ == "__main__":
    main()
