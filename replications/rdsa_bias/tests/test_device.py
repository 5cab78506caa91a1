"""The compute steps read the build's device and say they run on the CPU (README, Runtime)."""

from __future__ import annotations

from pathlib import Path

import pytest

from replications._workflow.deps import reads_device, uses_accelerator
from replications.rdsa_bias.device import read_device_run_on_cpu

SCRIPTS = sorted((Path(__file__).resolve().parents[1] / "scripts").glob("*.py"))


def test_reads_the_configured_device_and_logs_cpu(monkeypatch, capsys):
    monkeypatch.setenv("HESSIAN_REPLICATIONS_DEVICE", "cpu")
    assert read_device_run_on_cpu("bias") == "cpu"
    err = capsys.readouterr().err
    assert err.startswith("[device] bias: configured device 'cpu'; runs on CPU")


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_every_step_given_the_device_reads_it(script):
    if uses_accelerator(script):
        assert reads_device(script), f"{script.name} gets the device param but never reads it"
