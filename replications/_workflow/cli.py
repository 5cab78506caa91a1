"""Command-line plumbing shared by replication scripts: standard arguments and parameters."""

from __future__ import annotations

import argparse

from replications._workflow.validation import load_params


def parser(description: str | None) -> argparse.ArgumentParser:
    """An argument parser with the arguments every compute script takes.

    ``--params`` (the replication's params.yaml) and ``--scale`` (default / paper).
    """
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--params", required=True, help="the replication's params.yaml")
    ap.add_argument("--scale", required=True, choices=["default", "paper"])
    return ap


def params_of(args: argparse.Namespace) -> dict:
    """The parameters of ``args.scale`` from ``args.params``."""
    return load_params(args.params, args.scale)


def compute_parser(description: str | None) -> argparse.ArgumentParser:
    """:func:`parser` plus ``--out-npz`` and ``--out-json`` (arrays; numbers and metadata)."""
    ap = parser(description)
    ap.add_argument("--out-npz", required=True, help="arrays (curves, trajectories)")
    ap.add_argument("--out-json", required=True, help="scalars and metadata")
    return ap


def plot_parser(description: str | None) -> argparse.ArgumentParser:
    """The arguments of a plot script: the numbers it reads and what ``save_figure`` records.

    ``--npz`` / ``--json`` (computed numbers), ``--config-hash``, ``--compute-benchmark`` (the
    producing job's benchmark file, for the sidecar's runtime) and ``--out`` (the PNG path).
    """
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--npz", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--config-hash", required=True)
    ap.add_argument("--compute-benchmark")
    ap.add_argument("--out", required=True)
    return ap
