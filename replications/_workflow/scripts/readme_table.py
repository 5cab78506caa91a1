"""Render a replication's verdict table and figure captions from claims.json.

Usage: python readme_table.py --claims C --readme R --out O [--figures F ...] [--captions-dir D]
Writes the table block to ``--out`` (a build output) and, at the default scale, rewrites the
README's generated block in place when it differs (a paper-scale build never touches the
README). With ``--figures``, writes one reStructuredText caption per figure naming the claims it
supports and their verdicts (the HTML report of ``make report`` shows them).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from replications._workflow.io import read_json, write_text
from replications._workflow.readme import figure_caption, render_block, sync_readme


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--claims", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--figures", nargs="*", default=[])
    ap.add_argument("--captions-dir")
    args = ap.parse_args(argv)
    claims = read_json(args.claims)
    write_text(args.out, render_block(claims) + "\n")
    for png in args.figures:
        stem = Path(png).stem
        write_text(Path(args.captions_dir) / f"{stem}.rst", figure_caption(claims, stem))
    if claims["scale"] == "default":
        changed = sync_readme(Path(args.readme), claims)
        print(f"{args.readme}: generated block {'rewritten' if changed else 'unchanged'}")
    else:
        print(f"scale {claims['scale']!r}: README not touched (its block shows the default scale)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
