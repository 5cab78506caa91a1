"""Real data bundled with scikit-learn (no download): ridge on breast cancer / diabetes (raw and
standardised) and l2-logistic regression on standardised breast cancer (card Sec. 5, D2).

Writes real.npz (curves, including per-eigencomponent errors) and real.json (scalars).
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.curse_of_unrolling import model as M
from replications.curse_of_unrolling.device import cpu_device
from shared import unrolling as U


def load(name: str, prep: str) -> tuple[np.ndarray, np.ndarray]:
    """Features and targets; raw = unstandardised, uncentred, no intercept (card Sec. 5)."""
    X, y = (load_breast_cancer if name == "breast_cancer" else load_diabetes)(return_X_y=True)
    X, y = X.astype(float), y.astype(float)
    if name == "breast_cancer":
        y = 2.0 * y - 1.0  # +-1 labels
    if prep == "standardised":
        X = (X - X.mean(0)) / X.std(0)
        y = y - y.mean() if name == "diabetes" else y
    return X, y


def main() -> None:
    pin_threads(1)
    args = compute_parser(__doc__).parse_args()
    cpu_device("real")
    P = params_of(args)
    cr = P["real"]
    cases = [
        (d, pr, fac)
        for d in cr["datasets"]
        for pr in cr["preprocessing"]
        for fac in cr["theta_factors"]
    ]
    prog = Progress(len(cases) + 1, "real")
    arrays: dict[str, np.ndarray] = {}
    out: dict = {"ridge": [], "small_steps": []}
    for d, prep, fac in cases:
        A, y = load(d, prep)
        prob = M.data_ridge(A, y, fac, f"{d}-{prep}-fac{fac:g}")
        T = int(min(np.ceil(cr["horizon_kappas"] * prob.kappa), cr["max_horizon"]))
        c = prob.components(prob.dx_star)
        keep = np.abs(c) > 1e-5 * np.abs(c).max()  # components carrying Jacobian mass
        entry = {
            "case": prob.name,
            "kappa": prob.kappa,
            "T": T,
            "p": int(prob.lam.size),
            "steps": {},
        }
        for sname, hL in (
            ("0.5/L", 0.5),
            ("1/L", 1.0),
            ("sqrt2/L", np.sqrt(2.0)),
            ("2/(L+mu)", 2.0 * prob.kappa / (prob.kappa + 1.0)),
        ):
            sched = U.gd_schedule(hL / prob.L, T)
            X, J = U.jacobian_jvp(
                M.ridge_grad, prob.theta, np.zeros(prob.lam.size), sched, args=prob.args
            )
            e = np.linalg.norm(J - prob.dx_star, axis=1) / np.linalg.norm(prob.dx_star)
            comp = np.abs(prob.components(J - prob.dx_star))[:, keep] / np.abs(c[keep])
            entry["steps"][sname] = {
                "hL": float(hL),
                "total_max": float(e.max()),
                "total_argmax": int(e.argmax()),
                "total_monotone": M.monotone(e, 1e-12, 1e-12),
                "sup_max": float(comp.max()),
                "component_monotone": M.monotone(comp, 1e-12, 1e-12),
                "final": float(e[-1]),
                "component_rise": M.max_component_rise(prob.components(J - prob.dx_star), c),
            }
            if sname in ("0.5/L", "1/L"):
                out["small_steps"].append(
                    {
                        "case": f"{prob.name}-h{sname}",
                        "monotone": M.monotone(e, 1e-12, 1e-12),
                        "component_rise": entry["steps"][sname]["component_rise"],
                    }
                )
            skey = sname.replace("/", "_over_").replace("(", "").replace(")", "")
            tag = f"{d}_{prep}_fac{fac:g}_{skey.replace('+', 'p')}"
            arrays[f"{tag}_total"] = e
            arrays[f"{tag}_sup"] = comp.max(1)
            if sname == "2/(L+mu)":
                # Per-eigencomponent curves: top, middle and bottom of the spectrum (P1).
                lk = prob.lam[keep]
                targets = np.geomspace(lk[0], lk[-1], 5)
                idx = np.unique([int(np.argmin(np.abs(np.log(lk / x)))) for x in targets])
                arrays[f"{tag}_components"] = comp[:, idx]
                arrays[f"{tag}_component_lams"] = prob.lam[keep][idx]
        out["ridge"].append(entry)
        prog.step(note=prob.name)

    # ---- l2-logistic regression (non-quadratic check, card Sec. 2.1) --------------------------
    cl = P["logistic"]
    A, y = load("breast_cancer", "standardised")
    th = float(cl["theta"])
    data = (A, y)
    newton = U.newton_solve(M.logistic_grad, th, np.zeros(A.shape[1]), args=data)
    imp = U.implicit_jacobian(M.logistic_grad, newton.x, th, args=data)
    import jax  # local: the dense local Hessian only

    Hloc = np.asarray(jax.jacfwd(lambda z: M.logistic_grad(z, th, *data))(newton.x))
    ev = np.linalg.eigvalsh(0.5 * (Hloc + Hloc.T))
    L_glob = float(np.linalg.norm(A, 2) ** 2 / (4 * A.shape[0]) + th)
    h = 1.0 / L_glob
    rate = 1.0 - h * ev[0]
    t = np.arange(1, int(cl["max_horizon"]) + 1)
    ok = t * rate**t <= cl["target"]
    T = int(t[np.argmax(ok)]) if ok.any() else int(cl["max_horizon"])
    sched = U.gd_schedule(h, T)
    X, J = U.jacobian_jvp(M.logistic_grad, th, np.zeros(A.shape[1]), sched, args=data)
    # Reverse mode on the first 1000 steps only: backprop through all T steps per output
    # coordinate would dominate the job's run time.
    t_rev = [1, 10, 100, 1000]
    Jr = U.jacobian_reverse(
        M.logistic_grad, th, np.zeros(A.shape[1]), U.gd_schedule(h, 1000), t_rev, args=data
    )
    n_imp = np.linalg.norm(imp.jacobian)
    e = np.linalg.norm(J - imp.jacobian, axis=1) / n_imp
    arrays["logistic_jerr"] = e
    out["logistic"] = {
        "theta": th,
        "newton_iterations": newton.n_iter,
        "newton_converged": newton.converged,
        "newton_final_gradient_norm": float(newton.residuals[-1]),
        "local_mu": float(ev[0]),
        "local_L": float(ev[-1]),
        "L_global": L_glob,
        "h": h,
        "T": T,
        "rel_err_final": float(e[-1]),
        "rel_err_max": float(e.max()),
        "jvp_vs_jacrev": float(np.abs(J[t_rev] - Jr).max() / n_imp),
        "iterate_gap_final": float(np.linalg.norm(X[-1] - newton.x)),
    }
    prog.step(note="logistic")
    write_npz(args.out_npz, arrays)
    write_json(args.out_json, out)


if __name__ == "__main__":
    main()
