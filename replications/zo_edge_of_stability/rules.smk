# zo_edge_of_stability: Song et al. 2026, "Zeroth-Order Optimization at the Edge of Stability".
# Included by the top-level Snakefile, which provides register_replication, shared_modules,
# workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

ZE = "zo_edge_of_stability"
ZE_RES = res(ZE)
ZE_FIG = fig(ZE)
ZE_GROUPS = [
    "gd",
    "zo_gd",
    "zo_gdm",
    "zo_adam",
    "catapult",
    "ablations",
    "minibatch",
    "zo_adam_beta1",
    "zo_gdm_warmup",
    "minibatch_equal_loss",
]
ZE_QFIGS = ["quadratic_thresholds", "quadratic_monte_carlo"]
ZE_TFIGS = [
    "eos_gd_vs_zo",
    "eos_band",
    "catapult",
    "ablations",
    "adam_beta1_commutator",
    "exact_spectrum",
    "zo_gdm_beta_sweep",
    "minibatch_equal_loss",
]
ZE_WF = workflow_modules("cli", "io", "runtime", "validation")

register_replication(ZE, figures=[f"{ZE_FIG}/{f}.png" for f in ZE_QFIGS + ZE_TFIGS])


rule zo_edge_of_stability_quadratic:
    input:
        script=f"replications/{ZE}/scripts/compute_quadratic.py",
        params=params_file(ZE),
        code=[f"replications/{ZE}/quadratic.py"] + ZE_WF,
        shared=shared_modules("zo_stability", "zeroth_order", "zo_optim"),
    output:
        npz=f"{ZE_RES}/quadratic.npz",
        json=f"{ZE_RES}/quadratic.json",
    log:
        logf(ZE, "quadratic"),
    benchmark:
        bench(ZE, "quadratic")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule zo_edge_of_stability_train:
    input:
        script=f"replications/{ZE}/scripts/compute_training.py",
        params=params_file(ZE),
        code=[
            f"replications/{ZE}/model.py",
            f"replications/{ZE}/train.py",
            f"replications/{ZE}/analysis.py",
        ]
        + ZE_WF,
        shared=shared_modules("zeroth_order", "zo_optim", "zo_stability", "hessian", "linalg"),
    output:
        npz=f"{ZE_RES}/train_{{group}}.npz",
        json=f"{ZE_RES}/train_{{group}}.json",
    wildcard_constraints:
        group="|".join(ZE_GROUPS),
    log:
        logf(ZE, "train_{group}"),
    benchmark:
        bench(ZE, "train_{group}")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --group {wildcards.group} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule zo_edge_of_stability_measure:
    input:
        script=f"replications/{ZE}/scripts/measure_claims.py",
        code=f"replications/{ZE}/analysis.py",
        quadratic=f"{ZE_RES}/quadratic.json",
        train=expand(f"{ZE_RES}/train_{{group}}.{{ext}}", group=ZE_GROUPS, ext=["npz", "json"]),
    output:
        f"{ZE_RES}/measurements.json",
    log:
        logf(ZE, "measure"),
    benchmark:
        bench(ZE, "measure")
    params:
        groups=" ".join(ZE_GROUPS),
    shell:
        "{PY} {input.script} --quadratic {input.quadratic} --train-dir {ZE_RES} "
        "--groups {params.groups} --out {output} > {log} 2>&1"


rule zo_edge_of_stability_plot_quadratic:
    input:
        script=f"replications/{ZE}/scripts/plot_quadratic.py",
        npz=f"{ZE_RES}/quadratic.npz",
        json=f"{ZE_RES}/quadratic.json",
        style="shared/plotting.py",
    output:
        report(f"{ZE_FIG}/{{qfig}}.png", category=ZE),
        f"{ZE_FIG}/{{qfig}}.pdf",
        f"{ZE_FIG}/{{qfig}}.json",
    wildcard_constraints:
        qfig="|".join(ZE_QFIGS),
    log:
        logf(ZE, "plot_{qfig}"),
    benchmark:
        bench(ZE, "plot_{qfig}")
    params:
        compute_bench=bench(ZE, "quadratic"),
    shell:
        "{PY} {input.script} --figure {wildcards.qfig} --npz {input.npz} --json {input.json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output[0]} > {log} 2>&1"


rule zo_edge_of_stability_plot_training:
    input:
        script=f"replications/{ZE}/scripts/plot_training.py",
        code=f"replications/{ZE}/analysis.py",
        train=expand(f"{ZE_RES}/train_{{group}}.{{ext}}", group=ZE_GROUPS, ext=["npz", "json"]),
        style="shared/plotting.py",
    output:
        report(f"{ZE_FIG}/{{tfig}}.png", category=ZE),
        f"{ZE_FIG}/{{tfig}}.pdf",
        f"{ZE_FIG}/{{tfig}}.json",
    wildcard_constraints:
        tfig="|".join(ZE_TFIGS),
    log:
        logf(ZE, "plot_{tfig}"),
    benchmark:
        bench(ZE, "plot_{tfig}")
    params:
        groups=" ".join(ZE_GROUPS),
    shell:
        "{PY} {input.script} --figure {wildcards.tfig} --train-dir {ZE_RES} "
        "--groups {params.groups} --config-hash {CONFIG_HASH} --out {output[0]} > {log} 2>&1"
