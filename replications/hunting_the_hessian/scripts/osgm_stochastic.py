"""Stochastic least squares of the COLT code (test_stochastic.m): SGD vs stochastic OSGM-R/G/H
on mini-batches (I/O only)."""

from __future__ import annotations

import sys

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, device_setting
from replications.hunting_the_hessian import osgm_problems as prob
from replications.hunting_the_hessian.osgm_metrics import moving_average
from shared.osgm import minibatch_sgd, stochastic_osgm


def batch_objective(A: np.ndarray, b: np.ndarray):
    """``(x, idx) -> (1/2 ||A_S x - b_S||^2, A_S^T (A_S x - b_S))`` (test_stochastic.m)."""

    def fun(x, idx):
        r = A[idx] @ x - b[idx]
        return 0.5 * float(r @ r), A[idx].T @ r

    return fun


def main() -> None:
    args = compute_parser(__doc__).parse_args()
    # Device contract: the step gets the configured device as a param (its code imports
    # runtime.py, whose device helper imports torch), but it is numpy / SciPy float64 code
    # with no torch or jax, so it runs on CPU whatever the device (README, Runtime).
    print(
        f"[device] configured {device_setting()}; this step runs on CPU by design "
        "(numpy / SciPy float64 code, no torch or jax)",
        file=sys.stderr,
    )
    st = params_of(args)["osgm"]["stochastic"]
    n, batch, iters = int(st["n"]), int(st["batch"]), int(st["iters"])
    runs, arrays = [], {}
    prog = Progress(len(st["sigmas"]) * len(st["seeds"]), "osgm stochastic")
    for sigma in st["sigmas"]:
        for seed in st["seeds"]:
            A, b = prob.least_squares_matrix(n, float(sigma), int(seed))
            H = A.T @ A
            fun = batch_objective(A, b)
            x0 = np.random.default_rng(int(seed) + 1000).standard_normal(n)
            x0 /= np.linalg.norm(x0)
            w = np.linalg.eigvalsh(H)

            def sampler(seed=seed):
                # the same mini-batch sequence for every method (one draw per iteration)
                return np.random.default_rng(int(seed) + 2000)

            res = {
                "SGD": minibatch_sgd(
                    fun, x0, n_rows=n, batch=batch, rng=sampler(), step=st["sgd_step"], iters=iters
                )
            }
            for name, fb in (
                ("OSGM-R", "ratio"),
                ("OSGM-G", "gradnorm"),
                ("OSGM-H", "hypergradient"),
            ):
                res[name] = stochastic_osgm(
                    fun,
                    x0,
                    n_rows=n,
                    batch=batch,
                    rng=sampler(),
                    feedback=fb,
                    lr=st["adagrad_lr"],
                    f_star=0.0,
                    hvp=lambda _x, v, H=H: H @ v,
                    iters=iters,
                )
            rec = {
                "sigma": float(sigma),
                "seed": int(seed),
                "kappa_H": float(w[-1] / w[0]),
                "f0": float(fun(x0, np.arange(n))[0]),
                "methods": {},
            }
            for name, r in res.items():
                rec["methods"][name] = {
                    "f_full_final": float(fun(r.x, np.arange(n))[0]),
                    "n_iter": r.n_iter,
                    "n_accepted": r.n_accepted,
                    "smoothed_batch_loss_final": float(
                        moving_average(r.f_batch_hist, int(st["window"]))[-1]
                    ),
                }
                if seed == st["seeds"][0]:
                    arrays[f"{sigma:g}/{name}"] = moving_average(r.f_batch_hist, int(st["window"]))
            runs.append(rec)
            prog.step(note=f"sigma={sigma:g} seed={seed}")
    write_json(args.out_json, {"runs": runs, "settings": st})
    write_npz(args.out_npz, arrays)


if __name__ == "__main__":
    main()
