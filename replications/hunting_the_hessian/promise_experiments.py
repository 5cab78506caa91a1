"""Experiments of part 1 (Nystrom approximation, Nystrom PCG, PROMISE) as pure functions.

Each function takes its parameter block (from ``params_promise.yaml``) and returns JSON-ready
dicts of numbers; the scripts in ``scripts/promise_*.py`` only read parameters and write files.
All randomness comes from the seeds in the parameter blocks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
from scipy.sparse.linalg import LinearOperator

from replications.hunting_the_hessian.promise_problems import (
    model_spectrum,
    random_features_regression,
    sketch_test_matrix,
    testbed,
)
from shared.linalg import cg
from shared.sketch import effective_dimension, nystrom, nystrom_pcg, nystrom_preconditioner
from shared.sketchy import (
    glm_solution,
    l_katyusha,
    saga,
    sketchy_katyusha,
    sketchy_saga,
    sketchy_sgd,
    sketchy_svrg,
    svrg,
)

PSD_TOL = 1e-10  # relative tolerance of the property checks (ledger nys-psd-rank-loewner)


def theorem_sketch_size(d_eff: float, n: int) -> int:
    """FTU23 Thm 5.1 sketch size ``2 ceil(1.5 d_eff(mu)) + 1``, capped at ``n`` (pitfall 10)."""
    return int(min(n, 2 * math.ceil(1.5 * d_eff) + 1))


def naive_nystrom(A: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """The naive formula ``Y (Omega^T Y)^+ Y^T`` with a Gaussian (not orthonormalised) ``Omega``
    and numpy's ``pinv`` (default rcond): what TYUC17 Sec. 4 warns against (card pitfall 1)."""
    Omega = rng.standard_normal((A.shape[0], k))
    Y = A @ Omega
    A_hat = Y @ np.linalg.pinv(Omega.T @ Y) @ Y.T
    return (A_hat + A_hat.T) / 2


def standard_truncation(Omega: np.ndarray, Y: np.ndarray, r: int) -> np.ndarray:
    """TYUC17 eq. (2.6), "standard truncation" (Gittens-Mahoney): ``Y [[Omega^T Y]]_r^+ Y^T``.

    Truncates the core matrix to its best rank ``r`` before the pseudo-inverse (instead of
    truncating the Nystrom approximation, TYUC17 Alg. 3). Dense, for the comparison only.
    """
    core = Omega.T @ Y
    theta, V = np.linalg.eigh((core + core.T) / 2)
    theta, V = theta[::-1][:r], V[:, ::-1][:, :r]
    B = Y @ V
    out = (B / theta) @ B.T
    return (out + out.T) / 2


