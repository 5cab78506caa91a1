"""Tests of part 1's audit additions: controls, block costs, the rate and regularity checks, and
the ledger rules registered for them (each test pins a behaviour a verdict depends on)."""

from __future__ import annotations

import numpy as np
import pytest

from replications._workflow.validation import REPO_ROOT, load_ledger, load_params
from replications.hunting_the_hessian.promise_experiments import (
    naive_nystrom,
    naive_properties_ok,
    naive_vs_stable,
)
from replications.hunting_the_hessian.promise_metrics import (
    adaptive_block_cost,
    block_cost,
    curve_r2,
    phase_r2,
)
from replications.hunting_the_hessian.promise_preconditioners import rank_growth, rank_spread
from replications.hunting_the_hessian.promise_problems import (
    random_features_regression,
    sketch_test_matrix,
    synthetic_glm,
)
from replications.hunting_the_hessian.promise_rate import (
    auto_svrg_step,
    cluster_ridge_pair,
    cluster_spectrum,
    log_slope,
    rate_pairs,
)
from replications.hunting_the_hessian.promise_regularity import trajectory_regularity
from shared.ledger import evaluate_claim
from shared.sketch import effective_dimension, nystrom

LEDGER = REPO_ROOT / "replications" / "hunting_the_hessian" / "claims.yaml"
PARAMS = REPO_ROOT / "replications" / "hunting_the_hessian" / "params_promise.yaml"


def _claim(cid: str) -> dict:
    return next(c for c in load_ledger(LEDGER)["claims"] if c["id"] == cid)


def test_every_part1_paper_claim_has_a_designed_control():
    part1 = ("nys-", "promise-", "sketchysgd-", "nncg-")
    for c in load_ledger(LEDGER)["claims"]:
        if c["id"].startswith(part1) and c["origin"] == "paper":
            assert c["control"] != "pending", c["id"]


def test_nncg_budget_rule_makes_a_short_run_inconclusive_whatever_its_factor():
    claim = _claim("nncg-lowers-loss-paper-budget")
    for factor in (3.0, 50.0):  # a short run neither refutes nor confirms
        m = {
            "value": factor,
            "flags": {"budget": 50},
            "control": {"value": 1.0, "flags": {"budget": 50}},
        }
        v = evaluate_claim(claim, m, "default")
        assert v.verdict == "inconclusive" and "budget_below_fraction_of_paper" in v.reason
    full = {"budget": 2000}
    v = evaluate_claim(
        claim, {"value": 3.0, "flags": full, "control": {"value": 1.0, "flags": full}}, "paper"
    )
    assert v.verdict == "refuted" and v.control["status"] == "fails"
    v = evaluate_claim(
        claim, {"value": 20.0, "flags": full, "control": {"value": 1.0, "flags": full}}, "paper"
    )
    assert v.verdict == "confirmed" and v.discriminating


def test_rate_claim_flags_decide_cases():
    claim = _claim("promise-rate-kappa-free")
    m = {
        "value": [1.0, 1.2, 0.2],
        "flags": {"diverged": [False, False, False], "too_few_records": [False, False, True]},
        "control": {
            "value": [0.02, 0.03, 0.04],
            "flags": {"diverged": False, "too_few_records": False},
        },
    }
    v = evaluate_claim(claim, m, "default")
    assert v.verdict == "partial" and "too_few_records" in v.reason  # 2 pass, 1 undecided
    assert v.control["status"] == "fails"


def test_block_costs_count_a_sketch_as_one_product():
    assert block_cost({"cost": 231, "sketch_cost": 200, "n_iter": 30}) == 32
    # adaptive: rank 10 -> 20 -> 40 (2 doublings), 40 columns, 5 power products, 17 PCG products
    ad = {"cost": 40 + 5 + 17, "rank": 40}
    assert adaptive_block_cost(ad, 10, 1000) == 5 + 17 + 1 + 2
    assert adaptive_block_cost({"cost": 10 + 3, "rank": 10}, 10, 1000) == 3 + 1
    # a doubling capped at max_rank still counts one block
    assert adaptive_block_cost({"cost": 50 + 4, "rank": 50}, 10, 50) == 4 + 1 + 3


