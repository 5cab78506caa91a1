"""Plan (and run) the paper scale: which replications fit this machine, and what the rest need.

Usage: python -m replications._workflow.paper_plan [--limit-minutes 30] [--replications a,b]
       [--run]

A replication fits when its declared paper-scale cost (``replications/<name>/resources.yaml``)
needs no GPU that is absent, its peak memory fits in 80% of this machine's memory, and its
summed CPU time divided by the cores Snakemake uses is within the limit. Replications named
with ``--replications`` are built whatever their cost. With ``--run`` the fitting (or named)
replications are built with ``snakemake figures/all --config scale=paper replications=[...]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from replications._workflow.validation import REPO_ROOT, load_yaml


@dataclass(frozen=True)
class PaperCost:
    """Declared paper-scale cost of one replication."""

    name: str
    cpu_minutes: float
    peak_mb: int
    gpu: bool
    undeclared: tuple[str, ...]


def paper_cost(name: str, root: Path = REPO_ROOT) -> PaperCost:
    """Sum of the rules' paper runtimes, their peak memory, whether any needs a GPU."""
    path = root / "replications" / name / "resources.yaml"
    data = (load_yaml(path) or {}) if path.exists() else {}
    cpu, peak, gpu, missing = 0.0, 0, False, []
    for rule, scales in sorted(data.items()):
        c = (scales or {}).get("paper")
        if not c:
            missing.append(rule)
            continue
        cpu += float(c.get("runtime", 0))
        peak = max(peak, int(c.get("mem_mb", 0)))
        gpu = gpu or bool(c.get("gpu"))
    if not data:
        missing.append("(no resources.yaml)")
    return PaperCost(name, cpu, peak, gpu, tuple(missing))


def machine() -> tuple[int, int, bool]:
    """(cores Snakemake uses, total memory in MB, whether torch sees a CUDA device)."""
    cores = 2
    profile = REPO_ROOT / "profiles" / "default" / "config.yaml"
    if profile.exists():
        cores = int((load_yaml(profile) or {}).get("cores", cores))
    cores = min(cores, os.cpu_count() or cores)
    mem = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    try:
        import torch

        gpu = bool(torch.cuda.is_available())
    except ImportError:
        gpu = False
    return cores, mem, gpu


def plan(
    names: list[str], limit_minutes: float, cores: int, mem_mb: int, gpu: bool
) -> tuple[list[str], list[str]]:
    """(replications that fit, one line per replication saying why it does or does not)."""
    fit, lines = [], []
    for name in names:
        c = paper_cost(name)
        wall = c.cpu_minutes / max(cores, 1)
        need = []
        if c.undeclared:
            need.append(f"no declared paper cost for {len(c.undeclared)} rule(s)")
        if c.gpu and not gpu:
            need.append("a GPU")
        if mem_mb and c.peak_mb > 0.8 * mem_mb:
            need.append(f"{c.peak_mb} MB of memory (this machine: {mem_mb} MB)")
        if wall > limit_minutes:
            cpu_h = c.cpu_minutes / 60
            need.append(f"about {wall / 60:.1f} h on {cores} cores ({cpu_h:.1f} CPU-h)")
        if need:
            lines.append(
                f"[paper] skip {name}: needs {', '.join(need)}; build it explicitly "
                f"with `make figures-paper REPLICATIONS={name}`"
            )
        else:
            fit.append(name)
            lines.append(
                f"[paper] build {name}: about {wall:.0f} min on {cores} cores, peak {c.peak_mb} MB"
            )
    return fit, lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit-minutes", type=float, default=30.0)
    ap.add_argument("--replications", default="", help="comma-separated: build these anyway")
    ap.add_argument("--run", action="store_true")
    args = ap.parse_args(argv)
    known = sorted(
        p.parent.name
        for p in (REPO_ROOT / "replications").glob("*/rules.smk")
        if not p.parent.name.startswith("_")
    )
    chosen = [n for n in args.replications.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in known]
    if unknown:
        print(f"error: unknown replication(s) {unknown}; known: {known}", file=sys.stderr)
        return 2
    cores, mem, gpu = machine()
    print(
        f"[paper] this machine: {cores} cores for Snakemake, {mem} MB, "
        f"{'a' if gpu else 'no'} GPU; limit {args.limit_minutes:.0f} min per replication"
    )
    if chosen:
        todo = chosen
        print(f"[paper] building the named replications: {', '.join(todo)}")
    else:
        todo, lines = plan(known, args.limit_minutes, cores, mem, gpu)
        print("\n".join(lines))
    if not args.run or not todo:
        return 0
    selected = f"replications=[{','.join(todo)}]"
    cmd = ["snakemake", "figures/all", "--config", "scale=paper", selected]
    print("[paper] " + " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=REPO_ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
