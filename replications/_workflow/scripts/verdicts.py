"""Write a replication's verdicts: claims.yaml + measurements.json -> figures/<name>/claims.json.

Usage: python verdicts.py --ledger L --measurements M [M ...] --scale S --out O

Each claim's entry carries what a reader needs to judge it without opening another file: the
statement, origin, source, published value, comparison and its tolerance rationale, the
measured value and verdict with its margin, the control and its verdict, the inconclusive
rules, seeds registered and used, the script that wrote the measurement, and the
supersede links. The file is strict JSON (non-finite numbers are strings).

A refuted claim is a result and the script succeeds; it fails only when a claim that should be
checked at this scale has no usable measurement.
"""

from __future__ import annotations

import argparse
import sys

from replications._workflow.io import read_json, write_json
from replications._workflow.validation import load_ledger
from shared.ledger import (
    MeasurementError,
    evaluate_ledger,
    headline_bucket,
    summarize,
    superseded_by,
)

#: Headline buckets of a replication's summary, in display order.
BUCKETS = (
    "confirmed",
    "partial",
    "refuted",
    "inconclusive",
    "non-discriminating",
    "not checked at this scale",
)


def _headline(rows: list[dict]) -> dict:
    """Counts a reader needs: paper claims by bucket, controls, origins, fragile verdicts."""
    paper = [r for r in rows if r["counted_as"] not in ("secondary", "check", "superseded")]

    def control(status: str) -> int:
        return sum((r["control"] or {}).get("status") == status for r in paper)

    out = {
        "paper": {b: sum(r["counted_as"] == b for r in paper) for b in BUCKETS},
        "paper_total": len(paper),
        "paper_controls_failing": control("fails"),
        "paper_controls_pending": control("pending"),
        "paper_controls_none": control("none"),
        "superseded": sum(r["counted_as"] == "superseded" for r in rows),
        "fragile": sum(bool(r["fragile"]) for r in rows),
    }
    for origin in ("secondary", "check"):
        sub = [r for r in rows if r["counted_as"] == origin]
        out[origin] = {
            v: sum(r["verdict"] == v for r in sub) for v in BUCKETS if v != "non-discriminating"
        }
        out[origin]["total"] = len(sub)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--measurements", required=True, nargs="+", help="one file per part")
    ap.add_argument("--scale", required=True, choices=["default", "paper"])
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    ledger = load_ledger(args.ledger)
    measurements: dict = {}
    scripts: dict = {}
    for path in args.measurements:
        data = read_json(path)
        part = data.get("claims", {})
        clash = sorted(set(part) & set(measurements))
        if clash:
            print(
                f"error: {path} measures claim ids already measured elsewhere: {clash}",
                file=sys.stderr,
            )
            return 1
        measurements.update(part)
        for cid in part:
            scripts[cid] = part[cid].get("script") or data.get("script")
    try:
        verdicts = evaluate_ledger(ledger["claims"], measurements, args.scale)
    except MeasurementError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    by_id = {c["id"]: c for c in ledger["claims"]}
    replaced = superseded_by(ledger["claims"])
    rows = []
    for v in verdicts:
        claim = by_id[v.claim_id]
        m = measurements.get(v.claim_id) or {}
        seeds_used = m.get("seeds", claim.get("seeds"))
        if claim.get("seeds") and m.get("seeds") is not None:
            unregistered = sorted(set(m["seeds"]) - set(claim["seeds"]))
            if unregistered:
                print(
                    f"error: claim {v.claim_id!r} was measured with seeds {unregistered} that "
                    f"its ledger entry does not register ({claim['seeds']})",
                    file=sys.stderr,
                )
                return 1
        rows.append(
            {
                **v.as_dict(),
                "origin": claim["origin"],
                "origin_note": claim.get("origin_note"),
                "statement": claim["statement"],
                "source": claim["source"],
                "published": claim["published"],
                "comparison": claim["comparison"],
                "tolerance_rationale": claim.get("tolerance_rationale"),
                "control_spec": claim.get("control"),
                "inconclusive_if": claim.get("inconclusive_if"),
                "kind": claim["kind"],
                "scales": claim["scales"],
                "seeds": claim.get("seeds"),
                "seeds_used": seeds_used,
                "deviations": claim.get("deviations", []),
                "figures": claim.get("figures", []),
                "code": scripts.get(v.claim_id),
                "supersedes": claim.get("supersedes"),
                "superseded_by": replaced.get(v.claim_id),
                "registered": claim.get("registered"),
                "notes": claim.get("notes"),
                "counted_as": headline_bucket(claim, v, v.claim_id in replaced),
            }
        )
        flag = " [fragile]" if v.fragile else ""
        print(f"{v.claim_id}: {v.verdict}{flag} ({v.reason})")
    write_json(
        args.out,
        {
            "replication": ledger["replication"],
            "paper": ledger["paper"],
            "scale": args.scale,
            "summary": summarize(verdicts),
            "headline": _headline(rows),
            "claims": rows,
            "deviations": ledger.get("deviations", []),
        },
        strict=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
