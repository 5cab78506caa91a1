# optimizer_hessians: the blog post "Understanding Optimisers Through Hessians".
# Steps declared with the helpers of replications/_workflow/helpers.smk.

OH_EXPERIMENTS = ["sgd_too_high", "sgd_eta_star", "momentum", "adam"]
OH_ARRAYS = {"out_npz": "{step}.npz", "out_json": "{step}.json"}

register_replication(
    "optimizer_hessians",
    figures=[f"trajectory_{e}" for e in OH_EXPERIMENTS] + ["rates_vs_eta", "eigen_decay"],
)

for _step in ("trajectories", "analysis"):
    compute("optimizer_hessians", _step,
            outputs={k: v.format(step=_step) for k, v in OH_ARRAYS.items()})

measure(
    "optimizer_hessians",
    inputs={
        "trajectories": res("optimizer_hessians", "trajectories.json"),
        "analysis": res("optimizer_hessians", "analysis.json"),
    },
)

plot(
    "optimizer_hessians",
    [f"trajectory_{e}" for e in OH_EXPERIMENTS],
    "scripts/plot_trajectory.py",
    inputs={
        "npz": res("optimizer_hessians", "trajectories.npz"),
        "json": res("optimizer_hessians", "trajectories.json"),
    },
    args=lambda stem: f"--experiment {stem.removeprefix('trajectory_')}",
    compute_benchmark="trajectories",
)

for _figure in ("rates_vs_eta", "eigen_decay"):
    plot(
        "optimizer_hessians",
        _figure,
        inputs={
            "npz": res("optimizer_hessians", "analysis.npz"),
            "json": res("optimizer_hessians", "analysis.json"),
        },
        compute_benchmark="analysis",
    )
