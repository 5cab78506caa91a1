"""The device read of the compute steps: the configured device, with one log line."""

from __future__ import annotations

import pytest

from replications.phase_retrieval_bbp.devices import step_device


@pytest.mark.parametrize("dynamics", [True, False])
def test_step_device_reads_config_and_logs_one_line(monkeypatch, capsys, dynamics):
    monkeypatch.setenv("HESSIAN_REPLICATIONS_DEVICE", "cpu")
    assert step_device("demo", dynamics=dynamics) == "cpu"
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("[device] demo: ")
    assert ("runs on the CPU by design" in lines[0]) != dynamics


def test_step_device_rejects_unknown_device(monkeypatch):
    monkeypatch.setenv("HESSIAN_REPLICATIONS_DEVICE", "tpu")
    with pytest.raises(ValueError, match="tpu"):
        step_device("demo", dynamics=True)
