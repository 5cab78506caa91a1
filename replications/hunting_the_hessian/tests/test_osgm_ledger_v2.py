"""Bookkeeping of the ledger-v2 OSGM claims: hitting times, windowed contractions, the ordinal
controls and the talk-rule plain HD of the divergence claim (D11-D13)."""

from __future__ import annotations

import numpy as np
import pytest

from replications.hunting_the_hessian import osgm_problems as prob
from replications.hunting_the_hessian.osgm_metrics import (
    PUBLISHED,
    hitting_time,
    ordinal_checks,
    ordinal_controls,
    window_contractions,
)
from shared.ledger import evaluate_claim
from shared.osgm import osgm


def test_hitting_time_first_index_and_censoring():
    f = np.array([1.0, 1e-3, 1e-13, 1e-20, 1e-30])
    assert hitting_time(f, 1e-12) == 2
    assert hitting_time(f, 1.0) == 0
    assert hitting_time(f, 1e-40) == len(f)  # censored at K + 1 for K + 1 values


def test_window_contractions_linear_constant_superlinear_decreasing():
    q = 0.9
    lin = q ** np.arange(401)
    np.testing.assert_allclose(window_contractions(lin, 4, 100), [q] * 4, rtol=1e-12)
    # f_k = exp(-k^2 / 1000): per-step contraction exp(-(2k + 1) / 1000) keeps falling
    sup = np.exp(-(np.arange(401.0) ** 2) / 1000)
    w = window_contractions(sup, 4, 100)
    assert np.all(np.diff(w) < 0)
    # underflow to 0 is clamped (finite, tiny), never NaN
    assert np.isfinite(window_contractions(np.array([1.0, 0.0]), 1, 1)).all()
    with pytest.raises(ValueError, match="need 401 values"):
        window_contractions(lin[:300], 4, 100)


def test_ordinal_controls_fail_on_the_published_table():
    # Every control of C1-C7 must fail the same comparison on the talk's own table.
    svm, log = PUBLISHED["svm"], PUBLISHED["logistic"]
    ctrl = ordinal_controls(svm, log, 34, 34)
    checks = ordinal_checks(svm, log, 34, 34)
    assert set(ctrl) == set(checks)
    ops = {
        "osgm-solved-bfgs-most": np.greater_equal,
        "osgm-solved-above-nonadaptive": np.greater_equal,
        "osgm-solved-at-least-adam": np.greater_equal,
        "osgm-solved-close-to-lbfgs": np.greater_equal,
        "osgm-solved-lbfgs-memory-monotone": np.greater_equal,
        "osgm-solved-gd-fewest": np.less_equal,
    }
    for cid, op in ops.items():
        ok = op(np.asarray(ctrl[cid]["value"]), np.asarray(ctrl[cid]["rhs"]))
        assert not ok.all(), cid
    assert ctrl["osgm-solved-logistic-harder"]["value"] < 9


def test_talk_rule_plain_hd_diverges_on_a_quadratic_and_hdm_does_not():
    # On f = 1/2 x^T H x the hypergradient step is P+ = P (1 - eta rho) + eta, rho the Rayleigh
    # quotient of g: with eta = 100/L it is unstable, so f must blow up; HDM stays monotone.
    A, b = prob.least_squares_matrix(10, 1e-1, 0)
    H = A.T @ A
    fun = prob.quadratic_objective(H, np.linalg.solve(A, b), 0.0)
    L = float(np.linalg.eigvalsh(H)[-1])
    x0 = np.ones(10) / np.sqrt(10)
    with np.errstate(all="ignore"):
        plain = osgm(
            fun,
            x0,
            feedback="hypergradient",
            kind="scalar",
            learner="ogd",
            lr=100.0 / L,
            P0=1.0 / L,
            null_step=False,
            tol=1e-300,
            max_evals=200,
        )
    f0 = plain.f_hist[0]
    assert (not np.all(np.isfinite(plain.f_hist))) or plain.f_hist.max() > 1e10 * f0
    safe = osgm(fun, x0, feedback="hypergradient", kind="diagonal", lr=100.0 / L, max_evals=200)
    assert np.all(np.diff(safe.f_hist) <= 0)


def test_hitting_time_claim_flags_make_both_censored_cases_inconclusive():
    claim = {
        "id": "x",
        "comparison": {"type": "inequality", "op": "<="},
        "inconclusive_if": {"flags": {"neither_reached": "both censored"}},
        "scales": ["default"],
    }
    m = {"value": [10001, 50], "rhs": [10001, 80], "flags": {"neither_reached": [True, False]}}
    v = evaluate_claim(claim, m, "default")
    assert v.verdict == "partial" and v.inconclusive_by
