# curse_of_unrolling: Scieur, Gidel, Bertrand, Pedregosa, "The Curse of Unrolling", NeurIPS 2022
# (+ truncation / warm-start extensions from Mehmood, Knoll, Ochs 2026). Steps declared with the
# helpers of replications/_workflow/helpers.smk: each input / output key k reaches the script as
# --k, and the helpers add params, log, benchmark, resources, device param and code inputs.

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

register_replication("curse_of_unrolling", figures=CU_FIGURES)

# curse_of_unrolling_synthetic, curse_of_unrolling_real: curves (.npz) and scalars (.json).
for _step in ("synthetic", "real"):
    compute(
        "curse_of_unrolling",
        _step,
        outputs={"out_npz": f"{_step}.npz", "out_json": f"{_step}.json"},
    )

measure(
    "curse_of_unrolling",
    inputs={
        "synthetic": res("curse_of_unrolling", "synthetic.json"),
        "real": res("curse_of_unrolling", "real.json"),
    },
)

# One rule per figure (curse_of_unrolling_plot_<figure>), one plot() call each: with several
# figures in one call, every job of that call ran the last figure's command (the helper's shell
# command is read when the job runs, after its loop has moved on), so each call gets one figure
# and passes --figure itself.
for _figure in CU_FIGURES:
    plot(
        "curse_of_unrolling",
        _figure,
        "scripts/plot_figures.py",
        inputs={
            "synthetic_npz": res("curse_of_unrolling", "synthetic.npz"),
            "synthetic_json": res("curse_of_unrolling", "synthetic.json"),
            "real_npz": res("curse_of_unrolling", "real.npz"),
            "real_json": res("curse_of_unrolling", "real.json"),
        },
        args=f"--figure {_figure}",
        compute_benchmark="synthetic",
    )
