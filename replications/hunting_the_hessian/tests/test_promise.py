"""Tests of part 1's paper-specific code (problems, experiments helpers, metrics)."""

from __future__ import annotations

import numpy as np
import pytest

from replications.hunting_the_hessian.promise_experiments import (
    _kappa_and_bound,
    naive_nystrom,
    theorem_sketch_size,
)
from replications.hunting_the_hessian.promise_metrics import (
    linear_phase_r2,
    profile,
    share_solved,
    tuning_cost,
)
from replications.hunting_the_hessian.promise_preconditioners import (
    frequency_spread,
    preconditioner_experiment,
    rank_growth,
    slbfgs_comparison,
    solved_counts,
)
from replications.hunting_the_hessian.promise_problems import (
    model_spectrum,
    random_features_regression,
    sketch_test_matrix,
    sklearn_glm,
    synthetic_glm,
)
from replications.hunting_the_hessian.promise_sketchysgd import _top_ratio, sketchysgd_experiment
from replications.hunting_the_hessian.promise_streaming import StreamingRFLogistic, higgs_like


def test_sketch_test_matrices_have_the_published_spectra():
    rng = np.random.default_rng(0)
    A = sketch_test_matrix("poly", 2.0, 20, 3, rng)
    np.testing.assert_allclose(np.diag(A)[:5], [1, 1, 1, 2.0**-2, 3.0**-2])
    A = sketch_test_matrix("exp", 0.5, 20, 2, rng)
    np.testing.assert_allclose(np.diag(A)[:4], [1, 1, 10**-0.5, 10**-1.0])
    A = sketch_test_matrix("lowrank_noise", 1e-2, 30, 5, rng)
    assert np.allclose(A, A.T) and np.linalg.eigvalsh(A)[0] >= 0
    with pytest.raises(ValueError, match="kind"):
        sketch_test_matrix("flat", 1.0, 5, 1, rng)


def test_theorem_sketch_size_and_model_spectra():
    assert theorem_sketch_size(10.0, 1000) == 31
    assert theorem_sketch_size(10.2, 1000) == 2 * 16 + 1
    assert theorem_sketch_size(900.0, 1000) == 1000
    np.testing.assert_allclose(model_spectrum("power", 2.0, 3), [1, 0.25, 1 / 9])
    np.testing.assert_allclose(model_spectrum("exponential", 10.0, 2), [1, np.exp(-0.1)])


def test_kappa_never_exceeds_the_deterministic_bound():
    lam = model_spectrum("power", 2.0, 120)
    rng = np.random.default_rng(1)
    for ell in (5, 20, 60):
        kappa, bound = _kappa_and_bound(lam, 1e-3, ell, rng)
        assert 1.0 <= kappa <= bound * (1 + 1e-8)


def test_naive_nystrom_is_exact_on_an_easy_low_rank_matrix():
    rng = np.random.default_rng(2)
    G = rng.standard_normal((40, 3))
    A = G @ G.T
    np.testing.assert_allclose(naive_nystrom(A, 6, rng), A, atol=1e-8)


def test_problems_are_normalised_and_deterministic():
    a = synthetic_glm("logistic", 200, 10, 2.0, 1e-2, np.random.default_rng(3))
    b = synthetic_glm("logistic", 200, 10, 2.0, 1e-2, np.random.default_rng(3))
    np.testing.assert_array_equal(a.A, b.A)
    np.testing.assert_allclose(np.linalg.norm(a.A, axis=1), 1.0)
    assert set(np.unique(a.b)) <= {-1.0, 1.0} and a.mu == pytest.approx(5e-5)
    prob = sklearn_glm("breast_cancer", "logistic", 1e-2)
    assert prob.n == 569 and prob.dim == 30
    Phi, y = random_features_regression(300, 5, 40, np.random.default_rng(4))
    assert Phi.shape == (300, 40) and abs(y.mean()) < 1e-12
    assert np.abs(Phi).max() <= np.sqrt(2 / 40) + 1e-15


