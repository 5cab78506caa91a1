"""Stability sweep: plain Baydin hypergradient descent vs HDM (null step + AdaGrad) on a logistic
instance, and plain HD at the talk's step rule vs HDM on losses that can diverge (least squares,
squared hinge; D11) (I/O only)."""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications.hunting_the_hessian import osgm_problems as prob
from shared.osgm import baydin_hd, osgm


def _blew_up(f_hist: np.ndarray, f0: float, blowup: float) -> tuple[bool, float]:
    """(diverged, max f / f0): f not finite or above ``blowup * max(|f0|, 1)`` (D11)."""
    f = np.asarray(f_hist, dtype=float)
    finite = bool(np.all(np.isfinite(f)))
    peak = float(np.max(f)) if finite else float("inf")
    return (not finite) or peak > blowup * max(abs(f0), 1.0), peak / max(abs(f0), 1e-300)


def divergent_sweep(fun, x0, L: float, hyper_lr: list, max_evals: int, blowup: float) -> dict:
    """Plain HD at the talk's rule, Baydin's HD and HDM over the sweep on one loss (D11)."""
    f0, g0 = fun(x0)
    f0 = float(f0)
    runs, arrays = [], {}
    for c in hyper_lr:
        c = float(c)
        with np.errstate(all="ignore"):
            # the talk's slide: x+ = x - P g, P+ = P - eta dh/dP; scalar, OGD, no null step
            talk = osgm(
                fun,
                x0,
                feedback="hypergradient",
                kind="scalar",
                learner="ogd",
                lr=c / L,
                P0=1.0 / L,
                null_step=False,
                tol=1e-300,
                max_evals=max_evals,
            )
            baydin = baydin_hd(
                fun, x0, alpha0=1.0 / L, beta_hd=c / (L * float(g0 @ g0)), max_evals=max_evals
            )
            safe = osgm(
                fun,
                x0,
                feedback="hypergradient",
                kind="diagonal",
                lr=c / L,
                tol=1e-300,
                max_evals=max_evals,
            )
        t_div, t_peak = _blew_up(talk.f_hist, f0, blowup)
        s_div, s_peak = _blew_up(safe.f_hist, f0, blowup)
        runs.append(
            {
                "hyper_lr": c,
                "talk_diverged": bool(t_div),
                "talk_max_f_over_f0": t_peak,
                "talk_n_evals": int(talk.n_grad),
                "baydin_diverged": bool(baydin.diverged),
                "safe_diverged": bool(s_div),
                "safe_max_f_over_f0": s_peak,
                "safe_f_final": float(safe.f_hist[-1]),
            }
        )
        arrays[f"talk/{c:g}"] = talk.f_hist
        arrays[f"safe/{c:g}"] = safe.f_hist
    return {"f0": f0, "L": L, "runs": runs}, arrays


def main() -> None:
    args = compute_parser(__doc__).parse_args()
    p = params_of(args)["osgm"]
    st, proto, spec = p["stability"], p["protocol"], p["instances"]
    insts = {i.name: i for i in prob.sklearn_instances(spec["sklearn"], spec["versions"])}
    if st["instance"] not in insts:
        raise ValueError(f"stability.instance = {st['instance']!r}; available: {sorted(insts)}")
    Z = prob.design(insts[st["instance"]], st["loss"])
    fun, L = prob.make_loss(Z, st["loss"]), prob.smoothness(Z)
    x0 = prob.start_point(Z.shape[1], proto["seed"])
    f0, g0 = fun(x0)
    runs, arrays = [], {}
    for c in st["hyper_lr"]:
        plain = baydin_hd(
            fun,
            x0,
            alpha0=1.0 / L,
            beta_hd=float(c) / (L * float(g0 @ g0)),
            max_evals=int(st["max_evals"]),
        )
        safe = osgm(
            fun,
            x0,
            feedback="hypergradient",
            kind="diagonal",
            lr=float(c) / L,
            tol=1e-300,
            max_evals=int(st["max_evals"]),
        )
        fs = safe.f_hist
        runs.append(
            {
                "hyper_lr": c,
                "plain_diverged": bool(plain.diverged),
                "plain_f_final": float(plain.f_hist[-1]),
                "plain_n_evals": int(plain.n_grad),
                # exploratory (not a ledger rule): is plain HD monotone, how far does f rise?
                "plain_monotone": bool(np.all(np.diff(plain.f_hist) <= 0)),
                "plain_max_f_over_f0": float(np.nanmax(plain.f_hist) / float(f0)),
                "safe_finite": bool(np.all(np.isfinite(fs))),
                "safe_monotone": bool(np.all(np.diff(fs) <= 0)),
                "safe_f_final": float(fs[-1]),
                "safe_n_null": int(safe.n_null),
            }
        )
        arrays[f"plain/{c:g}"] = plain.f_hist
        arrays[f"safe/{c:g}"] = fs
    dv = st["divergent"]
    ls = dv["least_squares"]
    A, b = prob.least_squares_matrix(int(ls["n"]), float(ls["sigma"]), int(ls["seed"]))
    H = A.T @ A
    fun_ls = prob.quadratic_objective((H + H.T) / 2, np.linalg.solve(A, b), 0.0)
    x0_ls = np.random.default_rng(int(ls["seed"]) + 1000).standard_normal(int(ls["n"]))
    x0_ls /= np.linalg.norm(x0_ls)
    Zh = prob.design(insts[dv["hinge_instance"]], "svm")
    cases = {
        "least_squares": (fun_ls, x0_ls, float(np.linalg.eigvalsh(H)[-1])),
        "squared_hinge": (
            prob.make_loss(Zh, "svm"),
            prob.start_point(Zh.shape[1], proto["seed"]),
            prob.smoothness(Zh),
        ),
    }
    divergent = {}
    for name, (fn, xs, Lc) in cases.items():
        divergent[name], arr = divergent_sweep(
            fn, xs, Lc, st["hyper_lr"], int(st["max_evals"]), float(dv["blowup"])
        )
        arrays.update({f"divergent/{name}/{k}": v for k, v in arr.items()})
    write_json(
        args.out_json,
        {
            "instance": st["instance"],
            "loss": st["loss"],
            "L": L,
            "f0": float(f0),
            "runs": runs,
            "divergent": divergent,
        },
    )
    write_npz(args.out_npz, arrays)


if __name__ == "__main__":
    main()
