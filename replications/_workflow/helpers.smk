# Helpers every replications/<name>/rules.smk uses (included by the top-level Snakefile, which
# provides ROOT, SCALE, RESULTS, FIGURES, PY, CONFIG, CONFIG_HASH).
#
# A replication declares its steps; the helpers fill in params, logs, benchmarks, report()
# entries with captions, resources, and the code inputs (every project module the script
# imports, transitively), so a change to any of them reruns exactly its dependants:
#
#   register_replication("demo", figures=["bias"])
#   compute("demo", "bias", outputs={"out_json": "bias.json"})
#   measure("demo", inputs={"bias": res("demo", "bias.json")})
#   plot("demo", "bias", inputs={"json": res("demo", "bias.json")})
#
# Each input / output key k becomes the script argument --k (underscores as dashes).

from replications._workflow.deps import code_inputs as _code_inputs
from replications._workflow.deps import uses_accelerator as _uses_accelerator
from replications._workflow.validation import load_yaml as _load_yaml

REPLICATIONS = {}
_DEFAULT_COST = {"runtime": 30, "mem_mb": 2000}


def res(name, *parts):
    """A path under the replication's results folder at the build's scale."""
    return "/".join([RESULTS, name, *parts])


def fig(name, *parts):
    """A path under the replication's figures folder at the build's scale."""
    return "/".join([FIGURES, name, *parts])


def register_replication(name, figures, measurements=None):
    """Declare a replication's figures and measurement files (its rules.smk calls this once).

    ``figures`` are figure names (``"bias"``) or PNG paths (``"figures/<name>/bias.png"``, the
    form claims.yaml uses); both resolve to the build's scale. ``measurements`` defaults to
    ``<results>/<name>/measurements.json``; a replication built in separable parts registers
    one file per part, and their claim ids are merged.
    """
    if name not in AVAILABLE:
        raise ValueError(f"register_replication({name!r}): no folder replications/{name}/")
    pngs = []
    for f in figures:
        stem = Path(f).stem if f.endswith(".png") else f
        pngs.append(fig(name, f"{stem}.png"))
    meas = [m.replace("results/", f"{RESULTS}/", 1) if not m.startswith(f"{RESULTS}/") else m
            for m in (measurements or [])]
    entry = REPLICATIONS.setdefault(
        name, {"figures": [], "measurements": [], "resources": {}, "resources_missing": []}
    )
    entry["figures"] += pngs
    entry["measurements"] += meas
    cost_file = ROOT / "replications" / name / "resources.yaml"
    entry["cost"] = (_load_yaml(cost_file) or {}) if cost_file.exists() else {}


def params_file(name, stem="params"):
    """The resolved parameters of replications/<name>/<stem>.yaml at the build's scale.

    Its path holds the scale, so switching scale reruns every rule that takes it as input.
    """
    return res(name, f"{stem}.{SCALE}.json")


def bench(name, rule_name):
    return f"{RESULTS}/benchmarks/{name}/{rule_name}.tsv"


def logf(name, rule_name):
    return f"{RESULTS}/logs/{name}/{rule_name}.log"


def shared_modules(*names):
    """Paths of shared/ modules (legacy: the helpers derive code inputs from imports)."""
    paths = [f"shared/{n}.py" for n in names] + ["shared/__init__.py"]
    for p in paths:
        if not (ROOT / p).exists():
            raise ValueError(f"shared_modules: {p} does not exist")
    return paths


def workflow_modules(*names):
    """Paths of replications/_workflow modules (legacy: derived from imports by the helpers)."""
    return [f"replications/_workflow/{n}.py" for n in names]


def code_of(*scripts):
    """Every project file the scripts run (the scripts and their imports, transitively)."""
    return _code_inputs([s for s in scripts], ROOT)


def _args(mapping, where):
    return " ".join(f"--{k.replace('_', '-')} {{{where}.{k}}}" for k in mapping)


def _script(name, script):
    return script if script.startswith("replications/") else f"replications/{name}/{script}"


def _resolve_inputs(name, inputs):
    """Input paths: ``results/...`` and ``figures/...`` follow the build's scale."""
    out = {}
    for k, v in (inputs or {}).items():
        vals = v if isinstance(v, list) else [v]
        vals = [
            x.replace("results/", f"{RESULTS}/", 1)
            if x.startswith("results/") and not x.startswith(f"{RESULTS}/")
            else x
            for x in vals
        ]
        out[k] = vals if isinstance(v, list) else vals[0]
    return out


def cost(name, rule_name):
    """Resources of a rule at the build's scale, from replications/<name>/resources.yaml."""
    entry = REPLICATIONS[name]
    per_rule = entry["cost"].get(rule_name, {})
    c = per_rule.get(SCALE)
    if not c:
        entry["resources_missing"].append(rule_name)
        c = _DEFAULT_COST
    res_ = {"runtime": int(c.get("runtime", 30)), "mem_mb": int(c.get("mem_mb", 2000))}
    if c.get("gpu"):
        res_["gpu"] = int(c["gpu"])
    entry["resources"][rule_name] = res_
    return res_


def device_param(*scripts):
    """The configured device for steps whose code imports torch / jax (else ""): a param, so
    changing ``device`` reruns exactly those steps."""
    return CONFIG["device"] if _uses_accelerator(list(scripts), ROOT) else ""