def _fake_suite():
    def sk(solved, passes=(0.0, 2.0, 4.0, 6.0, 8.0), subopt=(1, 1e-3, 1e-5, 1e-7, 1e-9)):
        return {"solved_at": solved, "passes": list(passes), "subopt": list(subopt)}

    def grid(solved, used, best=0):
        runs = [{"step": float(i), "passes_used": u} for i, u in enumerate(used)]
        return {"solved_at": solved, "runs": runs, "best_step": float(best)}

    problems = {
        "p1": {
            "loss": "ridge",
            "sketchy": {
                "sketchy_svrg": sk(4.0),
                "sketchy_saga": sk(None),
                "sketchy_katyusha": sk(10.0),
            },
            "grid": {
                "svrg": grid(None, [200, 50]),
                "saga": grid(3.0, [3, 200]),
                "l_katyusha": grid(20.0, [20, 40], best=1),
            },
        },
        "p2": {
            "loss": "ridge",
            "sketchy": {
                "sketchy_svrg": sk(6.0, subopt=(1, 1, 1, 1, 1)),
                "sketchy_saga": sk(5.0),
                "sketchy_katyusha": sk(None),
            },
            "grid": {
                "svrg": grid(None, [200]),
                "saga": grid(None, [200]),
                "l_katyusha": grid(None, [200]),
            },
        },
    }
    return {"problems": problems, "max_passes": 200, "tol": 1e-4}


def test_metrics_on_a_hand_made_suite():
    suite = _fake_suite()
    s = share_solved(suite, "ridge")
    assert s["n_problems"] == 2
    assert s["solved"] == {
        "sketchy_svrg": 2,
        "sketchy_saga": 1,
        "sketchy_katyusha": 1,
        "svrg": 0,
        "saga": 1,
        "l_katyusha": 1,
    }
    prof = profile(suite, "ridge", np.array([0.0, 4.0, 10.0]))
    np.testing.assert_allclose(prof["sketchy_svrg"], [0, 0.5, 1.0])
    r2 = linear_phase_r2(suite, 1e-9, 1e-2)
    assert r2["p1"] == pytest.approx(1.0) and r2["p2"] == 0.0
    cost = tuning_cost(suite)["ridge"]
    assert cost["grid_passes"] == 200 + 50 + 3 + 200 + 20 + 40 + 600
    assert cost["default_passes"] == 4 + 200 + 10 + 6 + 5 + 200
    # Control: only the best grid step of each baseline (no search).
    assert cost["best_only_passes"] == 200 + 3 + 40 + 200 + 200 + 200
    assert cost["best_only_ratio"] == pytest.approx(843 / 425)


def test_pinn_residual_derivative_matches_finite_differences():
    torch = pytest.importorskip("torch")
    from replications.hunting_the_hessian.promise_pinn import ReactionPINN, exact_solution

    model = ReactionPINN([2, 6, 6, 1], 5.0, n_x=4, n_t=3, n_ic=4, n_bc=3)
    theta = model.init_params(0)
    pts = torch.tensor([[0.7, 0.3], [2.0, 0.8], [5.5, 0.1]], dtype=torch.float64)
    r = model.residual(theta, pts).detach().numpy()
    h = 1e-6
    up = model.u(theta, pts + torch.tensor([0.0, h])).detach().numpy()
    um = model.u(theta, pts - torch.tensor([0.0, h])).detach().numpy()
    u = model.u(theta, pts).detach().numpy()
    np.testing.assert_allclose(r, (up - um) / (2 * h) - 5.0 * u * (1 - u), rtol=1e-6, atol=1e-8)
    # The exact solution satisfies u_t = rho u (1 - u) (finite differences in t).
    x, t = np.array([1.0, 3.0]), np.array([0.2, 0.7])
    ut = (exact_solution(x, t + h, 5.0) - exact_solution(x, t - h, 5.0)) / (2 * h)
    ue = exact_solution(x, t, 5.0)
    np.testing.assert_allclose(ut, 5.0 * ue * (1 - ue), rtol=1e-6)
    assert model.n_params == 2 * 6 + 6 + 6 * 6 + 6 + 6 + 1
    assert np.isfinite(model.loss(theta).item())


