"""Verdict rules of shared.ledger, one behaviour per test."""

import math

import pytest

from shared.ledger import (
    NOT_CHECKED,
    MeasurementError,
    evaluate_claim,
    evaluate_ledger,
    headline_bucket,
    summarize,
    superseded_by,
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


def test_nan_measurement_is_inconclusive_not_measured():
    v = evaluate_claim(claim({"type": "value", "rtol": 1.0}, 1.0), {"value": math.nan}, "default")
    assert v.verdict == "inconclusive"
    assert "non_finite (not measured)" in v.reason
    # The strict-JSON spelling of a non-finite number is read the same way.
    s = evaluate_claim(claim({"type": "value", "rtol": 1.0}, 1.0), {"value": "inf"}, "default")
    assert s.verdict == "inconclusive"


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
        "inconclusive": 0,
        "not checked at this scale": 0,
    }


def test_non_finite_case_is_undecided_and_the_rest_decide():
    c = claim({"type": "interval", "low": 0.5, "high": 1.5})
    # One passing case and one non-finite: not a confirmation (a case is missing).
    v = evaluate_claim(c, {"value": [1.0, math.inf]}, "default")
    assert v.verdict == "partial" and "1/2 inconclusive" in v.reason
    # A failing decided case stays a refutation whatever the undecided ones say.
    r = evaluate_claim(c, {"value": [3.0, math.nan]}, "default")
    assert r.verdict == "refuted"
    assert evaluate_claim(c, {"value": [math.nan, math.nan]}, "default").verdict == "inconclusive"


# ---------------------------------------------------------------------------------------------
# Ledger v2: inconclusive rules, controls, margins, superseding


def test_diverged_rule_makes_a_case_inconclusive_only_when_registered():
    c = claim({"type": "interval", "low": 0, "high": 1})
    m = {"value": [0.5, 7.0], "flags": {"diverged": [False, True]}}
    # Without the rule a diverged run that misses is a failure...
    assert evaluate_claim(c, m, "default").verdict == "partial"
    assert "inconclusive" not in evaluate_claim(c, m, "default").reason
    # ... with the rule written in the ledger it is undecided, named in the reason.
    c["inconclusive_if"] = {"diverged": True, "diverged_rule": "loss above 1e6 x initial"}
    v = evaluate_claim(c, m, "default")
    assert v.verdict == "partial" and "diverged" in v.reason and v.inconclusive_by == ["diverged"]
    all_div = {"value": [7.0, 9.0], "flags": {"diverged": True}}
    assert evaluate_claim(c, all_div, "default").verdict == "inconclusive"


def test_registered_flag_must_be_measured():
    c = claim({"type": "boolean"})
    c["inconclusive_if"] = {"flags": {"not_leveled_off": "loss fell > 1% over the last window"}}
    with pytest.raises(MeasurementError, match="not_leveled_off"):
        evaluate_claim(c, {"value": True}, "default")
    v = evaluate_claim(c, {"value": False, "flags": {"not_leveled_off": True}}, "default")
    assert v.verdict == "inconclusive" and "loss fell" in v.reason


def test_floor_rule_and_budget_rule():
    c = claim({"type": "inequality", "op": "<="})
    c["inconclusive_if"] = {"floor_reached": {"below": 1e-15}}
    # 1e-20 <= 1e-19 at the float floor decides nothing.
    v = evaluate_claim(c, {"value": 1e-20, "rhs": 1e-19}, "default")
    assert v.verdict == "inconclusive" and "floor_reached" in v.reason
    assert evaluate_claim(c, {"value": 1e-3, "rhs": 1e-2}, "default").verdict == "confirmed"
    b = claim({"type": "inequality", "op": ">", "bound": 10})
    rule = {"fraction": 0.5, "paper_budget": 2000}
    b["inconclusive_if"] = {"budget_below_fraction_of_paper": rule}
    low = evaluate_claim(b, {"value": 2.0, "flags": {"budget": 50}}, "default")
    assert low.verdict == "inconclusive" and "budget 50" in low.reason
    # At the paper's budget the same miss is a refutation: the rule cannot hide it.
    assert evaluate_claim(b, {"value": 2.0, "flags": {"budget": 2000}}, "default").verdict == (
        "refuted"
    )