def nystrom_error(params: dict, progress: Callable[[], None] | None = None) -> dict:
    """TYUC17 fixed-rank Nystrom error vs sketch size against the Thm 4.1 bounds, the Nystrom
    properties (psd, rank, Loewner order) on every run, and the stable-vs-naive comparison."""
    rng = np.random.default_rng(params["seed"])
    n, R, r = params["n"], params["R"], params["r"]
    out: dict = {"classes": [], "r": r, "sketch_sizes": params["sketch_sizes"]}
    worst_loewner = worst_orth = 0.0
    props_ok = True
    for cls in params["classes"]:
        A = sketch_test_matrix(cls["kind"], float(cls["param"]), n, R, rng)
        lam = np.sort(np.linalg.eigvalsh(A))[::-1]
        normA = float(lam[0])
        tail_s1, tail_sinf = float(lam[r:].sum()), float(lam[r])
        rec = {"kind": cls["kind"], "param": cls["param"], "s1": [], "sinf": [], "gm_s1": []}
        for k in params["sketch_sizes"]:
            s1, sinf, gm = [], [], []
            for _ in range(params["trials"]):
                approx = nystrom(A, r, sketch_size=k, seed=rng)
                ev = np.linalg.eigvalsh(A - approx.dense())
                s1.append(float(np.abs(ev).sum()))
                sinf.append(float(np.abs(ev).max()))
                # Standard truncation from the same sketch (paired; no extra randomness).
                gm_ev = np.linalg.eigvalsh(
                    A - standard_truncation(approx.test_matrix, approx.sketch, r)
                )
                gm.append(float(np.abs(gm_ev).sum()))
                orth = float(np.abs(approx.U.T @ approx.U - np.eye(approx.rank)).max())
                loewner = max(0.0, -float(ev[0])) / normA
                worst_orth, worst_loewner = max(worst_orth, orth), max(worst_loewner, loewner)
                props_ok &= bool(
                    orth <= PSD_TOL
                    and np.all(approx.eigenvalues >= 0)
                    and approx.rank <= k
                    and loewner <= PSD_TOL
                )
            rec["gm_s1"].append(
                {
                    "k": k,
                    "mean": float(np.mean(gm)),
                    "ratio_of_means": float(np.mean(s1) / np.mean(gm)),
                }
            )
            c = r / (k - r - 1)
            for key, vals, bound in (
                ("s1", s1, (1 + c) * tail_s1),
                ("sinf", sinf, tail_sinf + c * tail_s1),
            ):
                v = np.asarray(vals)
                se = float(v.std(ddof=1) / np.sqrt(len(v)))
                rec[key].append(
                    {
                        "k": k,
                        "mean": float(v.mean()),
                        "se": se,
                        "q25": float(np.quantile(v, 0.25)),
                        "q75": float(np.quantile(v, 0.75)),
                        "bound": bound,
                        "best": tail_s1 if key == "s1" else tail_sinf,
                    }
                )
            if progress:
                progress()
        out["classes"].append(rec)
    out["properties"] = {
        "all_ok": props_ok,
        "worst_loewner_violation_rel": worst_loewner,
        "worst_orthonormality_error": worst_orth,
    }
    st = params["stability"]
    A = sketch_test_matrix(st["kind"], float(st["param"]), n, st["R"], rng)
    normA = float(np.linalg.eigvalsh(A)[-1])
    stable, naive, stable_lw, naive_lw = [], [], [], []
    naive_ok = True
    for _ in range(st["trials"]):
        for approx_dense, errs, lws in (
            (nystrom(A, st["sketch_size"], seed=rng).dense(), stable, stable_lw),
            (naive_nystrom(A, st["sketch_size"], rng), naive, naive_lw),
        ):
            ev = np.linalg.eigvalsh(A - approx_dense)
            errs.append(float(np.abs(ev).max()) / normA)
            lws.append(max(0.0, -float(ev[0])) / normA)
            if errs is naive:  # the property checks of nys-psd-rank-loewner, on the naive route
                naive_ok &= naive_properties_ok(approx_dense, st["sketch_size"], lws[-1], normA)
    out["stability"] = {
        "stable_rel_error": stable,
        "naive_rel_error": naive,
        "stable_loewner_violation": stable_lw,
        "naive_loewner_violation": naive_lw,
        "naive_properties_ok": bool(naive_ok),
    }
    ctrl = params.get("naive_control")
    if ctrl is not None:
        out["naive_control"] = naive_vs_stable(
            sketch_test_matrix(ctrl["kind"], float(ctrl["param"]), n, ctrl["R"], rng),
            st["sketch_size"],
            st["trials"],
            np.random.default_rng([params["seed"], 2]),
        ) | {"kind": ctrl["kind"], "param": ctrl["param"]}
    return out


def naive_properties_ok(A_hat: np.ndarray, k: int, loewner: float, normA: float) -> bool:
    """The checks of ``nys-psd-rank-loewner`` on a dense approximation: eigenvalues >=
    ``-PSD_TOL ||A||``, numerical rank (eigenvalues above ``PSD_TOL ||A||``) <= ``k``, and the
    Loewner violation ``max(0, -lambda_min(A - A_hat)) / ||A||`` <= ``PSD_TOL``."""
    ev = np.linalg.eigvalsh((A_hat + A_hat.T) / 2)
    return bool(
        ev[0] >= -PSD_TOL * normA and int(np.sum(ev > PSD_TOL * normA)) <= k and loewner <= PSD_TOL
    )


def naive_vs_stable(A: np.ndarray, k: int, trials: int, rng: np.random.Generator) -> dict:
    """Relative spectral errors of the stable Nystrom and the naive formula on ``A`` (trials)."""
    normA = float(np.linalg.eigvalsh(A)[-1])
    stable, naive = [], []
    for _ in range(trials):
        for approx_dense, errs in (
            (nystrom(A, k, seed=rng).dense(), stable),
            (naive_nystrom(A, k, rng), naive),
        ):
            errs.append(float(np.abs(np.linalg.eigvalsh(A - approx_dense)).max()) / normA)
    return {"stable_rel_error": stable, "naive_rel_error": naive}


def _diag_operator(lam: np.ndarray) -> LinearOperator:
    def mv(x: np.ndarray) -> np.ndarray:
        return lam * x if x.ndim == 1 else lam[:, None] * x

    n = lam.shape[0]
    return LinearOperator((n, n), matvec=mv, rmatvec=mv, matmat=mv, dtype=float)


