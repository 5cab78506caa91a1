"""Declared cost of every rule (runtime, peak memory, GPU) per scale: resources.yaml.

Each replication keeps ``replications/<name>/resources.yaml``::

    <rule name>:
      default: {runtime: <minutes of one core>, mem_mb: <peak MB>}
      paper: {runtime: ..., mem_mb: ..., gpu: 0, source: "measured" or "extrapolated: ..."}

The helpers of ``helpers.smk`` give each rule these resources (so the SLURM profile asks for
what a job needs), and ``make figures-paper`` / the paper-scale dry run read them to plan.
This module refreshes the measured entries from the Snakemake benchmark files of a build:

    python -m replications._workflow.resources <name> [--scale default|paper]

Measured wall seconds become minutes with a safety factor of 2 (at least 1 minute); the peak
resident memory (``max_rss``) gets a factor of 1.5 (at least 200 MB), rounded up to 100 MB.
Entries written by hand (``source: extrapolated ...``) are kept unless a measurement exists.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable
from pathlib import Path

import yaml

from replications._workflow.validation import REPO_ROOT, load_yaml

RUNTIME_FACTOR, MEM_FACTOR = 2.0, 1.5


def read_benchmark(path: Path) -> tuple[float, float]:
    """(wall seconds, max_rss MB) of the last run in a Snakemake benchmark TSV."""
    lines = path.read_text().strip().splitlines()
    header, values = lines[0].split("\t"), lines[-1].split("\t")
    row = dict(zip(header, values, strict=False))

    def num(key: str) -> float:
        try:
            return float(row.get(key, "nan"))
        except ValueError:
            return math.nan

    return num("s"), num("max_rss")


def measured_costs(bench_dir: Path, rules: Iterable[str], name: str) -> dict[str, dict]:
    """Cost per rule from the benchmark files of one replication (max over wildcard jobs)."""
    out: dict[str, dict] = {}
    files = sorted(bench_dir.glob("*.tsv")) if bench_dir.is_dir() else []
    rules = list(rules)
    steps = [r[len(name) + 1 :] if r.startswith(name + "_") else r for r in rules]

    def owner(stem: str) -> str | None:
        # The longest step the file belongs to: `theta_followups.tsv` is not a `theta` job.
        cands = [s for s in steps if stem == s or stem.startswith(s + "_")]
        return max(cands, key=len) if cands else None

    for rule, step in zip(rules, steps, strict=True):
        hits = [f for f in files if owner(f.stem) == step]
        if not hits:
            continue
        secs, rss = zip(*(read_benchmark(f) for f in hits), strict=True)
        s = max((x for x in secs if math.isfinite(x)), default=0.0)
        m = max((x for x in rss if math.isfinite(x)), default=0.0)
        out[rule] = {
            "runtime": max(1, math.ceil(RUNTIME_FACTOR * s / 60)),
            "mem_mb": max(200, math.ceil(MEM_FACTOR * m / 100.0) * 100),
            "source": f"measured: {s:.0f} s, {m:.0f} MB peak",
        }
    return out


def rules_of(name: str, root: Path = REPO_ROOT) -> list[str]:
    """Rule names of a replication, as the workflow defines them (``snakemake --list-rules``)."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules", "--config", f"replications=[{name}]"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return sorted(r for r in out if r.startswith(name + "_"))


def update(name: str, scale: str, root: Path = REPO_ROOT) -> Path:
    """Refresh ``resources.yaml`` of ``name`` with the costs measured at ``scale``."""
    path = root / "replications" / name / "resources.yaml"
    data = (load_yaml(path) or {}) if path.exists() else {}
    bench_dir = root / ("results" if scale == "default" else "results/paper") / "benchmarks" / name
    existing = set(data)
    for rule, cost in measured_costs(
        bench_dir, sorted(existing | set(rules_of(name, root))), name
    ).items():
        data.setdefault(rule, {})[scale] = cost
    header = (
        "# Declared cost per rule and scale: runtime (minutes of one core), mem_mb (peak MB),\n"
        "# gpu (count). 'measured' entries come from benchmark files via\n"
        f"# `python -m replications._workflow.resources {name} --scale <scale>`; paper entries\n"
        "# marked 'extrapolated' say from what. See replications/_workflow/resources.py.\n"
    )
    path.write_text(header + yaml.safe_dump(dict(sorted(data.items())), sort_keys=True, width=100))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="+")
    ap.add_argument("--scale", default="default", choices=["default", "paper"])
    args = ap.parse_args(argv)
    for name in args.names:
        print(f"wrote {update(name, args.scale)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
