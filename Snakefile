# hessian-replications: one workflow builds every figure and the claims report.
#
#   snakemake figures/all                 # everything (cores come from profiles/default)
#   snakemake figures/<replication>/all   # one replication
#   snakemake figures/all --config scale=paper    # outputs under results/paper, figures/paper
#
# Every folder replications/<name>/ with a rules.smk is discovered and included; the folder
# declares its steps with the helpers of replications/_workflow/helpers.smk (see README.md,
# "Adding a replication"). Before any job runs this file checks the config, every ledger and
# params file, the device, and the recorded outputs (a missing or altered output is rebuilt).

import json
import os
import shlex
import sys
from pathlib import Path

ROOT = Path(workflow.basedir)
sys.path.insert(0, str(ROOT))

from replications._workflow import preflight  # noqa: E402
from replications._workflow.provenance import config_hash  # noqa: E402
from replications._workflow.validation import (  # noqa: E402
    check_yaml_syntax,
    ledger_files,
    validate_config,
)

# A YAML error in the config file is reported with its line and column, before Snakemake's
# own (position-less) message.
check_yaml_syntax(ROOT / "config" / "config.yaml")


configfile: "config/config.yaml"


def _discover():
    return {
        p.parent.name: p
        for p in sorted((ROOT / "replications").glob("*/rules.smk"))
        if not p.parent.name.startswith(("_", "."))
    }


AVAILABLE = _discover()
AVAILABLE_NAMES = " ".join(sorted(AVAILABLE))
# Fails here, before any job runs, naming the bad key and what is allowed.
CONFIG = validate_config(config, AVAILABLE)
SCALE = CONFIG["scale"]
SELECTED = CONFIG["replications"] or sorted(AVAILABLE)
CONFIG_HASH = config_hash(CONFIG)
DEVICE = preflight.check_device(CONFIG["device"])
# Quoted: a checkout path with spaces must not split the interpreter's path.
PY = shlex.quote(sys.executable)

# Default and paper scale live side by side: neither overwrites the other's outputs.
RESULTS = "results" if SCALE == "default" else "results/paper"
FIGURES = "figures" if SCALE == "default" else "figures/paper"

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

include: "replications/_workflow/helpers.smk"

for _name in SELECTED:
    include: AVAILABLE[_name]

# Ledgers and params are checked before any job runs: schema, cross-field rules, figures a
# claim links to (registered by the replication), seeds a claim names (used by its params),
# params against the replication's params schema at both scales.
for _name in SELECTED:
    if _name not in REPLICATIONS:
        raise ValueError(f"replications/{_name}/rules.smk never called register_replication")
    preflight.check_replication(ROOT / "replications" / _name, REPLICATIONS[_name]["figures"],
                                FIGURES)

include: "replications/_workflow/reports.smk"

# Resources (runtime, mem_mb, gpu) of every replication rule at this scale, from its
# replications/<name>/resources.yaml (the helpers set them; this covers hand-written rules).
for _rule in workflow.rules:
    _owner = max((n for n in REPLICATIONS if _rule.name.startswith(n + "_")), key=len,
                 default=None)
    if _owner and _rule.name not in REPLICATIONS[_owner]["resources"]:
        _rule.resources.update(cost(_owner, _rule.name))


def _before_planning(dag_settings):
    """Runs when Snakemake knows the targets, before it plans the DAG (main process only)."""
    if not workflow.is_main_process:
        return
    # At scale paper, figures/x means figures/paper/x (outputs of the scales live side by side).
    targets = preflight.scale_targets(dag_settings.targets, FIGURES, RESULTS)
    if set(targets) != set(dag_settings.targets):
        print(f"[scale] {SCALE}: building {' '.join(sorted(targets))}", file=sys.stderr)
        dag_settings.targets = frozenset(targets)
    # Targets naming an unknown replication fail with the list of known ones.
    preflight.check_targets(targets, AVAILABLE, FIGURES, RESULTS)
    # A lock left by a killed snakemake (SIGKILL, SIGHUP) is removed when its owner is provably
    # dead, so the same command resumes; otherwise the message gives the commands to run.
    preflight.clear_stale_lock(ROOT)
    # Outputs recorded in the manifests that are missing or differ from their recorded sha256
    # are rebuilt, with what depends on them (never silently used).
    names = preflight.targeted_replications(targets, SELECTED, FIGURES, RESULTS)
    damaged = preflight.damaged_outputs(ROOT, names, FIGURES, RESULTS)
    force = []
    for path, why in damaged:
        if any(r.is_producer(path) for r in workflow.rules):
            force.append(path)
            print(f"[integrity] {path}: {why}; rebuilding it and what depends on it",
                  file=sys.stderr)
        else:
            print(f"[integrity] {path}: {why}; no rule writes it, ignored", file=sys.stderr)
    if force:
        dag_settings.forcerun = frozenset(set(dag_settings.forcerun) | set(force))
    if SCALE == "paper":
        preflight.print_plan(names, REPLICATIONS, SCALE)


if not preflight.hook_dag_settings(workflow, _before_planning):
    print("[preflight] this Snakemake version gives no hook before planning: targets, locks "
          "and recorded outputs are not checked", file=sys.stderr)