def test_flat_control_features_have_a_flat_spectrum_and_default_path_is_unchanged():
    a = random_features_regression(400, 10, 60, np.random.default_rng(3))
    b = random_features_regression(400, 10, 60, np.random.default_rng(3), w_scale=None)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])

    def spread(Phi):
        ev = np.linalg.eigvalsh(Phi.T @ Phi / Phi.shape[0])
        return ev[-1] / ev[0]

    flat, _ = random_features_regression(2000, 20, 60, np.random.default_rng(4), w_scale=1.0)
    decay, _ = random_features_regression(2000, 20, 60, np.random.default_rng(4))
    assert spread(flat) < 10 < 1e3 < spread(decay)


def test_naive_property_check_fails_where_the_stable_route_passes():
    A = sketch_test_matrix("exp", 1.0, 120, 1, np.random.default_rng(0))
    norm = 1.0
    rng = np.random.default_rng(1)
    naive = naive_nystrom(A, 40, rng)
    ev = np.linalg.eigvalsh(A - naive)
    assert not naive_properties_ok(naive, 40, max(0.0, -ev[0]) / norm, norm)
    stable = nystrom(A, 40, seed=rng).dense()
    ev = np.linalg.eigvalsh(A - stable)
    assert naive_properties_ok(stable, 40, max(0.0, -ev[0]) / norm, norm)
    # On a slow decay the naive formula is as accurate as the stable one (the control).
    slow = sketch_test_matrix("poly", 1.0, 120, 1, np.random.default_rng(0))
    r = naive_vs_stable(slow, 40, 3, np.random.default_rng(2))
    ratio = np.median(r["naive_rel_error"]) / np.median(r["stable_rel_error"])
    assert 0.5 < ratio < 2.0


def test_swapped_factor_statistics_of_the_sensitivity_claims():
    rows = [
        {"problem": "p", "rank": 1, "update_epochs": 1, "passes": None},
        {"problem": "p", "rank": 2, "update_epochs": 1, "passes": 40.0},
        {"problem": "p", "rank": 4, "update_epochs": 1, "passes": 10.0},
        {"problem": "p", "rank": 1, "update_epochs": None, "passes": 30.0},
        {"problem": "p", "rank": 2, "update_epochs": None, "passes": 30.0},
        {"problem": "p", "rank": 4, "update_epochs": None, "passes": 30.0},
    ]
    res = {"sensitivity": rows}
    assert rank_spread(res) == {"p update 1 ep": float("inf"), "p update never": 1.0}
    back = rank_growth(res, reverse=True)
    assert back == {"p update 1 ep": float("inf"), "p update never": 1.0}
    assert rank_growth(res)["p update 1 ep"] == 0.25
    # The controls count an unsolved run as the budget (a finite lower bound).
    assert rank_spread(res, budget=200.0) == {"p update 1 ep": 20.0, "p update never": 1.0}
    assert rank_growth(res, reverse=True, budget=200.0)["p update 1 ep"] == 5.0


def test_phase_r2_of_a_plateau_is_low_and_of_a_line_is_one():
    passes = np.arange(0, 40, 2.0)
    assert phase_r2(passes, 10.0 ** (-0.5 * passes), 1e-9, 1e-2) == pytest.approx(1.0)
    plateau = np.maximum(10.0 ** (-passes), 1e-5) * (1 + 0.1 * np.sin(passes))
    assert phase_r2(passes, plateau, 1e-9, 1e-2) < 0.95
    suite = {"problems": {"p": {"curves": {"sketchy_sgd": {"passes": passes, "subopt": plateau}}}}}
    assert curve_r2(suite, "sketchy_sgd", 1e-9, 1e-2)["p"] < 0.95


