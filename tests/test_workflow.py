"""The Snakemake DAG: every replication is discovered and wired into figures/all."""

import re

from replications._workflow.validation import REPO_ROOT
from tests.dryrun import dry_run_text

REPLICATIONS = sorted(
    p.parent.name
    for p in (REPO_ROOT / "replications").glob("*/rules.smk")
    if not p.parent.name.startswith("_")
)


def dry_run(*extra: str) -> str:
    return dry_run_text(*extra)


def test_dag_lists_every_replication():
    text = dry_run()
    for name in REPLICATIONS:
        assert f"figures/{name}/all" in text, f"{name} is not part of figures/all"
        assert f"figures/{name}/claims.json" in text
    assert "figures/CLAIMS.md" in text


def test_every_rule_has_log_and_benchmark():
    text = dry_run()
    blocks = [
        b for b in re.split(r"\n(?=(?:local)?rule \w+:)", text) if re.match(r"(local)?rule ", b)
    ]
    assert blocks
    for block in blocks:
        name = block.split(":")[0]
        assert "log: " in block, f"{name} has no log"
        assert "benchmark: " in block, f"{name} has no benchmark"


def test_replication_subset_builds_only_that_replication():
    text = dry_run("--config", "replications=[optimizer_hessians]")
    others = [n for n in REPLICATIONS if n != "optimizer_hessians"]
    for name in others:
        assert f"figures/{name}/all" not in text


def test_switching_scale_reruns_compute_rules():
    # Compute rules read params through a per-scale resolved file, so the scale is an input.
    # The paper scale's outputs live beside the default's (results/paper, figures/paper).
    text = dry_run("--config", "scale=paper", "replications=[optimizer_hessians]")
    assert "results/paper/optimizer_hessians/params.paper.json" in text
    assert "figures/paper/optimizer_hessians/claims.json" in text
    assert "results/optimizer_hessians/params.default.json" not in text
    assert " figures/optimizer_hessians/claims.json" not in text


def test_rules_files_do_not_share_global_names():
    # Every rules file is included into one namespace: a name defined twice silently takes
    # the last file's value inside the other file's input functions.
    seen: dict[str, str] = {}
    paths = [REPO_ROOT / "Snakefile", *sorted((REPO_ROOT / "replications").glob("*/*.smk"))]
    for path in paths:
        for line in path.read_text().splitlines():
            m = re.match(r"(?:def\s+(\w+)|([A-Za-z_]\w*)\s*=)", line)
            if not m:
                continue
            name = m.group(1) or m.group(2)
            where = str(path.relative_to(REPO_ROOT))
            assert seen.setdefault(name, where) == where, (
                f"{name} is defined in both {seen[name]} and {where}; prefix it per replication"
            )
