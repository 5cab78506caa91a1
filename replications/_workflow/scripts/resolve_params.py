"""Resolve a replication's params.yaml for one scale into results/<name>/<stem>.<scale>.json.

Compute rules take the resolved file as input: its path holds the scale, so switching
`--config scale=...` changes every compute rule's input and reruns it. The file holds the
parameters in both blocks, so `load_params(resolved, scale)` returns them for either scale.
"""

from __future__ import annotations

import argparse

from replications._workflow.io import write_json
from replications._workflow.validation import load_params


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--params", required=True)
    ap.add_argument("--scale", required=True, choices=["default", "paper"])
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    resolved = load_params(args.params, args.scale)
    write_json(args.out, {"default": resolved, "paper": resolved, "resolved_scale": args.scale})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
