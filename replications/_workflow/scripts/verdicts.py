"""Write a replication's verdicts: claims.yaml + measurements.json -> figures/<name>/claims.json.

Usage: python verdicts.py --ledger L --measurements M [M ...] --scale S --out O
A refuted claim is a result and the script succeeds; it fails only when a claim that should be
checked at this scale has no usable measurement.
"""

from __future__ import annotations

import argparse
import sys

from replications._workflow.io import read_json, write_json
from replications._workflow.validation import load_ledger
from shared.ledger import MeasurementError, evaluate_ledger, summarize


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--measurements", required=True, nargs="+", help="one file per part")
    ap.add_argument("--scale", required=True, choices=["default", "paper"])
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    ledger = load_ledger(args.ledger)
    measurements: dict = {}
    for path in args.measurements:
        part = read_json(path).get("claims", {})
        clash = sorted(set(part) & set(measurements))
        if clash:
            print(
                f"error: {path} measures claim ids already measured elsewhere: {clash}",
                file=sys.stderr,
            )
            return 1
        measurements.update(part)
    try:
        verdicts = evaluate_ledger(ledger["claims"], measurements, args.scale)
    except MeasurementError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    by_id = {c["id"]: c for c in ledger["claims"]}
    rows = []
    for v in verdicts:
        claim = by_id[v.claim_id]
        rows.append(
            {
                **v.as_dict(),
                "statement": claim["statement"],
                "source": claim["source"],
                "published": claim["published"],
                "comparison": claim["comparison"],
                "kind": claim["kind"],
                "seeds": claim.get("seeds"),
                "deviations": claim.get("deviations", []),
                "figures": claim.get("figures", []),
            }
        )
        print(f"{v.claim_id}: {v.verdict} ({v.reason})")
    write_json(
        args.out,
        {
            "replication": ledger["replication"],
            "paper": ledger["paper"],
            "scale": args.scale,
            "summary": summarize(verdicts),
            "claims": rows,
            "deviations": ledger.get("deviations", []),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