def compute(
    name,
    step,
    script=None,
    *,
    outputs,
    inputs=None,
    params="params",
    args="",
    wildcards=None,
):
    """A compute rule ``<name>_<step>`` running ``scripts/compute_<step>.py``.

    Parameters
    ----------
    outputs : dict
        key -> file name under the replication's results folder (may hold ``{wildcards}``).
    inputs : dict, optional
        key -> path (or list of paths) the script reads.
    params : str or None
        Stem of the params file (``--params <resolved> --scale S``); None for none.
    args : str
        Extra arguments (may use ``{wildcards.x}``).
    wildcards : dict, optional
        Wildcard constraints.

    Returns
    -------
    dict
        key -> output path.
    """
    script = _script(name, script or f"scripts/compute_{step}.py")
    rule_name = f"{name}_{step}"
    outs = {k: res(name, v) for k, v in outputs.items()}
    ins = _resolve_inputs(name, inputs)
    par = {"params": params_file(name, params)} if params else {}
    wc_log = "".join(f"_{{{w}}}" for w in (wildcards or {}))
    cmd = "{PY} {input.script}"
    if params:
        cmd += f" --params {{input.params}} --scale {SCALE}"
    cmd += f" {_args(ins, 'input')} {_args(outs, 'output')} {args} > {{log}} 2>&1"
    rc = cost(name, rule_name)

    rule:
        name: rule_name
        input:
            script=script,
            **par,
            **ins,
            code=code_of(script),
        output:
            **outs,
        wildcard_constraints:
            **(wildcards or {}),
        params:
            device=device_param(script),
        log:
            logf(name, f"{step}{wc_log}"),
        benchmark:
            bench(name, f"{step}{wc_log}")
        resources:
            **rc,
        shell:
            cmd

    return outs


def measure(name, inputs, script="scripts/measure_claims.py", output="measurements.json",
            args="", step="measure", params=None):
    """The rule ``<name>_measure``: computed numbers -> one measurement per claim (--out)."""
    script = _script(name, script)
    ins = _resolve_inputs(name, inputs)
    par = {"params": params_file(name, params)} if params else {}
    out = res(name, output)
    cmd = "{PY} {input.script}"
    if params:
        cmd += f" --params {{input.params}} --scale {SCALE}"
    cmd += f" {_args(ins, 'input')} --out {{output}} {args} > {{log}} 2>&1"
    rc = cost(name, f"{name}_{step}")

    rule:
        name: f"{name}_{step}"
        input:
            script=script,
            **par,
            **ins,
            code=code_of(script),
        output:
            out,
        log:
            logf(name, step),
        benchmark:
            bench(name, step)
        resources:
            **rc,
        shell:
            cmd

    return out


def plot(name, figures, script=None, *, inputs, args=None, compute_benchmark=None):
    """One plot rule ``<name>_plot_<figure>`` per figure: ``<figure>.png`` / ``.pdf`` / ``.json``.

    Parameters
    ----------
    figures : str or list of str
        Figure names. One name: the script defaults to ``scripts/plot_<name>.py``. Several
        names share ``script`` and each job gets ``--figure <name>`` unless ``args`` says
        otherwise.
    inputs : dict
        key -> path (or list of paths) the script reads.
    args : str or callable, optional
        Extra arguments, or a function of the figure name returning them.
    compute_benchmark : str, optional
        Benchmark name of the compute step (its runtime goes in the figure's sidecar).

    The PNG goes into the HTML report under the replication, captioned with the claims it
    supports and their verdicts.
    """
    figures = [figures] if isinstance(figures, str) else list(figures)
    many = len(figures) > 1
    if script is None and many:
        raise ValueError(f"plot({name!r}, {figures}): several figures need a script= argument")
    script = _script(name, script or f"scripts/plot_{figures[0]}.py")
    ins = _resolve_inputs(name, inputs)
    code = code_of(script)
    for stem in figures:
        extra = args(stem) if callable(args) else (args or (f"--figure {stem}" if many else ""))
        _plot_rule(name, stem, script, ins, code, extra, compute_benchmark)
    return [fig(name, f"{f}.png") for f in figures]


def _plot_rule(name, stem, script, ins, code, extra, compute_benchmark):
    """One plot rule. Its own function: the shell command is read when the job runs, so a rule
    defined in a loop would see the loop's last command (every figure drawn as the last one)."""
    cmd = f"{{PY}} {{input.script}} {_args(ins, 'input')}"
    if compute_benchmark:
        cmd += f" --compute-benchmark {bench(name, compute_benchmark)}"
    cmd += f" --config-hash {CONFIG_HASH} --out {{output.png}} {extra} > {{log}} 2>&1"
    rule_name = f"{name}_plot_{stem}"
    rc = cost(name, rule_name)
    caption = str(ROOT / res(name, "captions", f"{stem}.rst"))

    rule:
        name: rule_name
        input:
            script=script,
            **ins,
            code=code,
        output:
            png=report(fig(name, f"{stem}.png"), category=name, caption=caption,
                       labels={"replication": name, "figure": stem}),
            pdf=fig(name, f"{stem}.pdf"),
            sidecar=fig(name, f"{stem}.json"),
        log:
            logf(name, f"plot_{stem}"),
        benchmark:
            bench(name, f"plot_{stem}")
        resources:
            **rc,
        shell:
            cmd

