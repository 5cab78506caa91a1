"""Checks the Snakefile runs before any job: targets, device, ledgers, params, locks, outputs.

Each check fails with a message naming what is wrong and what is allowed, or repairs what it
can prove safe to repair (a lock whose owner is dead; an output that is missing or differs from
its recorded sha256 is rebuilt). Pure Python, no Snakemake imports, so each is unit-tested.
"""

from __future__ import annotations

import atexit
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from replications._workflow.io import read_json
from replications._workflow.provenance import sha256_file
from replications._workflow.validation import (
    ConfigError,
    check_claim_figures,
    check_claim_seeds,
    load_ledger,
    params_files,
    validate_params,
)

AGGREGATE_TARGETS = ("all", "figures/all", "figures/CLAIMS.md")


# --------------------------------------------------------------------------------------------
# Device


def check_device(device: str, cuda_available: Callable[[], bool] | None = None) -> str:
    """Fail before any job runs when ``device: cuda`` is set and no GPU is visible.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"}
        The config's device.
    cuda_available : callable, optional
        Returns whether torch sees a CUDA device (default: ask torch; only imported for
        ``cuda``).

    Returns
    -------
    str
        The device as configured.
    """
    if device == "cuda":
        if cuda_available is None:

            def cuda_available() -> bool:
                import torch

                return bool(torch.cuda.is_available())

        if not cuda_available():
            raise ConfigError(
                "config.device = 'cuda' but torch sees no CUDA device on this machine; "
                "set device to 'auto' (CUDA when present, else CPU) or 'cpu', e.g. "
                "`snakemake figures/all --config device=auto`"
            )
    return device


# --------------------------------------------------------------------------------------------
# Targets


def _target_replication(target: str, figures: str, results: str) -> str | None:
    for root in (figures, results, "figures", "results"):
        m = re.match(rf"^{re.escape(root)}/([^/]+)/", target)
        if m and m.group(1) not in ("paper", "logs", "benchmarks"):
            return m.group(1)
    return None


def scale_targets(targets: Iterable[str], figures: str, results: str) -> list[str]:
    """Targets at the build's scale: ``figures/x`` means ``figures/paper/x`` at scale paper.

    The same command (``snakemake figures/all --config scale=paper``) builds the paper scale's
    outputs, which live beside the default's under ``figures/paper`` and ``results/paper``.
    ``figures/CLAIMS.md`` covers both scales and keeps its path.
    """
    out = []
    for t in targets:
        for root, scaled in (("figures", figures), ("results", results)):
            if (
                scaled != root
                and t.startswith(f"{root}/")
                and not t.startswith(f"{scaled}/")
                and t != "figures/CLAIMS.md"
            ):
                t = f"{scaled}/{t[len(root) + 1 :]}"
        out.append(t)
    return out


def check_targets(
    targets: Iterable[str], available: Iterable[str], figures: str, results: str
) -> None:
    """Fail with the list of known replications when a target names an unknown one."""
    known = sorted(available)
    for t in targets:
        name = _target_replication(t, figures, results)
        if name is not None and name not in known:
            raise ConfigError(
                f"unknown target {t!r}: there is no replication {name!r}; known replications "
                f"are {known} (e.g. `snakemake figures/{known[0]}/all`)"
            )


def targeted_replications(
    targets: Iterable[str], selected: Iterable[str], figures: str, results: str
) -> list[str]:
    """The replications a build's targets cover (all selected ones for aggregate targets)."""
    targets = list(targets)
    selected = list(selected)
    if not targets or any(
        t in AGGREGATE_TARGETS or t.startswith(f"{figures}/all") for t in targets
    ):
        return selected
    names = {_target_replication(t, figures, results) for t in targets}
    return [n for n in selected if n in names]


# --------------------------------------------------------------------------------------------
# Ledger and params of one replication


def check_replication(folder: Path, registered_figures: Iterable[str], figures_root: str) -> None:
    """Ledger schema and cross-checks, figures, seeds, params schema at both scales."""
    ledger_path = folder / "claims.yaml"
    ledger = load_ledger(ledger_path)
    # Claims name default-scale paths (figures/<name>/x.png); a paper build registers the same
    # figures under figures/paper/<name>/.
    prefix = f"{figures_root}/"
    as_default = [
        "figures/" + f[len(prefix) :] if f.startswith(prefix) else f for f in registered_figures
    ]
    check_claim_figures(ledger, as_default, str(ledger_path))
    by_scale: dict[str, list] = {"default": [], "paper": []}
    for params_path in params_files(folder):
        resolved = validate_params(params_path)
        for scale, block in resolved.items():
            by_scale[scale].append(block)
    check_claim_seeds(ledger, by_scale, str(ledger_path))


# --------------------------------------------------------------------------------------------
# Locks left by a killed snakemake


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        # A recycled pid that is not a snakemake process does not hold our lock.
        return b"snakemake" in cmdline.read_bytes()
    return True


