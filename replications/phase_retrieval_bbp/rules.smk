# phase_retrieval_bbp: Bonnaire, Biroli & Cammarota, arXiv:2403.02418 (time-dependent Hessian,
# BBP transition). Steps declared with the helpers of replications/_workflow/helpers.smk.

PR = "phase_retrieval_bbp"
PR_INITS = ["random", "constrained", "spectral"]
PR_FIGURES = [
    "overlap_vs_alpha",
    "time_hessian",
    "success_vs_alpha",
    "threshold_vs_logn",
    "failed_runs_hessian",
    "t0_finite_size",
    "plateau_hessian",
]

register_replication(PR, figures=PR_FIGURES)

# scripts/compute_<step>.py --out-json <results>/phase_retrieval_bbp/<step>.json
for _step in (
    "theory",
    "spectrum_init",
    "spectrum_dense",
    "plateau",
    "time_hessian",
    "ts_scan",
    "spectral_m0",
):
    compute(PR, _step, outputs={"out_json": f"{_step}.json"})

# Success rates: one rule per initialisation (their costs differ by orders of magnitude).
for _init in PR_INITS:
    compute(
        PR,
        f"success_{_init}",
        "scripts/compute_success.py",
        outputs={"out_json": f"success_{_init}.json"},
        args=f"--init {_init}",
    )

# What measure_claims.py and every plot script read (key k -> --k).
PR_NUMBERS = {
    "theory": res(PR, "theory.json"),
    "spectrum": res(PR, "spectrum_init.json"),
    "time": res(PR, "time_hessian.json"),
    "ts_scan": res(PR, "ts_scan.json"),
    "spectral_m0": res(PR, "spectral_m0.json"),
    "success": [res(PR, f"success_{_i}.json") for _i in PR_INITS],
    "spectrum_dense": res(PR, "spectrum_dense.json"),
    "plateau": res(PR, "plateau.json"),
}

measure(PR, inputs=PR_NUMBERS)

for _figure in PR_FIGURES:
    plot(PR, _figure, inputs={**PR_NUMBERS, "measurements": res(PR, "measurements.json")})
