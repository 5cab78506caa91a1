"""Verdicts of published claims against measured values.

A replication's ``claims.yaml`` states, per claim, the published value and *how* it is compared
(the comparison rule and its tolerance, fixed before any run). The workflow measures each claim
and this module turns ``(claim, measurement)`` into a verdict. Pure functions: the caller reads
and writes the files.

Comparison rules (``claim["comparison"]["type"]``)
---------------------------------------------------
``value``
    ``|measured - published| <= atol + rtol * |published|``. An optional ``partial`` block with
    a wider ``rtol`` / ``atol`` turns a near miss into ``partial`` instead of ``refuted``.
``interval`` / ``slope_range``
    ``low <= measured <= high`` (either bound may be omitted).
``inequality``
    ``lhs <op> rhs`` with ``op`` one of ``<, <=, >, >=``. ``lhs`` is the measured ``value``;
    ``rhs`` is the measurement's ``rhs`` (a second measured value) or the rule's ``bound``.
``ordering``
    The measured ``value`` is a mapping name -> number; the names listed in ``order`` must be
    strictly increasing (``direction: increasing``) or decreasing in that order.
``boolean``
    The measured ``value`` must equal ``expected`` (default ``true``).

A measurement may carry a list of values (one per seed or case). Every case passing gives
``confirmed``, none gives ``refuted``, some gives ``partial``. A claim not checked at the
build's scale gets ``not checked at this scale``.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "NOT_CHECKED",
    "VERDICTS",
    "MeasurementError",
    "Verdict",
    "evaluate_claim",
    "evaluate_ledger",
    "summarize",
]

CONFIRMED, REFUTED, PARTIAL = "confirmed", "refuted", "partial"
NOT_CHECKED = "not checked at this scale"
VERDICTS = (CONFIRMED, REFUTED, PARTIAL, NOT_CHECKED)
COMPARISONS = ("value", "interval", "slope_range", "inequality", "ordering", "boolean")
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class MeasurementError(ValueError):
    """A claim that should be checked at this scale has no usable measurement."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one claim.

    Attributes
    ----------
    claim_id : str
        The claim's id in its ledger.
    verdict : str
        One of :data:`VERDICTS`.
    measured : Any
        The measured value as compared (a number, a list per case, a mapping, a bool).
    reason : str
        One sentence saying why, with the numbers.
    details : dict
        Extra measurement details passed through from the measurement (seeds, fits, ...).
    """

    claim_id: str
    verdict: str
    measured: Any
    reason: str
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready representation."""
        return {
            "id": self.claim_id,
            "verdict": self.verdict,
            "measured": self.measured,
            "reason": self.reason,
            "details": self.details,
        }


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    return str(x)


def _as_number(x: Any, claim_id: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise MeasurementError(
            f"claim {claim_id!r}: measured value {x!r} is not a number; "
            "this comparison needs a number (or a list of numbers, one per case)"
        )
    # A non-finite value (a diverged run) is still a measurement: it fails any finite tolerance.
    return float(x)


def _within(measured: float, published: float, rtol: float, atol: float) -> bool:
    return abs(measured - published) <= atol + rtol * abs(published)


def _check_value(claim: Mapping, rule: Mapping, value: Any) -> tuple[bool, bool, str]:
    """Return (passes, passes_partial_band, reason) for one case."""
    cid = claim["id"]
    published = _as_number(claim["published"]["value"], cid)
    measured = _as_number(value, cid)
    rtol, atol = float(rule.get("rtol", 0.0)), float(rule.get("atol", 0.0))
    ok = _within(measured, published, rtol, atol)
    band = rule.get("partial")
    near = bool(band) and _within(
        measured, published, float(band.get("rtol", 0.0)), float(band.get("atol", 0.0))
    )
    err = abs(measured - published)
    reason = (
        f"measured {_fmt(measured)} vs published {_fmt(published)} "
        f"(|diff| = {_fmt(err)}, allowed {_fmt(atol)} + {_fmt(rtol)}*|published|)"
    )
    return ok, near, reason


def _check_interval(claim: Mapping, rule: Mapping, value: Any) -> tuple[bool, bool, str]:
    measured = _as_number(value, claim["id"])
    low, high = rule.get("low", -math.inf), rule.get("high", math.inf)
    ok = low <= measured <= high
    return ok, False, f"measured {_fmt(measured)}, required in [{_fmt(low)}, {_fmt(high)}]"


def _check_inequality(
    claim: Mapping, rule: Mapping, value: Any, rhs: Any
) -> tuple[bool, bool, str]:
    cid = claim["id"]
    op = rule["op"]
    lhs = _as_number(value, cid)
    if rhs is None:
        if "bound" not in rule:
            raise MeasurementError(
                f"claim {cid!r}: inequality needs a measured 'rhs' or a 'bound' in the ledger"
            )
        rhs = rule["bound"]
    rhs_v = _as_number(rhs, cid)
    ok = _OPS[op](lhs, rhs_v)
    return ok, False, f"measured {_fmt(lhs)} {op} {_fmt(rhs_v)} is {ok}"


def _check_ordering(claim: Mapping, rule: Mapping, value: Any) -> tuple[bool, bool, str]:
    cid = claim["id"]
    if not isinstance(value, Mapping):
        raise MeasurementError(
            f"claim {cid!r}: ordering needs a mapping name -> number, got {type(value).__name__}"
        )
    order = list(rule["order"])
    missing = [name for name in order if name not in value]
    if missing:
        raise MeasurementError(f"claim {cid!r}: ordering misses measured entries {missing}")
    nums = [_as_number(value[name], cid) for name in order]
    cmp = operator.lt if rule.get("direction", "increasing") == "increasing" else operator.gt
    ok = all(cmp(a, b) for a, b in itertools.pairwise(nums))
    shown = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(order, nums, strict=True))
    return ok, False, f"{rule.get('direction', 'increasing')} order required: {shown}"


