# ruff: noqa: B023  (closures are called inside the loop iteration that defines them)
"""Side-by-side benchmark of the shared core against its peers, in one run, on one thread.

    pip install -e ".[bench]"      # the peers: curvlinops-for-pytorch, matfree, pyhessian
    make bench                     # writes results/benchmarks/core.md and core.json

Compares (ratios measured in the same process, medians of repeats):
1. top-k / bottom-k eigenvalues: ``shared.linalg.lanczos`` vs ARPACK ``eigsh`` at equal tolerance
   (matvecs, wall) on an oracle suite (null space, rank deficient, triple top, indefinite, ...);
2. traces: Hutch++ / XTrace / XNysTrace vs curvlinops and matfree at equal matvecs (RMS error);
3. HVP / gradient on an MLP: core double-backward and forward-over-reverse, curvlinops, torch.func;
4. Nystrom PCG vs scipy ``cg`` and dense Cholesky (``benchmarks/run_all.py``'s ridge problem).
A missing peer is skipped with a line saying so. Exits 1 if a core answer disagrees with the
oracle (eigenvalues vs eigh, traces within 5 standard errors of the exact value).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import scipy.sparse.linalg as spla  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from shared.linalg import hutchinson_trace, lanczos  # noqa: E402
from shared.trace import xnystrace, xtrace  # noqa: E402

FAILURES: list[str] = []
ROWS: list[tuple[str, str, str, str]] = []  # section, case, numbers, verdict


def have(mod: str) -> bool:
    ok = importlib.util.find_spec(mod) is not None
    if not ok:
        print(f"SKIP peer {mod}: not installed (pip install -e '.[bench]')", flush=True)
    return ok


class Counting(spla.LinearOperator):
    def __init__(self, A) -> None:
        super().__init__(dtype=np.float64, shape=A.shape)
        self.A, self.count = A, 0

    def _matvec(self, x):
        self.count += 1
        return self.A @ x

    def _matmat(self, X):
        self.count += X.shape[1]
        return self.A @ X


def mws(eig: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((eig.size, eig.size)))
    A = (Q * eig) @ Q.T
    return (A + A.T) / 2


def eig_cases(quick: bool) -> dict:
    rng = np.random.default_rng(0)
    n = 600 if quick else 1000
    B = rng.standard_normal((n, n * 3 // 10)) / np.sqrt(n)
    nw = 800 if quick else 3000
    G = rng.standard_normal((nw, nw))
    W = (G + G.T) / np.sqrt(2 * nw)
    U = np.linalg.qr(rng.standard_normal((nw, 5)))[0]
    C = rng.standard_normal((500, 5))
    return {
        "wigner k=10": (W, 10, "largest", 1e-10),
        "spiked wigner k=10": (W + (U * np.linspace(3, 5, 5)) @ U.T, 10, "largest", 1e-10),
        "1/i spectrum lambda_max": (mws(1.0 / np.arange(1, n + 1), 2), 1, "largest", 1e-8),
        "null-space psd smallest k=3": (B @ B.T, 3, "smallest", 1e-8),
        "rank 5, k=8": (C @ C.T, 8, "largest", 1e-8),
        "triple top k=3": (
            mws(np.concatenate([[5.0] * 3, np.linspace(0, 4, n - 3)]), 1),
            3,
            "largest",
            1e-8,
        ),
        "indefinite smallest k=5": (mws(np.linspace(-3, 2, n), 3), 5, "smallest", 1e-8),
    }


def bench_eig(quick: bool, repeats: int) -> dict:
    out = {}
    for name, (A, k, which, tol) in eig_cases(quick).items():
        exact = np.linalg.eigvalsh(A)
        ref = exact[-k:] if which == "largest" else exact[:k]
        scale = np.abs(exact).max()
        v0 = np.random.default_rng(1).standard_normal(A.shape[0])
        op = Counting(A)
        res = lanczos(op, k, which=which, tol=tol, seed=1)
        err = float(np.abs(res.eigenvalues - ref).max() / scale)
        opa = Counting(A)
        try:
            w = np.sort(
                spla.eigsh(
                    opa,
                    k,
                    which="LA" if which == "largest" else "SA",
                    tol=tol,
                    v0=v0,
                    maxiter=max(300, 10 * A.shape[0]),
                )[0]
            )
            a_err = float(np.abs(w - ref).max() / scale)
        except spla.ArpackNoConvergence:
            a_err = float("nan")
        t_l = statistics.median(
            timeit(lambda: lanczos(A, k, which=which, tol=tol, seed=1)) for _ in range(repeats)
        )
        t_a = statistics.median(
            timeit(lambda: _eigsh(A, k, which, tol, v0)) for _ in range(repeats)
        )
        ok = res.converged and err <= 1e-7
        if not ok:
            FAILURES.append(f"lanczos {name}: converged={res.converged} err={err:.1e}")
        out[name] = dict(
            core_matvec=op.count,
            arpack_matvec=opa.count,
            core_err=err,
            arpack_err=a_err,
            core_s=t_l,
            arpack_s=t_a,
            checks=res.n_copy_checks,
        )
        ROWS.append(
            (
                "eigs vs eigsh",
                name,
                f"matvecs {op.count} vs {opa.count} ({op.count / opa.count:.2f}x); "
                f"wall {t_l / t_a:.2f}x; err {err:.0e} vs {a_err:.0e}",
                "met" if op.count <= opa.count else "NOT met",
            )
        )
    # Wall time at n >= 50k: a cheap sparse operator, so the orthogonalisation dominates.
    n = 20_000 if quick else 60_000
    M = sp.random(n, n, density=3.0 / n, random_state=np.random.default_rng(2), format="csr")
    M = (M + M.T).tocsr()
    v0 = np.random.default_rng(1).standard_normal(n)
    op, opa = Counting(M), Counting(M)
    res = lanczos(op, 10, tol=1e-8, seed=1)
    w = np.sort(spla.eigsh(opa, 10, which="LA", tol=1e-8, v0=v0)[0])
    t_l = statistics.median(timeit(lambda: lanczos(M, 10, tol=1e-8, seed=1)) for _ in range(3))
    t_a = statistics.median(timeit(lambda: _eigsh(M, 10, "largest", 1e-8, v0)) for _ in range(3))
    d = float(np.abs(res.eigenvalues - w).max() / np.abs(w).max())
    if not res.converged or d > 1e-6:
        FAILURES.append(f"lanczos sparse n={n}: disagrees with eigsh by {d:.1e}")
    out[f"sparse n={n} k=10"] = dict(
        core_matvec=op.count, arpack_matvec=opa.count, core_s=t_l, arpack_s=t_a, diff=d
    )
    ROWS.append(
        (
            "eigs vs eigsh",
            f"sparse n={n} k=10",
            f"matvecs {op.count} vs {opa.count}; wall {t_l:.2f}s vs {t_a:.2f}s "
            f"({t_l / t_a:.2f}x); |dlambda| {d:.0e}",
            "met" if t_l <= t_a else "NOT met",
        )
    )
    return out


def _eigsh(A, k, which, tol, v0, maxiter=None):
    """ARPACK; on non-convergence the partial result (the matvecs are spent either way)."""
    try:
        return spla.eigsh(
            A,
            k,
            which="LA" if which == "largest" else "SA",
            tol=tol,
            v0=v0,
            maxiter=maxiter or max(300, 10 * A.shape[0]),
        )
    except spla.ArpackNoConvergence as exc:
        return exc.eigenvalues, exc.eigenvectors


def timeit(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_trace(quick: bool) -> dict:
    n = 500 if quick else 2000
    reps = 20 if quick else 50
    m = 60
    spectra = {"decaying i^-2": np.arange(1, n + 1.0) ** -2, "flat": 1 + 0.1 * np.linspace(0, 1, n)}
    out = {}
    for sname, eig in spectra.items():
        A = mws(eig, 4)
        exact = float(np.trace(A))
        ests = {
            "core hutch++": lambda s: hutchinson_trace(A, m, seed=s, method="hutch++").value,
            "core xtrace": lambda s: xtrace(A, m, seed=s).value,
            "core xnystrace": lambda s: xnystrace(A, m, seed=s).value,
        }
        if have("curvlinops"):
            import torch
            from curvlinops.trace.epperly2024xtrace import xtrace as cl_xtrace
            from curvlinops.trace.meyer2020hutch import hutchpp_trace as cl_hutchpp

            At = torch.from_numpy(A)

            def cl(fn, s):
                torch.manual_seed(s)
                return float(fn(At, m))

            ests["curvlinops hutch++"] = lambda s: cl(cl_hutchpp, s)
            ests["curvlinops xtrace"] = lambda s: cl(cl_xtrace, s)
        if have("matfree"):
            import jax
            import jax.numpy as jnp
            from matfree import stochtrace as st

            jax.config.update("jax_enable_x64", True)
            Aj = jnp.asarray(A)
            x_like = jnp.zeros(n)
            for label, integ, num in (
                ("xtrace", st.leave_one_out_xtrace(), m // 2),
                ("xnystrace", st.leave_one_out_xnystrace(), m),
            ):
                est0 = st.estimator_leave_one_out(integ, st.sampler_normal(x_like, num=num))
                est = jax.jit(lambda key, est0=est0: est0(lambda v: Aj @ v, key))

                def mf(s, est=est):
                    return float(est(jax.random.PRNGKey(s)))

                ests[f"matfree {label}"] = mf
        res = {}
        for name, f in list(ests.items()):
            try:
                f(0)
            except Exception as exc:  # a peer's API change must not stop the run
                print(f"SKIP {name}: {type(exc).__name__}: {exc}"[:300], flush=True)
                continue
            t0 = time.perf_counter()
            vals = np.array([f(s + 1) for s in range(reps)])
            dt = (time.perf_counter() - t0) / reps
            rel = float(np.sqrt(np.mean((vals - exact) ** 2)) / abs(exact))
            res[name] = dict(rms_rel_err=rel, seconds=dt)
            if name.startswith("core"):
                se = vals.std(ddof=1) / np.sqrt(reps)
                if abs(vals.mean() - exact) > 5 * se + 1e-12 * abs(exact):
                    FAILURES.append(f"{name} on {sname}: biased mean {vals.mean()} vs {exact}")
        out[sname] = res
        for name, r in res.items():
            ROWS.append(
                (
                    "trace, m=60",
                    f"{sname}: {name}",
                    f"RMS rel err {r['rms_rel_err']:.2e}; {1e3 * r['seconds']:.1f} ms",
                    "",
                )
            )
    return out


def bench_hvp(quick: bool, repeats: int) -> dict:
    import torch

    from shared.hessian import torch_hessian_operator

    torch.set_num_threads(1)
    torch.manual_seed(0)
    d_in, h, d_out, batch = (50, 60, 5, 64) if quick else (100, 300, 10, 256)
    model = torch.nn.Sequential(
        torch.nn.Linear(d_in, h),
        torch.nn.Tanh(),
        torch.nn.Linear(h, h),
        torch.nn.Tanh(),
        torch.nn.Linear(h, d_out),
    ).double()
    X = torch.randn(batch, d_in, dtype=torch.float64)
    Y = torch.randn(batch, d_out, dtype=torch.float64)
    params = [p.detach() for p in model.parameters()]
    names = [n for n, _ in model.named_parameters()]

    def loss(ps):
        out = torch.func.functional_call(model, dict(zip(names, ps, strict=True)), (X,))
        return torch.nn.functional.mse_loss(out, Y)

    n = sum(p.numel() for p in params)
    v = torch.randn(n, dtype=torch.float64)

    def grad():
        ps = [p.clone().requires_grad_(True) for p in params]
        return torch.autograd.grad(loss(ps), ps)

    def med(fn):
        fn()
        return statistics.median(timeit(fn) for _ in range(repeats))

    tg = med(grad)
    op_db = torch_hessian_operator(loss, params)
    op_fr = torch_hessian_operator(loss, params, method="forward_over_reverse")
    V10 = torch.randn(10, n, dtype=torch.float64)
    res = {
        "n_params": n,
        "grad_s": tg,
        "core double_backward": med(lambda: op_db.hvp_native(v)) / tg,
        "core forward_over_reverse": med(lambda: op_fr.hvp_native(v)) / tg,
        "core batch10 / 10 singles": med(lambda: op_db.hvp_native_batch(V10))
        / med(lambda: [op_db.hvp_native(r) for r in V10]),
    }
    flat0 = torch.cat([p.reshape(-1) for p in params])
    sizes = [p.numel() for p in params]
    shapes = [p.shape for p in params]

    def f_flat(t):
        return loss([c.reshape(s) for c, s in zip(torch.split(t, sizes), shapes, strict=True)])

    gf = torch.func.grad(f_flat)
    try:
        res["torch.func jvp(grad)"] = med(lambda: torch.func.jvp(gf, (flat0,), (v,))[1]) / tg
    except RuntimeError as exc:  # torch 2.13 + mse_loss: "ZeroTensors are immutable"
        print(f"torch.func jvp(grad) fails on mse_loss: {exc}"[:200], flush=True)
        res["torch.func jvp(grad) [fails on mse_loss]"] = float("nan")
    res["torch.func grad(jvp)"] = (
        med(lambda: torch.func.grad(lambda t: torch.func.jvp(f_flat, (t,), (v,))[1])(flat0)) / tg
    )
    if have("curvlinops"):
        from curvlinops import HessianLinearOperator

        m2 = model
        H = HessianLinearOperator(m2, torch.nn.MSELoss(), list(m2.parameters()), [(X, Y)])
        vs = [c.reshape(s) for c, s in zip(torch.split(v, sizes), shapes, strict=True)]
        res["curvlinops"] = med(lambda: H @ vs) / tg
    for k, r in res.items():
        if k not in ("n_params", "grad_s"):
            target = ""
            if k == "core double_backward":
                target = "met" if r <= 1.5 else "NOT met"
            if k == "core batch10 / 10 singles":
                target = "met" if r <= 1.0 else "NOT met (loop is the default)"
            ROWS.append(("HVP / gradient", f"{k} (n={n})", f"{r:.2f}", target))
    return res


def bench_pcg(quick: bool) -> dict:
    from run_all import bench_ridge

    out = {}
    n, d = (4000, 400) if quick else (20000, 2000)
    for bw in (3.0, 10.0):
        r = bench_ridge(n, d, 2000, bw)
        out[f"bandwidth {bw:g}"] = r
        ratio = r["d_eff"] / d
        ROWS.append(
            (
                "Nystrom PCG",
                f"d_eff/d={ratio:.2f} (d={d})",
                f"NysPCG {r['nyspcg']['seconds']:.2f}s (rank {r['nyspcg']['rank']}) vs "
                f"cg {r['scipy_cg']['seconds']:.2f}s vs Cholesky {r['cholesky']['seconds']:.2f}s",
                "",
            )
        )
        if r["nyspcg"]["rel_residual"] > 1e-8:
            FAILURES.append(f"NysPCG residual {r['nyspcg']['rel_residual']:.1e} at bw={bw}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    reps = 3 if args.quick else 5
    results = {"quick": args.quick, "load_avg": os.getloadavg()}
    for label, fn in (
        ("eig", lambda: bench_eig(args.quick, reps)),
        ("trace", lambda: bench_trace(args.quick)),
        ("hvp", lambda: bench_hvp(args.quick, reps)),
        ("pcg", lambda: bench_pcg(args.quick)),
    ):
        print(f"[{label}] ...", flush=True)
        results[label] = fn()
    lines = [
        "# Core benchmark (1 BLAS thread; ratios core / peer in one run)",
        "",
        f"load average at start: {results['load_avg'][0]:.1f}",
        "",
        "| section | case | measured | target |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in ROWS]
    lines += ["", "Oracle failures: " + ("none" if not FAILURES else "; ".join(FAILURES))]
    out = ROOT / "results" / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    stem = "core_quick" if args.quick else "core"
    (out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str))
    print("\n".join(lines))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
