"""The device of this replication's compute steps: the CPU, whatever the configured device.

Their mathematics is numpy / scipy float64 (the ADMM of ``shared.admm_sdp`` with a dense
``eigh`` per step, PCA by SVD, Clarabel for references): no torch or jax code runs. Each step
still reads the configured device and says in its log that it runs on the CPU.
"""

from __future__ import annotations

from replications._workflow import runtime


def cpu_by_design(step: str) -> str:
    """Log one line: ``step`` runs on the CPU, and why; return ``"cpu"``."""
    return runtime.cpu_by_design(
        f"{step}: numpy / scipy float64 ADMM with a dense eigh per step; no torch or jax code"
    )
