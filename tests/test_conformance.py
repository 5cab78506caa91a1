"""Conformance suite: every folder under replications/ keeps the project's contract.

The analogue of ``benchopt test`` / scikit-learn's ``check_estimator``, run by ``make test`` on
every replication (including one just made by ``make new-replication``). Each failure names the
file, the key and the fix.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from replications._workflow.deps import code_inputs, reads_device, uses_accelerator
from replications._workflow.preflight import check_replication
from replications._workflow.readme import BEGIN, END
from replications._workflow.validation import (
    REPO_ROOT,
    load_ledger,
    load_yaml,
    params_files,
    params_schema_path,
    validate_params,
)
from tests.dryrun import dry_run_jobs

FOLDERS = sorted(
    p.parent
    for p in (REPO_ROOT / "replications").glob("*/rules.smk")
    if not p.parent.name.startswith("_")
)
#: README sections every replication has (matched case-insensitively in '#' headings).
README_SECTIONS = ("scope", "claims", "deviations", "disclosed", "runtime", "paper scale")
ids = [f.name for f in FOLDERS]


def _owned(jobs, name):
    return [j for j in jobs if j.rule.startswith(f"{name}_")]


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_required_files(folder):
    for rel in (
        "README.md",
        "claims.yaml",
        "params.yaml",
        "rules.smk",
        "resources.yaml",
        "__init__.py",
    ):
        assert (folder / rel).exists(), (
            f"replications/{folder.name}/{rel} is missing (make new-replication writes one)"
        )
    tests = list((folder / "tests").glob("test_*.py"))
    assert tests, f"replications/{folder.name}/tests/ has no test_*.py: test the paper's code"


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_readme_sections_and_generated_block(folder):
    text = (folder / "README.md").read_text()
    headings = [h.lower() for h in re.findall(r"^#+ (.*)$", text, flags=re.M)]
    for section in README_SECTIONS:
        assert any(section in h for h in headings), (
            f"replications/{folder.name}/README.md has no '## ...{section}...' section "
            f"(required: {', '.join(README_SECTIONS)})"
        )
    assert text.count(BEGIN) == 1 and text.count(END) == 1, (
        f"replications/{folder.name}/README.md needs one {BEGIN} ... {END} block (the build "
        "writes the verdict table there)"
    )


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_ledger_deviations_are_in_the_readme(folder):
    ledger = load_ledger(folder / "claims.yaml")
    readme = (folder / "README.md").read_text()
    for dev in ledger.get("deviations", []):
        assert re.search(rf"\b{re.escape(dev['id'])}\b", readme), (
            f"replications/{folder.name}/README.md does not list deviation {dev['id']} of "
            "claims.yaml: add it to the Deviations section"
        )


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_params_valid_at_both_scales(folder):
    files = params_files(folder)
    assert files, f"replications/{folder.name} has no params.yaml"
    for p in files:
        assert params_schema_path(p).exists(), (
            f"{p.relative_to(REPO_ROOT)} has no schema {params_schema_path(p).name}: draft one "
            f"with `python -m replications._workflow.params_schema {p.relative_to(REPO_ROOT)}`"
        )
        validate_params(p)


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_ledger_figures_seeds_and_params(folder):
    # Registered figures at the default scale: what the dry run's plot jobs write.
    jobs = dry_run_jobs()
    written = {o for j in jobs for o in j.outputs}
    registered = [
        o for o in written if o.startswith(f"figures/{folder.name}/") and o.endswith(".png")
    ]
    check_replication(folder, registered, "figures")
    ledger = load_ledger(folder / "claims.yaml")
    for claim in ledger["claims"]:
        for f in claim.get("figures", []):
            assert f in written, (
                f"replications/{folder.name}/claims.yaml: claim {claim['id']!r} links to {f}, "
                "which no rule writes: fix the path or add the plot"
            )


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_every_rule_lists_the_code_it_runs(folder):
    jobs = _owned(dry_run_jobs(), folder.name)
    assert jobs, f"no job of {folder.name} in the dry run"
    for job in jobs:
        scripts = [i for i in job.inputs if i.endswith(".py") and "/scripts/" in i]
        assert scripts, f"rule {job.rule} has no script among its inputs"
        missing = sorted(set(code_inputs(scripts)) - set(job.inputs))
        assert not missing, (
            f"rule {job.rule} (replications/{folder.name}/rules*.smk) runs {scripts[0]} whose "
            f"imports {missing} are not inputs: a change to them would not rerun it. Use the "
            "helpers (compute / measure / plot), which derive code inputs from the imports."
        )


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_accelerated_compute_steps_read_the_configured_device(folder):
    for job in _owned(dry_run_jobs(), folder.name):
        scripts = [i for i in job.inputs if i.endswith(".py") and "/scripts/compute" in i]
        if scripts and uses_accelerator(scripts):
            assert reads_device(scripts), (
                f"rule {job.rule} runs torch / jax ({scripts[0]}) but never reads the configured "
                "device: call replications._workflow.runtime.configured_device() (or "
                "cpu_by_design(reason) for a step that must run on the CPU)"
            )


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_every_rule_declares_its_cost_at_both_scales(folder):
    cost = load_yaml(folder / "resources.yaml") or {}
    for job in {j.rule: j for j in _owned(dry_run_jobs(), folder.name)}.values():
        for scale in ("default", "paper"):
            entry = (cost.get(job.rule) or {}).get(scale)
            assert entry and "runtime" in entry and "mem_mb" in entry, (
                f"replications/{folder.name}/resources.yaml: rule {job.rule} declares no "
                f"{scale}-scale runtime / mem_mb; measure it and run `python -m "
                f"replications._workflow.resources {folder.name} --scale {scale}` (or write an "
                "extrapolated entry with its source)"
            )


def test_paper_scale_plans():
    jobs = dry_run_jobs("--config", "scale=paper")
    for folder in FOLDERS:
        assert any(o == f"figures/paper/{folder.name}/all" for j in jobs for o in j.outputs), (
            f"the paper-scale dry run plans no figures/paper/{folder.name}/all"
        )


@pytest.mark.parametrize("folder", FOLDERS, ids=ids)
def test_ruff_clean(folder):
    rel = folder.relative_to(REPO_ROOT).as_posix()
    for cmd in (["check", rel], ["format", "--check", rel]):
        out = subprocess.run(
            [sys.executable, "-m", "ruff", *cmd], cwd=REPO_ROOT, capture_output=True, text=True
        )
        assert out.returncode == 0, (
            f"ruff {' '.join(cmd)} fails ({rel}); fix with `ruff check --fix {rel}` and "
            f"`ruff format {rel}`:\n{out.stdout[-2000:]}"
        )


def test_suite_covers_every_folder():
    on_disk = sorted(
        p.name
        for p in (REPO_ROOT / "replications").iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and p.name != "__pycache__"
    )
    assert [f.name for f in FOLDERS] == on_disk, (
        f"folders without rules.smk under replications/: {sorted(set(on_disk) - set(ids))}"
    )