def _check_boolean(claim: Mapping, rule: Mapping, value: Any) -> tuple[bool, bool, str]:
    if not isinstance(value, bool):
        raise MeasurementError(f"claim {claim['id']!r}: boolean needs true/false, got {value!r}")
    expected = bool(rule.get("expected", True))
    return value == expected, False, f"measured {value}, expected {expected}"


def _check_case(claim: Mapping, value: Any, rhs: Any) -> tuple[bool, bool, str]:
    ok, near, reason = _compare(claim, value, rhs)
    if any(isinstance(x, float) and not math.isfinite(x) for x in (value, rhs)):
        reason += " [non-finite measurement: a diverged run or an undefined quantity]"
    return ok, near, reason


def _compare(claim: Mapping, value: Any, rhs: Any) -> tuple[bool, bool, str]:
    rule = claim["comparison"]
    kind = rule["type"]
    if kind == "value":
        return _check_value(claim, rule, value)
    if kind in ("interval", "slope_range"):
        return _check_interval(claim, rule, value)
    if kind == "inequality":
        return _check_inequality(claim, rule, value, rhs)
    if kind == "ordering":
        return _check_ordering(claim, rule, value)
    if kind == "boolean":
        return _check_boolean(claim, rule, value)
    raise ValueError(f"claim {claim['id']!r}: comparison type {kind!r} is not one of {COMPARISONS}")


def evaluate_claim(claim: Mapping, measurement: Mapping | None, scale: str) -> Verdict:
    """Check one claim against its measurement.

    Parameters
    ----------
    claim : Mapping
        One entry of a ledger's ``claims`` list (already schema-validated).
    measurement : Mapping or None
        ``{"value": ..., "rhs": ... (inequalities only), "details": {...}}``; ``value`` may be a
        list with one entry per case (seed, instance), in which case ``rhs``, if given, is a list
        of the same length. ``None`` when nothing was measured.
    scale : str
        The build's scale (``"default"`` or ``"paper"``).

    Returns
    -------
    Verdict

    Raises
    ------
    MeasurementError
        If the claim is checked at ``scale`` but ``measurement`` is missing or unusable.
    """
    cid = claim["id"]
    scales = claim.get("scales", ["default", "paper"])
    if scale not in scales:
        return Verdict(
            cid, NOT_CHECKED, None, f"checked only at scale(s) {scales}, build is {scale!r}"
        )
    if measurement is None or "value" not in measurement:
        raise MeasurementError(
            f"claim {cid!r} is checked at scale {scale!r} but no measurement was written for it"
        )
    value, rhs = measurement["value"], measurement.get("rhs")
    details = dict(measurement.get("details", {}))
    per_case = isinstance(value, list) and claim["comparison"]["type"] != "ordering"
    if not per_case:
        ok, near, reason = _check_case(claim, value, rhs)
        verdict = CONFIRMED if ok else (PARTIAL if near else REFUTED)
        if verdict == PARTIAL:
            reason += "; within the ledger's partial band"
        return Verdict(cid, verdict, value, reason, details)

    if not value:
        raise MeasurementError(f"claim {cid!r}: the measured list of cases is empty")
    rhs_list = rhs if isinstance(rhs, list) else [rhs] * len(value)
    if len(rhs_list) != len(value):
        raise MeasurementError(
            f"claim {cid!r}: {len(value)} measured cases but {len(rhs_list)} rhs values"
        )
    results = [_check_case(claim, v, r) for v, r in zip(value, rhs_list, strict=True)]
    n_ok = sum(ok for ok, _, _ in results)
    n = len(results)
    verdict = CONFIRMED if n_ok == n else (REFUTED if n_ok == 0 else PARTIAL)
    failing = [reason for ok, _, reason in results if not ok]
    reason = f"{n_ok}/{n} cases pass"
    if failing:
        reason += f"; first failing case: {failing[0]}"
    else:
        reason += f"; e.g. {results[0][2]}"
    return Verdict(cid, verdict, value, reason, details)


def evaluate_ledger(
    claims: Sequence[Mapping], measurements: Mapping[str, Mapping], scale: str
) -> list[Verdict]:
    """Check every claim of a ledger; see :func:`evaluate_claim`.

    Raises
    ------
    MeasurementError
        For measurements of unknown claim ids (a typo would otherwise hide a claim).
    """
    known = {c["id"] for c in claims}
    unknown = sorted(set(measurements) - known)
    if unknown:
        raise MeasurementError(
            f"measurements for unknown claim ids {unknown}; ledger ids are {sorted(known)}"
        )
    return [evaluate_claim(c, measurements.get(c["id"]), scale) for c in claims]


def summarize(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """Count verdicts by kind (every kind present, zeros included)."""
    counts = dict.fromkeys(VERDICTS, 0)
    for v in verdicts:
        counts[v.verdict] += 1
    return counts
