"""Command line and inputs common to the plot scripts (reading only; nothing is computed)."""

from __future__ import annotations

import argparse

from replications._workflow.io import read_json


def read_inputs(description: str | None) -> tuple[argparse.Namespace, dict]:
    """Parse the plot scripts' arguments and read every computed file."""
    ap = argparse.ArgumentParser(description=description)
    for name in ("theory", "spectrum", "time", "measurements"):
        ap.add_argument(f"--{name}", required=True)
    ap.add_argument("--ts-scan", required=True)
    ap.add_argument("--spectral-m0", required=True)
    ap.add_argument("--success", nargs=3, required=True, help="random, constrained, spectral")
    ap.add_argument("--spectrum-dense", required=True)
    ap.add_argument("--plateau", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    data = {
        "theory": read_json(args.theory),
        "spectrum": read_json(args.spectrum),
        "time": read_json(args.time),
        "ts_scan": read_json(args.ts_scan),
        "spectral_m0": read_json(args.spectral_m0),
        "measurements": read_json(args.measurements)["claims"],
        "success": {d["init"]: d for d in (read_json(p) for p in args.success)},
        "dense": read_json(args.spectrum_dense),
        "plateau": read_json(args.plateau),
    }
    return args, data


def sources(args: argparse.Namespace) -> list[str]:
    """The input files of a figure, for its provenance sidecar."""
    return [
        args.theory,
        args.spectrum,
        args.time,
        args.ts_scan,
        args.spectral_m0,
        args.measurements,
        *args.success,
        args.spectrum_dense,
        args.plateau,
    ]
