"""Fault injection (slow, ``make test-slow``): every fault the workflow's users hit is answered
by a clear error before any job runs, or by a rebuild to byte-identical outputs with the same
command.

The whole module works in a copy of the repository under a path containing a space, run by an
interpreter whose path contains that space (the build must quote every path).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replications._workflow.validation import REPO_ROOT

pytestmark = pytest.mark.slow

NAME = "optimizer_hessians"
COPY = [
    "Snakefile",
    "config",
    "profiles",
    "shared",
    "replications/__init__.py",
    "replications/_workflow",
    f"replications/{NAME}",
]
VENV = Path(sys.executable).parent.parent


def _copy_repo(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for rel in COPY:
        src, dst = REPO_ROOT / rel, dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=ignore)
        else:
            shutil.copy2(src, dst)
    # The interpreter is reached through a path with a space in it.
    (dest / ".venv").symlink_to(VENV)


def smk(root: Path, *args: str, wait: bool = True, timeout: float = 900):
    cmd = [str(root / ".venv" / "bin" / "python"), "-m", "snakemake", *args]
    proc = subprocess.Popen(
        cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if not wait:
        return proc
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def outputs(root: Path) -> dict[str, str]:
    """sha256 of every output file except logs and benchmarks (and the runtimes report)."""
    out = {}
    for top in ("results", "figures"):
        for p in sorted((root / top).rglob("*")):
            rel = p.relative_to(root).as_posix()
            if (
                p.is_file()
                and "/logs/" not in rel
                and "/benchmarks/" not in rel
                and not rel.endswith("CLAIMS.md")
                and not p.name.startswith(".")
            ):
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults") / "a checkout with spaces"
    _copy_repo(root)
    rc, log = smk(root, "figures/all")
    assert rc == 0, log[-3000:]
    return root, outputs(root)


def _rebuilds_identically(root: Path, baseline: dict, expect: str) -> None:
    rc, log = smk(root, "figures/all")
    assert rc == 0, log[-3000:]
    assert expect in log, log[-3000:]
    assert outputs(root) == baseline
    rc, log = smk(root, "figures/all")
    assert rc == 0 and "Nothing to be done" in log, log[-2000:]


def test_build_in_a_path_with_spaces(repo):
    root, baseline = repo
    assert f"figures/{NAME}/claims.json" in baseline
    assert " " in str(root)
    # Each figure of a multi-figure plot() call is its own picture (a late-bound shell command
    # once drew every one as the last).
    trajectories = [v for k, v in baseline.items() if "/trajectory_" in k and k.endswith(".png")]
    assert len(trajectories) == 4 and len(set(trajectories)) == 4


def test_deleted_figure_is_rebuilt(repo):
    root, baseline = repo
    (root / f"figures/{NAME}/eigen_decay.png").unlink()
    (root / f"figures/{NAME}/eigen_decay.pdf").unlink()
    _rebuilds_identically(root, baseline, f"figures/{NAME}/eigen_decay.png: missing")


def test_deleted_intermediate_is_rebuilt(repo):
    root, baseline = repo
    (root / f"results/{NAME}/analysis.npz").unlink()
    _rebuilds_identically(root, baseline, f"results/{NAME}/analysis.npz: missing")


def test_truncated_intermediate_is_rebuilt(repo):
    root, baseline = repo
    p = root / f"results/{NAME}/trajectories.json"
    p.write_bytes(p.read_bytes()[:50])
    _rebuilds_identically(root, baseline, "trajectories.json: differs from its recorded sha256")


def test_hand_edited_intermediate_is_not_used(repo):
    root, baseline = repo
    p = root / f"results/{NAME}/measurements.json"
    p.write_text(p.read_text().replace('"value": 420', '"value": 421'))
    _rebuilds_identically(root, baseline, "measurements.json: differs from its recorded sha256")


def _with_params(root: Path, edit) -> tuple[int, str]:
    p = root / f"replications/{NAME}/params.yaml"
    original = p.read_text()
    try:
        p.write_text(edit(original))
        return smk(root, "figures/all")
    finally:
        p.write_text(original)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("max_epochs: 10000", "max_epochs: -5", "params.max_epochs = -5"),
        ("max_epochs: 10000", "max_epochs: 10000\n  max_epoch: 10", "unknown key(s) ['max_epoch']"),
        ("tolerance: 1.0e-6", "tolerance: 1e-6", "params.tolerance = '1e-6' has type str"),
    ],
    ids=["negative", "typo", "yaml-string-float"],
)
def test_bad_params_fail_before_any_job(repo, old, new, message):
    root, _ = repo
    rc, log = _with_params(root, lambda text: text.replace(old, new, 1))
    assert rc != 0
    assert message in log and f"replications/{NAME}/params.yaml" in log, log[-2000:]
    assert "Job stats" not in log


def test_yaml_error_in_config_names_line_and_column(repo):
    root, _ = repo
    cfg = root / "config" / "config.yaml"
    original = cfg.read_text()
    try:
        cfg.write_text(original.replace("device: auto", "device: [auto"))
        rc, log = smk(root, "figures/all")
    finally:
        cfg.write_text(original)
    assert rc != 0 and "config/config.yaml:" in log and "YAML syntax error" in log, log[-2000:]


def test_unknown_target_lists_known_replications(repo):
    root, _ = repo
    rc, log = smk(root, "-n", "figures/optimizer_hessian/all")
    assert rc != 0
    assert "no replication 'optimizer_hessian'" in log and "['optimizer_hessians']" in log


def test_cuda_without_gpu_fails_before_any_job(repo):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    root, _ = repo
    rc, log = smk(root, "-n", "figures/all", "--config", "device=cuda")
    assert rc != 0 and "config.device = 'cuda' but torch sees no CUDA device" in log


def test_changing_the_device_reruns_only_accelerated_steps(repo):
    root, _ = repo
    rc, log = smk(root, "-n", "figures/all", "--config", "device=cpu")
    assert rc == 0, log[-2000:]
    # optimizer_hessians runs torch in its compute steps: they rerun on a device change, and
    # the steps that use no torch / jax do not.
    assert f"rule {NAME}_trajectories:" in log, log[-3000:]
    assert "params" in log.lower()
    assert f"rule {NAME}_measure:" in log  # downstream of a rerun step
    rc, log = smk(root, "-n", "figures/all", "--config", "device=auto")
    assert "Nothing to be done" in log


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP], ids=["SIGKILL", "SIGHUP"])
def test_killed_snakemake_resumes_with_the_same_command(repo, sig):
    root, baseline = repo
    proc = smk(
        root, "figures/all", "--forcerun", f"{NAME}_trajectories", "--cores", "1", wait=False
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list((root / ".snakemake" / "locks").glob("*")):
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(proc.pid, sig)
    proc.communicate(timeout=120)
    # Its job may still run (orphaned): wait for it, as a user would find the machine.
    subprocess.run(["pkill", "-9", "-f", str(root / "replications")], check=False)
    rc, log = smk(root, "figures/all")
    assert rc == 0, log[-3000:]
    assert "Directory cannot be locked" not in log
    assert outputs(root) == baseline


def test_half_made_venv_is_rebuilt(tmp_path):
    """`make install` detects a venv without pip and rebuilds it (tiny project, no downloads)."""
    (tmp_path / "Makefile").write_text((REPO_ROOT / "Makefile").read_text())
    (tmp_path / "requirements.lock").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "0"\n[tool.setuptools]\npy-modules = []\n'
    )
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", ".venv"], cwd=tmp_path, check=True
    )
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    out = subprocess.run(
        ["make", "install", f"PYTHON={sys.base_prefix}/bin/python3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    text = out.stdout + out.stderr
    assert ".venv is incomplete" in text, text[-2000:]
    assert (tmp_path / ".venv" / ".installed").exists() or "pip" in text


def test_python_without_ensurepip_gets_the_one_line_fix(tmp_path):
    fake = tmp_path / "python3"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$*" in *"import ensurepip"*) exit 1;; esac\n'
        f'exec {sys.base_prefix}/bin/python3 "$@"\n'
    )
    fake.chmod(0o755)
    (tmp_path / "Makefile").write_text((REPO_ROOT / "Makefile").read_text())
    (tmp_path / "requirements.lock").write_text("")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "tiny"\nversion = "0"\n')
    out = subprocess.run(
        ["make", "install", f"PYTHON={fake}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    assert "has no ensurepip" in out.stdout + out.stderr
    assert not (tmp_path / ".venv").exists()
