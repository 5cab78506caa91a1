"""Write <figures>/all: the manifest of every figure (sha256, provenance) and the claims summary.

Every known replication whose manifest exists at this scale is included: a partial build
(``--config replications=[x]``) merges with the last results of the others, each marked with
the commit of the build that made it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from replications._workflow.io import read_json, write_json


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--replications", nargs="+", required=True, help="every known replication")
    ap.add_argument("--figures-root", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    reps = {}
    for name in args.replications:
        path = Path(args.figures_root) / name / "all"
        if path.exists():
            reps[name] = read_json(path)
    totals: dict[str, int] = {}
    paper: dict[str, int] = {}
    for rep in reps.values():
        for verdict, n in rep["summary"].items():
            totals[verdict] = totals.get(verdict, 0) + n
        for bucket, n in rep["headline"]["paper"].items():
            paper[bucket] = paper.get(bucket, 0) + n
    write_json(
        args.out,
        {
            "config_hash": args.config_hash,
            # The report holds job runtimes, so its hash is not stable; the manifest is.
            "claims_report": args.report,
            # Headline: claims of the papers only (origin "paper", not superseded).
            "paper_claims_summary": paper,
            # Every claim of every origin, by verdict.
            "claims_summary": totals,
            "replications": reps,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
