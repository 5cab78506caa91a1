# hunting_the_hessian, part 1: randomized Nystrom, Nystrom PCG and PROMISE.
# Included from rules.smk; steps declared with the helpers of replications/_workflow/helpers.smk.
# One compute rule per experiment (hunting_the_hessian_promise_<exp>, scripts/promise_compute_
# <exp>.py, parameters from params_promise.yaml), one measure rule, one plot rule per figure.

HHP = "hunting_the_hessian"
HHP_EXPERIMENTS = [
    "nystrom", "pcg", "rf", "suite", "pinn", "sketchysgd", "precond", "streaming", "rate",
    "regularity",
]
# figure -> the experiment whose numbers it plots
HHP_FIGURES = {
    "promise_nystrom_error": "nystrom",
    "promise_pcg_kappa": "pcg",
    "promise_pcg_iterations": "pcg",
    "promise_rf_residuals": "rf",
    "promise_suboptimality": "suite",
    "promise_share_solved": "suite",
    "promise_pinn": "pinn",
    "promise_sketchysgd": "sketchysgd",
    "promise_preconditioners": "precond",
    "promise_streaming": "streaming",
    "promise_rate": "rate",
    "promise_regularity": "regularity",
}

register_replication(HHP, figures=list(HHP_FIGURES),
                     measurements=[res(HHP, "measurements_promise.json")])

for _exp in HHP_EXPERIMENTS:
    compute(HHP, f"promise_{_exp}", f"scripts/promise_compute_{_exp}.py",
            outputs={"out_json": f"promise_{_exp}.json"}, params="params_promise")

measure(
    HHP,
    inputs={_exp: res(HHP, f"promise_{_exp}.json") for _exp in HHP_EXPERIMENTS},
    script="scripts/promise_measure.py",
    output="measurements_promise.json",
    step="promise_measure",
)

for _figure, _exp in HHP_FIGURES.items():
    plot(HHP, _figure, "scripts/promise_plot.py",
         inputs={"json": res(HHP, f"promise_{_exp}.json")},
         args=f"--figure {_figure}", compute_benchmark=f"promise_{_exp}")
