"""The project modules a script imports, transitively: the code inputs of a workflow rule.

A rule lists every project file its script runs (the script, the ``shared/`` and
``replications/`` modules it imports, their imports, and the packages' ``__init__.py``), so
editing any of them reruns exactly the rules that depend on it. Third-party and standard
library imports are ignored (the lock file pins those).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from replications._workflow.validation import REPO_ROOT

#: Top-level packages of the project whose modules count as code inputs.
PROJECT_PACKAGES = ("shared", "replications")


def _module_file(dotted: str, root: Path) -> Path | None:
    """The file of module ``dotted`` (``a.b.c`` -> ``a/b/c.py`` or ``a/b/c/__init__.py``)."""
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_inits(dotted: str, root: Path) -> list[Path]:
    """``__init__.py`` of every package on the way to ``dotted`` (they run on import)."""
    parts = dotted.split(".")
    out = []
    for i in range(1, len(parts) + 1):
        init = root.joinpath(*parts[:i], "__init__.py")
        if init.is_file():
            out.append(init)
    return out


def _imports_of(path: Path, root: Path) -> set[str]:
    """Dotted names of the project modules ``path`` imports (``from a.b import c`` -> a.b.c
    when ``c`` is a module, else a.b)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    try:
        package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    except ValueError:
        package = ""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names = [base] + [f"{base}.{a.name}" for a in node.names if a.name != "*"]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PROJECT_PACKAGES and _module_file(name, root):
                found.add(name)
    return found


@cache
def _closure(path: Path, root: Path) -> frozenset[Path]:
    seen: set[Path] = set()
    todo = [path]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name in _imports_of(current, root):
            module = _module_file(name, root)
            if module is not None:
                todo.append(module)
            todo.extend(_package_inits(name, root))
    return frozenset(seen)


def code_inputs(scripts: str | Path | Iterable[str | Path], root: Path = REPO_ROOT) -> list[str]:
    """Repository-relative paths of every project file the scripts run, sorted.

    Parameters
    ----------
    scripts : path or iterable of paths
        Scripts (repository-relative or absolute).
    root : Path
        The repository root.

    Returns
    -------
    list of str
        The scripts themselves and every ``shared/`` / ``replications/`` module they import,
        transitively, with the ``__init__.py`` of each package on the way.

    Raises
    ------
    FileNotFoundError
        If a script does not exist (naming it).
    """
    if isinstance(scripts, str | Path):
        scripts = [scripts]
    root = Path(root).resolve()
    files: set[Path] = set()
    for script in scripts:
        p = Path(script)
        p = p if p.is_absolute() else root / p
        if not p.is_file():
            raise FileNotFoundError(f"code_inputs: script {script} does not exist")
        files |= _closure(p.resolve(), root)
    return sorted(f.relative_to(root).as_posix() for f in files)


ACCELERATED = ("torch", "jax")


def _module_level_imports(tree: ast.Module) -> list[str]:
    """Modules imported when the module runs (not inside functions or classes)."""
    names: list[str] = []
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.append(node.module or "")
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                todo.extend(getattr(node, field, []))
        elif isinstance(node, ast.ExceptHandler):
            todo.extend(node.body)
    return names


def uses_accelerator(scripts: str | Path | Iterable[str | Path], root: Path = REPO_ROOT) -> bool:
    """Whether the scripts (or a project module they import) import torch or jax when loaded.

    Such a step runs on the configured device: the device is one of its params (changing it
    reruns the step) and its code must read it (``runtime.configured_device()``). In ``shared/``
    only module-level imports count (an import inside a function is an optional path the step
    may never take); in a replication's own code any import counts.
    """
    for rel in code_inputs(scripts, root):
        if rel.startswith("replications/_workflow/"):
            continue  # the build machinery imports torch only to resolve the device
        tree = ast.parse((Path(root) / rel).read_text())
        # A replication's own code importing torch anywhere uses it; a shared module's import
        # inside a function is an optional path the step may never take.
        if rel.startswith("shared/"):
            names = _module_level_imports(tree)
        else:
            names = [
                a.name if isinstance(node, ast.Import) else (node.module or "")
                for node in ast.walk(tree)
                if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0)
                for a in (node.names if isinstance(node, ast.Import) else [None])
            ]
        if any(n.split(".")[0] in ACCELERATED for n in names):
            return True
    return False


def reads_device(scripts: str | Path | Iterable[str | Path], root: Path = REPO_ROOT) -> bool:
    """Whether the scripts' code reads the configured device (``configured_device``,
    ``cpu_by_design`` or ``device_setting``): the build's device contract."""
    return any(
        any(
            call in (Path(root) / rel).read_text()
            for call in ("configured_device(", "cpu_by_design(", "device_setting(")
        )
        for rel in code_inputs(scripts, root)
        if not rel.endswith("_workflow/runtime.py")
    )
