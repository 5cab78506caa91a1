# optimizer_hessians: the blog post "Understanding Optimisers Through Hessians".
# Included by the top-level Snakefile, which provides register_replication, shared_modules,
# workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

OH = "optimizer_hessians"
OH_RES = res(OH)
OH_FIG = fig(OH)
OH_EXPERIMENTS = ["sgd_too_high", "sgd_eta_star", "momentum", "adam"]
OH_CODE = [f"replications/{OH}/experiment.py"] + workflow_modules("cli", "io", "runtime", "validation")

register_replication(
    OH,
    figures=[f"{OH_FIG}/trajectory_{e}.png" for e in OH_EXPERIMENTS]
    + [f"{OH_FIG}/rates_vs_eta.png", f"{OH_FIG}/eigen_decay.png"],
)


rule optimizer_hessians_trajectories:
    input:
        script=f"replications/{OH}/scripts/compute_trajectories.py",
        params=params_file(OH),
        code=OH_CODE,
    output:
        npz=f"{OH_RES}/trajectories.npz",
        json=f"{OH_RES}/trajectories.json",
    log:
        logf(OH, "trajectories"),
    benchmark:
        bench(OH, "trajectories")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule optimizer_hessians_analysis:
    input:
        script=f"replications/{OH}/scripts/compute_analysis.py",
        params=params_file(OH),
        code=OH_CODE,
    output:
        npz=f"{OH_RES}/analysis.npz",
        json=f"{OH_RES}/analysis.json",
    log:
        logf(OH, "analysis"),
    benchmark:
        bench(OH, "analysis")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule optimizer_hessians_measure:
    input:
        script=f"replications/{OH}/scripts/measure_claims.py",
        trajectories=f"{OH_RES}/trajectories.json",
        analysis=f"{OH_RES}/analysis.json",
    output:
        f"{OH_RES}/measurements.json",
    log:
        logf(OH, "measure"),
    benchmark:
        bench(OH, "measure")
    shell:
        "{PY} {input.script} --trajectories {input.trajectories} --analysis {input.analysis} "
        "--out {output} > {log} 2>&1"


rule optimizer_hessians_plot_trajectory:
    input:
        script=f"replications/{OH}/scripts/plot_trajectory.py",
        npz=f"{OH_RES}/trajectories.npz",
        json=f"{OH_RES}/trajectories.json",
        style="shared/plotting.py",
    output:
        report(f"{OH_FIG}/trajectory_{{experiment}}.png", category=OH),
        f"{OH_FIG}/trajectory_{{experiment}}.pdf",
        f"{OH_FIG}/trajectory_{{experiment}}.json",
    wildcard_constraints:
        experiment="|".join(OH_EXPERIMENTS),
    log:
        logf(OH, "plot_trajectory_{experiment}"),
    benchmark:
        bench(OH, "plot_trajectory_{experiment}")
    params:
        compute_bench=bench(OH, "trajectories"),
    shell:
        "{PY} {input.script} --experiment {wildcards.experiment} --npz {input.npz} "
        "--json {input.json} --config-hash {CONFIG_HASH} "
        "--compute-benchmark {params.compute_bench} --out {output[0]} > {log} 2>&1"


rule optimizer_hessians_plot_analysis:
    input:
        script=f"replications/{OH}/scripts/plot_{{figure}}.py",
        npz=f"{OH_RES}/analysis.npz",
        json=f"{OH_RES}/analysis.json",
        style="shared/plotting.py",
    output:
        report(f"{OH_FIG}/{{figure}}.png", category=OH),
        f"{OH_FIG}/{{figure}}.pdf",
        f"{OH_FIG}/{{figure}}.json",
    wildcard_constraints:
        figure="rates_vs_eta|eigen_decay",
    log:
        logf(OH, "plot_{figure}"),
    benchmark:
        bench(OH, "plot_{figure}")
    params:
        compute_bench=bench(OH, "analysis"),
    shell:
        "{PY} {input.script} --npz {input.npz} --json {input.json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output[0]} > {log} 2>&1"
