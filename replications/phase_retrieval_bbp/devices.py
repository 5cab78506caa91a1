"""Where a compute step runs: the configured device, read once per job and logged.

Every step that imports torch reads the build's device with
``replications._workflow.runtime.configured_device()`` (config ``device``) through
:func:`step_device`, which logs one line saying what runs where. Instances and starting points
are drawn on the CPU with per-seed generators and then moved (``model.make_instances``), so the
numbers do not depend on the device; the gradient dynamics run on it. The Hessian spectra run on
the CPU by design: the Lanczos HVPs of ``shared.hessian.torch_hessian_operator`` exchange numpy
vectors with ``shared.linalg.lanczos`` and the dense spectra use ``scipy.linalg.eigh``.
"""

from __future__ import annotations

import sys

from replications._workflow.runtime import configured_device

_CPU_WHY = (
    "Lanczos HVPs exchange numpy vectors (shared.hessian / shared.linalg), dense spectra use "
    "scipy eigh"
)


def step_device(step: str, *, dynamics: bool) -> str:
    """The configured device (``"cpu"`` or ``"cuda"``), with one log line on stderr.

    Parameters
    ----------
    step : str
        The step's name, for the log.
    dynamics : bool
        Whether the step runs the gradient dynamics (on the device); otherwise it computes
        Hessian spectra only and runs on the CPU whatever the device.
    """
    dev = configured_device()
    if dynamics:
        where = f"gradient dynamics on {dev}, Hessian spectra on the CPU ({_CPU_WHY})"
    else:
        where = f"configured device {dev}; runs on the CPU by design ({_CPU_WHY})"
    print(f"[device] {step}: {where}", file=sys.stderr)
    return dev