def _kappa_and_bound(lam: np.ndarray, mu: float, ell: int, rng: np.random.Generator):
    """Exact kappa of ``P^-1/2 (A + mu I) P^-1/2`` and the Prop. 5.3 bound, A = diag(lam)."""
    approx = nystrom(np.diag(lam), ell, seed=rng)
    Pm = nystrom_preconditioner(approx, mu).inverse_sqrt_dense()
    M = (Pm * (lam + mu)) @ Pm
    ev = np.linalg.eigvalsh((M + M.T) / 2)
    err = float(np.linalg.eigvalsh(np.diag(lam) - approx.dense())[-1])
    bound = (float(approx.eigenvalues[-1]) + mu + max(err, 0.0)) / mu
    return float(ev[-1] / ev[0]), bound


def pcg_experiments(params: dict, progress: Callable[[], None] | None = None) -> dict:
    """FTU23: preconditioned condition numbers (Thm 5.1, Prop. 5.3), kappa vs sketch size, and
    CG / Nystrom PCG iteration counts vs mu."""
    rng = np.random.default_rng(params["seed"])
    out: dict = {"kappa": [], "ratio": [], "iterations": []}
    n = params["n_kappa"]
    for name, spec in params["spectra"].items():
        lam = model_spectrum(spec["kind"], float(spec["param"]), n)
        for mu in spec["mus"]:
            d_eff = effective_dimension(lam, mu)
            ell = theorem_sketch_size(d_eff, n)
            ks, ratios = [], []
            for _ in range(params["trials"]):
                kappa, bound = _kappa_and_bound(lam, mu, ell, rng)
                ks.append(kappa)
                ratios.append(kappa / bound)
            out["kappa"].append(
                {
                    "spectrum": name,
                    "mu": mu,
                    "d_eff": d_eff,
                    "sketch_size": ell,
                    "capped": ell >= n,
                    "kappa": ks,
                    "kappa_over_bound": ratios,
                    "kappa_unpreconditioned": float((lam[0] + mu) / (lam[-1] + mu)),
                }
            )
            if progress:
                progress()
        mu = params["ratio_cases"][name]
        d_eff = effective_dimension(lam, mu)
        for ratio in params["ratio_grid"]:
            ell = int(min(n, max(1, round(ratio * d_eff))))
            ks = [_kappa_and_bound(lam, mu, ell, rng)[0] for _ in range(params["ratio_trials"])]
            out["ratio"].append(
                {
                    "spectrum": name,
                    "mu": mu,
                    "d_eff": d_eff,
                    "ratio": ratio,
                    "sketch_size": ell,
                    "kappa": ks,
                }
            )
    n_it = params["n_iter"]
    for name, spec in params["spectra"].items():
        lam = model_spectrum(spec["kind"], float(spec["param"]), n_it)
        A = _diag_operator(lam)
        b = np.random.default_rng(params["seed"] + 1).standard_normal(n_it)
        for mu in spec["mus"]:
            Amu = _diag_operator(lam + mu)
            d_eff = effective_dimension(lam, mu)
            ell = theorem_sketch_size(d_eff, n_it)
            res_cg = cg(Amu, b, tol=params["tol"], maxiter=params["maxiter"])
            res_thm = nystrom_pcg(
                A, b, mu, ell, tol=params["tol"], maxiter=params["maxiter"], seed=rng
            )
            res_fix = nystrom_pcg(
                A,
                b,
                mu,
                params["fixed_rank"],
                tol=params["tol"],
                maxiter=params["maxiter"],
                seed=rng,
            )
            out["iterations"].append(
                {
                    "spectrum": name,
                    "mu": mu,
                    "d_eff": d_eff,
                    "sketch_size": ell,
                    "cg": res_cg.n_iter,
                    "cg_converged": res_cg.converged,
                    "nyspcg_theorem": res_thm.n_iter,
                    "nyspcg_theorem_converged": res_thm.converged,
                    "nyspcg_fixed": res_fix.n_iter,
                    "nyspcg_fixed_converged": res_fix.converged,
                }
            )
    return out


