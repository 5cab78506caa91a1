"""Verdicts of published claims against measured values (ledger v2).

A replication's ``claims.yaml`` states, per claim, what is claimed, *where it comes from*
(``origin``), how it is compared (the comparison rule and its tolerance), which outcome would
make the check inconclusive (``inconclusive_if``) and which case the same check must *not*
confirm (``control``), all fixed before any run. The workflow measures each claim (and its
control) and this module turns ``(claim, measurement)`` into a verdict. Pure functions: the
caller reads and writes the files.

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

Verdicts
--------
A measurement may carry a list of values (one per seed or case).

``confirmed``
    Every case passes.
``refuted``
    No decided case passes (a measurement that ran as registered and missed the tolerance).
``partial``
    Some cases pass and some fail, or a single value misses the tolerance but falls in the
    ``partial`` band, or every decided case passes while others are inconclusive.
``inconclusive``
    Every case is undecided by a rule written in the ledger before the run: a non-finite
    measurement (always: "not measured"), or a condition of ``inconclusive_if`` (``diverged``,
    ``floor_reached``, ``budget_below_fraction_of_paper``, named ``flags``). A case that ran as
    registered and missed the tolerance is never inconclusive.
``not checked at this scale``
    The claim is checked only at another scale.

Controls, margins, origins
--------------------------
``control`` names a case the same comparison must *not* confirm (the converging instance for a
"stalls" claim, the baseline for "A beats B", the null value). The measurement carries the
control's measured value under ``control``; :func:`evaluate_claim` applies the same comparison
(and the same inconclusive rules) and records ``control_verdict``. A confirmed claim whose
control is confirmed too is *non-discriminating*: its confirmation proves nothing.
``control: {none: <reason>}`` declares that no control exists (with the reason);
``control: pending`` marks a claim whose control has not been designed yet.

The *margin* of a case is its signed distance to the nearest threshold in units of the
tolerance (``value``: ``(tol - |diff|) / tol``; two-sided interval: distance / half-width),
or relative to the bound where no tolerance width exists (one-sided interval, inequality,
ordering). Positive margins pass, negative fail; ``|margin| < FRAGILE_MARGIN`` is *fragile*.

``origin`` says whose statement the claim is: ``paper`` (a statement of the paper, at the
location in ``source``), ``secondary`` (a seed summary or third party's restatement) or
``check`` (our own correctness or consistency test). Only ``paper`` claims that are not
superseded count in a replication's headline (:func:`headline_bucket`).
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONFIRMED",
    "FRAGILE_MARGIN",
    "INCONCLUSIVE",
    "NOT_CHECKED",
    "ORIGINS",
    "PARTIAL",
    "REFUTED",
    "VERDICTS",
    "MeasurementError",
    "Verdict",
    "evaluate_claim",
    "evaluate_ledger",
    "headline_bucket",
    "json_safe",
    "summarize",
]

CONFIRMED, REFUTED, PARTIAL, INCONCLUSIVE = "confirmed", "refuted", "partial", "inconclusive"
NOT_CHECKED = "not checked at this scale"
VERDICTS = (CONFIRMED, PARTIAL, REFUTED, INCONCLUSIVE, NOT_CHECKED)
ORIGINS = ("paper", "secondary", "check")
COMPARISONS = ("value", "interval", "slope_range", "inequality", "ordering", "boolean")
#: A verdict whose margin is below this fraction of its tolerance is flagged fragile.
FRAGILE_MARGIN = 0.1
#: Headline buckets of paper claims beyond the verdicts (see :func:`headline_bucket`).
NON_DISCRIMINATING = "non-discriminating"
SUPERSEDED = "superseded"
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
        One sentence saying why, with the numbers (and the triggering rule when inconclusive).
    details : dict
        Extra measurement details passed through from the measurement (seeds, fits, ...).
    margin : float or None
        The worst case's margin (see the module docstring); ``None`` for booleans, exact
        comparisons and undecided claims.
    margins : list or None
        Per-case margins when the measurement is a list of cases.
    margin_unit : str
        What the margin is measured in (``"tolerance"``, ``"half-width"``, ``"relative to
        bound"``, ``"relative gap"``, or why there is none).
    inconclusive_by : list of str
        The ledger rules that made cases undecided (empty if none).
    control : dict or None
        ``{"status", "verdict", "measured", "reason", "case"}`` for a measured control;
        ``{"status": "none", "reason"}`` or ``{"status": "pending"}`` otherwise.
    """

    claim_id: str
    verdict: str
    measured: Any
    reason: str
    details: dict = field(default_factory=dict)
    margin: float | None = None
    margins: list | None = None
    margin_unit: str = ""
    inconclusive_by: list = field(default_factory=list)
    control: dict | None = None

    @property
    def fragile(self) -> bool:
        """True when the verdict sits within :data:`FRAGILE_MARGIN` of its threshold."""
        return (
            self.verdict in (CONFIRMED, REFUTED, PARTIAL)
            and self.margin is not None
            and math.isfinite(self.margin)
            and abs(self.margin) < FRAGILE_MARGIN
        )

    @property
    def discriminating(self) -> bool | None:
        """Whether the control failed the same check (``None``: no measured control)."""
        if not self.control or self.control.get("status") not in ("fails", "passes"):
            return None
        return self.control["status"] == "fails"

    def as_dict(self) -> dict:
        """JSON-ready representation (non-finite numbers as strings, see :func:`json_safe`)."""
        return json_safe(
            {
                "id": self.claim_id,
                "verdict": self.verdict,
                "measured": self.measured,
                "reason": self.reason,
                "details": self.details,
                "margin": self.margin,
                "margins": self.margins,
                "margin_unit": self.margin_unit,
                "fragile": self.fragile,
                "inconclusive_by": list(self.inconclusive_by),
                "control": self.control,
                "discriminating": self.discriminating,
            }
        )


