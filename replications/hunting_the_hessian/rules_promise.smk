# hunting_the_hessian, part 1: randomized Nystrom, Nystrom PCG and PROMISE.
# Included from rules.smk; the top-level Snakefile provides register_replication,
# shared_modules, workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

HHP = "hunting_the_hessian"
HHP_RES = res(HHP)
HHP_FIG = fig(HHP)
# params_promise.yaml resolved at the build scale (switching scale reruns the computes).
HHP_PARAMS = params_file(HHP, "params_promise")
HHP_EXPERIMENTS = [
    "nystrom", "pcg", "rf", "suite", "pinn", "sketchysgd", "precond", "streaming", "rate",
    "regularity",
]
HHP_FIGURES = {
    "promise_nystrom_error": "nystrom",
    "promise_pcg_kappa": "pcg",
    "promise_pcg_iterations": "pcg",
    "promise_rf_residuals": "rf",
    "promise_suboptimality": "suite",
    "promise_share_solved": "suite",
    "promise_pinn": "pinn",
    "promise_sketchysgd": "sketchysgd",
    "promise_preconditioners": "precond",
    "promise_streaming": "streaming",
    "promise_rate": "rate",
    "promise_regularity": "regularity",
}
HHP_CODE = [
    f"replications/{HHP}/promise_problems.py",
    f"replications/{HHP}/promise_experiments.py",
] + workflow_modules("cli", "io", "runtime", "validation")
# The compute script imports every experiment module; each extra module drives one experiment.
HHP_EXTRA_CODE = {
    "pinn": [f"replications/{HHP}/promise_pinn.py"],
    "sketchysgd": [f"replications/{HHP}/promise_sketchysgd.py"],
    "precond": [f"replications/{HHP}/promise_preconditioners.py"],
    "streaming": [f"replications/{HHP}/promise_streaming.py"],
    "rate": [f"replications/{HHP}/promise_rate.py"],
    "regularity": [f"replications/{HHP}/promise_regularity.py"],
}

register_replication(
    HHP,
    figures=[f"{HHP_FIG}/{f}.png" for f in HHP_FIGURES],
    measurements=[f"{HHP_RES}/measurements_promise.json"],
)


rule hunting_the_hessian_promise_compute:
    input:
        script=f"replications/{HHP}/scripts/promise_compute.py",
        params=HHP_PARAMS,
        code=HHP_CODE,
        extra_code=lambda w: HHP_EXTRA_CODE.get(w.exp, []),
        shared=shared_modules("sketch", "sketchy", "linalg", "hessian", "_validate"),
    output:
        json=f"{HHP_RES}/promise_{{exp}}.json",
    wildcard_constraints:
        exp="|".join(HHP_EXPERIMENTS),
    log:
        logf(HHP, "promise_{exp}"),
    benchmark:
        bench(HHP, "promise_{exp}")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--experiment {wildcards.exp} --out-json {output.json} > {log} 2>&1"


rule hunting_the_hessian_promise_measure:
    input:
        script=f"replications/{HHP}/scripts/promise_measure.py",
        code=[
            f"replications/{HHP}/promise_metrics.py",
            f"replications/{HHP}/promise_preconditioners.py",
            f"replications/{HHP}/promise_rate.py",
        ],
        results=expand(f"{HHP_RES}/promise_{{exp}}.json", exp=HHP_EXPERIMENTS),
    output:
        f"{HHP_RES}/measurements_promise.json",
    log:
        logf(HHP, "promise_measure"),
    benchmark:
        bench(HHP, "promise_measure")
    params:
        args=" ".join(f"--{e} {HHP_RES}/promise_{e}.json" for e in HHP_EXPERIMENTS),
    shell:
        "{PY} {input.script} {params.args} --out {output} > {log} 2>&1"


rule hunting_the_hessian_promise_plot:
    input:
        script=f"replications/{HHP}/scripts/promise_plot.py",
        code=[
            f"replications/{HHP}/promise_metrics.py",
            f"replications/{HHP}/promise_preconditioners.py",
            f"replications/{HHP}/promise_rate.py",
        ],
        json=lambda w: f"{HHP_RES}/promise_{HHP_FIGURES[w.figure]}.json",
        style="shared/plotting.py",
    output:
        report(f"{HHP_FIG}/{{figure}}.png", category=HHP),
        f"{HHP_FIG}/{{figure}}.pdf",
        f"{HHP_FIG}/{{figure}}.json",
    wildcard_constraints:
        figure="|".join(HHP_FIGURES),
    log:
        logf(HHP, "plot_{figure}"),
    benchmark:
        bench(HHP, "plot_{figure}")
    params:
        compute_bench=lambda w: bench(HHP, f"promise_{HHP_FIGURES[w.figure]}"),
    shell:
        "{PY} {input.script} --figure {wildcards.figure} --json {input.json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output[0]} > {log} 2>&1"