def rf_experiment(params: dict, progress: Callable[[], None] | None = None) -> dict:
    """CG vs Nystrom PCG on ``(Phi^T Phi / n + mu I) w = Phi^T y / n`` (random features)."""
    rng = np.random.default_rng(params["seed"])
    Phi, y = random_features_regression(params["n"], params["d"], params["m"], rng)
    n, m = Phi.shape
    K = Phi.T @ Phi / n
    K = (K + K.T) / 2
    rhs = Phi.T @ y / n
    lam = np.clip(np.linalg.eigvalsh(K)[::-1], 0.0, None)
    out: dict = {"n": n, "m": m, "eigenvalues": lam.tolist(), "runs": []}
    # The adaptive runs draw from their own stream so the fixed-sketch runs keep theirs.
    ada_rng = np.random.default_rng([params["seed"], 1])
    for mu in params["mus"]:
        d_eff = effective_dimension(lam, mu)
        res_cg = cg(K + mu * np.eye(m), rhs, tol=params["tol"], maxiter=params["maxiter"])
        rec = {
            "mu": mu,
            "d_eff": d_eff,
            "kappa": float((lam[0] + mu) / (lam[-1] + mu)),
            "cg": {
                "n_iter": res_cg.n_iter,
                "cost": res_cg.n_matvec,
                "converged": res_cg.converged,
                "residuals": res_cg.residuals.tolist(),
            },
            "nyspcg": {},
        }
        ada = params.get("adaptive")
        if ada is not None:
            # FTU23 Sec. 5.4-5.5: double the rank until the Prop. 5.3 bound meets the target.
            res = nystrom_pcg(
                K,
                rhs,
                mu,
                ada["rank0"],
                tol=params["tol"],
                maxiter=params["maxiter"],
                seed=ada_rng,
                target_condition=ada["target_condition"],
                power_iters=ada["power_iters"],
                max_rank=m,
            )
            rec["adaptive"] = {
                "n_iter": res.n_iter,
                "cost": res.n_matvec,
                "rank": res.rank,
                "converged": res.converged,
                "residuals": res.residuals.tolist(),
            }
        for s in params["sketch_sizes"]:
            res = nystrom_pcg(K, rhs, mu, s, tol=params["tol"], maxiter=params["maxiter"], seed=rng)
            rec["nyspcg"][str(s)] = {
                "n_iter": res.n_iter,
                "cost": res.n_matvec,
                "sketch_cost": s,
                "converged": res.converged,
                "residuals": res.residuals.tolist(),
            }
        out["runs"].append(rec)
        if progress:
            progress()
    if params.get("flat_control") is not None:
        out["flat_control"] = rf_flat_control(params)
    return out


def rf_flat_control(params: dict) -> dict:
    """CG vs Nystrom PCG (claim sketch size) on the flat-spectrum random-features problem
    (``W ~ N(0, w_scale^2)``, own random stream) at every ``mu <= claim_max_mu``: the control of
    ``nys-rf-faster-than-cg*`` (deviation P1-D16)."""
    rng = np.random.default_rng([params["seed"], 2])
    Phi, y = random_features_regression(
        params["n"], params["d"], params["m"], rng, w_scale=params["flat_control"]["w_scale"]
    )
    n, m = Phi.shape
    K = Phi.T @ Phi / n
    K = (K + K.T) / 2
    rhs = Phi.T @ y / n
    lam = np.clip(np.linalg.eigvalsh(K)[::-1], 0.0, None)
    s = params["claim_sketch_size"]
    out: dict = {"eigenvalues": lam.tolist(), "sketch_size": s, "runs": []}
    for mu in params["mus"]:
        if mu > params["claim_max_mu"]:
            continue
        res_cg = cg(K + mu * np.eye(m), rhs, tol=params["tol"], maxiter=params["maxiter"])
        res = nystrom_pcg(K, rhs, mu, s, tol=params["tol"], maxiter=params["maxiter"], seed=rng)
        out["runs"].append(
            {
                "mu": mu,
                "d_eff": effective_dimension(lam, mu),
                "kappa": float((lam[0] + mu) / (lam[-1] + mu)),
                "cg": {
                    "n_iter": res_cg.n_iter,
                    "cost": res_cg.n_matvec,
                    "converged": res_cg.converged,
                },
                "nyspcg": {
                    "n_iter": res.n_iter,
                    "cost": res.n_matvec,
                    "sketch_cost": s,
                    "converged": res.converged,
                },
            }
        )
    return out


def _solved_at(passes: np.ndarray, subopt: np.ndarray, tol: float) -> float | None:
    hit = np.nonzero(subopt <= tol)[0]
    return float(passes[hit[0]]) if hit.size else None


def _grid(lo: float, hi: float, k: int) -> list[float]:
    return np.logspace(np.log10(lo), np.log10(hi), k).tolist()


SKETCHY = {
    "sketchy_svrg": sketchy_svrg,
    "sketchy_saga": sketchy_saga,
    "sketchy_katyusha": sketchy_katyusha,
}
BASELINES = {"svrg": svrg, "saga": saga, "l_katyusha": l_katyusha}
PAIRS = {"svrg": "sketchy_svrg", "saga": "sketchy_saga", "l_katyusha": "sketchy_katyusha"}


