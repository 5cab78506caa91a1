"""Saving figures with provenance: PNG + PDF with metadata, plus a sidecar JSON.

Plot scripts only read numbers and draw; this module writes the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from replications._workflow.io import atomic_path, write_json
from replications._workflow.provenance import git_commit, package_versions
from shared.plotting import house_style

__all__ = ["house_style", "plt", "read_benchmark_seconds", "save_figure"]


def read_benchmark_seconds(path: str | Path | None) -> float | None:
    """Wall seconds of a finished job from its Snakemake benchmark TSV (None if absent)."""
    if not path or not Path(path).exists():
        return None
    lines = Path(path).read_text().strip().splitlines()
    if len(lines) < 2:
        return None
    header, values = lines[0].split("\t"), lines[-1].split("\t")
    try:
        return float(values[header.index("s")])
    except (ValueError, IndexError):
        return None


def save_figure(
    fig: matplotlib.figure.Figure,
    png_path: str | Path,
    *,
    replication: str,
    config_hash: str,
    seed: int | str | None,
    sources: list[str],
    compute_benchmark: str | Path | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Write ``png_path``, its PDF twin and ``<png>.json`` with provenance.

    The PNG and PDF embed git commit, config hash and seed in their metadata; neither embeds a
    date, so rebuilding the same commit gives the same bytes. The sidecar JSON adds package
    versions, the input files and the compute job's benchmark file (runtimes live there: a
    wall-clock time in the sidecar would make its bytes differ between identical builds).
    """
    png_path = Path(png_path)
    commit = git_commit()
    desc = f"hessian-replications/{replication}; commit {commit}; config {config_hash}; seed {seed}"
    png_meta = {
        "Title": png_path.stem,
        "Description": desc,
        "Source": commit,
        "Comment": f"config_hash={config_hash} seed={seed}",
    }
    pdf_meta = {
        "Title": png_path.stem,
        "Subject": desc,
        "Keywords": f"commit={commit} config_hash={config_hash} seed={seed}",
        "CreationDate": None,
        "ModDate": None,
    }
    with atomic_path(png_path) as tmp:
        fig.savefig(tmp, format="png", metadata=png_meta)
    with atomic_path(png_path.with_suffix(".pdf")) as tmp:
        fig.savefig(tmp, format="pdf", metadata=pdf_meta)
    plt.close(fig)
    sidecar = {
        "figure": str(png_path),
        "replication": replication,
        "git_commit": commit,
        "config_hash": config_hash,
        "seed": seed,
        "sources": sources,
        "packages": package_versions(),
        # Runtimes stay in the benchmark files (wall-clock times are not reproducible bytes).
        "compute_benchmark": str(compute_benchmark) if compute_benchmark else None,
        **(dict(extra) if extra else {}),
    }
    write_json(png_path.with_suffix(".json"), sidecar)
