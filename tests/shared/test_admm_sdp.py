"""Tests of shared.admm_sdp against exact dense answers and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from shared.admm_sdp import (
    SigmaRule,
    admm_step,
    angle,
    angle_floor,
    kkt_residuals,
    psd_project,
    run_admm,
    run_admm_batch,
    scale_sdp,
    scaled_residuals,
    sdp_from_matrices,
    smat,
    state_from_z,
    svec,
    update_sig_1,
)


def sym(rng: np.random.Generator, n: int) -> np.ndarray:
    G = rng.standard_normal((n, n))
    return 0.5 * (G + G.T)


def random_feasible_sdp(n: int, m: int, seed: int):
    """Strictly feasible primal and dual (X0, S0 > 0): bounded with an attained optimum."""
    rng = np.random.default_rng(seed)
    As = [sym(rng, n) for _ in range(m)]
    G = rng.standard_normal((n, n))
    X0 = G @ G.T / n + np.eye(n)
    G = rng.standard_normal((n, n))
    S0 = G @ G.T / n + np.eye(n)
    y0 = rng.standard_normal(m)
    b = np.array([np.sum(A * X0) for A in As])
    C = S0 + sum(y * A for y, A in zip(y0, As, strict=True))
    return sdp_from_matrices(C, As, b), As


# ------------------------------------------------------------------ svec, projection, angle
def test_svec_smat_roundtrip_and_inner_product():
    rng = np.random.default_rng(0)
    A, B = sym(rng, 5), sym(rng, 5)
    np.testing.assert_allclose(smat(svec(A)), A, atol=1e-15)
    assert svec(A) @ svec(B) == pytest.approx(np.trace(A @ B), rel=1e-13)
    # SDPT3 order: column-major upper triangle.
    M = np.array([[1.0, 2.0], [2.0, 3.0]])
    np.testing.assert_allclose(svec(M), [1.0, 2.0 * np.sqrt(2.0), 3.0])


def test_smat_rejects_bad_length():
    with pytest.raises(ValueError, match="n\\(n\\+1\\)/2"):
        smat(np.ones(4))


def test_psd_projection_matches_closed_form():
    # Pi_+(M) = (M + (M^2)^{1/2}) / 2, an oracle independent of the eigendecomposition.
    rng = np.random.default_rng(1)
    for n in (2, 6, 15):
        M = sym(rng, n)
        P, w = psd_project(M)
        ref = 0.5 * (M + np.real(sla.sqrtm(M @ M)))
        np.testing.assert_allclose(P, ref, atol=1e-10)
        assert np.linalg.eigvalsh(P).min() > -1e-12
        np.testing.assert_allclose(w, np.linalg.eigvalsh(M), atol=1e-12)
        # Moreau: M = Pi_+(M) - Pi_+(-M), orthogonal parts.
        Q, _ = psd_project(-M)
        np.testing.assert_allclose(P - Q, M, atol=1e-12)
        assert abs(np.sum(P * Q)) < 1e-10


def test_angle_matches_code_convention():
    assert angle(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(np.pi / 2)
    assert 0 < angle(np.array([1.0, 0.0]), np.array([1.0, 0.0])) < 1e-7  # cos clamped at 1 - 1e-16
    assert angle(np.array([1.0, 0.0]), np.array([-1.0, 0.0])) == pytest.approx(np.pi, abs=1e-7)


# ------------------------------------------------------------------ one step: exact identities
@pytest.mark.parametrize("scale", [False, True])
def test_residual_identities_hold_exactly(scale):
    sdp, _ = random_feasible_sdp(6, 5, seed=2)
    data = scale_sdp(sdp, scale=scale)
    rng = np.random.default_rng(3)
    sigma = 0.7
    st = state_from_z(svec(sym(rng, 6)), sigma, sdp.m)
    new = admm_step(data, st, sigma)
    # dual residual = dX / sigma; primal residual = sigma A dS (paper card 2.2)
    dual = data.At @ new.y + new.S - data.c
    np.testing.assert_allclose(dual, (new.X - st.X) / sigma, atol=1e-12)
    np.testing.assert_allclose(
        data.A @ new.X - data.b, sigma * (data.A @ (new.S - st.S)), atol=1e-12
    )
    # X, S psd and complementary; Z = X - sigma S
    Xm, Sm = smat(new.X), smat(new.S)
    assert np.linalg.eigvalsh(Xm).min() > -1e-12
    assert np.linalg.eigvalsh(Sm).min() > -1e-12
    assert abs(np.sum(Xm * Sm)) < 1e-10
    np.testing.assert_allclose(new.Z, new.X - sigma * new.S, atol=1e-14)


def test_step_equals_dense_z_form():
    # T(Z) = P_A Z + (I - 2 P_A) Pi_+(Z) + x0 - sigma (I - P_A) C   (paper card 2.2)
    sdp, _ = random_feasible_sdp(5, 4, seed=4)
    data = scale_sdp(sdp, scale=False)
    A = data.A.toarray()
    PA = A.T @ np.linalg.solve(A @ A.T, A)
    x0 = A.T @ np.linalg.solve(A @ A.T, data.b)
    Id = np.eye(PA.shape[0])
    rng = np.random.default_rng(5)
    sigma = 1.3
    Z = svec(sym(rng, 5))
    P, _ = psd_project(smat(Z))
    TZ = PA @ Z + (Id - 2 * PA) @ svec(P) + x0 - sigma * (Id - PA) @ data.c
    new = admm_step(data, state_from_z(Z, sigma, sdp.m), sigma)
    np.testing.assert_allclose(new.Z, TZ, atol=1e-12)


def test_trace_dual_residual_is_dx_over_sigma():
    sdp, _ = random_feasible_sdp(5, 4, seed=6)
    data = scale_sdp(sdp, scale=False)
    st = state_from_z(np.zeros(15), 1.0, sdp.m)
    res = run_admm(data, st, 0.5, 30, tol=-1.0)
    np.testing.assert_allclose(
        res.trace["dinf"] * data.normc_org, res.trace["dx_norm"] / 0.5, rtol=1e-10
    )


# ------------------------------------------------------------------ against cvxpy
@pytest.mark.parametrize("seed", [0, 1])
def test_admm_matches_clarabel_objective(seed):
    cp = pytest.importorskip("cvxpy")
    n, m = 6, 5
    sdp, As = random_feasible_sdp(n, m, seed=10 + seed)
    X = cp.Variable((n, n), symmetric=True)
    cons = [X >> 0] + [cp.trace(A @ X) == bi for A, bi in zip(As, sdp.b, strict=True)]
    prob = cp.Problem(cp.Minimize(cp.trace(sdp.C @ X)), cons)
    ref = prob.solve(solver=cp.CLARABEL)
    data = scale_sdp(sdp, scale=True)
    st = state_from_z(np.zeros(n * (n + 1) // 2), 1.0, m)
    res = run_admm(data, st, 1.0, 20000, tol=1e-10, rule=SigmaRule("adaptive"))
    assert res.converged
    r = kkt_residuals(data, res.state)
    assert r["kkt"] < 1e-10
    assert abs(r["pobj"] - ref) <= 1e-6 * (1 + abs(ref))


def test_scaling_does_not_change_the_solution():
    sdp, _ = random_feasible_sdp(5, 3, seed=20)
    vals = []
    for scale in (False, True):
        data = scale_sdp(sdp, scale=scale)
        st = state_from_z(np.zeros(15), 1.0, sdp.m)
        res = run_admm(data, st, 1.0, 20000, tol=1e-11)
        assert res.converged
        vals.append(kkt_residuals(data, res.state)["pobj"])
    assert vals[0] == pytest.approx(vals[1], rel=1e-8)


# ------------------------------------------------------------------ sigma rules
def test_update_sig_1_checkpoints_and_counters():
    # it = 51 is a checkpoint; 3 primal wins vs 0 dual wins -> sigma * 1.2, prim_win reset
    s, pw, dw = update_sig_1(51, 1.0, 2, 0, pinf=1e-3, dinf=1e-2)
    assert (s, pw, dw) == (pytest.approx(1.2), 0, 0)
    # it = 52 is not a checkpoint: only counting
    assert update_sig_1(52, 1.0, 5, 0, 1e-3, 1e-2) == (1.0, 6, 0)
    # dual wins: sigma / 1.2, dual_win reset, prim_win kept
    s, pw, dw = update_sig_1(201, 1.0, 1, 5, pinf=1.0, dinf=1e-3)
    assert (s, pw, dw) == (pytest.approx(1 / 1.2), 1, 0)
    # neither wins by the 1.35 margin: unchanged
    assert update_sig_1(301, 1.0, 10, 9, 1.0, 1.0) == (1.0, 10, 10)
    # bounds 1e-3, 1e3
    assert update_sig_1(1, 1e3, 5, 0, 0.1, 1.0)[0] == 1e3
    assert update_sig_1(1, 1e-3, 0, 5, 1.0, 0.1)[0] == 1e-3
    # after stop_iter nothing changes, not even the counters
    assert update_sig_1(20001, 1.0, 100, 0, 0.1, 1.0) == (1.0, 100, 0)
    # checkpoints in the later phases
    assert update_sig_1(1201, 1.0, 9, 0, 0.1, 1.0)[0] == pytest.approx(1.2)
    assert update_sig_1(1101, 1.0, 9, 0, 0.1, 1.0)[0] == 1.0
    assert update_sig_1(6001, 1.0, 9, 0, 0.1, 1.0)[0] == pytest.approx(1.2)


def test_schedule_rule_uses_given_sigmas():
    sdp, _ = random_feasible_sdp(4, 3, seed=30)
    data = scale_sdp(sdp, scale=False)
    sched = np.geomspace(1.0, 10.0, 12)
    res = run_admm(
        data,
        state_from_z(np.zeros(10), 1.0, 3),
        1.0,
        12,
        tol=-1.0,
        rule=SigmaRule("schedule", sched),
    )
    np.testing.assert_allclose(res.trace["sigma"], sched)


def test_bad_inputs_raise_clear_errors():
    sdp, _ = random_feasible_sdp(4, 3, seed=31)
    data = scale_sdp(sdp, scale=False)
    st = state_from_z(np.zeros(10), 1.0, 3)
    with pytest.raises(ValueError, match="sigma"):
        run_admm(data, st, -1.0, 5)
    with pytest.raises(ValueError, match="schedule"):
        run_admm(data, st, 1.0, 5, rule=SigmaRule("schedule", np.ones(3)))
    with pytest.raises(ValueError, match="kind"):
        SigmaRule("wave")
    with pytest.raises(ValueError, match="symmetric"):
        sdp_from_matrices(np.array([[0.0, 1.0], [0.0, 0.0]]), [np.eye(2)], [1.0])
    with pytest.raises(ValueError, match="length"):
        sdp_from_matrices(np.eye(2), [np.eye(2)], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"linearly dependent|singular"):
        scale_sdp(sdp_from_matrices(np.eye(2), [np.eye(2), 2 * np.eye(2)], [1.0, 2.0]))


def test_deterministic_and_callback_sees_every_step():
    sdp, _ = random_feasible_sdp(5, 4, seed=40)
    data = scale_sdp(sdp, scale=True)
    seen = []
    runs = [
        run_admm(
            data,
            state_from_z(np.zeros(15), 1.0, 4),
            1.0,
            50,
            tol=-1.0,
            rule=SigmaRule("adaptive"),
            callback=lambda k, o, n, s: seen.append(k),
        )
        for _ in range(2)
    ]
    for key in runs[0].trace:
        np.testing.assert_array_equal(runs[0].trace[key], runs[1].trace[key])
    assert seen == list(range(50)) * 2


# ------------------------------------------------------------------ batched starts
@pytest.mark.parametrize("scale", [False, True])
def test_batch_run_equals_looping_admm_step(scale):
    sdp, _ = random_feasible_sdp(5, 4, seed=50)
    data = scale_sdp(sdp, scale=scale)
    rng = np.random.default_rng(51)
    Z0 = np.array([svec(sym(rng, 5)) for _ in range(3)])
    sigma = 0.8
    run = run_admm_batch(data, Z0, sigma, 7)
    assert run.Z.shape == (8, 3, 15) and run.kkt.shape == (7, 3)
    for i in range(3):
        st = state_from_z(Z0[i], sigma, sdp.m)
        for k in range(7):
            st = admm_step(data, st, sigma)
            np.testing.assert_allclose(run.Z[k + 1, i], st.Z, atol=1e-12)
            assert run.kkt[k, i] == pytest.approx(kkt_residuals(data, st)["kkt"], rel=1e-9)


def test_batch_run_diagonal_aat_path_and_bad_inputs():
    # Diagonal A A^T (the theta SDPs' structure): tr X = 1 and X_12 = 0 on 3 x 3.
    E12 = np.zeros((3, 3))
    E12[0, 1] = E12[1, 0] = 1.0
    sdp = sdp_from_matrices(-np.ones((3, 3)), [np.eye(3), E12], [1.0, 0.0])
    data = scale_sdp(sdp, scale=True)
    Z0 = np.zeros((2, 6))
    Z0[1, 0] = 0.3
    run = run_admm_batch(data, Z0, 1.0, 5)
    st = state_from_z(Z0[1], 1.0, 2)
    for _ in range(5):
        st = admm_step(data, st, 1.0)
    np.testing.assert_allclose(run.Z[-1, 1], st.Z, atol=1e-12)
    with pytest.raises(ValueError, match="shape"):
        run_admm_batch(data, np.zeros(6), 1.0, 3)
    with pytest.raises(ValueError, match="sigma"):
        run_admm_batch(data, Z0, 0.0, 3)
    with pytest.raises(ValueError, match="n_iter"):
        run_admm_batch(data, Z0, 1.0, -1)


def test_angle_floor_is_what_get_ang_returns_for_parallel_steps():
    rng = np.random.default_rng(5)
    u = rng.standard_normal(6)
    for scale in (1e-4, 1e-8, 1e-10):
        a, b = scale * u, 3.0 * scale * u
        f = float(angle_floor(np.linalg.norm(a), np.linalg.norm(b)))
        assert f == pytest.approx(angle(a, b), rel=1e-6)
    # ~ sqrt(2e-16 (1/a + 1/b)): 2e-4 for two steps of norm 1e-8
    assert float(angle_floor(1e-8, 1e-8)) == pytest.approx(2e-4, rel=1e-3)
    # large steps: the clamp floor arccos(1 - 1e-16)
    assert float(angle_floor(1.0, 1.0)) == pytest.approx(np.arccos(1 - 1e-16), rel=1e-6)


def test_scaled_residual_units_of_the_adaptive_rule():
    sdp, _ = random_feasible_sdp(5, 4, seed=40)
    st = state_from_z(np.zeros(15), 1.0, 4)
    # unscaled data: the two readings coincide, and so do the runs
    raw = scale_sdp(sdp, scale=False)
    s1 = admm_step(raw, st, 1.0)
    r = kkt_residuals(raw, s1)
    assert scaled_residuals(raw, s1) == pytest.approx((r["pinf"], r["dinf"]), rel=1e-12)
    runs = [
        run_admm(raw, st, 1.0, 300, tol=-1.0, rule=SigmaRule("adaptive", residuals=u))
        for u in ("original", "scaled")
    ]
    np.testing.assert_array_equal(runs[0].trace["sigma"], runs[1].trace["sigma"])
    # scaled data: the rule reads different numbers (here the ratio changes)
    data = scale_sdp(sdp, scale=True)
    s1 = admm_step(data, st, 1.0)
    r = kkt_residuals(data, s1)
    ps, ds = scaled_residuals(data, s1)
    assert ps / ds != pytest.approx(r["pinf"] / r["dinf"], rel=1e-3)
    with pytest.raises(ValueError, match="residuals"):
        SigmaRule("adaptive", residuals="absolute")
