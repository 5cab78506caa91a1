"""Rerunning a compute step gives byte-identical numbers (no hidden RNG state, no wall-clock)."""

import subprocess
import sys

import pytest

from replications._workflow.validation import REPO_ROOT

SCRIPTS = [
    "replications/optimizer_hessians/scripts/compute_trajectories.py",
    "replications/optimizer_hessians/scripts/compute_analysis.py",
]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.split("/")[-1])
def test_compute_scripts_are_byte_deterministic(tmp_path, script):
    outputs = []
    for run in ("a", "b"):
        d = tmp_path / run
        subprocess.run(
            [
                sys.executable,
                script,
                "--params",
                "replications/optimizer_hessians/params.yaml",
                "--scale",
                "default",
                "--out-npz",
                str(d / "out.npz"),
                "--out-json",
                str(d / "out.json"),
            ],
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
        outputs.append(((d / "out.json").read_bytes(), (d / "out.npz").read_bytes()))
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][1] == outputs[1][1]
