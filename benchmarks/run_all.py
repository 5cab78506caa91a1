"""Benchmarks of the shared core, measured side by side in one run and reported as ratios.

Run with ``make bench`` (``.venv/bin/python benchmarks/run_all.py``). Prints a table and writes
``results/benchmarks/core.json``. Use ``--quick`` for a smaller smoke run (not the issue's sizes).

1. Top-10 eigenvalues of a 5,000 x 5,000 operator: ``shared.linalg.lanczos`` vs ARPACK ``eigsh``
   at equal tolerance (matvecs, wall time).
2. Random-features ridge ``(A + mu I) x = b`` with ``A = Phi^T Phi``, ``Phi`` 20,000 x 2,000,
   ``mu = 1e-6 tr(A) / n``: NysPCG vs scipy ``cg`` vs a dense Cholesky solve.
3. One HVP / one gradient for an MLP with ~1e5 parameters, torch and jax.
4. Hutchinson trace and SLQ density of that MLP's Hessian, batched probes vs a one-probe loop.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.sparse.linalg as spla  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.linalg import hutchinson_trace, lanczos, lanczos_tridiag, slq_density  # noqa: E402
from shared.sketch import effective_dimension, nystrom_pcg  # noqa: E402


class Counting(spla.LinearOperator):
    """Wraps an operator and counts single-vector applications."""

    def __init__(self, op: spla.LinearOperator) -> None:
        super().__init__(dtype=np.float64, shape=op.shape)
        self.op = op
        self.count = 0

    def _matvec(self, x):
        self.count += 1
        return self.op.matvec(x)

    def _matmat(self, X):
        self.count += X.shape[1]
        return self.op.matmat(X)

    def _rmatvec(self, x):
        return self._matvec(x)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up (jit compilation, allocator)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --------------------------------------------------------------------------------------------


def bench_lanczos(n: int) -> dict:
    rng = np.random.default_rng(0)
    G = rng.standard_normal((n, n))
    W = (G + G.T) / np.sqrt(2 * n)  # Wigner: top eigenvalues crowd at the edge 2
    out = {"n": n, "k": 10, "tol": 1e-10, "cases": {}}
    spikes = np.linspace(3.0, 5.0, 5)
    U = np.linalg.qr(rng.standard_normal((n, 5)))[0]
    spiked = W + (U * spikes) @ U.T
    for name, M in (("wigner", W), ("spiked_wigner", spiked)):
        op_l = Counting(spla.aslinearoperator(M))
        res, t_l = timed(lambda op_l=op_l: lanczos(op_l, 10, tol=1e-10, seed=1))
        op_a = Counting(spla.aslinearoperator(M))
        v0 = np.random.default_rng(1).standard_normal(n)
        vals, t_a = timed(
            lambda op_a=op_a, v0=v0: spla.eigsh(op_a, 10, which="LA", tol=1e-10, v0=v0)[0]
        )
        op_e = Counting(spla.aslinearoperator(M))
        lanczos(op_e, 10, tol=1e-10, seed=1, num_iter=30)
        op_a30 = Counting(spla.aslinearoperator(M))
        spla.eigsh(op_a30, 10, which="LA", tol=1e-10, v0=v0, ncv=30)
        out["cases"][name] = {
            "equal_ncv30_lanczos_matvec": op_e.count,
            "equal_ncv30_arpack_matvec": op_a30.count,
            "lanczos_matvec": op_l.count,
            "arpack_matvec": op_a.count,
            "lanczos_seconds": t_l,
            "arpack_seconds": t_a,
            "matvec_ratio": op_l.count / op_a.count,
            "wall_ratio": t_l / t_a,
            "max_abs_eig_diff": float(np.abs(np.sort(vals) - res.eigenvalues).max()),
            "lanczos_converged": res.converged,
        }
    return out


def bench_ridge(n: int, d: int, cg_maxiter: int, bandwidth: float) -> dict:
    """Random Fourier features of a Gaussian kernel; a wider ``bandwidth`` decays faster."""
    rng = np.random.default_rng(0)
    p = 8
    X = rng.standard_normal((n, p))
    Wf = rng.standard_normal((d, p))
    u = rng.uniform(0, 2 * np.pi, d)
    Phi = np.sqrt(2.0 / d) * np.cos(X @ Wf.T / bandwidth + u)
    PhiT = np.ascontiguousarray(Phi.T)
    A = spla.LinearOperator(
        shape=(d, d),
        matvec=lambda v: PhiT @ (Phi @ v),
        matmat=lambda V: PhiT @ (Phi @ V),
        dtype=np.float64,
    )
    trace = float(np.sum(Phi * Phi))
    mu = 1e-6 * trace / n
    b = PhiT @ rng.standard_normal(n)
    tol = 1e-10

    op_n = Counting(A)
    nys, t_nys = timed(
        lambda: nystrom_pcg(op_n, b, mu, 50, tol=tol, seed=1, target_condition=28.0, max_rank=d)
    )

    op_c = Counting(A)
    shifted = spla.LinearOperator(
        shape=(d, d), matvec=lambda v: op_c.matvec(v) + mu * v, dtype=np.float64
    )
    iters = {"n": 0}

    def cb(_):
        iters["n"] += 1

    (x_cg, info), t_cg = timed(
        lambda: spla.cg(shifted, b, rtol=tol, atol=0.0, maxiter=cg_maxiter, callback=cb)
    )

    def dense():
        H = PhiT @ Phi
        H[np.diag_indices(d)] += mu
        c = scipy.linalg.cho_factor(H, lower=True, check_finite=False)
        return scipy.linalg.cho_solve(c, b, check_finite=False)

    x_ch, t_ch = timed(dense)
    # Outside the timings: the exact spectrum, to report d_eff(mu) (what NysPCG's rank needs).
    d_eff = effective_dimension(np.linalg.eigvalsh(PhiT @ Phi), mu)

    def rel_res(x):
        return float(np.linalg.norm(A.matvec(x) + mu * x - b) / np.linalg.norm(b))

    return {
        "n": n,
        "d": d,
        "mu": mu,
        "bandwidth": bandwidth,
        "d_eff": float(d_eff),
        "tol": tol,
        "nyspcg": {
            "iterations": nys.n_iter,
            "rank": nys.rank,
            "matvec": op_n.count,
            "seconds": t_nys,
            "rel_residual": rel_res(nys.x),
            "converged": nys.converged,
        },
        "scipy_cg": {
            "iterations": iters["n"],
            "matvec": op_c.count,
            "seconds": t_cg,
            "rel_residual": rel_res(x_cg),
            "converged": info == 0,
            "maxiter": cg_maxiter,
        },
        "cholesky": {"seconds": t_ch, "rel_residual": rel_res(x_ch)},
        "iteration_ratio_cg_over_nyspcg": iters["n"] / max(nys.n_iter, 1),
        "wall_ratio_cg_over_nyspcg": t_cg / t_nys,
        "wall_ratio_cholesky_over_nyspcg": t_ch / t_nys,
    }


# --------------------------------------------------------------------------------------------


def _mlp_data(d_in: int, hidden: tuple[int, int], d_out: int, batch: int):
    rng = np.random.default_rng(0)
    shapes = [(hidden[0], d_in), (hidden[0],), (hidden[1], hidden[0]), (hidden[1],)]
    shapes += [(d_out, hidden[1]), (d_out,)]
    n = sum(int(np.prod(s)) for s in shapes)
    theta = rng.standard_normal(n) * 0.05
    X = rng.standard_normal((batch, d_in))
    Y = rng.standard_normal((batch, d_out))
    return shapes, n, theta, X, Y


def _split(theta, shapes, xp):
    out, i = [], 0
    for s in shapes:
        size = int(np.prod(s))
        out.append(xp.reshape(theta[i : i + size], s))
        i += size
    return out


def bench_hvp(d_in: int, hidden: tuple[int, int], d_out: int, batch: int, repeats: int) -> dict:
    import jax
    import torch

    from shared.hessian import enable_jax_x64, jax_hessian_operator, torch_hessian_operator

    enable_jax_x64()
    jnp = jax.numpy
    torch.set_num_threads(1)
    shapes, n, theta, X, Y = _mlp_data(d_in, hidden, d_out, batch)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def t_loss(th):
        W1, b1, W2, b2, W3, b3 = _split(th, shapes, torch)
        h = torch.tanh(Xt @ W1.T + b1)
        h = torch.tanh(h @ W2.T + b2)
        return 0.5 * torch.mean(torch.sum((h @ W3.T + b3 - Yt) ** 2, dim=1))

    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def j_loss(th):
        W1, b1, W2, b2, W3, b3 = _split(th, shapes, jnp)
        h = jnp.tanh(Xj @ W1.T + b1)
        h = jnp.tanh(h @ W2.T + b2)
        return 0.5 * jnp.mean(jnp.sum((h @ W3.T + b3 - Yj) ** 2, axis=1))

    theta_t = torch.from_numpy(theta)
    v_t = torch.from_numpy(np.random.default_rng(1).standard_normal(n))

    def t_grad():
        th = theta_t.clone().requires_grad_(True)
        return torch.autograd.grad(t_loss(th), th)[0]

    def t_hvp_fresh():
        th = theta_t.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(t_loss(th), th, create_graph=True)
        return torch.autograd.grad(g, th, grad_outputs=v_t)[0]

    op_db = torch_hessian_operator(t_loss, theta_t, method="double_backward")
    op_fr = torch_hessian_operator(t_loss, theta_t, method="forward_over_reverse")
    tg = median_time(t_grad, repeats)
    res = {
        "n_params": n,
        "batch": batch,
        "torch": {
            "grad_seconds": tg,
            "hvp_over_grad_double_backward_fresh": median_time(t_hvp_fresh, repeats) / tg,
            "hvp_over_grad_double_backward_cached_graph": median_time(
                lambda: op_db.hvp_native(v_t), repeats
            )
            / tg,
            "hvp_over_grad_forward_over_reverse": median_time(
                lambda: op_fr.hvp_native(v_t), repeats
            )
            / tg,
        },
    }
    theta_j = jnp.asarray(theta)
    v_j = jnp.asarray(v_t.numpy())
    grad_j = jax.jit(jax.grad(j_loss))
    op_j = jax_hessian_operator(j_loss, theta_j)
    gj = median_time(lambda: grad_j(theta_j).block_until_ready(), repeats)
    hj = median_time(lambda: op_j.hvp_native(v_j).block_until_ready(), repeats)
    res["jax"] = {"grad_seconds": gj, "hvp_over_grad": hj / gj}
    res["_ops"] = (op_db, op_fr, op_j)
    return res


class _LoopOnly(spla.LinearOperator):
    """Forces one-probe-at-a-time products (the PyHessian loop)."""

    def __init__(self, op):
        super().__init__(dtype=np.float64, shape=op.shape)
        self.op = op

    def _matvec(self, x):
        return self.op.matvec(x)

    def _matmat(self, X):
        return np.column_stack([self.op.matvec(X[:, i]) for i in range(X.shape[1])])


def bench_batched(ops, probes: int, slq_probes: int, slq_iter: int) -> dict:
    out = {}
    for name, op in zip(
        ("torch_double_backward", "torch_forward_over_reverse", "jax"), ops, strict=True
    ):
        op.matvec(np.zeros(op.shape[0]))
        for width in {2, probes, slq_probes}:  # warm-up: jit compiles once per batch shape
            op.matmat(np.zeros((op.shape[0], width)))
        tb, t_b = timed(lambda op=op: hutchinson_trace(op, probes, seed=0))
        tl, t_l = timed(lambda op=op: hutchinson_trace(_LoopOnly(op), probes, seed=0))
        grid = np.linspace(-1, 1, 401)

        def slq_loop(op=op):
            # One Lanczos run per probe (PyHessian), same probes as the batched call.
            rng = np.random.default_rng(0)
            Z = rng.choice(np.array([-1.0, 1.0]), size=(op.shape[0], slq_probes))
            return [lanczos_tridiag(op, slq_iter, start=Z[:, i]) for i in range(slq_probes)]

        _, s_b = timed(
            lambda op=op, grid=grid: slq_density(
                op, num_probes=slq_probes, num_iter=slq_iter, grid=grid, sigma=0.01, seed=0
            )
        )
        loop_res, s_l = timed(slq_loop)
        batched_tri = lanczos_tridiag(op, slq_iter, num_probes=slq_probes, seed=0)
        alpha_diff = max(
            float(np.abs(r.alphas[0] - batched_tri.alphas[i]).max()) for i, r in enumerate(loop_res)
        )
        out[name] = {
            "hutchinson_batched_seconds": t_b,
            "hutchinson_loop_seconds": t_l,
            "hutchinson_speedup": t_l / t_b,
            "hutchinson_value_diff": abs(tb.value - tl.value),
            "slq_batched_seconds": s_b,
            "slq_loop_seconds": s_l,
            "slq_speedup": s_l / s_b,
            "slq_max_alpha_diff": alpha_diff,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    args = parser.parse_args()
    if args.quick:
        cfg = dict(n_eig=800, n_ridge=4000, d_ridge=400, cg_maxiter=2000, mlp=(50, (60, 40), 5, 64))
        probes, slq_p, slq_m, reps = 8, 4, 10, 5
    else:
        cfg = dict(
            n_eig=5000, n_ridge=20000, d_ridge=2000, cg_maxiter=2000, mlp=(100, (300, 200), 10, 256)
        )
        probes, slq_p, slq_m, reps = 32, 8, 30, 20
    results = {"quick": args.quick}
    print("[1/4] Lanczos vs ARPACK ...", flush=True)
    results["lanczos_vs_arpack"] = bench_lanczos(cfg["n_eig"])
    print("[2/4] NysPCG vs CG vs Cholesky ...", flush=True)
    # bandwidth 3: slow decay (d_eff(mu) close to d); bandwidth 10: faster decay.
    results["ridge"] = {
        f"bandwidth_{bw:g}": bench_ridge(cfg["n_ridge"], cfg["d_ridge"], cfg["cg_maxiter"], bw)
        for bw in (3.0, 10.0)
    }
    print("[3/4] HVP / gradient ...", flush=True)
    d_in, hidden, d_out, batch = cfg["mlp"]
    hvp = bench_hvp(d_in, hidden, d_out, batch, reps)
    ops = hvp.pop("_ops")
    results["hvp_cost"] = hvp
    print("[4/4] batched vs loop probes ...", flush=True)
    results["batched_vs_loop"] = bench_batched(ops, probes, slq_p, slq_m)

    rows = []
    for case, r in results["lanczos_vs_arpack"]["cases"].items():
        rows.append(
            (
                f"lanczos/eigsh matvecs ({case})",
                r["matvec_ratio"],
                f"{r['lanczos_matvec']} vs {r['arpack_matvec']}",
            )
        )
        rows.append(
            (
                f"lanczos/eigsh wall ({case})",
                r["wall_ratio"],
                f"max|dlambda|={r['max_abs_eig_diff']:.1e}",
            )
        )
        rows.append(
            (
                f"lanczos/eigsh matvecs, both ncv=30 ({case})",
                r["equal_ncv30_lanczos_matvec"] / r["equal_ncv30_arpack_matvec"],
                f"{r['equal_ncv30_lanczos_matvec']} vs {r['equal_ncv30_arpack_matvec']}",
            )
        )
    for case, rr in results["ridge"].items():
        rows.append(
            (
                f"CG/NysPCG iterations ({case}, d_eff={rr['d_eff']:.0f})",
                rr["iteration_ratio_cg_over_nyspcg"],
                f"{rr['scipy_cg']['iterations']} (conv={rr['scipy_cg']['converged']}) vs "
                f"{rr['nyspcg']['iterations']} (rank {rr['nyspcg']['rank']})",
            )
        )
        rows.append(
            (
                f"CG/NysPCG wall ({case})",
                rr["wall_ratio_cg_over_nyspcg"],
                f"{rr['scipy_cg']['seconds']:.2f}s vs {rr['nyspcg']['seconds']:.2f}s",
            )
        )
        rows.append(
            (
                f"Cholesky/NysPCG wall ({case})",
                rr["wall_ratio_cholesky_over_nyspcg"],
                f"{rr['cholesky']['seconds']:.2f}s; NysPCG res {rr['nyspcg']['rel_residual']:.1e}",
            )
        )
    for k, v in results["hvp_cost"]["torch"].items():
        if k.startswith("hvp_over_grad"):
            rows.append((f"torch {k}", v, f"n={results['hvp_cost']['n_params']}"))
    rows.append(("jax hvp_over_grad", results["hvp_cost"]["jax"]["hvp_over_grad"], ""))
    for name, r in results["batched_vs_loop"].items():
        rows.append(
            (
                f"{name} Hutchinson loop/batched",
                r["hutchinson_speedup"],
                f"|dvalue|={r['hutchinson_value_diff']:.1e}",
            )
        )
        rows.append(
            (
                f"{name} SLQ loop/batched",
                r["slq_speedup"],
                f"max|dalpha|={r['slq_max_alpha_diff']:.1e}",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"\n{'benchmark'.ljust(width)}  {'ratio':>9}  detail")
    for name, ratio, detail in rows:
        print(f"{name.ljust(width)}  {ratio:9.3f}  {detail}")
    out = ROOT / "results" / "benchmarks" / ("core_quick.json" if args.quick else "core.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=float))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
