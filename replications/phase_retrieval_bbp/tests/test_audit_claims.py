"""Tests of the third session's additions: dense Hessian spectra, the plateau stop of the
dynamics, and the rules of the plateau, spectral-outlier and large-N claims (D8-D10)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from replications.phase_retrieval_bbp import analysis, model

A = 0.01


def _measure_module():
    path = Path(__file__).resolve().parents[1] / "scripts" / "measure_claims.py"
    spec = importlib.util.spec_from_file_location("pr_measure_claims_audit", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------------------------------------
# Dense Riemannian Hessian


def test_dense_hessian_is_the_operator_in_the_same_basis():
    inst = model.make_instances(20, 4.0, A, [1])
    w = model.random_sphere(20, [1])[0]
    op, mu_op = model.riemannian_hessian_operator(inst.X[0], inst.y[0], A, w)
    H, _u, mu = model.riemannian_hessian_dense(inst.X[0], inst.y[0], A, w)
    assert mu == pytest.approx(mu_op, rel=1e-12)
    assert H.shape == (19, 19)
    cols = np.column_stack([op.matvec(e) for e in np.eye(19)])
    np.testing.assert_allclose(H, cols, rtol=1e-9, atol=1e-8)


def test_dense_bottom_matches_lanczos_and_reports_overlaps():
    inst = model.make_instances(40, 5.0, A, [3])
    w = model.random_sphere(40, [3])[0]
    decoy = model.random_sphere(40, [3], offset=2_000_003)[0]
    d = model.dense_bottom_spectrum(inst.X[0], inst.y[0], A, w, inst.w_star[0], k=3, decoy=decoy)
    b = model.bottom_spectrum(
        inst.X[0], inst.y[0], A, w, inst.w_star[0], k=3, num_iter=39, tol=1e-11
    )
    np.testing.assert_allclose(d.eigenvalues, b.eigenvalues, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(d.overlaps, b.overlaps, atol=1e-6)
    # v_i is orthogonal to w, so |v.w*|/sqrt(N) = |v.w*_perp|/|w*_perp| * sqrt(1 - m^2).
    np.testing.assert_allclose(d.overlaps, d.overlaps_perp * np.sqrt(1 - d.m**2), rtol=1e-10)
    assert d.decoy_overlaps.shape == (3,) and np.all(d.decoy_overlaps <= 1.0)
    assert d.m == pytest.approx(float((w @ inst.w_star[0]).abs()) / 40)
    with pytest.raises(ValueError, match="k=40"):
        model.dense_bottom_spectrum(inst.X[0], inst.y[0], A, w, inst.w_star[0], k=40)


def test_decoy_overlap_is_the_overlap_with_the_decoy_direction():
    inst = model.make_instances(30, 3.0, A, [0])
    w = model.random_sphere(30, [0])[0]
    # Using w* itself as the decoy must reproduce the signal overlaps.
    d = model.dense_bottom_spectrum(
        inst.X[0], inst.y[0], A, w, inst.w_star[0], k=2, decoy=inst.w_star[0]
    )
    np.testing.assert_allclose(d.decoy_overlaps, d.overlaps, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Plateau stop of the dynamics


def test_plateau_checks_that_never_fire_leave_the_trajectory_unchanged():
    inst = model.make_instances(24, 4.0, A, [0, 1])
    w0 = model.random_sphere(24, [0, 1])
    kw = {"t_max": 2.0, "m_success": 2.0, "stall_window": 1e9, "record_times": (0.5, 2.0)}
    ref = model.run_dynamics(inst, w0, **kw)
    # rtol = atol = 0 and a still-moving loss: the checks run but never stop a run.
    res = model.run_dynamics(
        inst, w0, plateau_times=(0.5, 1.0, 2.0), plateau_rtol=0.0, plateau_atol=0.0, **kw
    )
    assert torch.equal(ref.record_w, res.record_w) and ref.n_steps == res.n_steps
    assert list(res.status) == ["timeout", "timeout"]


def test_plateau_stops_a_frozen_constrained_run_at_a_checkpoint():
    inst = model.make_instances(16, 4.0, A, [2])
    w0 = model.random_sphere(16, [2])
    cps = (5.0, 10.0, 20.0, 40.0, 80.0)
    res = model.run_dynamics(
        inst,
        w0,
        t_max=80.0,
        t_constrained=80.0,
        m_success=2.0,
        stall_window=1e9,
        record_times=cps,
        plateau_times=cps,
        plateau_rtol=1e-6,
        plateau_atol=1e-12,
    )
    assert res.status[0] == "plateau"
    k = analysis.stop_checkpoint(list(cps), float(res.t_final[0]), "plateau")
    assert cps[k] <= res.t_final[0] < cps[k] + 0.05
    # The loss at the stop and at the previous checkpoint agree to the rule's tolerance.
    losses = [float(model.loss(inst.X[0], inst.y[0], A, w) / 16) for w in res.record_w[:, 0]]
    assert abs(losses[k] - losses[k - 1]) <= 1e-6 * losses[k] + 1e-12
    # Records after the stop repeat the final point.
    assert torch.equal(res.record_w[-1, 0], res.w_final[0])


# ---------------------------------------------------------------------------------------------
# Rules (analysis.py)


def test_spectral_outlier_and_bracket():
    assert analysis.spectral_outlier(-2.0, -0.5)
    assert not analysis.spectral_outlier(-0.2, 0.5)  # gap 0.7 < 1
    assert not analysis.spectral_outlier(0.1, 2.0)  # not negative
    assert analysis.bracket({2.5: True, 3.0: True, 4.0: False, 5.0: False}, 2.85) == (3.0, 4.0)
    assert analysis.bracket({2.5: False, 3.0: False}, 2.85) == (2.85, 3.0)
    assert analysis.bracket({2.5: True, 3.0: True}, 2.85) == (3.0, None)  # open


def test_stop_checkpoint_and_late_window():
    cps = [10.0, 20.0, 40.0, 80.0]
    assert analysis.stop_checkpoint(cps, 40.003, "plateau") == 2
    assert analysis.stop_checkpoint(cps, 80.0, "timeout") == 3
    with pytest.raises(ValueError):
        analysis.stop_checkpoint(cps, 10.0, "plateau")  # no previous checkpoint
    t_req = [0.0, 1.0, 10.0, 20.0, 40.0, 80.0]
    vals = [0.9, 0.8, 0.5, 0.4, 0.3, 0.3]
    assert analysis.late_window(t_req, vals, cps, 2) == [0.4, 0.3]
    assert analysis.log_log_slope([200, 400, 800], [0.4, 0.2, 0.1]) == pytest.approx(-1.0)
    assert np.isnan(analysis.log_log_slope([200], [0.4]))


def test_outlier_loss_time_cases():
    t = [0.0, 0.1, 1.0, 10.0, 20.0]
    n = 400  # ceiling 3/sqrt(400) = 0.15
    lost = analysis.outlier_loss_time(t, [0.6, 0.5, 0.1, 0.05, 0.02], [0.0] * 5, n, 20.0)
    assert lost["lost"] and lost["t_bbp"] == 1.0 and not lost["escaped_first"]
    # A dip that comes back is not a loss.
    back = analysis.outlier_loss_time(t, [0.6, 0.1, 0.5, 0.4, 0.4], [0.0] * 5, n, 20.0)
    assert not back["lost"] and back["t_bbp"] is None and not back["escaped_first"]
    # Escape (|m| >= 0.5) before any loss: undecidable on this run.
    esc = analysis.outlier_loss_time(t, [0.6, 0.5, 0.4, 0.0, 0.0], [0.01, 0.1, 0.7, 1, 1], n, 20.0)
    assert esc["escaped_first"] and esc["t_escape"] == 1.0 and not esc["lost"]
    # Records after the stop checkpoint do not count.
    cut = analysis.outlier_loss_time(t, [0.6, 0.5, 0.4, 0.1, 0.1], [0.0] * 5, n, 1.0)
    assert not cut["lost"]


# ---------------------------------------------------------------------------------------------
# Measurements of the new claims (measure_claims.py) on synthetic inputs


def _run(alpha, init, n, overlaps, lam1, status="plateau", m=None, t_final=40.0):
    t_req = [0.0, 1.0, 10.0, 20.0, 40.0]
    m = m or [0.0] * len(t_req)
    seeds = []
    for s, (ov, l1) in enumerate(zip(overlaps, lam1, strict=True)):
        seeds.append(
            {
                "seed": s,
                "status": status,
                "t_final": t_final,
                "t": t_req,
                "lambda": [[l1, l1 + 0.5]] * len(t_req),
                "overlap": [[o] for o in ov],
                "overlap_perp": [[o] for o in ov],
                "m": m,
                "loss": [1.0] * len(t_req),
            }
        )
    return {
        "alpha": alpha,
        "init": init,
        "n": n,
        "checkpoints": [10.0, 20.0, 40.0],
        "t_req": t_req,
        "seeds": seeds,
    }


def test_plateau_claims_floor_test_flags_and_controls():
    mc = _measure_module()
    lost4 = [0.5, 0.3, 0.05, 0.01, 0.01]  # at the floor late
    kept = [0.8, 0.8, 0.8, 0.8, 0.8]
    pl = {
        "ns": [100, 400],
        "seeds": [0, 1],
        "runs": {
            "constrained_a4": {
                str(n): _run(4.0, "constrained", n, [lost4, lost4], [0.01, -0.05])
                for n in (100, 400)
            },
            "constrained_a6": {
                str(n): _run(6.0, "constrained", n, [kept, kept], [-3.0, -3.0]) for n in (100, 400)
            },
            "random_a4": {
                str(n): _run(4.0, "random", n, [kept, kept], [7.0, 7.0], m=[0.0, 0.2, 0.9, 1, 1])
                for n in (100, 400)
            },
        },
    }
    out = mc.plateau_claims(pl)
    lost = out["time-bbp-outlier-lost-plateau"]
    assert lost["value"] == pytest.approx(0.01 * 20)  # sqrt(400) * late overlap
    assert lost["flags"] == {"no_plateau": False, "decaying_above_floor": False}
    assert lost["control"]["value"] == pytest.approx(0.8 * 20)
    marg = out["time-bbp-trapped-marginal-plateau"]
    assert marg["value"] == [0.01, -0.05, 0.01, -0.05]
    assert marg["flags"]["outlier_not_lost"] == [False] * 4
    assert marg["control"]["value"] == [7.0] * 4
    assert marg["control"]["flags"]["outlier_not_lost"] == [False] * 4  # escaped: |m| >= 0.5
    rs = out["random-start-outlier-loss-time"]
    assert rs["value"] == [False] * 4 and rs["flags"]["escaped_first"] == [True] * 4
    assert rs["control"]["value"] == [False] * 4
    assert rs["control"]["flags"]["escaped_first"] == [False] * 4
    # A late overlap above the floor that halves from N = 100 to 400 is 'decaying above floor'.
    for n, o in ((100, 0.4), (400, 0.2)):
        for rec in pl["runs"]["constrained_a4"][str(n)]["seeds"]:
            rec["overlap"] = [[o]] * 5
    lost = mc.plateau_claims(pl)["time-bbp-outlier-lost-plateau"]
    assert lost["value"] == pytest.approx(4.0)
    assert lost["flags"]["decaying_above_floor"]
    # A run stopped by the time cap sets no_plateau.
    pl["runs"]["constrained_a4"]["400"]["seeds"][0]["status"] = "timeout"
    lost = mc.plateau_claims(pl)["time-bbp-outlier-lost-plateau"]
    assert lost["flags"]["no_plateau"]


def test_large_n_claims_and_decoy_control():
    mc = _measure_module()
    theory = {
        "thresholds": {repr(A): {"alpha_bbp_init": 2.85}, repr(0.1): {"alpha_bbp_init": 2.17}},
        "predictions": {
            repr(A): [
                {"alpha": al, "overlap2": ov, "edge": -10.0, "outlier": -10.0 - g}
                for al, ov, g in [
                    (2.0, 0.0, 0.0),
                    (3.0, 0.0, 0.0),
                    (4.0, 0.4, 1.0),
                    (5.0, 0.6, 4.0),
                ]
            ],
            repr(0.1): [{"alpha": 4.0, "overlap2": 0.35}],
        },
    }

    def row(n, a, al, ov, ev=(-14.0, -10.0, -9.9)):
        return {
            "n": n,
            "a": a,
            "alpha": al,
            "overlap2": [ov],
            "decoy_overlap2": [0.001],
            "eigenvalues": list(ev),
        }

    rows = []
    for n in (256, 1000):
        rows += [
            row(n, A, 2.0, 0.02),
            row(n, A, 3.0, 0.2),
            row(n, A, 4.0, 0.45),
            row(n, A, 5.0, 0.6),
        ]
    rows.append(row(1000, 0.1, 4.0, 0.3))
    dense = {"a_default": A, "claims_n": 1000, "ns": [256, 1000], "seeds": [0], "rows": rows}
    out = mc.large_n_claims(theory, dense)
    ov = out["t0-overlap-matches-theory-large-n"]
    assert ov["value"] == pytest.approx([0.05, 0.0])
    assert ov["control"]["value"] == pytest.approx([0.399, 0.599])
    assert out["t0-no-outlier-below-threshold-large-n"]["value"] == [0.02]
    assert out["t0-no-outlier-below-threshold-large-n"]["control"]["value"] == [0.6]
    # Crossing of 0.1 between alpha = 2 (0.02) and 3 (0.2).
    assert out["t0-transition-location-large-n"]["value"] == pytest.approx(2.0 + 0.08 / 0.18)
    gap = out["t0-gap-matches-theory-large-n"]
    assert gap["value"] == pytest.approx([0.0])  # gap 4 = theory 4 at alpha = 5
    assert gap["control"]["value"] == pytest.approx([abs(0.1 - 4.0) / 4.0])
    assert out["t0-overlap-other-a-large-n"]["value"] == pytest.approx([0.05])


def test_ts_brackets_spectral_rule_and_t0_control():
    mc = _measure_module()

    def rec(alpha, seed, lam_t0, lam_end, ov=(0.5, 0.2)):
        return {
            "alpha": alpha,
            "seed": seed,
            "t": [0.0, 20.0],
            "overlap": [[ov[0], 0.1], [ov[1], 0.1]],
            "lambda": [list(lam_t0), list(lam_end)],
        }

    th = {"runs": {}}
    rows = []
    for s in range(3):
        rows.append(rec(3.0, s, (-300.0, -298.0), (-0.3, 0.2)))  # t = 20: gap 0.5, no outlier
        rows.append(rec(5.0, s, (-400.0, -395.0), (-2.0, 0.5)))  # t = 20: outlier
    ts = {"t_ts": 20.0, "n": 50, "a": A, "seeds": [0, 1, 2], "rows": rows}
    out = mc.ts_bracket_claim(th, ts, 2.85)
    sp = out["alpha-ts-above-alpha-init-spectral"]
    assert sp["value"] == 3.0 and sp["details"]["alpha_ts_bracket"] == [3.0, 5.0]
    assert sp["flags"] == {"bracket_open": False}
    # At t = 0 every alpha has a separated negative bottom: nothing lost, fallback 2.85.
    assert sp["control"]["value"] == 2.85 and sp["control"]["flags"] == {"bracket_open": False}
    states = mc.threshold_states(th, ts)
    assert len(states) == 3 and all(x["alpha"] == 5.0 for x in states)
    assert states[0]["lambda"] == [-2.0, 0.5]
