"""Low-rank Hessian factors (randomized range finder) vs the full RDSA Hessian estimate.

At equal evaluation budgets.

The second half of the seed summary's advice ("in high dimension estimate Hessian-vector
products or low-rank factors instead of the full Hessian"), on the 2017 quadratic
f = x^T A x + 1^T x at x = 0 (H = (I + 1 1^T)/N) in N = 10 and 100 dimensions, affine noise
sigma = 0.001 (drawn as one normal per evaluation, the same law), U[-1, 1] directions:

* full: mean of B/3 full 2RDSA Hessian estimates (N^2 numbers);
* rank r: randomized range finder + projection (Halko-Martinsson-Tropp 2011, Algs. 4.1 and
  5.1) with every H v replaced by the mean of n RDSA Hessian-vector estimates (4 evaluations
  each): Y = H Omega (k = r + oversampling columns, a fresh Gaussian Omega per replication),
  Q = orth(Y), Z = H Q, best rank-r part of Q sym(Q^T Z) Q^T; n = B // (8k), so at most B
  evaluations; N r numbers.

Error: ||H_est - H||_F / ||H||_F per replication; RMSE over replications and the ratio
RMSE(full) / RMSE(rank r) with a delta-method SE. Also the truncation floor (best rank-r
error), and the first, superseded design (single-pass Nystrom with one fixed Omega, at the
claim's rank) on its own random streams. Writes lowrank.npz (per-replication errors) and
lowrank.json.
"""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.rdsa_bias.device import read_device_run_on_cpu
from replications.rdsa_bias.model import quadratic_fast, quadratic_hessian
from shared.zeroth_order import (
    Uniform,
    affine_noise_oracle_scalar,
    nystrom_lowrank,
    rdsa_hessian_mean,
    rdsa_hessian_sketch,
    rdsa_lowrank_hessian,
)

CHUNK = 20_000  # (replication, sample, column) triples per oracle batch


