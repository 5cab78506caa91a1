# hunting_the_hessian, part 2: OSGM / hypergradient descent (COLT 2025, ICML 2025).
# Included from rules.smk; steps declared with the helpers of replications/_workflow/helpers.smk
# (params, logs, benchmarks, resources, report entries, device param and code inputs).
# Globals are prefixed OSGM_: part 1's rules_promise.smk shares this namespace.

OSGM_HH = "hunting_the_hessian"
OSGM_EXPERIMENTS = ("quadratic", "stability", "stochastic")

register_replication(
    OSGM_HH,
    figures=["osgm_curves", "osgm_solved"] + [f"osgm_{e}" for e in OSGM_EXPERIMENTS],
    measurements=[res(OSGM_HH, "measurements_osgm.json")],
)

# The solved-instance suite, one job per loss (the script takes --loss).
compute(
    OSGM_HH,
    "osgm_suite",
    "scripts/osgm_suite.py",
    outputs={"out_json": "osgm_suite_{loss}.json", "out_npz": "osgm_suite_{loss}.npz"},
    args="--loss {wildcards.loss}",
    wildcards={"loss": "svm|logistic"},
)
for _exp in OSGM_EXPERIMENTS:
    compute(
        OSGM_HH,
        f"osgm_{_exp}",
        f"scripts/osgm_{_exp}.py",
        outputs={"out_json": f"osgm_{_exp}.json", "out_npz": f"osgm_{_exp}.npz"},
    )
compute(
    OSGM_HH,
    "osgm_memory",
    "scripts/osgm_memory.py",
    outputs={"out_json": "osgm_memory.json"},
)

measure(
    OSGM_HH,
    inputs={
        "suite_svm": res(OSGM_HH, "osgm_suite_svm.json"),
        "suite_logistic": res(OSGM_HH, "osgm_suite_logistic.json"),
        **{e: res(OSGM_HH, f"osgm_{e}.json") for e in OSGM_EXPERIMENTS},
        "memory": res(OSGM_HH, "osgm_memory.json"),
    },
    script="scripts/osgm_measure.py",
    output="measurements_osgm.json",
    step="osgm_measure",
)

# One plot script draws the five figures (--figure); it reads the files passed as --inputs.
plot(
    OSGM_HH,
    ["osgm_curves", "osgm_solved"],
    "scripts/osgm_plot.py",
    inputs={
        "inputs": [
            res(OSGM_HH, f"osgm_suite_{loss}.{ext}")
            for loss in ("svm", "logistic")
            for ext in ("json", "npz")
        ]
    },
)
for _exp in OSGM_EXPERIMENTS:
    plot(
        OSGM_HH,
        f"osgm_{_exp}",
        "scripts/osgm_plot.py",
        inputs={"inputs": [res(OSGM_HH, f"osgm_{_exp}.{ext}") for ext in ("json", "npz")]},
        args=f"--figure osgm_{_exp}",
        compute_benchmark=f"osgm_{_exp}",
    )
