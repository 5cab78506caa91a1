"""Dry runs of the whole workflow, parsed into jobs (shared by the workflow and conformance
tests; each distinct dry run is made once per test session)."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from dataclasses import dataclass

from replications._workflow.validation import REPO_ROOT


@dataclass(frozen=True)
class Job:
    rule: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    resources: str


@functools.cache
def dry_run_text(*extra: str) -> str:
    """Output of ``snakemake -n figures/all --forceall <extra>`` (asserts it succeeded)."""
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "figures/all", "--forceall", *extra],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


def _field(block: str, name: str) -> tuple[str, ...]:
    m = re.search(rf"^\s+{name}: (.*)$", block, flags=re.M)
    return tuple(x.strip() for x in m.group(1).split(",")) if m else ()


@functools.cache
def dry_run_jobs(*extra: str) -> tuple[Job, ...]:
    """The planned jobs of a dry run with their inputs, outputs and resources."""
    text = dry_run_text(*extra)
    blocks = re.split(r"\n(?=(?:local)?rule \w+:)", text)
    jobs = []
    for b in blocks:
        m = re.match(r"(?:local)?rule (\w+):", b)
        if m:
            res = _field(b, "resources")
            jobs.append(Job(m.group(1), _field(b, "input"), _field(b, "output"), ", ".join(res)))
    return tuple(jobs)
