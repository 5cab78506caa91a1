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
