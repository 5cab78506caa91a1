# rdsa_bias: generalized random-direction (RDSA) gradient / Hessian estimators and their
# stochastic Newton methods (Pachal et al. 2026; 2RDSA, Prashanth et al. 2017; 2SPSA, Spall 2000).
# Included by the top-level Snakefile, which provides register_replication, shared_modules,
# workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

RB = "rdsa_bias"
RB_RES = f"results/{RB}"
RB_FIG = f"figures/{RB}"
RB_FUNCTIONS = ["quadratic", "quartic"]
RB_CODE = [f"replications/{RB}/model.py"] + workflow_modules("cli", "io", "runtime", "validation")
RB_FIGURES = {
    "hessian_bias": "bias",
    "gradient_bias": "bias",
    "one_sided": "bias",
    "nmse_vs_evals": "newton",
    "nmse_vs_eps": "newton",
    "hvp_tradeoff": "hvp",
}

register_replication(RB, figures=[f"{RB_FIG}/{f}.png" for f in RB_FIGURES])


rule rdsa_bias_bias:
    input:
        script=f"replications/{RB}/scripts/compute_bias.py",
        params=params_file(RB),
        code=RB_CODE,
        shared=shared_modules("zeroth_order"),
    output:
        npz=f"{RB_RES}/bias.npz",
        json=f"{RB_RES}/bias.json",
    log:
        logf(RB, "bias"),
    benchmark:
        bench(RB, "bias")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule rdsa_bias_newton:
    input:
        script=f"replications/{RB}/scripts/compute_newton.py",
        params=params_file(RB),
        code=RB_CODE,
        shared=shared_modules("zeroth_order", "stochastic_newton"),
    output:
        npz=f"{RB_RES}/newton_{{function}}.npz",
        json=f"{RB_RES}/newton_{{function}}.json",
    wildcard_constraints:
        function="|".join(RB_FUNCTIONS),
    log:
        logf(RB, "newton_{function}"),
    benchmark:
        bench(RB, "newton_{function}")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--function {wildcards.function} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule rdsa_bias_hvp:
    input:
        script=f"replications/{RB}/scripts/compute_hvp.py",
        params=params_file(RB),
        code=RB_CODE,
        shared=shared_modules("zeroth_order"),
    output:
        npz=f"{RB_RES}/hvp.npz",
        json=f"{RB_RES}/hvp.json",
    log:
        logf(RB, "hvp"),
    benchmark:
        bench(RB, "hvp")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule rdsa_bias_measure:
    input:
        script=f"replications/{RB}/scripts/measure_claims.py",
        bias=f"{RB_RES}/bias.json",
        newton=expand(f"{RB_RES}/newton_{{function}}.json", function=RB_FUNCTIONS),
        hvp=f"{RB_RES}/hvp.json",
    output:
        f"{RB_RES}/measurements.json",
    log:
        logf(RB, "measure"),
    benchmark:
        bench(RB, "measure")
    shell:
        "{PY} {input.script} --bias {input.bias} --newton {input.newton} --hvp {input.hvp} "
        "--out {output} > {log} 2>&1"


rule rdsa_bias_plot_bias:
    input:
        script=f"replications/{RB}/scripts/plot_bias.py",
        npz=f"{RB_RES}/bias.npz",
        json=f"{RB_RES}/bias.json",
        style="shared/plotting.py",
    output:
        f"{RB_FIG}/{{figure}}.png",
        f"{RB_FIG}/{{figure}}.pdf",
        f"{RB_FIG}/{{figure}}.json",
    wildcard_constraints:
        figure="hessian_bias|gradient_bias|one_sided",
    log:
        logf(RB, "plot_{figure}"),
    benchmark:
        bench(RB, "plot_{figure}")
    params:
        compute_bench=bench(RB, "bias"),
    shell:
        "{PY} {input.script} --figure {wildcards.figure} --npz {input.npz} --json {input.json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output[0]} > {log} 2>&1"


rule rdsa_bias_plot_newton:
    input:
        script=f"replications/{RB}/scripts/plot_newton.py",
        json=expand(f"{RB_RES}/newton_{{function}}.json", function=RB_FUNCTIONS),
        style="shared/plotting.py",
    output:
        f"{RB_FIG}/{{figure}}.png",
        f"{RB_FIG}/{{figure}}.pdf",
        f"{RB_FIG}/{{figure}}.json",
    wildcard_constraints:
        figure="nmse_vs_evals|nmse_vs_eps",
    log:
        logf(RB, "plot_{figure}"),
    benchmark:
        bench(RB, "plot_{figure}")
    params:
        compute_bench=bench(RB, "newton_quartic"),
    shell:
        "{PY} {input.script} --figure {wildcards.figure} --json {input.json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output[0]} > {log} 2>&1"


rule rdsa_bias_plot_hvp:
    input:
        script=f"replications/{RB}/scripts/plot_hvp.py",
        json=f"{RB_RES}/hvp.json",
        style="shared/plotting.py",
    output:
        f"{RB_FIG}/hvp_tradeoff.png",
        f"{RB_FIG}/hvp_tradeoff.pdf",
        f"{RB_FIG}/hvp_tradeoff.json",
    log:
        logf(RB, "plot_hvp_tradeoff"),
    benchmark:
        bench(RB, "plot_hvp_tradeoff")
    params:
        compute_bench=bench(RB, "hvp"),
    shell:
        "{PY} {input.script} --json {input.json} --config-hash {CONFIG_HASH} "
        "--compute-benchmark {params.compute_bench} --out {output[0]} > {log} 2>&1"
