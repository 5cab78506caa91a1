"""Tests of the replication's instances, closed forms and diagnostics (quick)."""

from __future__ import annotations

import numpy as np
import pytest

from replications.admm_sdp_drift.experiments import (
    PCAWindows,
    log_slope,
    theta_start,
    window_decades,
    with_regulariser,
)
from replications.admm_sdp_drift.instances import (
    TOYS,
    coding_graph,
    face_sdp,
    make_toy,
    toy1,
    toy1_instant_phi,
)
from shared.admm_sdp import (
    ADMMState,
    SigmaRule,
    admm_step,
    kkt_residuals,
    run_admm,
    scale_sdp,
    smat,
    state_from_z,
    svec,
)


@pytest.mark.parametrize("name", TOYS)
def test_toy_kkt_point_is_a_fixed_point(name):
    toy = make_toy(name)
    data = scale_sdp(toy.sdp, scale=False)
    st = state_from_z(svec(toy.Zbar), toy.sigma, toy.sdp.m)
    new = admm_step(data, st, toy.sigma)
    np.testing.assert_allclose(new.Z, st.Z, atol=1e-12)
    r = kkt_residuals(data, new)
    assert r["kkt"] < 1e-12
    assert r["pobj"] == pytest.approx(toy.optimal_value, abs=1e-12)


@pytest.mark.parametrize("name", TOYS)
def test_closed_form_phi_x_phi_s_are_the_measured_block_drifts(name):
    # At sigma = 2 (the closed forms carry powers of sigma): after the transient, the ADMM
    # steps dX and dS match (t^2/2) phi_X and (t^2/2) phi_S, and not the whole drift phi_Z
    # (a wrong sigma power or a swapped block would miss by O(1)).
    from replications.admm_sdp_drift.experiments import expansion_run

    toy = make_toy(name, sigma=2.0)
    r = expansion_run(toy, 1e-4, 60)
    assert r["relerr_x"].min() < 1e-2 and r["relerr_s"].min() < 1e-2
    assert r["relerr"].min() < 1e-2
    assert r["relerr_x_as_z"].min() > 0.3 and r["relerr_s_as_z"].min() > 0.3


@pytest.mark.parametrize("name", TOYS)
def test_first_step_vanishes_to_first_order_on_the_cone(name):
    toy = make_toy(name)
    data = scale_sdp(toy.sdp, scale=False)
    norms = []
    for t in (1e-3, 1e-4):
        z0 = svec(toy.Zbar + t * toy.H)
        norms.append(np.linalg.norm(admm_step(data, state_from_z(z0, 1.0, toy.sdp.m), 1.0).Z - z0))
    # O(t^2): a factor 10 in t gives a factor 100 in the step
    assert norms[0] / norms[1] == pytest.approx(100.0, rel=0.02)


def test_toy1_second_difference_matches_phi():
    # toy1.m task I: the code's first logged difference is within ~2.5 t of (t^2/2) phi.
    toy = toy1()
    data = scale_sdp(toy.sdp, scale=False)
    t = 1e-4
    s0 = state_from_z(svec(toy.Zbar + t * toy.H), 1.0, 1)
    s1 = admm_step(data, s0, 1.0)
    s2 = admm_step(data, s1, 1.0)
    d = smat(s2.Z - s1.Z) / (0.5 * t * t)
    assert np.linalg.norm(d - toy.phi_Z) / np.linalg.norm(d) < 5 * t
    # the instantaneous map at Zbar + tH equals phi(Zbar; H) scaled by t^2
    np.testing.assert_allclose(toy1_instant_phi(toy.Zbar + t * toy.H, 1.0), t * t * toy.phi_Z)


def test_coding_graph_edge_counts():
    # 1dc.64 and 1dc.128 of the DIMACS challenge (m - 1 = 543, 1471); 1dc.1024: 24,063.
    assert len(coding_graph(6)) == 543
    assert len(coding_graph(7)) == 1471


@pytest.mark.slow
def test_coding_graph_1dc1024():
    assert len(coding_graph(10)) == 24063


def test_theta_sdp_structure():
    sdp, data, st = theta_start(5)
    assert sdp.m == len(coding_graph(5)) + 1
    AAt = (data.A @ data.A.T).toarray()
    np.testing.assert_allclose(AAt, np.diag(np.diag(AAt)))
    assert np.all(st.X == 0) and np.all(st.S == 0)


def test_face_sdp_is_optimal_by_construction():
    f = face_sdp(10, 3, 3, 4, seed=0)
    A = f.sdp.A.toarray()
    np.testing.assert_allclose(A @ svec(f.X_star), f.sdp.b, atol=1e-12)
    S = f.sdp.C - smat(A.T @ f.y_star)
    np.testing.assert_allclose(S, f.S_star, atol=1e-12)
    assert np.linalg.eigvalsh(f.X_star).min() > -1e-12
    assert np.linalg.eigvalsh(f.S_star).min() > -1e-12
    assert f.optimal_value == pytest.approx(f.sdp.b @ f.y_star, rel=1e-12)
    assert np.linalg.matrix_rank(f.X_star) + np.linalg.matrix_rank(f.S_star) == 10