# ---- SketchySGD (S1-S3), preconditioners and sensitivity (R2/R3, R5) --------------------------


def _tiny_suite():
    return {
        "seed": 5,
        "n": 256,
        "p": 8,
        "decays": [2.0],
        "sklearn": {"ridge": [], "logistic": []},
        "mu_unscaled": 1e-2,
        "tol": 1e-4,
        "max_passes": 6,
    }


def test_sketchysgd_experiment_on_a_tiny_testbed():
    params = {
        "seeds": [1, 2],
        "max_passes": 4,
        "kappa_min": 1e3,
        "sketchy": {"rank": 3, "rho": 1e-3, "batch_size": 32},
        "grid_points": 3,
        "grids": {"ridge": [1e-2, 1.0], "logistic": [4e-2, 4.0]},
        "curve_problems": ["ridge_a2.0"],
        "ball": {"problem": "ridge_a2.0", "batch_sizes": [16, 64], "iterations": 40},
        "spectra": {"seed": 3, "n": 128, "p": 12, "decays": [0.0, 3.0], "top": 10},
    }
    out = sketchysgd_experiment(params, _tiny_suite())
    for rec in out["comparison"]["problems"].values():
        medians = [g["median"] for g in rec["sgd_grid"]]
        assert rec["sgd_best"]["median"] == min(medians)
        assert len(rec["sketchy_sgd"]["final"]) == 2
    assert set(out["ball"]["runs"]) == {"b16", "b64"}
    assert out["ball"]["runs"]["b16"]["iterations_per_epoch"] == 16
    for c in out["spectra"]["cases"]:
        # eigenvalues of H + mu I are >= mu; the reduction is the ratio of the two top ratios
        assert min(c["eig_h"]) > 0 and c["reduction"] == pytest.approx(
            c["ratio_h"] / c["ratio_pre"]
        )
    assert _top_ratio(np.array([1.0, 4.0, 2.0, 0.5]), 3) == pytest.approx(4.0)
    assert _top_ratio(np.array([1.0, 4.0]), 10) == pytest.approx(4.0)


def test_preconditioner_experiment_and_its_summaries():
    params = {
        "seed": 1,
        "methods": ["sketchy_saga"],
        "preconditioners": ["nyssn", "diagssn"],
        "sketchy": {"rank": 3, "rho": 1e-3, "batch_size": 32},
        "sensitivity": {
            "method": "sketchy_saga",
            "problems": ["logistic_a2.0"],
            "ranks": [1, 4],
            "update_epochs": [1, None],
        },
        "slbfgs": {
            "memory": 3,
            "grid_points": 2,
            "grids": {"ridge": [1e-2, 0.1], "logistic": [0.1, 1]},
        },
    }
    out = preconditioner_experiment(params, _tiny_suite())
    sl = slbfgs_comparison(out)
    assert sl["ridge"]["n"] == 1 and set(sl["ridge"]) == {"slbfgs", "n", "sketchy_saga"}
    assert len(out["slbfgs"]["logistic_a2.0"]["runs"]) == 2
    counts = solved_counts(out)
    assert counts["ridge"]["sketchy_saga"]["nyssn"][1] == 1
    assert len(out["sensitivity"]) == 4
    never = [r for r in out["sensitivity"] if r["update_epochs"] is None]
    assert all(r["n_precond_updates"] == 1 for r in never)


