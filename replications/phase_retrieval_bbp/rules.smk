# phase_retrieval_bbp: Bonnaire, Biroli & Cammarota, arXiv:2403.02418 (time-dependent Hessian,
# BBP transition). Included by the top-level Snakefile, which provides register_replication,
# shared_modules, workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

PR = "phase_retrieval_bbp"
PR_RES = res(PR)
PR_FIG = fig(PR)
PR_INITS = ["random", "constrained", "spectral"]
PR_WF = workflow_modules("cli", "io", "runtime", "validation")
PR_MODEL = [f"replications/{PR}/model.py"] + shared_modules("hessian", "linalg", "_validate")
PR_FIGURES = [
    "overlap_vs_alpha",
    "time_hessian",
    "success_vs_alpha",
    "threshold_vs_logn",
    "failed_runs_hessian",
    "t0_finite_size",
    "plateau_hessian",
]

register_replication(PR, figures=[f"{PR_FIG}/{f}.png" for f in PR_FIGURES])


rule phase_retrieval_bbp_theory:
    input:
        script=f"replications/{PR}/scripts/compute_theory.py",
        params=params_file(PR),
        code=[f"replications/{PR}/theory.py"] + PR_WF,
    output:
        json=f"{PR_RES}/theory.json",
    log:
        logf(PR, "theory"),
    benchmark:
        bench(PR, "theory")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --out-json {output.json} "
        "> {log} 2>&1"


rule phase_retrieval_bbp_spectrum_init:
    input:
        script=f"replications/{PR}/scripts/compute_spectrum_init.py",
        params=params_file(PR),
        code=PR_MODEL + PR_WF,
    output:
        json=f"{PR_RES}/spectrum_init.json",
    log:
        logf(PR, "spectrum_init"),
    benchmark:
        bench(PR, "spectrum_init")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --out-json {output.json} "
        "> {log} 2>&1"


rule phase_retrieval_bbp_spectrum_dense:
    input:
        script=f"replications/{PR}/scripts/compute_spectrum_dense.py",
        params=params_file(PR),
        code=PR_MODEL + PR_WF,
    output:
        json=f"{PR_RES}/spectrum_dense.json",
    log:
        logf(PR, "spectrum_dense"),
    benchmark:
        bench(PR, "spectrum_dense")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --out-json {output.json} "
        "> {log} 2>&1"


rule phase_retrieval_bbp_plateau:
    input:
        script=f"replications/{PR}/scripts/compute_plateau.py",
        params=params_file(PR),
        code=PR_MODEL + PR_WF,
    output:
        json=f"{PR_RES}/plateau.json",
    log:
        logf(PR, "plateau"),
    benchmark:
        bench(PR, "plateau")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --out-json {output.json} "
        "> {log} 2>&1"


rule phase_retrieval_bbp_time_hessian:
    input:
        script=f"replications/{PR}/scripts/compute_time_hessian.py",
        params=params_file(PR),
        code=PR_MODEL + PR_WF,
    output:
        json=f"{PR_RES}/time_hessian.json",
    log:
        logf(PR, "time_hessian"),
    benchmark:
        bench(PR, "time_hessian")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --out-json {output.json} "
        "> {log} 2>&1"


rule phase_retrieval_bbp_ts_scan:
    input:
        script=f"replications/{PR}/scripts/compute_ts_scan.py",
        params=params_file(PR),
        code=PR_MODEL + PR_WF,
    output:
        json=f"{PR_RES}/ts_scan.json",
    log:
        logf(PR, "ts_scan"),
    benchmark:
        bench(PR, "ts_scan")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --out-json {output.json} "
        "> {log} 2>&1"


rule phase_retrieval_bbp_spectral_m0:
    input:
        script=f"replications/{PR}/scripts/compute_spectral_m0.py",
        params=params_file(PR),
        code=PR_MODEL + PR_WF,
    output:
        json=f"{PR_RES}/spectral_m0.json",
    log:
        logf(PR, "spectral_m0"),
    benchmark:
        bench(PR, "spectral_m0")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --out-json {output.json} "
        "> {log} 2>&1"


rule phase_retrieval_bbp_success:
    input:
        script=f"replications/{PR}/scripts/compute_success.py",
        params=params_file(PR),
        code=PR_MODEL + PR_WF,
    output:
        json=f"{PR_RES}/success_{{init}}.json",
    wildcard_constraints:
        init="|".join(PR_INITS),
    log:
        logf(PR, "success_{init}"),
    benchmark:
        bench(PR, "success_{init}")
    shell:
        "{PY} {input.script} --init {wildcards.init} --params {input.params} --scale {SCALE} "
        "--out-json {output.json} > {log} 2>&1"


rule phase_retrieval_bbp_measure:
    input:
        script=f"replications/{PR}/scripts/measure_claims.py",
        theory=f"{PR_RES}/theory.json",
        spectrum=f"{PR_RES}/spectrum_init.json",
        time=f"{PR_RES}/time_hessian.json",
        ts=f"{PR_RES}/ts_scan.json",
        m0=f"{PR_RES}/spectral_m0.json",
        success=expand(f"{PR_RES}/success_{{init}}.json", init=PR_INITS),
        dense=f"{PR_RES}/spectrum_dense.json",
        plateau=f"{PR_RES}/plateau.json",
        code=[f"replications/{PR}/analysis.py"] + workflow_modules("io"),
    output:
        f"{PR_RES}/measurements.json",
    log:
        logf(PR, "measure"),
    benchmark:
        bench(PR, "measure")
    shell:
        "{PY} {input.script} --theory {input.theory} --spectrum {input.spectrum} "
        "--time {input.time} --ts-scan {input.ts} --spectral-m0 {input.m0} "
        "--success {input.success} --spectrum-dense {input.dense} --plateau {input.plateau} "
        "--out {output} > {log} 2>&1"


rule phase_retrieval_bbp_plot:
    input:
        script=f"replications/{PR}/scripts/plot_{{figure}}.py",
        theory=f"{PR_RES}/theory.json",
        spectrum=f"{PR_RES}/spectrum_init.json",
        time=f"{PR_RES}/time_hessian.json",
        ts=f"{PR_RES}/ts_scan.json",
        m0=f"{PR_RES}/spectral_m0.json",
        success=expand(f"{PR_RES}/success_{{init}}.json", init=PR_INITS),
        measurements=f"{PR_RES}/measurements.json",
        dense=f"{PR_RES}/spectrum_dense.json",
        plateau=f"{PR_RES}/plateau.json",
        style="shared/plotting.py",
        code=[f"replications/{PR}/plot_inputs.py", f"replications/{PR}/analysis.py"] + workflow_modules("figures", "io"),
    output:
        f"{PR_FIG}/{{figure}}.png",
        f"{PR_FIG}/{{figure}}.pdf",
        f"{PR_FIG}/{{figure}}.json",
    wildcard_constraints:
        figure="|".join(PR_FIGURES),
    log:
        logf(PR, "plot_{figure}"),
    benchmark:
        bench(PR, "plot_{figure}")
    shell:
        "{PY} {input.script} --theory {input.theory} --spectrum {input.spectrum} "
        "--time {input.time} --ts-scan {input.ts} --spectral-m0 {input.m0} "
        "--success {input.success} --measurements {input.measurements} "
        "--spectrum-dense {input.dense} --plateau {input.plateau} "
        "--config-hash {CONFIG_HASH} --out {output[0]} > {log} 2>&1"
