"""Run-time set-up of a compute job: thread pinning, device choice, progress reporting."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_threads(n: int = 1) -> None:
    """Pin BLAS / OpenMP / torch / XLA to ``n`` threads.

    Must run before numpy, torch or jax are imported to affect BLAS; the Snakefile also
    exports the variables, so this only matters for scripts run by hand.
    """
    for var in _THREAD_VARS:
        os.environ[var] = str(n)
    os.environ.setdefault(
        "XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={n}"
    )
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(n)


def resolve_device(device: str) -> str:
    """Map the config's ``device`` (auto / cpu / cuda) to ``"cpu"`` or ``"cuda"`` for torch."""
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device = {device!r} is not allowed; allowed values are auto, cpu, cuda")
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise RuntimeError("device = 'cuda' was requested but torch sees no CUDA device")
    return "cpu"


def configured_device() -> str:
    """The build's device for torch (``"cpu"`` or ``"cuda"``), from the config's ``device``.

    The Snakefile exports ``config.device`` as ``HESSIAN_REPLICATIONS_DEVICE``; scripts run by
    hand default to ``auto``.
    """
    return resolve_device(os.environ.get("HESSIAN_REPLICATIONS_DEVICE", "auto"))


def device_setting() -> str:
    """The configured device as set (``auto`` / ``cpu`` / ``cuda``), without resolving it.

    For steps that run on the CPU by design: resolving ``auto`` would import torch.
    """
    return os.environ.get("HESSIAN_REPLICATIONS_DEVICE", "auto")


def cpu_by_design(reason: str, stream: TextIO | None = None) -> str:
    """Read the configured device for a step that runs on the CPU by design; return ``"cpu"``.

    The device contract: every torch / jax step reads the configured device. A step whose
    published numbers are CPU arithmetic (e.g. float32 on the CPU) says so in its log when a
    GPU is configured, instead of silently ignoring the setting.
    """
    # The raw setting, not resolved: resolving 'auto' would import torch in numpy-only steps.
    device = device_setting()
    if device != "cpu":
        print(
            f"device {device!r} configured; this step runs on the CPU by design: {reason}",
            file=stream or sys.stderr,
        )
    return "cpu"


class Progress:
    """Report progress of a long loop to a log stream: done / total, elapsed, time left.

    Timing goes to the log only, never into result files.
    """

    def __init__(self, total: int, label: str, *, every: int = 1, stream: TextIO | None = None):
        self.total, self.label, self.every = total, label, max(1, every)
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.done = 0

    def step(self, n: int = 1, note: str = "") -> None:
        """Record ``n`` finished units and print a line every ``every`` units and at the end."""
        self.done += n
        if self.done % self.every and self.done != self.total:
            return
        elapsed = time.monotonic() - self.start
        left = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        print(
            f"[{self.label}] {self.done}/{self.total} done, {elapsed:.1f}s elapsed, "
            f"~{left:.1f}s left{' | ' + note if note else ''}",
            file=self.stream,
            flush=True,
        )