def clear_stale_lock(root: Path, argv: list[str] | None = None) -> str | None:
    """Remove a lock whose owners are provably dead; record this process as an owner.

    Snakemake locks the working directory while it runs; a snakemake killed by SIGKILL or
    SIGHUP leaves the lock behind and the same command then refuses to start. Every build
    records its pid in ``.snakemake/hr-owners/``; a lock whose recorded owners are all dead
    is removed (the same command resumes). A lock with no recorded owner is left alone and the
    message says the exact commands to resume.

    Returns
    -------
    str or None
        What was done or must be done (also printed), or None when there was no lock.
    """
    argv = list(sys.argv if argv is None else argv)
    smk = root / ".snakemake"
    locks = sorted((smk / "locks").glob("*.lock")) if (smk / "locks").is_dir() else []
    owners_dir = smk / "hr-owners"
    owners = []
    if owners_dir.is_dir():
        for f in owners_dir.iterdir():
            if f.name.isdigit():
                owners.append(int(f.name))
    live = [p for p in owners if p != os.getpid() and _alive(p)]
    for p in owners:
        if p not in live and p != os.getpid():
            (owners_dir / str(p)).unlink(missing_ok=True)
    message = None
    if locks and not live:
        if owners:
            for lock in locks:
                lock.unlink(missing_ok=True)
            message = (
                f"[lock] removed the lock left by a killed snakemake (pid "
                f"{', '.join(map(str, sorted(owners)))}); resuming"
            )
        else:
            cmd = " ".join(shlex.quote(a) for a in ["snakemake", *argv[1:]])
            message = (
                "[lock] .snakemake/locks holds a lock with no live snakemake recorded: if no "
                "other snakemake runs in this folder, resume with\n"
                f"    snakemake --unlock && {cmd}"
            )
    if message:
        print(message, file=sys.stderr)
    owners_dir.mkdir(parents=True, exist_ok=True)
    me = owners_dir / str(os.getpid())
    me.write_text(" ".join(argv))
    atexit.register(lambda: me.unlink(missing_ok=True))
    return message


# --------------------------------------------------------------------------------------------
# Outputs recorded in the manifests


def recorded_outputs(manifest: Mapping[str, Any]) -> dict[str, str]:
    """``{path: sha256}`` of every file a replication manifest records."""
    out: dict[str, str] = {}
    for fig in manifest.get("figures", []):
        out[fig["path"]] = fig["sha256"]
        for key in ("pdf", "sidecar"):
            if fig.get(f"{key}_sha256"):
                out[fig[key]] = fig[f"{key}_sha256"]
    claims = manifest.get("claims")
    if claims and claims.get("sha256"):
        out[claims["path"]] = claims["sha256"]
    out.update(manifest.get("intermediates", {}))
    return out


def damaged_outputs(
    root: Path, names: Iterable[str], figures: str, results: str
) -> list[tuple[str, str]]:
    """``(path, why)`` for every recorded output that is missing or differs from its sha256.

    A manifest that cannot be read is itself reported (it is rebuilt).
    """
    problems: list[tuple[str, str]] = []
    for name in names:
        manifest_path = f"{figures}/{name}/all"
        full = root / manifest_path
        if not full.exists():
            continue
        try:
            manifest = read_json(full)
            recorded = recorded_outputs(manifest)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append((manifest_path, f"manifest unreadable ({type(exc).__name__})"))
            continue
        for path, sha in sorted(recorded.items()):
            p = root / path
            if not p.exists():
                problems.append((path, "missing (recorded in the manifest)"))
            elif sha256_file(p) != sha:
                problems.append((path, "differs from its recorded sha256 (altered or truncated)"))
    return problems


def hook_dag_settings(workflow: Any, callback: Callable[[Any], None]) -> bool:
    """Call ``callback(dag_settings)`` when Snakemake hands the workflow its DAG settings.

    Snakemake parses the Snakefile before it knows the targets; it then assigns
    ``workflow.dag_settings`` and builds the DAG. The callback runs in between (it may add to
    ``forcerun``). Returns False (and does nothing) if this Snakemake has no such attribute.
    """
    cls = type(workflow)
    if "dag_settings" not in getattr(cls, "__dataclass_fields__", {}):
        return False

    class _Hooked(cls):  # type: ignore[misc, valid-type]
        @property
        def dag_settings(self):  # type: ignore[override]
            return self.__dict__.get("_hr_dag_settings")

        @dag_settings.setter
        def dag_settings(self, value):
            if value is not None:
                callback(value)
            self.__dict__["_hr_dag_settings"] = value

    _Hooked.__name__ = cls.__name__
    _Hooked.__qualname__ = cls.__qualname__
    current = workflow.__dict__.pop("dag_settings", None)
    workflow.__class__ = _Hooked
    workflow.__dict__["_hr_dag_settings"] = current
    return True


# --------------------------------------------------------------------------------------------
# Planned cost


def print_plan(selected: Iterable[str], registry: Mapping[str, Mapping], scale: str) -> None:
    """Print, per replication, the planned CPU-hours and peak memory of its rules at ``scale``."""
    lines = [
        f"[plan] scale {scale}: declared cost per replication (from replications/*/"
        "resources.yaml; measured or extrapolated)"
    ]
    total_h = 0.0
    for name in selected:
        rules = registry.get(name, {}).get("resources", {})
        cpu_h = sum(r.get("runtime", 0) for r in rules.values()) / 60.0
        peak = max((r.get("mem_mb", 0) for r in rules.values()), default=0)
        gpu = any(r.get("gpu", 0) for r in rules.values())
        total_h += cpu_h
        missing = registry.get(name, {}).get("resources_missing", [])
        note = f"; no declared cost for {len(missing)} rule(s)" if missing else ""
        lines.append(
            f"[plan]   {name}: {cpu_h:.2f} CPU-h, peak {peak} MB"
            f"{', needs a GPU' if gpu else ''}{note}"
        )
    lines.append(f"[plan]   total: {total_h:.2f} CPU-h")
    print("\n".join(lines), file=sys.stderr)
