# hessian-replications: one workflow builds every figure and the claims report.
#
#   snakemake figures/all                 # everything (cores come from profiles/default)
#   snakemake figures/<replication>/all   # one replication
#   snakemake figures/all --config scale=paper
#
# Every folder replications/<name>/ with a rules.smk is discovered and included; the folder
# registers its figures with `register_replication`. See README.md, "Adding a replication".

import json
import os
import sys
from pathlib import Path

ROOT = Path(workflow.basedir)
sys.path.insert(0, str(ROOT))

from replications._workflow.provenance import config_hash  # noqa: E402
from replications._workflow.validation import (  # noqa: E402
    check_claim_figures,
    check_claim_seeds,
    ledger_files,
    load_ledger,
    load_params,
    validate_config,
)

configfile: "config/config.yaml"


def _discover():
    return {
        p.parent.name: p
        for p in sorted((ROOT / "replications").glob("*/rules.smk"))
        if not p.parent.name.startswith(("_", "."))
    }


AVAILABLE = _discover()
# Fails here, before any job runs, naming the bad key and what is allowed.
CONFIG = validate_config(config, AVAILABLE)
SCALE = CONFIG["scale"]
SELECTED = CONFIG["replications"] or sorted(AVAILABLE)
CONFIG_HASH = config_hash(CONFIG)
PY = sys.executable

# One BLAS / OpenMP / XLA thread per job; Snakemake runs jobs side by side instead.
_threads = str(CONFIG["threads_per_job"])
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = _threads
os.environ["XLA_FLAGS"] = (
    f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={_threads}"
)
os.environ["PYTHONHASHSEED"] = "0"
# Jobs read the configured device with replications._workflow.runtime.configured_device().
os.environ["HESSIAN_REPLICATIONS_DEVICE"] = CONFIG["device"]
os.environ["MPLBACKEND"] = "Agg"
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
)

wildcard_constraints:
    repl="[a-z][a-z0-9_]*",

REPLICATIONS = {}


def register_replication(name, figures, measurements=None):
    """Declare a replication's figures (PNG paths) and measurement files.

    Its rules.smk calls this once. ``measurements`` defaults to
    ``results/<name>/measurements.json``; a replication built in separable parts (each with its
    own rules file) registers one file per part, and their claim ids are merged.
    """
    if name not in AVAILABLE:
        raise ValueError(f"register_replication({name!r}): no folder replications/{name}/")
    if name in REPLICATIONS:
        REPLICATIONS[name]["figures"] += list(figures)
        REPLICATIONS[name]["measurements"] += list(measurements or [])
    else:
        REPLICATIONS[name] = {
            "figures": list(figures),
            "measurements": list(measurements or []),
        }


def shared_modules(*names):
    """Paths of the shared/ modules a compute rule imports (inputs: a core change reruns it)."""
    paths = [f"shared/{n}.py" for n in names] + ["shared/__init__.py"]
    for p in paths:
        if not (ROOT / p).exists():
            raise ValueError(f"shared_modules: {p} does not exist")
    return paths


def workflow_modules(*names):
    """Paths of the replications/_workflow modules a rule imports."""
    return [f"replications/_workflow/{n}.py" for n in names]


def params_file(name, stem="params"):
    """The resolved parameters of replications/<name>/<stem>.yaml at the build's scale.

    Its path holds the scale, so switching scale reruns every rule that takes it as input.
    """
    return f"results/{name}/{stem}.{SCALE}.json"


def bench(name, rule_name):
    return f"results/benchmarks/{name}/{rule_name}.tsv"


def logf(name, rule_name):
    return f"results/logs/{name}/{rule_name}.log"


for _name in SELECTED:
    include: AVAILABLE[_name]

# Ledgers are checked before any job runs: schema, cross-field rules, figures a claim links to
# (registered by the replication), seeds a claim names (used by its params at that scale).
for _name in SELECTED:
    if _name not in REPLICATIONS:
        raise ValueError(f"replications/{_name}/rules.smk never called register_replication")
    _ledger_path = ROOT / "replications" / _name / "claims.yaml"
    _ledger = load_ledger(_ledger_path)
    check_claim_figures(_ledger, REPLICATIONS[_name]["figures"], str(_ledger_path))
    check_claim_seeds(
        _ledger,
        {
            _s: [load_params(_p, _s) for _p in sorted(_ledger_path.parent.glob("params*.yaml"))]
            for _s in ("default", "paper")
        },
        str(_ledger_path),
    )


