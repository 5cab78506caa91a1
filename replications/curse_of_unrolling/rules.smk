# curse_of_unrolling: Scieur, Gidel, Bertrand, Pedregosa, "The Curse of Unrolling", NeurIPS 2022
# (+ truncation / warm-start extensions from Mehmood, Knoll, Ochs 2026). Included by the
# top-level Snakefile, which provides register_replication, shared_modules, workflow_modules,
# params_file, bench, logf, PY, SCALE and CONFIG_HASH.

CU = "curse_of_unrolling"
CU_RES = res(CU)
CU_FIG = fig(CU)
CU_FIGURES = [
    "figure1",
    "theory_overlay",
    "burn_in_scaling",
    "polynomials",
    "tradeoff",
    "accelerated",
    "truncation_warm_start",
    "real_data",
    "seed_rules",
]
CU_CODE = (
    [f"replications/{CU}/model.py"]
    + shared_modules("unrolling", "diagnostics")
    + workflow_modules("cli", "io", "runtime", "validation")
)

register_replication(CU, figures=[f"{CU_FIG}/{f}.png" for f in CU_FIGURES])


rule curse_of_unrolling_synthetic:
    input:
        script=f"replications/{CU}/scripts/compute_synthetic.py",
        params=params_file(CU),
        code=CU_CODE,
    output:
        npz=f"{CU_RES}/synthetic.npz",
        json=f"{CU_RES}/synthetic.json",
    log:
        logf(CU, "synthetic"),
    benchmark:
        bench(CU, "synthetic")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule curse_of_unrolling_real:
    input:
        script=f"replications/{CU}/scripts/compute_real.py",
        params=params_file(CU),
        code=CU_CODE,
    output:
        npz=f"{CU_RES}/real.npz",
        json=f"{CU_RES}/real.json",
    log:
        logf(CU, "real"),
    benchmark:
        bench(CU, "real")
    shell:
        "{PY} {input.script} --params {input.params} --scale {SCALE} "
        "--out-npz {output.npz} --out-json {output.json} > {log} 2>&1"


rule curse_of_unrolling_measure:
    input:
        script=f"replications/{CU}/scripts/measure_claims.py",
        synthetic=f"{CU_RES}/synthetic.json",
        real=f"{CU_RES}/real.json",
        code=[f"replications/{CU}/model.py"],
    output:
        f"{CU_RES}/measurements.json",
    log:
        logf(CU, "measure"),
    benchmark:
        bench(CU, "measure")
    shell:
        "{PY} {input.script} --synthetic {input.synthetic} --real {input.real} "
        "--out {output} > {log} 2>&1"


rule curse_of_unrolling_plot:
    input:
        script=f"replications/{CU}/scripts/plot_figures.py",
        synthetic_npz=f"{CU_RES}/synthetic.npz",
        synthetic_json=f"{CU_RES}/synthetic.json",
        real_npz=f"{CU_RES}/real.npz",
        real_json=f"{CU_RES}/real.json",
        style="shared/plotting.py",
    output:
        f"{CU_FIG}/{{figure}}.png",
        f"{CU_FIG}/{{figure}}.pdf",
        f"{CU_FIG}/{{figure}}.json",
    wildcard_constraints:
        figure="|".join(CU_FIGURES),
    log:
        logf(CU, "plot_{figure}"),
    benchmark:
        bench(CU, "plot_{figure}")
    params:
        compute_bench=bench(CU, "synthetic"),
    shell:
        "{PY} {input.script} --figure {wildcards.figure} "
        "--synthetic-npz {input.synthetic_npz} --synthetic-json {input.synthetic_json} "
        "--real-npz {input.real_npz} --real-json {input.real_json} "
        "--config-hash {CONFIG_HASH} --compute-benchmark {params.compute_bench} "
        "--out {output[0]} > {log} 2>&1"
