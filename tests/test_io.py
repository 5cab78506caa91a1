"""Atomic outputs: an interrupted writer leaves nothing that looks finished."""

import json

import numpy as np
import pytest

from replications._workflow.io import atomic_path, read_json, read_npz, write_json, write_npz


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text('{"half":')
        raise RuntimeError("killed")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_failed_rewrite_keeps_old_complete_file(tmp_path):
    target = tmp_path / "out.json"
    write_json(target, {"a": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("garbage")
        raise RuntimeError("killed")
    assert read_json(target) == {"a": 1}


def test_json_is_stable_and_npz_round_trips(tmp_path):
    write_json(tmp_path / "a.json", {"b": np.float64(1.5), "a": np.arange(3)})
    write_json(tmp_path / "b.json", {"a": [0, 1, 2], "b": 1.5})
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert json.loads((tmp_path / "a.json").read_text()) == {"a": [0, 1, 2], "b": 1.5}
    write_npz(tmp_path / "x.npz", {"x": np.eye(2)})
    np.testing.assert_array_equal(read_npz(tmp_path / "x.npz")["x"], np.eye(2))


def test_configured_device_follows_the_environment(monkeypatch):
    from replications._workflow.runtime import configured_device

    monkeypatch.setenv("HESSIAN_REPLICATIONS_DEVICE", "cpu")
    assert configured_device() == "cpu"
    monkeypatch.setenv("HESSIAN_REPLICATIONS_DEVICE", "tpu")
    with pytest.raises(ValueError, match="device = 'tpu' is not allowed"):
        configured_device()