rule all:
    input:
        "figures/all",
    default_target: True


rule resolved_params:
    """One scale's block of a replication's params file (see params_file)."""
    input:
        params="replications/{repl}/{stem}.yaml",
        code=workflow_modules("validation") + ["replications/_workflow/scripts/resolve_params.py"],
    output:
        "results/{repl}/{stem}.{scale}.json",
    wildcard_constraints:
        stem="params[a-z0-9_]*",
        scale="default|paper",
    log:
        "results/logs/{repl}/resolve_{stem}.{scale}.log",
    benchmark:
        "results/benchmarks/{repl}/resolve_{stem}.{scale}.tsv"
    shell:
        "{PY} replications/_workflow/scripts/resolve_params.py --params {input.params} "
        "--scale {wildcards.scale} --out {output} > {log} 2>&1"


rule verdicts:
    """Compare measurements with the ledger: one verdict per claim."""
    input:
        ledger="replications/{repl}/claims.yaml",
        parts=lambda w: [str(p) for p in ledger_files(f"replications/{w.repl}/claims.yaml")[1:]],
        measurements=lambda w: REPLICATIONS[w.repl]["measurements"]
        or [f"results/{w.repl}/measurements.json"],
        schema="config/claims.schema.json",
        code=["shared/ledger.py", "replications/_workflow/scripts/verdicts.py"]
        + workflow_modules("io", "validation"),
    output:
        "figures/{repl}/claims.json",
    log:
        "results/logs/{repl}/verdicts.log",
    benchmark:
        "results/benchmarks/{repl}/verdicts.tsv"
    shell:
        "{PY} replications/_workflow/scripts/verdicts.py --ledger {input.ledger} "
        "--measurements {input.measurements} --scale {SCALE} --out {output} > {log} 2>&1"


rule readme_table:
    """The README's verdict table, generated from claims.json (rewritten in place at default)."""
    input:
        claims="figures/{repl}/claims.json",
        code=workflow_modules("io", "readme") + ["replications/_workflow/scripts/readme_table.py"],
    output:
        f"results/{{repl}}/readme_table.{SCALE}.md",
    log:
        "results/logs/{repl}/readme_table.log",
    benchmark:
        "results/benchmarks/{repl}/readme_table.tsv"
    shell:
        "{PY} replications/_workflow/scripts/readme_table.py --claims {input.claims} "
        "--readme replications/{wildcards.repl}/README.md --out {output} > {log} 2>&1"


rule replication_manifest:
    """figures/<repl>/all: every figure of one replication with sha256 and provenance."""
    input:
        claims="figures/{repl}/claims.json",
        readme_table=f"results/{{repl}}/readme_table.{SCALE}.md",
        figures=lambda w: REPLICATIONS[w.repl]["figures"],
    output:
        "figures/{repl}/all",
    log:
        "results/logs/{repl}/manifest.log",
    benchmark:
        "results/benchmarks/{repl}/manifest.tsv"
    shell:
        "{PY} replications/_workflow/scripts/replication_manifest.py --name {wildcards.repl} "
        "--claims {input.claims} --figures {input.figures} --out {output} > {log} 2>&1"


rule claims_report:
    """figures/CLAIMS.md: every claim of every replication in one generated table."""
    input:
        manifests=expand("figures/{repl}/all", repl=SELECTED),
        claims=expand("figures/{repl}/claims.json", repl=SELECTED),
        code=["replications/_workflow/scripts/claims_report.py"],
    output:
        "figures/CLAIMS.md",
    log:
        "results/logs/claims_report.log",
    benchmark:
        "results/benchmarks/claims_report.tsv"
    shell:
        "{PY} replications/_workflow/scripts/claims_report.py --claims {input.claims} "
        "--benchmarks-root results/benchmarks --out {output} > {log} 2>&1"


rule manifest:
    """figures/all: the manifest of every figure and the claims summary."""
    input:
        report="figures/CLAIMS.md",
        manifests=expand("figures/{repl}/all", repl=SELECTED),
    output:
        "figures/all",
    log:
        "results/logs/manifest.log",
    benchmark:
        "results/benchmarks/manifest.tsv"
    shell:
        "{PY} replications/_workflow/scripts/manifest.py --replications {input.manifests} "
        "--report {input.report} --config-hash {CONFIG_HASH} --out {output} > {log} 2>&1"
