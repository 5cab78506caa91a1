"""Write <figures>/<name>/all: every figure and intermediate of one replication with sha256.

The manifest is what the next build checks before planning: a recorded file that is missing or
differs from its sha256 is rebuilt (see replications/_workflow/preflight.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from replications._workflow.io import read_json, write_json
from replications._workflow.provenance import git_commit, sha256_file

#: Files under the results folder that are not workflow outputs (written beside them).
_NOT_RECORDED = ("captions",)


def intermediates(results_dir: Path) -> dict[str, str]:
    """``{path: sha256}`` of every file in a replication's results folder."""
    out = {}
    if not results_dir.is_dir():
        return out
    for p in sorted(results_dir.rglob("*")):
        rel = p.relative_to(results_dir)
        if not p.is_file() or rel.parts[0] in _NOT_RECORDED or p.name.startswith("."):
            continue
        out[p.as_posix()] = sha256_file(p)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--name", required=True)
    ap.add_argument("--claims", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--figures", nargs="*", default=[])
    ap.add_argument("--results-dir")
    args = ap.parse_args(argv)

    figures = []
    for png in args.figures:
        png_path = Path(png)
        sidecar_path = png_path.with_suffix(".json")
        sidecar = read_json(sidecar_path)
        figures.append(
            {
                "path": png,
                "sha256": sha256_file(png),
                "pdf": png_path.with_suffix(".pdf").as_posix(),
                "pdf_sha256": sha256_file(png_path.with_suffix(".pdf")),
                "sidecar": sidecar_path.as_posix(),
                "sidecar_sha256": sha256_file(sidecar_path),
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
            "git_commit": git_commit(),
            "figures": figures,
            "claims": {"path": args.claims, "sha256": sha256_file(args.claims)},
            "intermediates": intermediates(Path(args.results_dir)) if args.results_dir else {},
            "summary": claims["summary"],
            "headline": claims["headline"],
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
