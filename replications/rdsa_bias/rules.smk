# rdsa_bias: generalized random-direction (RDSA) gradient / Hessian estimators and their
# stochastic Newton methods (Pachal et al. 2026; 2RDSA, Prashanth et al. 2017; 2SPSA, Spall 2000).
# Steps declared with the helpers of replications/_workflow/helpers.smk.

RB_NEWTON_FUNCTIONS = ["quadratic", "quartic"]
RB_NEWTON_JSON = [res("rdsa_bias", f"newton_{f}.json") for f in RB_NEWTON_FUNCTIONS]
# plot script -> (figures it draws, one job each; the numbers it reads; their compute step)
RB_PLOTS = {
    "bias": (
        ["hessian_bias", "gradient_bias", "one_sided"],
        {"npz": res("rdsa_bias", "bias.npz"), "json": res("rdsa_bias", "bias.json")},
        "bias",
    ),
    "newton": (["nmse_vs_evals", "nmse_vs_eps"], {"json": RB_NEWTON_JSON}, "newton_quartic"),
    **{
        s: ([f"{s}_{kind}"], {"json": res("rdsa_bias", f"{s}.json")}, s)
        for s, kind in [
            ("hvp", "tradeoff"),
            ("lowrank", "tradeoff"),
            ("rastrigin", "newton"),
            ("nonpoly", "newton"),
        ]
    },
}

register_replication("rdsa_bias", figures=[f for figs, _, _ in RB_PLOTS.values() for f in figs])

for _rb_step in ("bias", "hvp", "lowrank", "rastrigin", "nonpoly"):
    compute(
        "rdsa_bias",
        _rb_step,
        outputs={"out_npz": f"{_rb_step}.npz", "out_json": f"{_rb_step}.json"},
    )

compute(
    "rdsa_bias",
    "newton",
    outputs={"out_npz": "newton_{function}.npz", "out_json": "newton_{function}.json"},
    args="--function {wildcards.function}",
    wildcards={"function": "|".join(RB_NEWTON_FUNCTIONS)},
)

measure(
    "rdsa_bias",
    inputs={
        "bias": res("rdsa_bias", "bias.json"),
        "newton": RB_NEWTON_JSON,
        **{s: res("rdsa_bias", f"{s}.json") for s in ("hvp", "lowrank", "rastrigin", "nonpoly")},
    },
)

# One plot() call per figure: plot() with several figures binds every job's shell command to
# the last figure's arguments (the command is a closure over a loop variable of the helper), so
# the scripts that draw several figures are called once per figure with --figure.
for _rb_script, (_rb_figures, _rb_inputs, _rb_compute) in RB_PLOTS.items():
    for _rb_figure in _rb_figures:
        plot(
            "rdsa_bias",
            _rb_figure,
            f"scripts/plot_{_rb_script}.py",
            inputs=_rb_inputs,
            args=f"--figure {_rb_figure}" if len(_rb_figures) > 1 else None,
            compute_benchmark=_rb_compute,
        )
