# admm_sdp_drift: Kang & Yang (2026), second-order limit dynamics of ADMM on degenerate SDPs.
# Included by the top-level Snakefile, which provides register_replication, shared_modules,
# workflow_modules, params_file, bench, logf, PY, SCALE and CONFIG_HASH.

ASD = "admm_sdp_drift"
ASD_RES = res(ASD)
ASD_FIG = fig(ASD)
ASD_CODE = [
    f"replications/{ASD}/__init__.py",
    f"replications/{ASD}/instances.py",
    f"replications/{ASD}/experiments.py",
] + workflow_modules("cli", "io", "runtime", "validation")
ASD_SHARED = shared_modules("admm_sdp", "diagnostics", "_validate")
ASD_FIGURES = [
    "expansion",
    "kkt_theta",
    "angles",
    "sigma_scaling",
    "escape_table",
    "pca_windows",
    "toy1_field",
    "toy1_trajectories",
    "toy3_spike_grid",
    "escape_dimension",
]
# Cached interior-point reference of 1dc.128 (scripts/reference_theta.py; deviation D7).
ASD_REF = f"replications/{ASD}/reference/clarabel_1dc128.json"
# Escape search on 1dc.128 at the paper's iteration counts, one job per residual-unit reading of
# update_sig_1 (params theta.escape.variants): paper scale only (minutes per variant).
ASD_ESCAPE_VARIANTS = ["original", "scaled"]
ASD_ESCAPE = (
    [f"{ASD_RES}/escape_{v}.json" for v in ASD_ESCAPE_VARIANTS] if SCALE == "paper" else []
)

register_replication(ASD, figures=[f"{ASD_FIG}/{f}.png" for f in ASD_FIGURES])


rule admm_sdp_drift_toys:
    input:
        script=f"replications/{ASD}/scripts/compute_toys.py",
        params=params_file(ASD),
        code=ASD_CODE,
        shared=ASD_SHARED,
    output:
        npz=f"{ASD_RES}/toys.npz",
        json=f"{ASD_RES}/toys.json",
    log:
        logf(ASD, "toys"),
    benchmark:
        bench(ASD, "toys")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule admm_sdp_drift_toy_dynamics:
    """toy1 tasks III / V, toy3 task VII and PCA around the task VI escape."""
    input:
        script=f"replications/{ASD}/scripts/compute_toy_dynamics.py",
        params=params_file(ASD),
        code=ASD_CODE,
        shared=ASD_SHARED,
    output:
        npz=f"{ASD_RES}/toy_dynamics.npz",
        json=f"{ASD_RES}/toy_dynamics.json",
    log:
        logf(ASD, "toy_dynamics"),
    benchmark:
        bench(ASD, "toy_dynamics")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule admm_sdp_drift_face:
    input:
        script=f"replications/{ASD}/scripts/compute_face.py",
        params=params_file(ASD),
        code=ASD_CODE,
        shared=ASD_SHARED,
    output:
        json=f"{ASD_RES}/face.json",
    log:
        logf(ASD, "face"),
    benchmark:
        bench(ASD, "face")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-json {output.json} > {log} 2>&1"


rule admm_sdp_drift_theta:
    """1dc.n runs: the control (1dc.64) and the slow-region instance (1dc.128)."""
    input:
        script=f"replications/{ASD}/scripts/compute_theta.py",
        params=params_file(ASD),
        code=ASD_CODE,
        shared=ASD_SHARED,
    output:
        npz=f"{ASD_RES}/theta_{{part}}.npz",
        json=f"{ASD_RES}/theta_{{part}}.json",
    wildcard_constraints:
        part="control|slow",
    log:
        logf(ASD, "theta_{part}"),
    benchmark:
        bench(ASD, "theta_{part}")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --part {wildcards.part} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule admm_sdp_drift_escape:
    """1dc.128, code protocol at the paper's counts, one sigma-rule variant (paper scale)."""
    input:
        script=f"replications/{ASD}/scripts/compute_theta.py",
        params=params_file(ASD),
        code=ASD_CODE,
        shared=ASD_SHARED,
    output:
        npz=f"{ASD_RES}/escape_{{variant}}.npz",
        json=f"{ASD_RES}/escape_{{variant}}.json",
    wildcard_constraints:
        variant="|".join(ASD_ESCAPE_VARIANTS),
    log:
        logf(ASD, "escape_{variant}"),
    benchmark:
        bench(ASD, "escape_{variant}")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --part escape "
        "--variant {wildcards.variant} --out-npz {output.npz} --out-json {output.json} "
        "> {log} 2>&1"


rule admm_sdp_drift_theta_followups:
    """sigma sweep and the seed document's remedies from the end of the slow run."""
    input:
        script=f"replications/{ASD}/scripts/compute_theta.py",
        params=params_file(ASD),
        code=ASD_CODE,
        shared=ASD_SHARED,
        state=f"{ASD_RES}/theta_slow.npz",
    output:
        npz=f"{ASD_RES}/theta_followups.npz",
        json=f"{ASD_RES}/theta_followups.json",
    log:
        logf(ASD, "theta_followups"),
    benchmark:
        bench(ASD, "theta_followups")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} --part followups "
        "--state {input.state} --out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule admm_sdp_drift_measure:
    input:
        script=f"replications/{ASD}/scripts/measure_claims.py",
        toys=f"{ASD_RES}/toys.json",
        face=f"{ASD_RES}/face.json",
        control=f"{ASD_RES}/theta_control.json",
        slow=f"{ASD_RES}/theta_slow.json",
        followups=f"{ASD_RES}/theta_followups.json",
        dynamics=f"{ASD_RES}/toy_dynamics.json",
        reference=ASD_REF,
        escape=ASD_ESCAPE,
    output:
        f"{ASD_RES}/measurements.json",
    log:
        logf(ASD, "measure"),
    benchmark:
        bench(ASD, "measure")
    shell:
        "{PY} {input.script} --toys {input.toys} --face {input.face} --control {input.control} "
        "--slow {input.slow} --followups {input.followups} --dynamics {input.dynamics} "
        "--reference {input.reference} --escape {input.escape} --out {output} > {log} 2>&1"


rule admm_sdp_drift_plot:
    """Every figure in one job (matplotlib start-up dominates the cost of each figure)."""
    input:
        script=f"replications/{ASD}/scripts/plot_figures.py",
        toys_npz=f"{ASD_RES}/toys.npz",
        toys=f"{ASD_RES}/toys.json",
        control_npz=f"{ASD_RES}/theta_control.npz",
        control=f"{ASD_RES}/theta_control.json",
        slow_npz=f"{ASD_RES}/theta_slow.npz",
        slow=f"{ASD_RES}/theta_slow.json",
        followups_npz=f"{ASD_RES}/theta_followups.npz",
        followups=f"{ASD_RES}/theta_followups.json",
        dynamics_npz=f"{ASD_RES}/toy_dynamics.npz",
        dynamics=f"{ASD_RES}/toy_dynamics.json",
        style="shared/plotting.py",
    output:
        [f"{ASD_FIG}/{f}.{ext}" for f in ASD_FIGURES for ext in ("png", "pdf", "json")],
    log:
        logf(ASD, "plot"),
    benchmark:
        bench(ASD, "plot")
    params:
        compute_bench=bench(ASD, "theta_slow"),
    shell:
        "{PY} {input.script} --results {ASD_RES} --out-dir {ASD_FIG} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} > {log} 2>&1"
