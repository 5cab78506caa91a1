# admm_sdp_drift: Kang & Yang (2026), second-order limit dynamics of ADMM on degenerate SDPs.
# Steps declared with the helpers of replications/_workflow/helpers.smk (each input / output
# key k reaches the script as --k).

from replications._workflow.validation import load_params as _asd_load_params

ASD = "admm_sdp_drift"
# Results read by the measurement and the plots: input key -> file stem (<stem>.json and, for
# the plots, <stem>.npz as key <key>_npz).
ASD_RESULTS = {
    "toys": "toys",
    "dynamics": "toy_dynamics",
    "control": "theta_control",
    "slow": "theta_slow",
    "followups": "theta_followups",
}
# Figure -> (the results it draws, the compute step whose benchmark goes in its sidecar).
ASD_PLOTS = {
    "expansion": (["toys"], "toys"),
    "kkt_theta": (["control", "slow", "toys"], "theta_slow"),
    "angles": (["slow", "toys"], "theta_slow"),
    "sigma_scaling": (["toys", "followups"], "theta_followups"),
    "escape_table": (["toys", "followups"], "theta_followups"),
    "pca_windows": (["slow", "control"], "theta_slow"),
    "toy1_field": (["dynamics"], "toy_dynamics"),
    "toy1_trajectories": (["dynamics"], "toy_dynamics"),
    "toy3_spike_grid": (["dynamics"], "toy_dynamics"),
    "escape_dimension": (["dynamics"], "toy_dynamics"),
}
# Cached interior-point reference of 1dc.128 (scripts/reference_theta.py; deviation D7).
ASD_REF = f"replications/{ASD}/reference/clarabel_1dc128.json"
# Escape search on 1dc.128 at the paper's iteration counts, one job per residual-unit reading of
# update_sig_1 (params theta.escape.variants); measured at paper scale only.
ASD_ESCAPE_VARIANTS = _asd_load_params(ROOT / "replications" / ASD / "params.yaml", SCALE)[
    "theta"
]["escape"]["variants"]

register_replication(ASD, figures=list(ASD_PLOTS))

for _step in ("toys", "toy_dynamics"):
    compute(ASD, _step, outputs={"out_npz": f"{_step}.npz", "out_json": f"{_step}.json"})

compute(ASD, "face", outputs={"out_json": "face.json"})

# 1dc.n: the linear-convergence control (1dc.64) and the slow-region instance (1dc.128; the
# paper's 1dc1024 at paper scale), one job each so they run side by side.
for _part in ("control", "slow"):
    compute(
        ASD,
        f"theta_{_part}",
        "scripts/compute_theta.py",
        outputs={"out_npz": f"theta_{_part}.npz", "out_json": f"theta_{_part}.json"},
        args=f"--part {_part}",
    )

# sigma sweep and the seed document's remedies from the end of the slow run.
compute(
    ASD,
    "theta_followups",
    "scripts/compute_theta.py",
    inputs={"state": res(ASD, "theta_slow.npz")},
    outputs={"out_npz": "theta_followups.npz", "out_json": "theta_followups.json"},
    args="--part followups",
)

# 1dc.128 with the code's protocol at the paper's counts, one sigma-rule variant per job.
compute(
    ASD,
    "escape",
    "scripts/compute_theta.py",
    outputs={"out_npz": "escape_{variant}.npz", "out_json": "escape_{variant}.json"},
    args="--part escape --variant {wildcards.variant}",
    wildcards={"variant": "|".join(ASD_ESCAPE_VARIANTS)},
)

measure(
    ASD,
    inputs={
        **{k: res(ASD, f"{stem}.json") for k, stem in ASD_RESULTS.items()},
        "face": res(ASD, "face.json"),
        "reference": ASD_REF,
        "escape": (
            [res(ASD, f"escape_{v}.json") for v in ASD_ESCAPE_VARIANTS] if SCALE == "paper" else []
        ),
    },
)

for _figure, (_keys, _compute) in ASD_PLOTS.items():
    _inputs = {}
    for _k in _keys:
        _inputs[_k] = res(ASD, f"{ASD_RESULTS[_k]}.json")
        _inputs[f"{_k}_npz"] = res(ASD, f"{ASD_RESULTS[_k]}.npz")
    plot(
        ASD,
        _figure,
        "scripts/plot_figures.py",
        inputs=_inputs,
        args=f"--figure {_figure}",
        compute_benchmark=_compute,
    )
