"""The build's device for the rdsa_bias compute steps: read, logged, and left unused.

Every compute step of this replication runs numpy float64 on the CPU by design: the estimators
are exact stencils and enumerations, and the Newton recursions batch small (N <= 100) dense
kernels over 100 replications, so an accelerator would not pay for its transfers, and CPU
float64 is the arithmetic the recorded numbers were built with. ``shared.zeroth_order`` (which
they import) has an optional torch estimator, imported lazily, that this replication never
calls; the steps read the configured device setting (without importing torch) and log one line
saying they run on the CPU (README, "Runtime").
"""

from __future__ import annotations

import sys

from replications._workflow.runtime import device_setting

CPU_REASON = (
    "numpy float64 on the CPU by design (small batched kernels; the recorded numbers are CPU "
    "float64 arithmetic)"
)


def read_device_run_on_cpu(step: str) -> str:
    """Read the build's device, log that ``step`` runs on the CPU and why; return the device."""
    device = device_setting()
    print(
        f"[device] {step}: configured device {device!r}; runs on CPU: {CPU_REASON}",
        file=sys.stderr,
        flush=True,
    )
    return device