def json_safe(x: Any) -> Any:
    """Replace non-finite floats by the strings ``"nan"``, ``"inf"``, ``"-inf"`` (strict JSON)."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, Mapping):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_safe(v) for v in x]
    return x


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    return str(x)


_NON_FINITE_STRINGS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "infinity": math.inf}


def _as_number(x: Any, claim_id: str) -> float:
    if isinstance(x, str) and x.lower() in _NON_FINITE_STRINGS:
        return _NON_FINITE_STRINGS[x.lower()]
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise MeasurementError(
            f"claim {claim_id!r}: measured value {x!r} is not a number; "
            "this comparison needs a number (or a list of numbers, one per case)"
        )
    return float(x)


def _is_non_finite(x: Any) -> bool:
    if isinstance(x, str):
        return x.lower() in _NON_FINITE_STRINGS
    if isinstance(x, float):
        return not math.isfinite(x)
    if isinstance(x, Mapping):
        return any(_is_non_finite(v) for v in x.values())
    return False


def _rel(d: float, scale: float) -> float:
    return d / abs(scale) if scale != 0 else (math.copysign(math.inf, d) if d else 0.0)


# Each checker returns (passes, in_partial_band, reason, margin, margin_unit) for one case.
Check = tuple[bool, bool, str, float | None, str]


def _check_value(claim: Mapping, rule: Mapping, value: Any) -> Check:
    cid = claim["id"]
    published = _as_number(claim["published"]["value"], cid)
    measured = _as_number(value, cid)
    rtol, atol = float(rule.get("rtol", 0.0)), float(rule.get("atol", 0.0))
    tol = atol + rtol * abs(published)
    err = abs(measured - published)
    ok = err <= tol
    band = rule.get("partial")
    near = bool(band) and err <= float(band.get("atol", 0.0)) + float(band.get("rtol", 0.0)) * abs(
        published
    )
    reason = (
        f"measured {_fmt(measured)} vs published {_fmt(published)} "
        f"(|diff| = {_fmt(err)}, allowed {_fmt(atol)} + {_fmt(rtol)}*|published|)"
    )
    if tol > 0:
        return ok, near, reason, (tol - err) / tol, "tolerance"
    return ok, near, reason, None, "exact comparison (zero tolerance)"


def _check_interval(claim: Mapping, rule: Mapping, value: Any) -> Check:
    measured = _as_number(value, claim["id"])
    low, high = rule.get("low", -math.inf), rule.get("high", math.inf)
    ok = low <= measured <= high
    reason = f"measured {_fmt(measured)}, required in [{_fmt(low)}, {_fmt(high)}]"
    if math.isfinite(low) and math.isfinite(high):
        half = (high - low) / 2
        d = min(measured - low, high - measured)
        return ok, False, reason, _rel(d, half), "half-width"
    bound = low if math.isfinite(low) else high
    d = measured - low if math.isfinite(low) else high - measured
    return ok, False, reason, _rel(d, bound), "relative to bound"


def _check_inequality(claim: Mapping, rule: Mapping, value: Any, rhs: Any) -> Check:
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
    d = rhs_v - lhs if op in ("<", "<=") else lhs - rhs_v
    scale = rhs_v if rhs_v != 0 else lhs
    reason = f"measured {_fmt(lhs)} {op} {_fmt(rhs_v)} is {ok}"
    return ok, False, reason, _rel(d, scale), "relative to bound"


def _check_ordering(claim: Mapping, rule: Mapping, value: Any) -> Check:
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
    increasing = rule.get("direction", "increasing") == "increasing"
    cmp = operator.lt if increasing else operator.gt
    ok = all(cmp(a, b) for a, b in itertools.pairwise(nums))
    gaps = [
        _rel(b - a if increasing else a - b, max(abs(a), abs(b)))
        for a, b in itertools.pairwise(nums)
    ]
    shown = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(order, nums, strict=True))
    return (
        ok,
        False,
        f"{rule.get('direction', 'increasing')} order required: {shown}",
        min(gaps),
        "relative gap",
    )


def _check_boolean(claim: Mapping, rule: Mapping, value: Any) -> Check:
    if not isinstance(value, bool):
        raise MeasurementError(f"claim {claim['id']!r}: boolean needs true/false, got {value!r}")
    expected = bool(rule.get("expected", True))
    return value == expected, False, f"measured {value}, expected {expected}", None, "boolean"


def _compare(claim: Mapping, value: Any, rhs: Any) -> Check:
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


# --------------------------------------------------------------------------------------------
# Inconclusive rules


def _flag(flags: Mapping, name: str, i: int, n: int, cid: str) -> Any:
    """The case-``i`` entry of measurement flag ``name`` (a scalar applies to every case)."""
    if name not in flags:
        raise MeasurementError(
            f"claim {cid!r}: its ledger makes the verdict inconclusive_if {name!r}, so the "
            f"measurement must report flags.{name} (per case or one value); it does not"
        )
    v = flags[name]
    if isinstance(v, list):
        if len(v) != n:
            raise MeasurementError(
                f"claim {cid!r}: flags.{name} has {len(v)} entries for {n} measured cases"
            )
        return v[i]
    return v


def _undecided_by(
    claim: Mapping, value: Any, rhs: Any, flags: Mapping, i: int, n: int
) -> list[str]:
    """The inconclusive rules that hold for case ``i`` (empty: the case is decided)."""
    cid = claim["id"]
    rules = claim.get("inconclusive_if") or {}
    hits: list[str] = []
    if _is_non_finite(value) or _is_non_finite(rhs):
        hits.append("non_finite (not measured)")
    if rules.get("diverged") and _flag(flags, "diverged", i, n, cid):
        hits.append("diverged")
    floor = rules.get("floor_reached")
    if floor:
        below = float(floor["below"])
        sides = [x for x in (value, rhs) if isinstance(x, int | float) and not isinstance(x, bool)]
        if any(abs(float(x)) <= below for x in sides):
            hits.append(f"floor_reached (|value| <= {_fmt(below)})")
    budget = rules.get("budget_below_fraction_of_paper")
    if budget:
        used = _flag(flags, "budget", i, n, cid)
        frac, paper = float(budget["fraction"]), float(budget["paper_budget"])
        if float(used) < frac * paper:
            hits.append(
                f"budget_below_fraction_of_paper (budget {_fmt(used)} < "
                f"{_fmt(frac)} x paper's {_fmt(paper)})"
            )
    for name, rule_text in (rules.get("flags") or {}).items():
        if _flag(flags, name, i, n, cid):
            hits.append(f"{name} ({rule_text})")
    return hits


# --------------------------------------------------------------------------------------------
# One measurement (claim or control)


@dataclass(frozen=True)
class _Outcome:
    verdict: str
    reason: str
    margin: float | None
    margins: list | None
    unit: str
    undecided_by: list


def _evaluate(claim: Mapping, value: Any, rhs: Any, flags: Mapping) -> _Outcome:
    """Verdict of one measured value (a number, mapping, bool, or a list of cases)."""
    cid = claim["id"]
    per_case = isinstance(value, list) and claim["comparison"]["type"] != "ordering"
    values = value if per_case else [value]
    if not values:
        raise MeasurementError(f"claim {cid!r}: the measured list of cases is empty")
    if per_case and isinstance(rhs, list):
        rhs_list = rhs
    else:
        rhs_list = [rhs] * len(values)
    if len(rhs_list) != len(values):
        raise MeasurementError(
            f"claim {cid!r}: {len(values)} measured cases but {len(rhs_list)} rhs values"
        )
    n = len(values)
    decided: list[tuple[int, Check]] = []
    undecided: list[tuple[int, list[str]]] = []
    for i, (v, r) in enumerate(zip(values, rhs_list, strict=True)):
        hits = _undecided_by(claim, v, r, flags, i, n)
        if hits:
            undecided.append((i, hits))
        else:
            decided.append((i, _compare(claim, v, r)))
    rules_hit = sorted({h for _, hits in undecided for h in hits})
    margins_all: list[float | None] = [None] * n
    for i, chk in decided:
        margins_all[i] = chk[3]
    decided_margins = [chk[3] for _, chk in decided if chk[3] is not None]
    unit = decided[0][1][4] if decided else "undecided"
    margin = min(decided_margins) if decided_margins else None

    if not decided:
        first = undecided[0][1]
        reason = (
            f"inconclusive by rule: {'; '.join(first)}"
            if n == 1
            else f"inconclusive by rule in all {n} cases: {'; '.join(rules_hit)}"
        )
        return _Outcome(
            INCONCLUSIVE, reason, None, margins_all if per_case else None, unit, rules_hit
        )

    n_ok = sum(chk[0] for _, chk in decided)
    n_dec = len(decided)
    if not per_case:
        ok, near, reason, _, _ = decided[0][1]
        verdict = CONFIRMED if ok else (PARTIAL if near else REFUTED)
        if verdict == PARTIAL:
            reason += "; within the ledger's partial band"
        return _Outcome(verdict, reason, margin, None, unit, [])

    if n_ok == n_dec and not undecided:
        verdict = CONFIRMED
    elif n_ok == 0:
        verdict = REFUTED
    else:
        verdict = PARTIAL
    reason = f"{n_ok}/{n_dec} decided cases pass"
    if undecided:
        reason += f", {len(undecided)}/{n} inconclusive by rule ({'; '.join(rules_hit)})"
    failing = [chk[2] for _, chk in decided if not chk[0]]
    reason += f"; first failing case: {failing[0]}" if failing else f"; e.g. {decided[0][1][2]}"
    # The claim's margin is its worst decided case: for a confirmed list, the case closest to
    # failing; for a refuted one, the case closest to passing is the more informative
    # (it says how far the best case misses), so report max there.
    if verdict == REFUTED and decided_margins:
        margin = max(decided_margins)
    return _Outcome(verdict, reason, margin, margins_all, unit, rules_hit)


def _evaluate_control(claim: Mapping, measurement: Mapping) -> dict:
    spec = claim.get("control")
    cid = claim["id"]
    if spec is None:
        return {"status": "absent"}
    if spec == "pending":
        return {"status": "pending"}
    if "none" in spec:
        return {"status": "none", "reason": spec["none"]}
    ctrl = measurement.get("control")
    if not isinstance(ctrl, Mapping) or "value" not in ctrl:
        raise MeasurementError(
            f"claim {cid!r} declares the control {spec['case']!r} but its measurement has no "
            "'control': {'value': ...}"
        )
    out = _evaluate(claim, ctrl["value"], ctrl.get("rhs"), ctrl.get("flags") or {})
    status = {CONFIRMED: "passes", PARTIAL: "passes", REFUTED: "fails"}.get(
        out.verdict, "undecided"
    )
    return json_safe(
        {
            "status": status,
            "case": spec["case"],
            "verdict": out.verdict,
            "measured": ctrl["value"],
            "reason": out.reason,
            "margin": out.margin,
        }
    )


def evaluate_claim(claim: Mapping, measurement: Mapping | None, scale: str) -> Verdict:
    """Check one claim (and its control) against its measurement.

    Parameters
    ----------
    claim : Mapping
        One entry of a ledger's ``claims`` list (already schema-validated).
    measurement : Mapping or None
        ``{"value": ..., "rhs": ... (inequalities only), "flags": {...}, "control": {"value":
        ..., "rhs": ..., "flags": ...}, "details": {...}}``; ``value`` may be a list with one
        entry per case (seed, instance), in which case ``rhs`` and each flag, if given, are
        lists of the same length or single values. ``None`` when nothing was measured.
    scale : str
        The build's scale (``"default"`` or ``"paper"``).

    Returns
    -------
    Verdict

    Raises
    ------
    MeasurementError
        If the claim is checked at ``scale`` but ``measurement`` is missing or unusable, or a
        flag named by the ledger's ``inconclusive_if`` or its control is not measured.
    """
    cid = claim["id"]
    scales = claim.get("scales", ["default", "paper"])
    if scale not in scales:
        return Verdict(
            cid,
            NOT_CHECKED,
            None,
            f"checked only at scale(s) {scales}, build is {scale!r}",
            margin_unit="not checked",
        )
    if measurement is None or "value" not in measurement:
        raise MeasurementError(
            f"claim {cid!r} is checked at scale {scale!r} but no measurement was written for it"
        )
    value, rhs = measurement["value"], measurement.get("rhs")
    out = _evaluate(claim, value, rhs, measurement.get("flags") or {})
    control = _evaluate_control(claim, measurement)
    return Verdict(
        cid,
        out.verdict,
        value,
        out.reason,
        dict(measurement.get("details", {})),
        margin=out.margin,
        margins=out.margins,
        margin_unit=out.unit,
        inconclusive_by=out.undecided_by,
        control=control,
    )


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


def superseded_by(claims: Sequence[Mapping]) -> dict[str, str]:
    """Map each superseded claim id to the id of the claim that supersedes it."""
    return {c["supersedes"]: c["id"] for c in claims if c.get("supersedes")}


def headline_bucket(claim: Mapping, verdict: Verdict, superseded: bool = False) -> str:
    """Where a claim counts in a replication's summary.

    Only ``paper`` claims that are not superseded count in the headline. Their bucket is the
    verdict, except that a confirmation whose control is confirmed too counts as
    ``"non-discriminating"``. Other claims return ``"superseded"`` or their origin
    (``"secondary"`` / ``"check"``).
    """
    if superseded:
        return SUPERSEDED
    origin = claim.get("origin", "paper")
    if origin != "paper":
        return origin
    if verdict.verdict == CONFIRMED and verdict.discriminating is False:
        return NON_DISCRIMINATING
    return verdict.verdict


def summarize(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """Count verdicts by kind (every kind present, zeros included)."""
    counts = dict.fromkeys(VERDICTS, 0)
    for v in verdicts:
        counts[v.verdict] += 1
    return counts
