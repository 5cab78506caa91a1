"""Verdict rules of shared.ledger, one behaviour per test."""

import math

import pytest

from shared.ledger import (
    NOT_CHECKED,
    MeasurementError,
    evaluate_claim,
    evaluate_ledger,
    summarize,
)


def claim(comparison, published=None, scales=("default", "paper"), cid="c1"):
    return {
        "id": cid,
        "comparison": comparison,
        "published": {"value": published} if published is not None else {"text": "x"},
        "scales": list(scales),
    }


def test_value_within_rtol_is_confirmed():
    v = evaluate_claim(claim({"type": "value", "rtol": 0.01}, 100.0), {"value": 100.9}, "default")
    assert v.verdict == "confirmed"


def test_value_outside_tolerance_is_refuted_with_numbers_in_reason():
    v = evaluate_claim(claim({"type": "value", "atol": 0}, 420), {"value": 425}, "default")
    assert v.verdict == "refuted"
    assert "425" in v.reason and "420" in v.reason


def test_value_in_partial_band_is_partial():
    c = claim({"type": "value", "atol": 0, "partial": {"atol": 2}}, 137)
    assert evaluate_claim(c, {"value": 138}, "default").verdict == "partial"
    assert evaluate_claim(c, {"value": 140}, "default").verdict == "refuted"


def test_nan_measurement_is_refuted_not_an_error():
    v = evaluate_claim(claim({"type": "value", "rtol": 1.0}, 1.0), {"value": math.nan}, "default")
    assert v.verdict == "refuted"


def test_interval_bounds_inclusive_and_one_sided():
    c = claim({"type": "slope_range", "low": 1.85, "high": 2.15})
    assert evaluate_claim(c, {"value": 2.15}, "default").verdict == "confirmed"
    assert evaluate_claim(c, {"value": 2.2}, "default").verdict == "refuted"
    lower_only = claim({"type": "interval", "low": 0.0})
    assert evaluate_claim(lower_only, {"value": 1e9}, "default").verdict == "confirmed"


def test_inequality_with_bound_and_with_measured_rhs():
    c = claim({"type": "inequality", "op": "<=", "bound": 1e-9})
    assert evaluate_claim(c, {"value": 5e-10}, "default").verdict == "confirmed"
    c2 = claim({"type": "inequality", "op": "<"})
    assert evaluate_claim(c2, {"value": 3.0, "rhs": 2.0}, "default").verdict == "refuted"
    with pytest.raises(MeasurementError, match="rhs"):
        evaluate_claim(c2, {"value": 3.0}, "default")


def test_ordering_strict_in_both_directions():
    c = claim({"type": "ordering", "order": ["m1", "m2", "m3"], "direction": "decreasing"})
    assert (
        evaluate_claim(c, {"value": {"m1": 3, "m2": 2, "m3": 1}}, "default").verdict == "confirmed"
    )
    assert evaluate_claim(c, {"value": {"m1": 3, "m2": 3, "m3": 1}}, "default").verdict == "refuted"
    with pytest.raises(MeasurementError, match="m3"):
        evaluate_claim(c, {"value": {"m1": 3, "m2": 2}}, "default")


def test_boolean_needs_a_bool():
    c = claim({"type": "boolean", "expected": True})
    assert evaluate_claim(c, {"value": False}, "default").verdict == "refuted"
    with pytest.raises(MeasurementError, match="true/false"):
        evaluate_claim(c, {"value": 1}, "default")


def test_list_of_cases_gives_confirmed_partial_refuted():
    c = claim({"type": "interval", "low": 0, "high": 1})
    assert evaluate_claim(c, {"value": [0.1, 0.5]}, "default").verdict == "confirmed"
    partial = evaluate_claim(c, {"value": [0.1, 5.0, 0.2]}, "default")
    assert partial.verdict == "partial" and "2/3" in partial.reason
    assert evaluate_claim(c, {"value": [2.0, 3.0]}, "default").verdict == "refuted"


def test_claim_for_other_scale_is_not_checked_even_without_measurement():
    v = evaluate_claim(claim({"type": "boolean"}, scales=["paper"]), None, "default")
    assert v.verdict == NOT_CHECKED


def test_missing_measurement_fails_loudly():
    with pytest.raises(MeasurementError, match="no measurement"):
        evaluate_claim(claim({"type": "boolean"}), None, "default")


def test_non_numeric_value_is_a_measurement_error():
    with pytest.raises(MeasurementError, match="not a number"):
        evaluate_claim(claim({"type": "value", "rtol": 0.1}, 1.0), {"value": "fast"}, "default")


def test_unknown_measured_id_is_rejected_and_summary_counts_all_kinds():
    claims = [claim({"type": "boolean"}, cid="a"), claim({"type": "boolean"}, cid="b")]
    with pytest.raises(MeasurementError, match="typo"):
        evaluate_ledger(claims, {"a": {"value": True}, "typo": {"value": True}}, "default")
    verdicts = evaluate_ledger(claims, {"a": {"value": True}, "b": {"value": False}}, "default")
    assert summarize(verdicts) == {
        "confirmed": 1,
        "refuted": 1,
        "partial": 0,
        "not checked at this scale": 0,
    }


def test_non_finite_measurement_is_flagged_in_the_reason():
    c = claim({"type": "interval", "low": 0.5, "high": 1.5})
    v = evaluate_claim(c, {"value": [1.0, math.inf]}, "default")
    assert v.verdict == "partial" and "non-finite" in v.reason