def test_cluster_problems_have_equal_d_eff_and_kappa_100x_apart():
    p = load_params(PARAMS, "default")["rate"] | {"n": 512}
    pair = cluster_ridge_pair(p, 7)
    (lo_easy, easy, lam_e), (lo_hard, hard, lam_h) = pair
    assert lo_easy / lo_hard == pytest.approx(100.0)
    for prob, lam in ((easy, lam_e), (hard, lam_h)):
        np.testing.assert_allclose(
            np.linalg.eigvalsh(prob.A.T @ prob.A / prob.n)[::-1], lam, atol=1e-12
        )
    d_e = effective_dimension(lam_e, easy.mu)
    d_h = effective_dimension(lam_h, hard.mu)
    assert abs(d_e - d_h) / d_e < 1e-2
    k_e = (lam_e[0] + easy.mu) / easy.mu
    k_h = (lam_h[0] + hard.mu) / hard.mu
    assert k_h / k_e == pytest.approx(100.0, rel=1e-3)
    np.testing.assert_array_equal(cluster_spectrum(p, lo_easy), lam_e)
    assert auto_svrg_step(easy) > 0


def test_log_slope_and_rate_pairs():
    passes = np.arange(0, 20, 2.0)
    rate, k = log_slope(passes, 10.0 ** (-0.3 * passes), 1e-10)
    assert rate == pytest.approx(0.3) and k == 10
    rate, k = log_slope(passes[:3], [1.0, 1e-11, 1e-12], 1e-10)
    assert np.isnan(rate) and k == 1

    def run(rate, n=5, div=False):
        return {"rate": rate, "n_records": n, "diverged": div}

    result = {
        "runs": [
            {"seed": 1, "lambda_low": 1e-2, "kappa": 1e3, "m": run(0.5)},
            {"seed": 1, "lambda_low": 1e-4, "kappa": 1e5, "m": run(0.25, n=2)},
            {"seed": 2, "lambda_low": 1e-4, "kappa": 1e5, "m": run(0.6, div=True)},
            {"seed": 2, "lambda_low": 1e-2, "kappa": 1e3, "m": run(0.4)},
        ]
    }
    pairs = rate_pairs(result, "m")
    assert pairs["ratio"] == pytest.approx([0.5, 1.5])
    assert pairs["too_few_records"] == [True, False]
    assert pairs["diverged"] == [False, True]


def test_ridge_regularity_is_exactly_one_along_sketchy_saga():
    prob = synthetic_glm("ridge", 300, 8, 2.0, 1e-2, np.random.default_rng(5))
    out = trajectory_regularity(prob, epochs=2, rank=4, rho=1e-3, batch_size=64, seed=0, nodes=3)
    assert out["n_pairs"] == 2 * 5
    assert out["max_abs_gamma_minus_1"] < 1e-12
    assert out["median_ratio"] == pytest.approx(1.0)
    logi = synthetic_glm("logistic", 300, 8, 2.0, 1e-2, np.random.default_rng(5))
    out = trajectory_regularity(logi, epochs=3, rank=4, rho=1e-3, batch_size=64, seed=0, nodes=4)
    assert len(out["period_ratios"]) == 3 and min(out["period_ratios"]) >= 1.0


def test_default_random_features_keep_their_bit_exact_scaling():
    # The W / sqrt(m) division of the registered runs (a reciprocal product changes the last
    # bit, and CG on a kappa ~ 1e5 system then takes a few more iterations).
    rng = np.random.default_rng(9)
    Phi, _ = random_features_regression(50, 4, 16, rng)
    rng = np.random.default_rng(9)
    Lf = rng.standard_normal((4, 4)) * (np.arange(1, 5) ** -0.5)
    X = rng.standard_normal((50, 4)) @ Lf.T
    X = (X - X.mean(0)) / X.std(0)
    rng.standard_normal(4), rng.standard_normal(50)
    W = rng.standard_normal((16, 4)) / np.sqrt(16)
    u = rng.uniform(0.0, 2.0 * np.pi, 16)
    np.testing.assert_array_equal(Phi, np.sqrt(2.0 / 16) * np.cos(X @ W.T + u))
