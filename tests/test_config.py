"""Config, parameter and ledger validation: clear errors naming the key and what is allowed."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from replications._workflow.validation import (
    REPO_ROOT,
    ConfigError,
    check_claim_figures,
    check_claim_seeds,
    load_ledger,
    load_params,
    params_files,
    seeds_in_params,
    validate_config,
)

GOOD = {"scale": "default", "device": "auto", "replications": [], "threads_per_job": 1}
REPLICATION_DIRS = sorted(
    p.parent
    for p in (REPO_ROOT / "replications").glob("*/rules.smk")
    if not p.parent.name.startswith("_")
)


def test_shipped_config_is_valid():
    cfg = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    assert validate_config(cfg, ["optimizer_hessians"]) == cfg


def test_unknown_key_is_named_with_allowed_keys():
    with pytest.raises(ConfigError) as exc:
        validate_config({**GOOD, "scael": "paper"}, [])
    msg = str(exc.value)
    assert "scael" in msg and "allowed keys" in msg and "scale" in msg


def test_unknown_scale_lists_allowed_values():
    with pytest.raises(ConfigError, match=r"config\.scale = 'huge' is not allowed.*default.*paper"):
        validate_config({**GOOD, "scale": "huge"}, [])


def test_wrong_type_names_type():
    with pytest.raises(
        ConfigError, match=r"config\.threads_per_job = 'two' has type str; expected integer"
    ):
        validate_config({**GOOD, "threads_per_job": "two"}, [])


def test_unknown_replication_lists_available():
    with pytest.raises(
        ConfigError, match=r"unknown replication\(s\) \['nope'\]; available are \['a'\]"
    ):
        validate_config({**GOOD, "replications": ["nope"]}, ["a"])


def test_params_paper_block_overrides_and_rejects_unknown_keys(tmp_path):
    p = tmp_path / "params.yaml"
    p.write_text("default: {n: 10, opt: {lr: 1, steps: 5}}\npaper: {n: 1000, opt: {steps: 50}}\n")
    assert load_params(p, "default") == {"n": 10, "opt": {"lr": 1, "steps": 5}}
    assert load_params(p, "paper") == {"n": 1000, "opt": {"lr": 1, "steps": 50}}
    p.write_text("default: {n: 10}\npaper: {m: 3}\n")
    with pytest.raises(ConfigError, match=r"paper\.m is not a key of the default block"):
        load_params(p, "paper")
    with pytest.raises(ConfigError, match="scale = 'big' is not allowed"):
        load_params(p, "big")


@pytest.mark.parametrize("folder", REPLICATION_DIRS, ids=lambda p: p.name)
def test_every_ledger_validates(folder):
    ledger = load_ledger(folder / "claims.yaml")
    assert ledger["replication"] == folder.name


@pytest.mark.parametrize("folder", REPLICATION_DIRS, ids=lambda p: p.name)
def test_every_replication_folder_is_complete(folder):
    for name in ("README.md", "claims.yaml", "rules.smk", "params.yaml"):
        assert (folder / name).exists(), f"{folder.name}/{name} is missing"
    readme = (folder / "README.md").read_text()
    for dev in load_ledger(folder / "claims.yaml").get("deviations", []):
        assert dev["id"] in readme, f"{folder.name}/README.md does not list deviation {dev['id']}"


def _ledger(root, claims, deviations=()):
    folder = root / "toy"
    folder.mkdir(parents=True)
    doc = {
        "replication": "toy",
        "paper": {"title": "t", "authors": "a", "year": 2020},
        "deviations": [{"id": d, "text": "x"} for d in deviations],
        "claims": claims,
    }
    (folder / "claims.yaml").write_text(yaml.safe_dump(doc))
    return folder / "claims.yaml"


def _claim(cid="c-1", **kw):
    base = {
        "id": cid,
        "source": {"section": "1"},
        "statement": "a statement long enough",
        "published": {"value": 1.0},
        "comparison": {"type": "value", "rtol": 0.1},
        "kind": "deterministic",
        "scales": ["default"],
        "origin": "check",
    }
    return {**base, **kw}


def test_ledger_rejects_duplicate_ids_and_dangling_deviations(tmp_path):
    with pytest.raises(ConfigError, match="duplicate claim ids"):
        load_ledger(_ledger(tmp_path / "a", [_claim(), _claim()]))
    with pytest.raises(ConfigError, match=r"undefined deviation\(s\) \['D7'\]"):
        load_ledger(_ledger(tmp_path / "b", [_claim(deviations=["D7"])]))


def test_ledger_schema_errors_name_the_field(tmp_path):
    bad = _claim(comparison={"type": "value", "rtol": -1})
    with pytest.raises(ConfigError, match="rtol"):
        load_ledger(_ledger(tmp_path / "a", [bad]))
    with pytest.raises(
        ConfigError, match=r"type = 'valu' is not allowed; allowed values are \['value'"
    ):
        load_ledger(_ledger(tmp_path / "c", [_claim(comparison={"type": "valu"})]))
    with pytest.raises(ConfigError, match="seeds"):
        load_ledger(_ledger(tmp_path / "b", [_claim(kind="stochastic")]))


def test_snakemake_rejects_bad_config_before_any_job():
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "figures/all", "--config", "scale=huge"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "config.scale = 'huge' is not allowed" in text
    assert "Job stats" not in text


def test_replication_folders_found_on_disk():
    assert Path(REPO_ROOT / "replications" / "optimizer_hessians") in REPLICATION_DIRS


def test_part_ledgers_are_merged_and_ids_stay_unique(tmp_path):
    main = _ledger(tmp_path, [_claim("a-1", deviations=["D1"])], deviations=["D1"])
    part = {
        "replication": "toy",
        "paper": {"title": "t2", "authors": "b", "year": 2021},
        "deviations": [{"id": "P1-D1", "text": "y"}],
        "claims": [_claim("b-1", deviations=["P1-D1"])],
    }
    (main.parent / "claims_part1.yaml").write_text(yaml.safe_dump(part))
    ledger = load_ledger(main)
    assert [c["id"] for c in ledger["claims"]] == ["a-1", "b-1"]
    assert ledger["paper"]["title"] == "t"
    part["claims"] = [_claim("a-1")]
    (main.parent / "claims_part1.yaml").write_text(yaml.safe_dump(part))
    with pytest.raises(ConfigError, match=r"duplicate claim ids \['a-1'\]"):
        load_ledger(main)


# ---------------------------------------------------------------------------------------------
# Ledger v2: origin, control, supersedes, cross-field rules


def test_origin_is_required_and_paper_claims_need_a_control(tmp_path):
    no_origin = _claim()
    del no_origin["origin"]
    with pytest.raises(ConfigError, match="'origin' is a required property"):
        load_ledger(_ledger(tmp_path / "a", [no_origin]))
    with pytest.raises(ConfigError, match="'control' is a required property"):
        load_ledger(_ledger(tmp_path / "b", [_claim(origin="paper")]))
    for ok in ("pending", {"case": "the converging instance"}, {"none": "an identity, no case"}):
        load_ledger(_ledger(tmp_path / f"c{len(str(ok))}", [_claim(origin="paper", control=ok)]))
    with pytest.raises(ConfigError, match="origin"):
        load_ledger(_ledger(tmp_path / "d", [_claim(origin="blog")]))


def test_value_comparison_needs_a_numeric_published_value(tmp_path):
    bad = _claim(published={"text": "about 3"})
    with pytest.raises(ConfigError, match=r"claim 'c-1': published.value = None.*numeric"):
        load_ledger(_ledger(tmp_path, [bad]))


def test_interval_needs_low_below_high(tmp_path):
    bad = _claim(comparison={"type": "interval", "low": 2.0, "high": 1.0})
    with pytest.raises(ConfigError, match=r"claim 'c-1': comparison.low = 2.0 > comparison.high"):
        load_ledger(_ledger(tmp_path, [bad]))


def test_supersedes_needs_a_known_claim_and_a_registration(tmp_path):
    reg = {"date": "2026-12-05", "reason": "the old check could not fail"}
    new = _claim("c-2", supersedes="c-1", registered=reg)
    ledger = load_ledger(_ledger(tmp_path / "a", [_claim(), new]))
    assert ledger["claims"][1]["supersedes"] == "c-1"
    with pytest.raises(ConfigError, match="'registered' is a required property"):
        load_ledger(_ledger(tmp_path / "b", [_claim(), _claim("c-2", supersedes="c-1")]))
    with pytest.raises(ConfigError, match="supersedes = 'c-9' is not another claim"):
        load_ledger(_ledger(tmp_path / "c", [_claim("c-2", supersedes="c-9", registered=reg)]))


def test_inconclusive_rules_are_schema_checked(tmp_path):
    ok = _claim(inconclusive_if={"diverged": True, "diverged_rule": "loss > 1e6 x initial"})
    load_ledger(_ledger(tmp_path / "a", [ok]))
    with pytest.raises(ConfigError, match="diverged_rule"):
        load_ledger(_ledger(tmp_path / "b", [_claim(inconclusive_if={"diverged": True})]))
    with pytest.raises(ConfigError, match="unknown key"):
        load_ledger(_ledger(tmp_path / "c", [_claim(inconclusive_if={"looks_bad": True})]))


def test_claim_figures_must_be_registered(tmp_path):
    ledger = load_ledger(_ledger(tmp_path, [_claim(figures=["figures/toy/a.png"])]))
    check_claim_figures(ledger, ["figures/toy/a.png"], "toy/claims.yaml")
    with pytest.raises(ConfigError, match=r"claim 'c-1': figures \['figures/toy/a.png'\]"):
        check_claim_figures(ledger, ["figures/toy/b.png"], "toy/claims.yaml")


def test_claim_seeds_must_be_used_by_params(tmp_path):
    assert seeds_in_params({"seed": 3, "run": {"seeds": [0, 1]}, "n_seeds": 2, "x": 7}) == {
        0,
        1,
        3,
    }
    assert seeds_in_params({"seeds": 3}) == {0, 1, 2, 3}
    ledger = load_ledger(_ledger(tmp_path, [_claim(kind="stochastic", seeds=[0, 5])]))
    check_claim_seeds(ledger, {"default": [{"seeds": [0, 5]}]}, "toy/claims.yaml")
    with pytest.raises(ConfigError, match=r"claim 'c-1': seeds \[5\] are not used"):
        check_claim_seeds(ledger, {"default": [{"seeds": [0, 1]}]}, "toy/claims.yaml")


@pytest.mark.parametrize("folder", REPLICATION_DIRS, ids=lambda p: p.name)
def test_every_ledger_names_only_seeds_its_params_use(folder):
    ledger = load_ledger(folder / "claims.yaml")
    params = params_files(folder)
    check_claim_seeds(
        ledger,
        {s: [load_params(p, s) for p in params] for s in ("default", "paper")},
        str(folder / "claims.yaml"),
    )
