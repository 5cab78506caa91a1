"""An interrupted build resumes with the same command and gives the same numbers (slow)."""

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replications._workflow.validation import REPO_ROOT

COPY = [
    "Snakefile",
    "config",
    "profiles",
    "shared",
    "replications/__init__.py",
    "replications/_workflow",
    "replications/optimizer_hessians",
]
TARGET = "figures/optimizer_hessians/all"


def _copy_repo(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for rel in COPY:
        src, dst = REPO_ROOT / rel, dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=ignore)
        else:
            shutil.copy2(src, dst)


def _snakemake(cwd: Path, *extra: str) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        TARGET,
        "--config",
        "replications=[optimizer_hessians]",
        *extra,
    ]
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_killed_job_resumes_to_identical_numbers(tmp_path):
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    _copy_repo(clean)
    _copy_repo(killed)
    assert _snakemake(clean).wait(timeout=600) == 0

    proc = _snakemake(killed)
    # Kill the first compute job as soon as it runs: its outputs must not be taken as done.
    deadline = time.monotonic() + 120
    victim = None
    while victim is None and time.monotonic() < deadline:
        # Only this build runs the replication's compute scripts at this point.
        out = subprocess.run(
            ["pgrep", "-f", "optimizer_hessians/scripts/compute_"], capture_output=True, text=True
        ).stdout.split()
        victim = int(out[0]) if out else None
        time.sleep(0.05)
    assert victim is not None, "no compute job started"
    subprocess.run(["kill", f"-{signal.SIGKILL.value}", str(victim)], check=False)
    assert proc.wait(timeout=600) != 0, "the interrupted build should have failed"

    assert _snakemake(killed).wait(timeout=600) == 0
    for rel in (
        "results/optimizer_hessians/measurements.json",
        "figures/optimizer_hessians/claims.json",
    ):
        assert (killed / rel).read_bytes() == (clean / rel).read_bytes(), rel