def test_admm_reaches_face_optimum():
    f = face_sdp(10, 3, 3, 4, seed=1)
    data = scale_sdp(f.sdp, scale=True)
    st = state_from_z(np.zeros(55), 1.0, f.sdp.m)
    res = run_admm(data, st, 1.0, 20000, tol=1e-10, rule=SigmaRule("adaptive"))
    assert res.converged
    p = kkt_residuals(data, res.state)["pobj"]
    assert abs(p - f.optimal_value) <= 1e-7 * (1 + abs(f.optimal_value))


def test_regulariser_on_theta_is_a_shift_of_y0_only():
    # tr X = 1 is a constraint, so C + eps I = C + eps A_0: the (X, S) iteration is unchanged.
    _, data, st = theta_start(4)
    reg = with_regulariser(data, 0.1)
    a = run_admm(data, st, 1.0, 20, tol=-1.0)
    b = run_admm(reg, st, 1.0, 20, tol=-1.0)
    np.testing.assert_allclose(a.state.X, b.state.X, atol=1e-12)
    np.testing.assert_allclose(a.state.S, b.state.S, atol=1e-12)


def test_pca_windows_on_synthetic_drift():
    # iterates drifting along one line with tiny noise: top-1 ratio ~ 1, then a 3-D random walk.
    rng = np.random.default_rng(1)
    line = np.outer(np.arange(100), rng.standard_normal(20)) + 1e-6 * rng.standard_normal((100, 20))
    walk = np.cumsum(rng.standard_normal((100, 20)), axis=0)
    rows = np.vstack([line, walk])
    pca = PCAWindows(100)

    def state(z: np.ndarray) -> ADMMState:
        return ADMMState(X=z, S=z, y=z[:1], Z=z, eigvals=z)

    prev = state(np.zeros(20))
    for k, z in enumerate(rows):
        pca(k, prev, state(z), 1.0)
        prev = state(z)
    d = pca.as_dict()
    assert d["top1"][0] > 1 - 1e-9 and d["n999"][0] == 1
    assert d["top1"][1] < 0.99 and d["n999"][1] >= 3
    # steps along the line all point the same way: one direction (first step is from 0)
    assert d["step_top1"][0] > 0.98
    assert d["step_participation_ratio"][1] > 3


def test_small_helpers():
    assert log_slope([1, 10, 100], [2, 200, 20000]) == pytest.approx(2.0)
    np.testing.assert_allclose(window_decades(np.array([1.0, 0.1, 0.01]), 1), [1.0, 1.0])
    with pytest.raises(ValueError, match="not allowed"):
        make_toy("toy4")


# ------------------------------------------------------------------ toy geometry (III, V, VII)
def test_vector_field_points_lie_on_the_cone_plane():
    from replications.admm_sdp_drift.experiments import cone_plane_distance, toy1_vector_field

    f = toy1_vector_field(1e-2, sigma=1.0, n_a=3, n_b=4)
    P = f["points"]
    assert P.shape == (12, 3) and f["arrows"].shape == (12, 3)
    # (Z11, Z12, Z22) with Z12 the matrix entry: svec stores sqrt(2) Z12
    svec_pts = P * np.array([1.0, np.sqrt(2.0), 1.0])
    np.testing.assert_allclose(cone_plane_distance(svec_pts, 1.0), 0.0, atol=1e-15)
    # last point: a = 1, b = 1 -> (t^2/2) [[2, -4/3], [., 4/3]]
    np.testing.assert_allclose(f["arrows"][-1], 0.5e-4 * np.array([2.0, -4 / 3, 4 / 3]))


def test_off_cone_starts_and_first_step():
    from replications.admm_sdp_drift.experiments import toy1_off_cone_run

    t = 1e-3
    r = toy1_off_cone_run(t, 3)
    assert r["traj"].shape == (4, 64, 3)
    # start distance |t y + t z| / sqrt(2): largest for y = z = +-2
    assert r["dist0"].max() == pytest.approx(4 * t / np.sqrt(2), rel=1e-12)
    # the first-order part off the cone is removed by one step: O(t^2) left
    assert r["dist1"].max() < 10 * t * t


def test_code_angles_match_the_scalar_convention():
    from replications.admm_sdp_drift.experiments import code_angles
    from shared.admm_sdp import angle

    rng = np.random.default_rng(3)
    dZ = rng.standard_normal((5, 2, 6))
    A = code_angles(dZ)
    assert A.shape == (4, 2)
    for k in range(4):
        for b in range(2):
            assert A[k, b] == pytest.approx(angle(dZ[k, b], dZ[k + 1, b]), abs=1e-15)


def test_spike_grid_shapes_and_escape_windows():
    from replications.admm_sdp_drift.experiments import escape_dimension, toy3_spike_grid

    g = toy3_spike_grid(1e-4, 20, [1e-2, 1e-3], [1.5], spike_window=5)
    assert g["dz_norm"].shape == (20, 2, 1) and g["angle"].shape == (19, 2, 1)
    assert g["spikes"].dtype == bool
    e = escape_dimension(make_toy("toy1"), 1e-4, 30, 1e-2, 10, 1e-14)
    assert e["slow"]["n_iterates"] == 10 and e["escape"]["n_iterates"] == 10
    assert 0 < e["slow"]["top1"] <= 1 and e["slow"]["n999"] >= 1
    assert e["kkt"].shape == (60,)


