"""Hessian-vector products vs the full Hessian estimate at equal evaluation budgets.

The seed summary's advice ("in high dimension estimate Hessian-vector products instead of the
full Hessian"), measured on the 2017 quadratic f = x^T A x + 1^T x at x = 0 in N = 10 and 100
dimensions with the affine noise (sigma = 0.001) and U[-1, 1] directions:

* full: mean of B/3 full 2RDSA Hessian estimates, times v (3 evaluations, N^2 memory each);
* hvp: mean of B/4 common-direction estimates d d^T (grad(x+hv) - grad(x-hv)) / (2 h m2)
  (4 evaluations, O(N) memory).

Both are unbiased here (quadratic), so the comparison is the variance per evaluation.
Writes hvp.npz (per-replication relative errors) and hvp.json (RMSE ratios with SEs).
"""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.rdsa_bias.device import read_device_run_on_cpu
from replications.rdsa_bias.model import quadratic, quadratic_hessian
from shared.zeroth_order import Uniform, affine_noise_oracle, rdsa_hessian_times, rdsa_hvp

CHUNK = 10_000  # (replication, sample) pairs per oracle batch (memory ~ CHUNK * 4 * N floats)


def mean_estimate(
    kind: str, n: int, v: np.ndarray, n_samples: int, p: dict, rng: np.random.Generator
) -> np.ndarray:
    """(R, N) means of n_samples estimates of Hv per replication."""
    R = p["replications"]
    oracle = affine_noise_oracle(quadratic, p["sigma"])
    law = Uniform(1.0)
    acc = np.zeros((R, n))
    per = max(1, CHUNK // R)
    done = 0
    while done < n_samples:
        k = min(per, n_samples - done)
        X = np.zeros((R * k, n))
        if kind == "full":
            est = rdsa_hessian_times(oracle, X, v, p["delta"], law, rng)
        else:
            est = rdsa_hvp(oracle, X, v, p["delta"], p["h"], law, rng)
        acc += est.gradient.reshape(R, k, n).sum(1)
        done += k
    return acc / n_samples


def main() -> None:
    pin_threads(1)
    args = compute_parser(__doc__).parse_args()
    read_device_run_on_cpu("hvp")
    p = params_of(args)["hvp"]
    cases = [(n, b) for n in p["dims"] for b in p["budgets"]]
    prog = Progress(len(cases), "hvp")
    arrays: dict[str, np.ndarray] = {}
    out: dict[str, dict] = {}
    for n, budget in cases:
        # The same unit vector v for every budget of one dimension.
        v = np.random.default_rng(np.random.SeedSequence([p["seed"], n])).standard_normal(n)
        v /= np.linalg.norm(v)
        rng = np.random.default_rng(np.random.SeedSequence([p["seed"], n, budget]))
        hv = quadratic_hessian(n) @ v
        errs = {}
        for kind, cost in (("full", 3), ("hvp", 4)):
            est = mean_estimate(kind, n, v, budget // cost, p, rng)
            errs[kind] = np.linalg.norm(est - hv, axis=1) / np.linalg.norm(hv)
            arrays[f"N{n}/B{budget}/{kind}"] = errs[kind]
        a, b = np.mean(errs["full"] ** 2), np.mean(errs["hvp"] ** 2)
        r = float(np.sqrt(a / b))
        R = len(errs["full"])
        var_log = 0.25 * (
            np.var(errs["full"] ** 2, ddof=1) / (R * a**2)
            + np.var(errs["hvp"] ** 2, ddof=1) / (R * b**2)
        )
        out[f"N{n}/B{budget}"] = {
            "dim": n,
            "budget": budget,
            "rmse_full": float(np.sqrt(a)),
            "rmse_hvp": float(np.sqrt(b)),
            "ratio": r,
            "ratio_se": float(r * np.sqrt(var_log)),
            "samples_full": budget // 3,
            "samples_hvp": budget // 4,
            "memory_floats_full": n * n,
            "memory_floats_hvp": n,
        }
        prog.step(note=f"N={n} B={budget}: ratio {r:.3g}")
    write_json(args.out_json, {"params": p, "cases": out})
    write_npz(args.out_npz, arrays)


if __name__ == "__main__":
    main()
