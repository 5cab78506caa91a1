# hunting_the_hessian, part 2: OSGM / hypergradient descent (COLT 2025, ICML 2025).
# Included from rules.smk; the top-level Snakefile provides register_replication,
# shared_modules, workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

HH = "hunting_the_hessian"
HH_RES = res(HH)
HH_FIG = fig(HH)
OSGM_FIGS = ["osgm_curves", "osgm_solved", "osgm_quadratic", "osgm_stability", "osgm_stochastic"]
OSGM_CODE = [
    f"replications/{HH}/osgm_problems.py",
    f"replications/{HH}/osgm_suite.py",
    f"replications/{HH}/osgm_metrics.py",
] + workflow_modules("cli", "io", "runtime", "validation")

register_replication(
    HH,
    figures=[f"{HH_FIG}/{f}.png" for f in OSGM_FIGS],
    measurements=[f"{HH_RES}/measurements_osgm.json"],
)


rule hunting_the_hessian_osgm_suite:
    input:
        script=f"replications/{HH}/scripts/osgm_suite.py",
        params=params_file(HH),
        code=OSGM_CODE,
        shared=shared_modules("first_order", "osgm"),
    output:
        json=f"{HH_RES}/osgm_suite_{{loss}}.json",
        npz=f"{HH_RES}/osgm_suite_{{loss}}.npz",
    wildcard_constraints:
        loss="svm|logistic",
    log:
        logf(HH, "osgm_suite_{loss}"),
    benchmark:
        bench(HH, "osgm_suite_{loss}")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --loss {wildcards.loss} "
        "--out-json {output.json} --out-npz {output.npz} > {log} 2>&1"


rule hunting_the_hessian_osgm_compute:
    input:
        script=f"replications/{HH}/scripts/osgm_{{exp}}.py",
        params=params_file(HH),
        code=OSGM_CODE,
        shared=shared_modules("first_order", "osgm"),
    output:
        json=f"{HH_RES}/osgm_{{exp}}.json",
        npz=f"{HH_RES}/osgm_{{exp}}.npz",
    wildcard_constraints:
        exp="quadratic|stability|stochastic",
    log:
        logf(HH, "osgm_{exp}"),
    benchmark:
        bench(HH, "osgm_{exp}")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-json {output.json} --out-npz {output.npz} > {log} 2>&1"


rule hunting_the_hessian_osgm_memory:
    input:
        script=f"replications/{HH}/scripts/osgm_memory.py",
        params=params_file(HH),
        code=OSGM_CODE,
        shared=shared_modules("first_order", "osgm"),
    output:
        f"{HH_RES}/osgm_memory.json",
    log:
        logf(HH, "osgm_memory"),
    benchmark:
        bench(HH, "osgm_memory")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-json {output} > {log} 2>&1"


rule hunting_the_hessian_osgm_measure:
    input:
        script=f"replications/{HH}/scripts/osgm_measure.py",
        svm=f"{HH_RES}/osgm_suite_svm.json",
        logistic=f"{HH_RES}/osgm_suite_logistic.json",
        quadratic=f"{HH_RES}/osgm_quadratic.json",
        stability=f"{HH_RES}/osgm_stability.json",
        stochastic=f"{HH_RES}/osgm_stochastic.json",
        memory=f"{HH_RES}/osgm_memory.json",
        code=f"replications/{HH}/osgm_metrics.py",
    output:
        f"{HH_RES}/measurements_osgm.json",
    log:
        logf(HH, "osgm_measure"),
    benchmark:
        bench(HH, "osgm_measure")
    shell:
        "{PY} {input.script} --suite-svm {input.svm} --suite-logistic {input.logistic} "
        "--quadratic {input.quadratic} --stability {input.stability} --memory {input.memory} "
        "--stochastic {input.stochastic} "
        "--out {output} > {log} 2>&1"


def _osgm_plot_inputs(wildcards):
    fig = wildcards.figure
    if fig in ("osgm_curves", "osgm_solved"):
        return [f"{HH_RES}/osgm_suite_{l}.{e}" for l in ("svm", "logistic") for e in ("json", "npz")]
    exp = fig.removeprefix("osgm_")
    return [f"{HH_RES}/osgm_{exp}.json", f"{HH_RES}/osgm_{exp}.npz"]


rule hunting_the_hessian_osgm_plot:
    input:
        script=f"replications/{HH}/scripts/osgm_plot.py",
        data=_osgm_plot_inputs,
        style="shared/plotting.py",
    output:
        f"{HH_FIG}/{{figure}}.png",
        f"{HH_FIG}/{{figure}}.pdf",
        f"{HH_FIG}/{{figure}}.json",
    wildcard_constraints:
        figure="|".join(OSGM_FIGS),
    log:
        logf(HH, "plot_{figure}"),
    benchmark:
        bench(HH, "plot_{figure}")
    shell:
        "{PY} {input.script} --figure {wildcards.figure} --inputs {input.data} "
        "--config-hash {CONFIG_HASH} --out {output[0]} > {log} 2>&1"
