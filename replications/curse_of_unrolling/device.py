"""The device of the curse-of-unrolling steps: read from the build, and JAX kept on the CPU.

Every step whose code imports jax (``compute_synthetic``, ``compute_real``, ``measure_claims``
through ``model``) gets the build's ``device`` as a param and reads it here, as the workflow's
device contract asks. These steps run on the CPU whatever the device, by design:

- the problems are p <= 50 float64 recurrences run as one sequential ``jax.lax.scan`` of
  thousands of tiny steps (latency-bound: a GPU has nothing to parallelise);
- the recorded numbers (``results/curse_of_unrolling``, ``claims.json``) are CPU float64
  arithmetic, and the scale-aware checks bound rounding with a CPU forward-error model.

README, "Runtime", says the same.
"""

from __future__ import annotations

import sys

import jax

from replications._workflow.runtime import device_setting

WHY = "p <= 50 float64 lax.scan recurrences (latency-bound) and CPU float64 recorded numbers"


def cpu_device(step: str) -> str:
    """Read the configured device, pin JAX to the CPU and log one line saying so.

    Must run before the first JAX computation (JAX picks its backend lazily).

    Returns
    -------
    str
        ``"cpu"``, the device the step runs on.
    """
    configured = device_setting()
    jax.config.update("jax_platforms", "cpu")
    print(f"[device] {step}: configured {configured!r}; runs on cpu ({WHY})", file=sys.stderr)
    return "cpu"