def test_cached_reference_matches_the_generated_instance():
    import json
    from pathlib import Path

    ref = json.loads((Path(__file__).parents[1] / "reference" / "clarabel_1dc128.json").read_text())
    edges = coding_graph(7)
    assert ref["instance"] == "1dc.128" and ref["n"] == 128 and ref["m"] == len(edges) + 1
    assert ref["reference"]["status"] == "optimal"
    # theta(G) >= alpha(G) = 16 for 1dc.128 (Sloane's table): the value is -theta
    assert -ref["reference"]["value"] >= 16.0


@pytest.mark.slow
def test_cached_reference_is_what_the_reference_script_computes():
    """Re-solve 1dc.128 with Clarabel (minutes) and compare with the cached value (D7)."""
    import json
    from pathlib import Path

    from replications.admm_sdp_drift.experiments import clarabel_theta
    from replications.admm_sdp_drift.instances import theta_sdp

    path = Path(__file__).parents[1] / "reference" / "clarabel_1dc128.json"
    cached = json.loads(path.read_text())["reference"]["value"]
    fresh = clarabel_theta(theta_sdp(128, coding_graph(7)))
    # Interior-point tolerances (~1e-8 relative) bound the solver-version drift.
    assert fresh["value"] == pytest.approx(cached, rel=1e-6)


def test_last_average_keeps_the_last_window():
    from replications.admm_sdp_drift.experiments import LastAverage

    avg = LastAverage(3)
    Zs = [np.full(4, float(k)) for k in range(7)]
    for k in range(7):
        new = ADMMState(X=Zs[k], S=Zs[k], y=np.zeros(1), Z=Zs[k], eigvals=np.zeros(2))
        avg(k, new, new, 1.0)
    np.testing.assert_allclose(avg.mean(), np.full(4, 5.0))  # mean of 4, 5, 6
    with pytest.raises(ValueError, match="window"):
        LastAverage(0)
    with pytest.raises(ValueError, match="no iterate"):
        LastAverage(2).mean()


# ------------------------------------------------------------------ limit map, windows, floor
def test_kernel_direction_has_no_second_order_drift():
    from replications.admm_sdp_drift.experiments import kernel_drift_ratio
    from replications.admm_sdp_drift.instances import toy2

    t1 = make_toy("toy1")
    assert kernel_drift_ratio(t1, toy1(a=1.0, b=0.0).H, 1e-4, 20) < 1e-6
    assert kernel_drift_ratio(t1, t1.H, 1e-4, 20) > 0.5
    t2 = make_toy("toy2")
    assert kernel_drift_ratio(t2, toy2(h23=0.0).H, 1e-4, 20) < 1e-6


def test_homogeneity_of_the_drift_and_its_off_cone_control():
    from replications.admm_sdp_drift.experiments import homogeneity_run

    h = homogeneity_run(make_toy("toy1"), 1e-4, [0.5, 1.0, 2.0], k=5, seed=0)
    assert h["slope"] == pytest.approx(2.0, abs=0.02)
    assert h["off_cone_slope"] == pytest.approx(1.0, abs=0.02)


def test_window_rates_of_a_geometric_sequence():
    from replications.admm_sdp_drift.experiments import window_rates

    kkt = 10.0 ** (-np.arange(2500) / 1000.0)  # one decade per 1000 steps
    r = window_rates(kkt, 500)
    assert r.shape == (5,)
    np.testing.assert_allclose(r, 1.0, rtol=1e-12)
    assert window_rates(kkt[:499], 500).shape == (0,)


def test_trapped_windows_need_both_a_stall_and_a_low_dimension():
    from replications.admm_sdp_drift.experiments import longest_trapped_run

    rates = [0.1, 0.2, 2.0, 0.1, 0.1, 0.1, 0.3]
    top2 = [0.999, 0.999, 0.999, 0.999, 0.95, 0.999, 0.999]
    # windows 0-1 trapped, 2 converges, 4 is not low-dimensional: longest run is 5-6
    assert longest_trapped_run(rates, top2, 500) == 1000
    # a linearly converging run (the control) is low-dimensional but never trapped
    assert longest_trapped_run([0.85] * 10, [1.0] * 10, 500) == 0
    with pytest.raises(ValueError):
        longest_trapped_run([0.1], [0.99, 0.99], 500)


def test_find_escape_needs_a_slow_region_first():
    from replications.admm_sdp_drift.experiments import find_escape

    assert find_escape([0.1, 0.2, 1.5, 3.0]) == 2
    assert find_escape([0.1, 1.5, 0.1, 0.2, 0.3, 1.0]) == 5
    # steady linear convergence (no slow region) and a stall with no escape: none
    assert find_escape([2.0, 2.0, 2.0]) is None
    assert find_escape([0.0, 0.01, 0.02, 0.6, 0.9]) is None