def promise_suite(
    params: dict, progress: Callable[[str], None] | None = None, log: Callable[[str], None] = print
) -> dict:
    """PROMISE testbed: default Sketchy methods vs grid-tuned SVRG / SAGA / L-Katyusha.

    Per problem: ``f*`` (:func:`shared.sketchy.glm_solution`), the three Sketchy methods with
    defaults run to ``sketchy_stop_tol`` (or the budget), each baseline on its grid stopped at
    ``tol`` (or divergence / budget). Curves of the best-tuned baselines and SketchySGD are
    recorded on ``curve_problems``. Wall-clock goes to ``log`` only.
    """
    problems = testbed(params)
    sk = params["sketchy"]
    tol, budget = params["tol"], params["max_passes"]
    out: dict = {"problems": {}, "tol": tol, "max_passes": budget}
    wall = {"default": 0.0, "tuning": 0.0}
    for name, prob in problems.items():
        seed = params["seed"]
        _, f_star, _ = glm_solution(prob)
        rec: dict = {
            "loss": prob.loss,
            "n": prob.n,
            "p": prob.dim,
            "f_star": f_star,
            "sketchy": {},
            "grid": {},
            "curves": {},
        }
        H = prob.hessian(glm_solution(prob)[0])
        ev = np.linalg.eigvalsh(H)
        rec["kappa"] = float(ev[-1] / ev[0])
        for mname, fn in SKETCHY.items():
            t0 = time.monotonic()
            res = fn(
                prob,
                max_passes=budget,
                rank=sk["rank"],
                rho=sk["rho"],
                batch_size=sk["batch_size"],
                f_star=f_star,
                stop_tol=params["sketchy_stop_tol"],
                seed=seed,
            )
            sub = res.values - f_star
            solved = _solved_at(res.passes, sub, tol)
            dt = time.monotonic() - t0
            wall["default"] += dt
            rec["sketchy"][mname] = {
                "passes": res.passes.tolist(),
                "subopt": sub.tolist(),
                "solved_at": solved,
                "diverged": res.diverged,
                "step_sizes": res.step_sizes.tolist(),
                "n_precond_updates": res.n_precond_updates,
            }
        for bname, fn in BASELINES.items():
            lo, hi = params["grids"][prob.loss][bname]
            runs = []
            t0 = time.monotonic()
            for step in _grid(lo, hi, params["grid_points"]):
                res = fn(
                    prob,
                    step,
                    max_passes=budget,
                    batch_size=sk["batch_size"],
                    f_star=f_star,
                    stop_tol=tol,
                    seed=seed,
                )
                sub = res.values - f_star
                runs.append(
                    {
                        "step": step,
                        "solved_at": _solved_at(res.passes, sub, tol),
                        "passes_used": float(res.passes[-1]),
                        "final_subopt": float(sub[-1]) if np.isfinite(sub[-1]) else None,
                        "best_subopt": float(np.nanmin(np.where(np.isfinite(sub), sub, np.nan))),
                        "diverged": res.diverged,
                    }
                )
            wall["tuning"] += time.monotonic() - t0
            solved = [r for r in runs if r["solved_at"] is not None]
            best = (
                min(solved, key=lambda r: r["solved_at"])
                if solved
                else min(runs, key=lambda r: r["best_subopt"])
            )
            rec["grid"][bname] = {
                "runs": runs,
                "best_step": best["step"],
                "solved_at": best["solved_at"],
            }
        if name in params["curve_problems"]:
            for bname, fn in BASELINES.items():
                res = fn(
                    prob,
                    rec["grid"][bname]["best_step"],
                    max_passes=budget,
                    batch_size=sk["batch_size"],
                    f_star=f_star,
                    stop_tol=params["sketchy_stop_tol"],
                    seed=seed,
                )
                rec["curves"][bname] = {
                    "passes": res.passes.tolist(),
                    "subopt": (res.values - f_star).tolist(),
                }
            res = sketchy_sgd(
                prob,
                max_passes=budget,
                rank=sk["rank"],
                rho=sk["rho"],
                batch_size=sk["batch_size"],
                f_star=f_star,
                stop_tol=params["sketchy_stop_tol"],
                seed=seed,
            )
            rec["curves"]["sketchy_sgd"] = {
                "passes": res.passes.tolist(),
                "subopt": (res.values - f_star).tolist(),
            }
        out["problems"][name] = rec
        if progress:
            progress(name)
    log(
        f"wall-clock (log only): default Sketchy runs {wall['default']:.1f}s, "
        f"tuning grids {wall['tuning']:.1f}s"
    )
    return out
