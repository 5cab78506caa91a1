"""Tests of the claim measurements (measure_claims.py) on small synthetic inputs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "measure_claims.py"


@pytest.fixture(scope="module")
def mc():
    spec = importlib.util.spec_from_file_location("rb_measure_claims", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def cell(nmse: float, se: float) -> dict:
    return {"nmse": nmse, "se": se}


def test_compare_reads_the_previous_budget_of_the_grid(mc) -> None:
    newton = {
        "quartic": {
            "cells": {
                "a/B1000": cell(0.10, 0.01),
                "a/B2000": cell(0.05, 0.01),
                "a/B5000": cell(0.049, 0.001),
            }
        }
    }
    out = mc.compare(
        newton,
        [("quartic", "a", "a", 2000), ("quartic", "a", "a", 5000)],
        reference_budget={2000: 1000, 5000: 2000},
    )
    # value = NMSE(B) + 2 SE, rhs = NMSE(previous B) - 2 SE.
    np.testing.assert_allclose(out["value"], [0.07, 0.051])
    np.testing.assert_allclose(out["rhs"], [0.08, 0.03])
    assert [v < r for v, r in zip(out["value"], out["rhs"], strict=True)] == [True, False]
    assert out["details"]["cases"] == ["quartic/a: B2000 vs B1000", "quartic/a: B5000 vs B2000"]


def test_newton_claims_read_the_named_budgets_not_the_grid_ends(mc) -> None:
    # A grid 1000..10000 with claim budgets 2000 / 10000: the small-budget claim must read 2000.
    laws, ms, budgets = ["uniform", "asym_bernoulli"], [1, 2, 3, 4], [1000, 2000, 5000, 10000]
    cells = {}
    for b in budgets:
        cells[f"2spsa/B{b}"] = cell(1.0 / b, 0.0)
        for law in laws:
            for m in ms:
                cells[f"rdsa_{law}_m{m}/B{b}"] = cell(m / b, 0.0)
    for b in (1500, 7500):
        cells[f"2spsa/B{b}"] = cell(1.0 / b, 0.0)
        for law in laws:
            cells[f"rdsa_{law}_m1/B{b}"] = cell(1.0 / b, 0.0)
    cells["eps_sweep/eps0.0001/B2000"] = cell(1.0, 0.0)
    params = {
        "laws": laws,
        "ms": ms,
        "budgets": budgets,
        "claim_budget_low": 2000,
        "claim_budget_high": 10000,
        "fraction_laws": laws,
        "fraction_budgets": [2000, 10000],
        "budget_fraction": 0.75,
        "eps_budget": 2000,
        "eps_sweep": [0.0001, 1.0],
    }
    counts = {"2spsa": {"oracle_points": 4}}
    counts.update({f"rdsa_{w}_m{m}": {"oracle_points": 2 * m + 1} for w in laws for m in ms})
    newton = {
        f: {
            "params": params,
            "cells": cells,
            "eval_counts": counts,
            "eps_sweep": {
                "0.0001": "eps_sweep/eps0.0001/B2000",
                "1": "rdsa_asym_bernoulli_m1/B2000",
            },
        }
        for f in ("quadratic", "quartic")
    }
    out = mc.newton_claims(newton)
    assert out["more-measurements-help-small-budget"]["details"]["cases"][0] == (
        "quartic/B2000: rdsa_uniform_m2 vs rdsa_uniform_m1"
    )
    conv = out["newton-converges-with-budget"]["details"]["cases"]
    # m = 1, 2, 3 only (m = 4 is in the grid, not in the first-session claim), 2 functions.
    assert len(conv) == 2 * 2 * 3 and all("NMSE(10000) vs NMSE(2000)" in c for c in conv)
    assert [
        c.split(": ")[0] for c in out["asym-bernoulli-2rdsa-better-than-2spsa"]["details"]["cases"]
    ] == ["quadratic/B2000", "quadratic/B10000", "quartic/B2000", "quartic/B10000"]
    assert len(out["more-measurements-help-m4-vs-m3"]["value"]) == 2 * 2  # budgets 5000, 10000
    grid = out["newton-nmse-decreases-along-budget-grid"]
    assert len(grid["value"]) == (1 + len(laws) * len(ms)) * 3
    assert out["generalized-uses-2m-plus-1-measurements"]["value"] is True
    # Controls: the quadratic for "more measurements help", eps = 1e-4 vs 2SPSA, 2SPSA at 75%.
    q = out["more-measurements-help-quartic"]
    assert len(q["control"]["value"]) == len(q["value"])
    assert q["details"]["control_cases"][0].startswith("quadratic/B5000")
    asym = out["asym-bernoulli-2rdsa-better-than-2spsa"]["details"]["control_cases"]
    assert asym == [
        "quadratic: eps_sweep/eps0.0001/B2000 vs 2spsa/B2000",
        "quartic: eps_sweep/eps0.0001/B2000 vs 2spsa/B2000",
    ]
    np.testing.assert_allclose(
        out["rdsa2-needs-75-percent-of-2spsa-evaluations"]["control"]["value"],
        [2000 / 1500, 10000 / 7500] * 2,
    )


def test_rastrigin_claims_cases(mc) -> None:
    ra = {
        "params": {"ms": [1, 2, 3], "budgets": [2000, 10000]},
        "cells": {f"m{m}/B{b}": cell(1.0 / (m * b), 0.0) for m in (1, 2, 3) for b in (2000, 10000)},
    }
    out = mc.rastrigin_claims(ra)
    conv = out["rastrigin-newton-converges"]
    assert all(v < r for v, r in zip(conv["value"], conv["rhs"], strict=True))
    helps = out["rastrigin-more-measurements-help"]
    assert helps["details"]["cases"] == [
        "B2000: m2 vs m1",
        "B2000: m3 vs m2",
        "B10000: m2 vs m1",
        "B10000: m3 vs m2",
    ]
    assert all(v < r for v, r in zip(helps["value"], helps["rhs"], strict=True))


def nonpoly_cell(variant, m, b, s, nmse, systematic, diverged=False) -> dict:
    return {
        "variant": variant,
        "m": m,
        "budget": b,
        "seed": s,
        "nmse": nmse,
        "se": 0.0,
        "systematic": systematic,
        "diverged": diverged,
    }


def test_nonpoly_claims_flags_and_controls(mc) -> None:
    params = {
        "seeds": [31, 32],
        "control_seeds": [31],
        "ms": [1, 2, 3],
        "budgets": [2000, 10000],
        "claim_budget_low": 2000,
        "claim_budget_high": 10000,
    }
    cells = {}
    for s in (31, 32):
        for m in (1, 2, 3):
            for b in (2000, 10000):
                # m = 2 at seed 32 is noise-dominated (systematic part below half its NMSE).
                sys_part = 0.1 / (m * b) if (m, s) == (2, 32) else 0.9 / (m * b)
                cells[f"expquad/s{s}/m{m}/B{b}"] = nonpoly_cell(
                    "expquad", m, b, s, 1.0 / (m * b), sys_part, diverged=(m, s, b) == (3, 31, 2000)
                )
    for m in (1, 2, 3):
        for b in (2000, 10000):
            cells[f"control/s31/m{m}/B{b}"] = nonpoly_cell("control", m, b, 31, m / b, 0.0)
            cells[f"expquad_const_c/s31/m{m}/B{b}"] = nonpoly_cell(
                "expquad_const_c", m, b, 31, 0.01, 0.01
            )
    out = mc.nonpoly_claims({"params": params, "cells": cells})
    conv = out["nonpoly-newton-converges"]
    assert len(conv["value"]) == 2 * 3 and conv["seeds"] == [31, 32]
    # The diverged flag marks the case whose 2000-budget run diverged (seed 31, m = 3).
    assert conv["flags"]["diverged"] == [False, False, True, False, False, False]
    assert (
        len(conv["control"]["value"]) == 3 and conv["control"]["flags"]["diverged"] == [False] * 3
    )
    m3 = out["nonpoly-newton-m3-beats-m2"]
    assert m3["details"]["cases"][0] == "expquad/s31/B2000: m3 vs m2"
    # noise_dominated looks at the fewer-measurement run (m = 2): seed 32 only.
    assert m3["flags"]["noise_dominated"] == [False, False, True, True]
    assert m3["flags"]["diverged"] == [True, False, False, False]
    assert m3["details"]["control_cases"] == [
        "control/s31/B2000: m3 vs m2",
        "control/s31/B10000: m3 vs m2",
    ]
    assert all(v < r for v, r in zip(m3["value"], m3["rhs"], strict=True))
    # On the control objective more measurements lose (nmse = m / b): the control fails.
    ctrl = m3["control"]
    assert not any(v < r for v, r in zip(ctrl["value"], ctrl["rhs"], strict=True))
    assert set(out) == {
        "nonpoly-newton-converges",
        "nonpoly-newton-m2-beats-m1",
        "nonpoly-newton-m3-beats-m2",
    }


def test_every_paper_claim_has_a_designed_control_and_superseded_claims_exist() -> None:
    import yaml

    ledger = yaml.safe_load((SCRIPT.parents[1] / "claims.yaml").read_text())
    ids = {c["id"] for c in ledger["claims"]}
    for c in ledger["claims"]:
        if c["origin"] == "paper":
            assert c["control"] != "pending", c["id"]
        if c.get("supersedes"):
            assert c["supersedes"] in ids and c["registered"]["date"], c["id"]
        if c["origin"] != "paper":
            assert c.get("origin_note"), c["id"]
    superseded = {c["supersedes"] for c in ledger["claims"] if c.get("supersedes")}
    assert {
        "more-measurements-help-quadratic",
        "more-measurements-help-m3-vs-m2",
        "more-measurements-help-m4-vs-m3",
        "newton-converges-with-budget",
        "lowrank-nystrom-beats-full-hessian-in-high-dimension",
    } <= superseded
