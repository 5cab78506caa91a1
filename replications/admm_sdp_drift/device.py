"""The build's device contract for this replication's compute steps: read it, run on the CPU.

The compute scripts import ``replications._workflow.runtime`` (thread pinning, progress), which
may import torch to resolve the device, so the workflow treats them as device-aware steps and
passes the configured device as a param. Their mathematics is numpy / scipy float64 (the ADMM
of ``shared.admm_sdp`` with a dense ``eigh`` per step, PCA by SVD, Clarabel for references):
no torch or jax code runs, so they run on the CPU whatever the device, and say so in the log.
"""

from __future__ import annotations

import sys

from replications._workflow.runtime import configured_device


def cpu_by_design(step: str) -> str:
    """Read the configured device and log one line: ``step`` runs on the CPU, and why.

    Returns the configured device (``"cpu"`` or ``"cuda"``), which this replication does not
    use for computation.
    """
    device = configured_device()
    print(
        f"[device] {step}: configured device {device}; this step runs on the CPU by design "
        "(numpy / scipy float64 ADMM with a dense eigh per step; no torch or jax code)",
        file=sys.stderr,
        flush=True,
    )
    return device
