# Generic rules: resolved params, verdicts, README tables and figure captions, manifests and the
# claims report. Included by the top-level Snakefile after every replication's rules.smk.

_WF = "replications/_workflow"

# Bookkeeping rules take seconds: on a cluster they run where snakemake runs.
localrules:
    all,
    resolved_params,
    verdicts,
    replication_docs,
    replication_manifest,
    claims_report,
    manifest,


rule all:
    input:
        f"{FIGURES}/all",
    default_target: True


rule resolved_params:
    """One scale's block of a replication's params file (see params_file)."""
    input:
        params="replications/{repl}/{stem}.yaml",
        code=code_of(f"{_WF}/scripts/resolve_params.py"),
    output:
        f"{RESULTS}/{{repl}}/{{stem}}.{{scale}}.json",
    wildcard_constraints:
        stem="params[a-z0-9_]*",
        scale="default|paper",
    log:
        f"{RESULTS}/logs/{{repl}}/resolve_{{stem}}.{{scale}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{repl}}/resolve_{{stem}}.{{scale}}.tsv"
    shell:
        "{PY} {_WF}/scripts/resolve_params.py --params {input.params} "
        "--scale {wildcards.scale} --out {output} > {log} 2>&1"


def _ledger_parts(w):
    return [str(p) for p in ledger_files(f"replications/{w.repl}/claims.yaml")[1:]]


rule verdicts:
    """Compare measurements with the ledger: one verdict per claim."""
    input:
        ledger="replications/{repl}/claims.yaml",
        parts=_ledger_parts,
        measurements=lambda w: REPLICATIONS[w.repl]["measurements"]
        or [res(w.repl, "measurements.json")],
        schema="config/claims.schema.json",
        code=code_of(f"{_WF}/scripts/verdicts.py"),
    output:
        f"{FIGURES}/{{repl}}/claims.json",
    log:
        f"{RESULTS}/logs/{{repl}}/verdicts.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{repl}}/verdicts.tsv"
    shell:
        "{PY} {_WF}/scripts/verdicts.py --ledger {input.ledger} "
        "--measurements {input.measurements} --scale {SCALE} --out {output} > {log} 2>&1"


rule replication_docs:
    """The README's verdict table (rewritten in place at default) and one caption per figure."""
    input:
        claims=f"{FIGURES}/{{repl}}/claims.json",
        code=code_of(f"{_WF}/scripts/readme_table.py"),
    output:
        table=f"{RESULTS}/{{repl}}/readme_table.{SCALE}.md",
    params:
        figures=lambda w: REPLICATIONS[w.repl]["figures"],
        captions=lambda w: res(w.repl, "captions"),
    log:
        f"{RESULTS}/logs/{{repl}}/readme_table.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{repl}}/readme_table.tsv"
    shell:
        "{PY} {_WF}/scripts/readme_table.py --claims {input.claims} "
        "--readme replications/{wildcards.repl}/README.md --out {output.table} "
        "--figures {params.figures} --captions-dir {params.captions} > {log} 2>&1"


def _known_replication(w):
    if w.repl not in REPLICATIONS:
        raise ValueError(
            f"unknown replication {w.repl!r}; known replications are {sorted(REPLICATIONS)}"
        )
    return REPLICATIONS[w.repl]["figures"]


rule replication_manifest:
    """<figures>/<repl>/all: every figure and intermediate of one replication with sha256."""
    input:
        claims=f"{FIGURES}/{{repl}}/claims.json",
        docs=f"{RESULTS}/{{repl}}/readme_table.{SCALE}.md",
        figures=_known_replication,
        code=code_of(f"{_WF}/scripts/replication_manifest.py"),
    output:
        f"{FIGURES}/{{repl}}/all",
    log:
        f"{RESULTS}/logs/{{repl}}/manifest.log",
    benchmark:
        f"{RESULTS}/benchmarks/{{repl}}/manifest.tsv"
    shell:
        "{PY} {_WF}/scripts/replication_manifest.py --name {wildcards.repl} "
        "--claims {input.claims} --figures {input.figures} "
        "--results-dir {RESULTS}/{wildcards.repl} --out {output} > {log} 2>&1"


rule claims_report:
    """figures/CLAIMS.md: every claim of every replication, both scales where built."""
    input:
        manifests=expand(f"{FIGURES}/{{repl}}/all", repl=SELECTED),
        claims=expand(f"{FIGURES}/{{repl}}/claims.json", repl=SELECTED),
        code=code_of(f"{_WF}/scripts/claims_report.py"),
    output:
        "figures/CLAIMS.md",
    log:
        f"{RESULTS}/logs/claims_report.log",
    benchmark:
        f"{RESULTS}/benchmarks/claims_report.tsv"
    shell:
        "{PY} {_WF}/scripts/claims_report.py --replications {AVAILABLE_NAMES} "
        "--out {output} > {log} 2>&1"


rule manifest:
    """<figures>/all: the manifest of every figure and the claims summary (all replications)."""
    input:
        report="figures/CLAIMS.md",
        manifests=expand(f"{FIGURES}/{{repl}}/all", repl=SELECTED),
        code=code_of(f"{_WF}/scripts/manifest.py"),
    output:
        f"{FIGURES}/all",
    log:
        f"{RESULTS}/logs/manifest.log",
    benchmark:
        f"{RESULTS}/benchmarks/manifest.tsv"
    shell:
        "{PY} {_WF}/scripts/manifest.py --replications {AVAILABLE_NAMES} --figures-root {FIGURES} "
        "--report {input.report} --config-hash {CONFIG_HASH} --out {output} > {log} 2>&1"