def test_control_that_passes_makes_a_confirmation_non_discriminating():
    c = claim({"type": "inequality", "op": ">=", "bound": 0.99})
    c["control"] = {"case": "1dc.64: converges linearly, no slow region"}
    ok = evaluate_claim(c, {"value": 0.999, "control": {"value": 0.5}}, "default")
    assert ok.verdict == "confirmed" and ok.control["status"] == "fails" and ok.discriminating
    assert headline_bucket({"origin": "paper"}, ok) == "confirmed"
    bad = evaluate_claim(c, {"value": 0.999, "control": {"value": 0.995}}, "default")
    assert bad.verdict == "confirmed" and bad.control["status"] == "passes"
    assert bad.discriminating is False
    assert headline_bucket({"origin": "paper"}, bad) == "non-discriminating"
    with pytest.raises(MeasurementError, match="control"):
        evaluate_claim(c, {"value": 0.999}, "default")


def test_control_none_and_pending_are_recorded():
    c = claim({"type": "boolean"})
    c["control"] = {"none": "an identity: no case can fail it"}
    assert evaluate_claim(c, {"value": True}, "default").control["status"] == "none"
    c["control"] = "pending"
    v = evaluate_claim(c, {"value": True}, "default")
    assert v.control == {"status": "pending"} and v.discriminating is None


def test_headline_counts_only_paper_claims_that_are_not_superseded():
    v = evaluate_claim(claim({"type": "boolean"}), {"value": True}, "default")
    assert headline_bucket({"origin": "secondary"}, v) == "secondary"
    assert headline_bucket({"origin": "check"}, v) == "check"
    assert headline_bucket({"origin": "paper"}, v, superseded=True) == "superseded"
    claims = [{"id": "old"}, {"id": "new", "supersedes": "old"}]
    assert superseded_by(claims) == {"old": "new"}


@pytest.mark.parametrize(
    ("comparison", "published", "value", "margin"),
    [
        ({"type": "value", "rtol": 0.1}, 100.0, 105.0, 0.5),  # |diff| 5 of tolerance 10
        ({"type": "value", "rtol": 0.1}, 100.0, 120.0, -1.0),
        ({"type": "interval", "low": 1.9, "high": 2.1}, None, 2.0, 1.0),
        ({"type": "interval", "low": 1.9, "high": 2.1}, None, 2.09, 0.1),
        ({"type": "interval", "low": 2.0}, None, 3.0, 0.5),  # relative to the bound
        ({"type": "inequality", "op": "<=", "bound": 10.0}, None, 9.5, 0.05),
    ],
)
def test_margin_in_units_of_the_tolerance(comparison, published, value, margin):
    v = evaluate_claim(claim(comparison, published), {"value": value}, "default")
    assert v.margin == pytest.approx(margin)


def test_fragile_flag_and_per_case_margins():
    c = claim({"type": "interval", "low": 0.0, "high": 1.0})
    v = evaluate_claim(c, {"value": [0.5, 0.97]}, "default")
    assert v.margins == pytest.approx([1.0, 0.06]) and v.margin == pytest.approx(0.06)
    assert v.fragile
    assert not evaluate_claim(c, {"value": [0.5, 0.6]}, "default").fragile
    # Booleans and exact comparisons have no margin and are never fragile.
    b = evaluate_claim(claim({"type": "boolean"}), {"value": True}, "default")
    assert b.margin is None and not b.fragile
    e = evaluate_claim(claim({"type": "value", "atol": 0}, 420), {"value": 420}, "default")
    assert e.margin is None and e.margin_unit.startswith("exact")


def test_as_dict_is_strict_json():
    import json

    v = evaluate_claim(claim({"type": "value", "rtol": 1.0}, 1.0), {"value": math.nan}, "default")
    text = json.dumps(v.as_dict(), allow_nan=False)
    assert '"nan"' in text
