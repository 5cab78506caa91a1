"""Tests of the non-polynomial Newton runs (compute_nonpoly.py, README D12) on tiny budgets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compute_nonpoly.py"

PARAMS = {
    "dim": 10,
    "x0": 1.0,
    "sigma": 0.001,
    "replications": 4,
    "seeds": [31, 32],
    "budgets": [100, 300],
    "claim_budget_low": 100,
    "claim_budget_high": 300,
    "law": "uniform",
    "ms": [1, 2],
    "warm_fraction": 0.2,
    "a": 10.0,
    "A": 0.0,
    "alpha": 1.0,
    "c": 2.0,
    "h0": 500.0,
    "control_seeds": [31],
}


@pytest.fixture(scope="module")
def cn():
    spec = importlib.util.spec_from_file_location("rb_compute_nonpoly", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_gamma_is_the_m_dependent_exponent(cn) -> None:
    assert [cn.gamma_of(m) for m in (1, 2, 3, 4)] == [1 / 6, 1 / 10, 1 / 14, 1 / 18]


def test_cells_cover_seeds_controls_and_the_non_decaying_variant(cn) -> None:
    cells = cn.cells_of(PARAMS)
    assert len(cells) == 2 * 2 * 2 + 2 * 2 + 2 * 2
    assert ("control", 2, 300, 31) in cells and ("control", 1, 100, 32) not in cells
    assert ("expquad_const_c", 1, 300, 31) in cells


def test_run_cell_is_deterministic_counts_evaluations_and_reports_flags(cn) -> None:
    a, ra = cn.run_cell("expquad", 2, 300, 31, PARAMS)
    b, rb = cn.run_cell("expquad", 2, 300, 31, PARAMS)
    np.testing.assert_array_equal(ra, rb)
    assert a == b
    assert a["n_evals"] <= 300 and a["n_iter"] == (300 - 2 * a["n_iter_warm"]) // 5
    assert 0.0 <= a["systematic"] <= a["nmse"] + 1e-12 and a["diverged"] is False
    # Different seeds and variants draw different streams.
    c, _ = cn.run_cell("expquad", 2, 300, 32, PARAMS)
    d, _ = cn.run_cell("control", 2, 300, 31, PARAMS)
    assert len({a["nmse"], c["nmse"], d["nmse"]}) == 3
    # The non-decaying variant keeps c_k = c0; the control objective has no bias to predict.
    e, _ = cn.run_cell("expquad_const_c", 1, 300, 31, PARAMS)
    assert e["c_last"] == PARAMS["c"] and d["predicted_bias_nmse"] == 0.0
    assert a["predicted_bias_nmse"] > 0.0
