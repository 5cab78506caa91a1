# zo_edge_of_stability: Song et al. 2026, "Zeroth-Order Optimization at the Edge of Stability".
# Steps declared with the helpers of replications/_workflow/helpers.smk: each input / output key
# k reaches the script as --k. One compute rule per training group (their costs differ by 10x).

ZE = "zo_edge_of_stability"
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
# Every training log, in the order of ZE_GROUPS (the scripts pair the i-th npz with the i-th json).
ZE_TRAIN = {
    "train_npz": [res(ZE, f"train_{g}.npz") for g in ZE_GROUPS],
    "train_json": [res(ZE, f"train_{g}.json") for g in ZE_GROUPS],
}

register_replication(ZE, figures=ZE_QFIGS + ZE_TFIGS)

compute(ZE, "quadratic", outputs={"out_npz": "quadratic.npz", "out_json": "quadratic.json"})

for _group in ZE_GROUPS:
    compute(
        ZE,
        f"train_{_group}",
        "scripts/compute_training.py",
        outputs={"out_npz": f"train_{_group}.npz", "out_json": f"train_{_group}.json"},
        args=f"--group {_group}",
    )

measure(ZE, inputs={"quadratic": res(ZE, "quadratic.json"), **ZE_TRAIN})

plot(
    ZE,
    ZE_QFIGS,
    "scripts/plot_quadratic.py",
    inputs={"npz": res(ZE, "quadratic.npz"), "json": res(ZE, "quadratic.json")},
    compute_benchmark="quadratic",
)

plot(ZE, ZE_TFIGS, "scripts/plot_training.py", inputs=ZE_TRAIN)
