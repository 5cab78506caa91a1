"""Atomic file output: a killed job never leaves a half-written file that looks finished.

Every writer goes to a temporary file in the target's folder and renames it into place
(``os.replace`` is atomic on POSIX), so an output either exists complete or not at all.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; give the output the permissions a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _to_jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def _strict(obj: Any) -> Any:
    """Non-finite floats as the strings "nan", "inf", "-inf" (strict JSON has no such tokens)."""
    if isinstance(obj, float | np.floating) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, np.ndarray):
        return _strict(obj.tolist())
    if isinstance(obj, Mapping):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_strict(v) for v in obj]
    return obj


def write_json(path: str | Path, data: Any, *, strict: bool = False) -> None:
    """Write ``data`` as indented, key-sorted JSON (stable bytes for equal data).

    With ``strict=True`` non-finite numbers are written as strings (``"nan"``, ``"inf"``,
    ``"-inf"``) so any JSON parser reads the file; otherwise as Python's ``NaN`` tokens.
    """
    if strict:
        data = _strict(data)
    text = json.dumps(data, indent=2, sort_keys=True, default=_to_jsonable, allow_nan=not strict)
    write_text(path, text + "\n")


def write_measurements(path: str | Path, claims: Mapping[str, Any]) -> None:
    """Write a replication's ``measurements.json``: one entry per claim id.

    The file records the script that wrote it (the running script, relative to the repository)
    so every verdict links to the code behind its number; a claim may override it with its own
    ``"script"`` entry. Non-finite numbers are written as strings (strict JSON).
    """
    from replications._workflow.validation import REPO_ROOT

    script = Path(sys.argv[0]).resolve()
    try:
        script_rel = script.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        script_rel = script.name
    write_json(path, {"script": script_rel, "claims": dict(claims)}, strict=True)


def write_text(path: str | Path, text: str) -> None:
    """Write text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def read_json(path: str | Path) -> Any:
    """Read a JSON file."""
    return json.loads(Path(path).read_text())


def write_npz(path: str | Path, arrays: Mapping[str, Any]) -> None:
    """Write arrays to a compressed ``.npz`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **{k: np.asarray(v) for k, v in arrays.items()})


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Read every array of an ``.npz`` into a dict."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}
