"""Write figures/<name>/all: every figure of one replication with sha256 and provenance."""

from __future__ import annotations

import argparse
from pathlib import Path

from replications._workflow.io import read_json, write_json
from replications._workflow.provenance import sha256_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--name", required=True)
    ap.add_argument("--claims", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--figures", nargs="*", default=[])
    args = ap.parse_args(argv)

    figures = []
    for png in args.figures:
        sidecar = read_json(Path(png).with_suffix(".json"))
        figures.append(
            {
                "path": png,
                "sha256": sha256_file(png),
                "pdf": str(Path(png).with_suffix(".pdf")),
                "git_commit": sidecar["git_commit"],
                "config_hash": sidecar["config_hash"],
                "seed": sidecar["seed"],
                "sources": sidecar["sources"],
            }
        )
    claims = read_json(args.claims)
    write_json(
        args.out,
        {
            "replication": args.name,
            "scale": claims["scale"],
            "figures": figures,
            "claims": {"path": args.claims, "sha256": sha256_file(args.claims)},
            "summary": claims["summary"],
            "headline": claims["headline"],
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
