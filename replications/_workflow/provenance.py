"""Provenance of every output: git commit, config hash, package versions, device."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from replications._workflow.validation import REPO_ROOT

DEFAULT_PACKAGES = ("numpy", "scipy", "torch", "jax", "cvxpy", "matplotlib", "snakemake")


def _dirty_hash(repo: Path) -> str | None:
    """Short sha256 of the uncommitted changes (tracked diff and untracked files), or None.

    Markdown files are left out: the build itself rewrites the generated blocks of the
    replication READMEs, and documentation does not change any output.
    """
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary", "--", ".", ":(exclude)*.md"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z", "--", ".", ":(exclude)*.md"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    if not diff and not untracked:
        return None
    h = hashlib.sha256(diff)
    for name in sorted(n for n in untracked.split(b"\0") if n):
        h.update(name)
        path = Path(repo) / name.decode()
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def git_commit(repo: str | Path = REPO_ROOT) -> str:
    """The checked-out commit; ``<sha>+dirty.<hash>`` with uncommitted changes; ``unknown``.

    Untracked files count (a new replication not yet committed is dirty); the hash identifies
    the uncommitted changes, so two dirty builds from different edits are told apart.
    """
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = _dirty_hash(Path(repo))
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{sha}+dirty.{dirty}" if dirty else sha


def config_hash(*parts: Mapping[str, Any]) -> str:
    """Short sha256 of the canonical JSON of the given mappings (config, params, ...)."""
    blob = json.dumps(list(parts), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def package_versions(names: Iterable[str] = DEFAULT_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` (``not installed`` where absent)."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
