# rdsa_bias: generalized random-direction (RDSA) gradient / Hessian estimators and their
# stochastic Newton methods (Pachal et al. 2026; 2RDSA, Prashanth et al. 2017; 2SPSA, Spall 2000).
# Included by the top-level Snakefile, which provides register_replication, shared_modules,
# workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

RB = "rdsa_bias"
RB_RES = res(RB)
RB_FIG = fig(RB)
RB_FUNCTIONS = ["quadratic", "quartic"]
RB_CODE = [f"replications/{RB}/model.py"] + workflow_modules("cli", "io", "runtime", "validation")
RB_FIGURES = {
    "hessian_bias": "bias",
    "gradient_bias": "bias",
    "one_sided": "bias",
    "nmse_vs_evals": "newton",
    "nmse_vs_eps": "newton",
    "hvp_tradeoff": "hvp",
    "lowrank_tradeoff": "lowrank",
    "rastrigin_newton": "rastrigin",
    "nonpoly_newton": "nonpoly",
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


rule rdsa_bias_lowrank:
    input:
        script=f"replications/{RB}/scripts/compute_lowrank.py",
        params=params_file(RB),
        code=RB_CODE,
        shared=shared_modules("zeroth_order"),
    output:
        npz=f"{RB_RES}/lowrank.npz",
        json=f"{RB_RES}/lowrank.json",
    log:
        logf(RB, "lowrank"),
    benchmark:
        bench(RB, "lowrank")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule rdsa_bias_rastrigin:
    input:
        script=f"replications/{RB}/scripts/compute_rastrigin.py",
        params=params_file(RB),
        code=RB_CODE,
        shared=shared_modules("zeroth_order", "stochastic_newton"),
    output:
        npz=f"{RB_RES}/rastrigin.npz",
        json=f"{RB_RES}/rastrigin.json",
    log:
        logf(RB, "rastrigin"),
    benchmark:
        bench(RB, "rastrigin")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule rdsa_bias_nonpoly:
    input:
        script=f"replications/{RB}/scripts/compute_nonpoly.py",
        params=params_file(RB),
        code=RB_CODE,
        shared=shared_modules("zeroth_order", "stochastic_newton"),
    output:
        npz=f"{RB_RES}/nonpoly.npz",
        json=f"{RB_RES}/nonpoly.json",
    log:
        logf(RB, "nonpoly"),
    benchmark:
        bench(RB, "nonpoly")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule rdsa_bias_measure:
    input:
        script=f"replications/{RB}/scripts/measure_claims.py",
        bias=f"{RB_RES}/bias.json",
        newton=expand(f"{RB_RES}/newton_{{function}}.json", function=RB_FUNCTIONS),
        hvp=f"{RB_RES}/hvp.json",
        lowrank=f"{RB_RES}/lowrank.json",
        rastrigin=f"{RB_RES}/rastrigin.json",
        nonpoly=f"{RB_RES}/nonpoly.json",
    output:
        f"{RB_RES}/measurements.json",
    log:
        logf(RB, "measure"),
    benchmark:
        bench(RB, "measure")
    shell:
        "{PY} {input.script} --bias {input.bias} --newton {input.newton} --hvp {input.hvp} "
        "--lowrank {input.lowrank} --rastrigin {input.rastrigin} --nonpoly {input.nonpoly} "
        "--out {output} > {log} 2>&1"


RB_BIAS_FIGS = ["hessian_bias", "gradient_bias", "one_sided"]
RB_NEWTON_FIGS = ["nmse_vs_evals", "nmse_vs_eps"]


# One job per plot script: a plot job's time is mostly imports, so each draws all its figures.
rule rdsa_bias_plot_bias:
    input:
        script=f"replications/{RB}/scripts/plot_bias.py",
        npz=f"{RB_RES}/bias.npz",
        json=f"{RB_RES}/bias.json",
        style="shared/plotting.py",
    output:
        png=[f"{RB_FIG}/{f}.png" for f in RB_BIAS_FIGS],
        other=[f"{RB_FIG}/{f}.{e}" for f in RB_BIAS_FIGS for e in ("pdf", "json")],
    log:
        logf(RB, "plot_bias"),
    benchmark:
        bench(RB, "plot_bias")
    params:
        compute_bench=bench(RB, "bias"),
        figures=" ".join(RB_BIAS_FIGS),
    shell:
        "{PY} {input.script} --figure {params.figures} --npz {input.npz} --json {input.json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output.png} > {log} 2>&1"


rule rdsa_bias_plot_newton:
    input:
        script=f"replications/{RB}/scripts/plot_newton.py",
        json=expand(f"{RB_RES}/newton_{{function}}.json", function=RB_FUNCTIONS),
        style="shared/plotting.py",
    output:
        png=[f"{RB_FIG}/{f}.png" for f in RB_NEWTON_FIGS],
        other=[f"{RB_FIG}/{f}.{e}" for f in RB_NEWTON_FIGS for e in ("pdf", "json")],
    log:
        logf(RB, "plot_newton"),
    benchmark:
        bench(RB, "plot_newton")
    params:
        compute_bench=bench(RB, "newton_quartic"),
        figures=" ".join(RB_NEWTON_FIGS),
    shell:
        "{PY} {input.script} --figure {params.figures} --json {input.json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output.png} > {log} 2>&1"


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


rule rdsa_bias_plot_lowrank:
    input:
        script=f"replications/{RB}/scripts/plot_lowrank.py",
        json=f"{RB_RES}/lowrank.json",
        style="shared/plotting.py",
    output:
        f"{RB_FIG}/lowrank_tradeoff.png",
        f"{RB_FIG}/lowrank_tradeoff.pdf",
        f"{RB_FIG}/lowrank_tradeoff.json",
    log:
        logf(RB, "plot_lowrank_tradeoff"),
    benchmark:
        bench(RB, "plot_lowrank_tradeoff")
    params:
        compute_bench=bench(RB, "lowrank"),
    shell:
        "{PY} {input.script} --json {input.json} --config-hash {CONFIG_HASH} "
        "--compute-benchmark {params.compute_bench} --out {output[0]} > {log} 2>&1"


rule rdsa_bias_plot_rastrigin:
    input:
        script=f"replications/{RB}/scripts/plot_rastrigin.py",
        json=f"{RB_RES}/rastrigin.json",
        style="shared/plotting.py",
    output:
        f"{RB_FIG}/rastrigin_newton.png",
        f"{RB_FIG}/rastrigin_newton.pdf",
        f"{RB_FIG}/rastrigin_newton.json",
    log:
        logf(RB, "plot_rastrigin_newton"),
    benchmark:
        bench(RB, "plot_rastrigin_newton")
    params:
        compute_bench=bench(RB, "rastrigin"),
    shell:
        "{PY} {input.script} --json {input.json} --config-hash {CONFIG_HASH} "
        "--compute-benchmark {params.compute_bench} --out {output[0]} > {log} 2>&1"


rule rdsa_bias_plot_nonpoly:
    input:
        script=f"replications/{RB}/scripts/plot_nonpoly.py",
        json=f"{RB_RES}/nonpoly.json",
        style="shared/plotting.py",
    output:
        f"{RB_FIG}/nonpoly_newton.png",
        f"{RB_FIG}/nonpoly_newton.pdf",
        f"{RB_FIG}/nonpoly_newton.json",
    log:
        logf(RB, "plot_nonpoly_newton"),
    benchmark:
        bench(RB, "plot_nonpoly_newton")
    params:
        compute_bench=bench(RB, "nonpoly"),
    shell:
        "{PY} {input.script} --json {input.json} --config-hash {CONFIG_HASH} "
        "--compute-benchmark {params.compute_bench} --out {output[0]} > {log} 2>&1"