def full_estimate(n: int, budget: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    """(R, N, N): mean of budget // 3 full 2RDSA Hessian estimates per replication."""
    R, total = p["replications"], budget // 3
    oracle = affine_noise_oracle_scalar(quadratic_fast, p["sigma"])
    acc = np.zeros((R, n, n))
    per, done = max(1, CHUNK // R), 0
    while done < total:
        k = min(per, total - done)
        est = rdsa_hessian_mean(oracle, np.zeros((R, n)), p["delta"], Uniform(1.0), rng, k)
        acc += k * est.hessian
        done += k
    return acc / total


def lowrank(n: int, r: int, budget: int, p: dict, rng: np.random.Generator):
    """(R, N, N) rank-r estimates and the evaluations used per replication (<= budget)."""
    R, k = p["replications"], r + p["oversampling"]
    per_col = budget // (8 * k)
    oracle = affine_noise_oracle_scalar(quadratic_fast, p["sigma"])
    # A fresh Gaussian test matrix per replication (the range finder's guarantee is over Omega).
    omega = np.linalg.qr(rng.standard_normal((R, n, k)))[0]
    out = np.empty((R, n, n))
    step = max(1, CHUNK // (per_col * k))  # replications per call (memory bound)
    evals = 0
    for i in range(0, R, step):
        lr, evals = rdsa_lowrank_hessian(
            oracle,
            np.zeros((min(step, R - i), n)),
            omega[i : i + step],
            r,
            p["delta"],
            p["h"],
            Uniform(1.0),
            rng,
            per_col,
        )
        out[i : i + step] = lr.dense()
    return out, evals


def nystrom_first_design(n: int, r: int, budget: int, p: dict) -> tuple[np.ndarray, int]:
    """(R, N, N) estimates of the first, superseded design and its evaluations per replication.

    Single-pass Nystrom Y (Omega^T Y)^+ Y^T (:func:`shared.zeroth_order.nystrom_lowrank`) from
    one sketch Y ~ H Omega of r columns, each the mean of n = B // (4 r) RDSA Hessian-vector
    estimates, with ONE fixed orthonormalised Gaussian Omega per (N, r) shared by every
    replication. Rebuilt from the disclosure (its original code was not kept); own streams,
    so the current design's numbers do not move.
    """
    R = p["replications"]
    per_col = budget // (4 * r)
    oracle = affine_noise_oracle_scalar(quadratic_fast, p["sigma"])
    omega_rng = np.random.default_rng(np.random.SeedSequence([p["seed"], n, r, 0]))
    omega = np.linalg.qr(omega_rng.standard_normal((n, r)))[0]
    rng = np.random.default_rng(np.random.SeedSequence([p["seed"], n, budget, r, 1]))
    out = np.empty((R, n, n))
    step = max(1, CHUNK // (per_col * r))
    evals = 0
    for i in range(0, R, step):
        sk = rdsa_hessian_sketch(
            oracle,
            np.zeros((min(step, R - i), n)),
            omega,
            p["delta"],
            p["h"],
            Uniform(1.0),
            rng,
            per_col,
        )
        out[i : i + step] = nystrom_lowrank(sk.gradient, omega).dense()
        evals = sk.n_evals
    return out, evals


def ratio_with_se(e_full: np.ndarray, e_low: np.ndarray) -> tuple[float, float]:
    """RMSE(full) / RMSE(low) and its delta-method SE (independent replications)."""
    a, b = np.mean(e_full**2), np.mean(e_low**2)
    R = len(e_full)
    r = float(np.sqrt(a / b))
    var_log = 0.25 * (
        np.var(e_full**2, ddof=1) / (R * a**2) + np.var(e_low**2, ddof=1) / (R * b**2)
    )
    return r, float(r * np.sqrt(var_log))


def main() -> None:
    pin_threads(1)
    args = compute_parser(__doc__).parse_args()
    read_device_run_on_cpu("lowrank")
    p = params_of(args)["lowrank"]
    cases = [(n, b) for n in p["dims"] for b in p["budgets"]]
    prog = Progress(len(cases), "lowrank")
    arrays: dict[str, np.ndarray] = {}
    out: dict[str, dict] = {}
    for n, budget in cases:
        H = quadratic_hessian(n)
        h_norm = np.linalg.norm(H)
        lam = np.sort(np.linalg.eigvalsh(H))[::-1]
        rng = np.random.default_rng(np.random.SeedSequence([p["seed"], n, budget]))
        e_full = np.linalg.norm(full_estimate(n, budget, p, rng) - H, axis=(1, 2)) / h_norm
        arrays[f"N{n}/B{budget}/full"] = e_full
        case = {
            "dim": n,
            "budget": budget,
            "rmse_full": float(np.sqrt(np.mean(e_full**2))),
            "memory_floats_full": n * n,
            "samples_full": budget // 3,
            "ranks": {},
        }
        for r in p["ranks"]:
            est, used = lowrank(n, r, budget, p, rng)
            e_low = np.linalg.norm(est - H, axis=(1, 2)) / h_norm
            arrays[f"N{n}/B{budget}/rank{r}"] = e_low
            ratio, se = ratio_with_se(e_full, e_low)
            k = r + p["oversampling"]
            case["ranks"][str(r)] = {
                "rmse": float(np.sqrt(np.mean(e_low**2))),
                "ratio_full_over_lowrank": ratio,
                "ratio_se": se,
                "truncation_floor": float(np.sqrt(np.sum(lam[r:] ** 2)) / h_norm),
                "sketch_columns": k,
                "samples_per_column": budget // (8 * k),
                "evaluations_used": used,
                "memory_floats": n * r,
            }
        # The first design (superseded, README Disclosed), at the claim's rank only.
        r1 = p["claim_rank"]
        est, used = nystrom_first_design(n, r1, budget, p)
        e_nys = np.linalg.norm(est - H, axis=(1, 2)) / h_norm
        arrays[f"N{n}/B{budget}/nystrom_first_design_rank{r1}"] = e_nys
        ratio, se = ratio_with_se(e_full, e_nys)
        case["nystrom_first_design"] = {
            "rank": r1,
            "rmse": float(np.sqrt(np.mean(e_nys**2))),
            "max_error": float(e_nys.max()),
            "ratio_full_over_lowrank": ratio,
            "ratio_se": se,
            "samples_per_column": budget // (4 * r1),
            "evaluations_used": used,
        }
        out[f"N{n}/B{budget}"] = case
        r0 = str(p["claim_rank"])
        ratio0 = case["ranks"][r0]["ratio_full_over_lowrank"]
        prog.step(note=f"N={n} B={budget}: ratio (rank {r0}) {ratio0:.3g}")
    write_json(args.out_json, {"params": p, "cases": out})
    write_npz(args.out_npz, arrays)


if __name__ == "__main__":
    main()
