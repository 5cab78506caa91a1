# hunting_the_hessian, part 1: randomized Nystrom, Nystrom PCG and PROMISE.
# Included from rules.smk; the top-level Snakefile provides register_replication,
# shared_modules, workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

PR = "hunting_the_hessian"
PR_RES = f"results/{PR}"
PR_FIG = f"figures/{PR}"
# params_promise.yaml resolved at the build scale (switching scale reruns the computes).
PR_PARAMS = params_file(PR, "params_promise")
PR_EXPERIMENTS = ["nystrom", "pcg", "rf", "suite", "pinn"]
PR_FIGURES = {
    "promise_nystrom_error": "nystrom",
    "promise_pcg_kappa": "pcg",
    "promise_pcg_iterations": "pcg",
    "promise_rf_residuals": "rf",
    "promise_suboptimality": "suite",
    "promise_share_solved": "suite",
    "promise_pinn": "pinn",
}
PR_CODE = [
    f"replications/{PR}/promise_problems.py",
    f"replications/{PR}/promise_experiments.py",
] + workflow_modules("cli", "io", "runtime", "validation")
# The compute script imports both experiment modules, but the PINN module only drives "pinn".
PR_PINN_CODE = [f"replications/{PR}/promise_pinn.py"]

register_replication(
    PR,
    figures=[f"{PR_FIG}/{f}.png" for f in PR_FIGURES],
    measurements=[f"{PR_RES}/measurements_promise.json"],
)


rule hunting_the_hessian_promise_compute:
    input:
        script=f"replications/{PR}/scripts/promise_compute.py",
        params=PR_PARAMS,
        code=PR_CODE,
        pinn_code=lambda w: PR_PINN_CODE if w.exp == "pinn" else [],
        shared=shared_modules("sketch", "sketchy", "linalg", "hessian", "_validate"),
    output:
        json=f"{PR_RES}/promise_{{exp}}.json",
    wildcard_constraints:
        exp="|".join(PR_EXPERIMENTS),
    log:
        logf(PR, "promise_{exp}"),
    benchmark:
        bench(PR, "promise_{exp}")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--experiment {wildcards.exp} --out-json {output.json} > {log} 2>&1"


rule hunting_the_hessian_promise_measure:
    input:
        script=f"replications/{PR}/scripts/promise_measure.py",
        code=f"replications/{PR}/promise_metrics.py",
        results=expand(f"{PR_RES}/promise_{{exp}}.json", exp=PR_EXPERIMENTS),
    output:
        f"{PR_RES}/measurements_promise.json",
    log:
        logf(PR, "promise_measure"),
    benchmark:
        bench(PR, "promise_measure")
    params:
        args=" ".join(f"--{e} {PR_RES}/promise_{e}.json" for e in PR_EXPERIMENTS),
    shell:
        "{PY} {input.script} {params.args} --out {output} > {log} 2>&1"


rule hunting_the_hessian_promise_plot:
    input:
        script=f"replications/{PR}/scripts/promise_plot.py",
        code=f"replications/{PR}/promise_metrics.py",
        json=lambda w: f"{PR_RES}/promise_{PR_FIGURES[w.figure]}.json",
        style="shared/plotting.py",
    output:
        report(f"{PR_FIG}/{{figure}}.png", category=PR),
        f"{PR_FIG}/{{figure}}.pdf",
        f"{PR_FIG}/{{figure}}.json",
    wildcard_constraints:
        figure="|".join(PR_FIGURES),
    log:
        logf(PR, "plot_{figure}"),
    benchmark:
        bench(PR, "plot_{figure}")
    params:
        compute_bench=lambda w: bench(PR, f"promise_{PR_FIGURES[w.figure]}"),
    shell:
        "{PY} {input.script} --figure {wildcards.figure} --json {input.json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output[0]} > {log} 2>&1"