def test_sensitivity_summaries_handle_unsolved_runs():
    rows = [
        {"problem": "p", "rank": 1, "update_epochs": 1, "passes": None},
        {"problem": "p", "rank": 1, "update_epochs": None, "passes": None},
        {"problem": "p", "rank": 2, "update_epochs": 1, "passes": 40.0},
        {"problem": "p", "rank": 2, "update_epochs": None, "passes": None},
        {"problem": "p", "rank": 4, "update_epochs": 1, "passes": 10.0},
        {"problem": "p", "rank": 4, "update_epochs": None, "passes": 30.0},
    ]
    res = {"sensitivity": rows}
    assert frequency_spread(res) == {"p r=1": 1.0, "p r=2": float("inf"), "p r=4": 3.0}
    # rank 1 -> 2: unsolved -> solved is an improvement (0), both unsolved is 1
    assert rank_growth(res) == {"p update 1 ep": 0.25, "p update never": 1.0}
    rows[4]["passes"] = 50.0
    assert rank_growth(res)["p update 1 ep"] == pytest.approx(1.25)
    profiles = {
        "a": {"loss": "ridge", "m": {"nyssn": 3.0, "ssn": None}},
        "b": {"loss": "ridge", "m": {"nyssn": None, "ssn": 4.0}},
    }
    assert solved_counts({"profiles": profiles}) == {
        "ridge": {"m": {"nyssn": [1, 2], "ssn": [1, 2]}}
    }


def test_streaming_problem_matches_the_stored_glm():
    from shared.sketchy import GLM

    rng = np.random.default_rng(11)
    prob, _, yt = higgs_like(300, 50, 5, 20, 1e-2, rng)
    stream = StreamingRFLogistic(prob.X, prob.y, prob.W, prob.u, prob.mu, chunk=64)
    dense = GLM(stream.features(slice(None)), prob.y, prob.mu, "logistic")
    w = rng.standard_normal(20)
    idx = rng.choice(300, 40, replace=False)
    assert stream.value(w) == pytest.approx(dense.value(w), rel=1e-12)
    np.testing.assert_allclose(stream.full_grad(w), dense.full_grad(w), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(stream.grad_batch(w, idx), dense.grad_batch(w, idx), rtol=1e-12)
    np.testing.assert_allclose(
        stream.hessian_factor(w, idx), dense.hessian_factor(w, idx), rtol=1e-12
    )
    np.testing.assert_allclose(
        stream.hessian_batch(w, idx) @ np.eye(20), dense.hessian_batch(w, idx) @ np.eye(20)
    )
    z = dense.A @ w
    assert stream.accuracy(w, prob.X, prob.y) == pytest.approx(
        100 * np.mean(np.where(z >= 0, 1, -1) == prob.y)
    )
    assert set(np.unique(yt)) <= {-1.0, 1.0}


def test_standard_truncation_closed_form_and_exactness():
    from replications.hunting_the_hessian.promise_experiments import standard_truncation

    rng = np.random.default_rng(13)
    G = rng.standard_normal((30, 3))
    A = G @ G.T  # rank 3: the truncated core keeps everything, so A is recovered exactly
    Omega, _ = np.linalg.qr(rng.standard_normal((30, 8)))
    Y = A @ Omega
    np.testing.assert_allclose(standard_truncation(Omega, Y, 3), A, atol=1e-9)
    # Full-rank case against the formula Y [[C]]_r^+ Y^T with a dense pseudo-inverse.
    M = rng.standard_normal((30, 30))
    A = M @ M.T
    Y = A @ Omega
    C = Omega.T @ Y
    w, V = np.linalg.eigh((C + C.T) / 2)
    Cr = (V[:, -2:] * w[-2:]) @ V[:, -2:].T
    expected = Y @ np.linalg.pinv(Cr, rcond=1e-12, hermitian=True) @ Y.T
    np.testing.assert_allclose(standard_truncation(Omega, Y, 2), expected, rtol=1e-8, atol=1e-8)
