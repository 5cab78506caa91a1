"""Time-dependent Hessian: bottom eigenpairs along the spherical gradient flow."""

from __future__ import annotations

from replications._workflow.runtime import pin_threads

pin_threads(1)

import torch  # noqa: E402

from replications._workflow.cli import params_of, parser  # noqa: E402
from replications._workflow.io import write_json  # noqa: E402
from replications._workflow.runtime import Progress  # noqa: E402
from replications.phase_retrieval_bbp import model  # noqa: E402
from replications.phase_retrieval_bbp.devices import step_device  # noqa: E402


def main() -> None:
    torch.set_num_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)
    th = p["time_hessian"]
    a, n, seeds = float(p["a"]), int(th["n"]), [int(s) for s in th["seeds"]]
    times = [float(t) for t in th["times"]]
    dev = step_device("time_hessian", dynamics=True)
    prog = Progress(len(th["runs"]) * len(seeds) * len(times), f"time_hessian on {dev}", every=5)
    out = {}
    for name, run in th["runs"].items():
        inst = model.make_instances(n, float(run["alpha"]), a, seeds, device=dev)
        w0 = model.random_sphere(n, seeds, device=dev)
        # Long fixed-time runs: no early stop on success or stall (card Sec. 6.2, Fig. C).
        res = model.run_dynamics(
            inst,
            w0,
            t_max=float(th["t_max"]),
            t_constrained=float(run["t_c"]),
            m_success=2.0,
            stall_window=1e9,
            record_times=tuple(times),
        )
        per_seed = []
        for i, s in enumerate(seeds):
            rec = {
                "seed": s,
                "t": res.record_t.tolist(),
                "lambda": [],
                "overlap": [],
                "m": [],
                "mu": [],
                "loss": [],
                "converged": [],
            }
            for j in range(len(res.record_t)):
                w = res.record_w[j, i]
                b = model.bottom_spectrum(
                    inst.X[i],
                    inst.y[i],
                    a,
                    w,
                    inst.w_star[i],
                    k=th["k"],
                    num_iter=th["num_iter"],
                    tol=th["tol"],
                    seed=s,
                )
                rec["lambda"].append(b.eigenvalues.tolist())
                rec["overlap"].append(b.overlaps.tolist())
                rec["m"].append(float((w @ inst.w_star[i]).abs().cpu() / n))
                rec["mu"].append(b.mu)
                rec["loss"].append(float(model.loss(inst.X[i], inst.y[i], a, w) / n))
                rec["converged"].append(b.converged)
                prog.step(
                    note=f"{name} seed={s} t={res.record_t[j]:.3g} "
                    f"overlap={b.overlaps[0]:.3f} lambda1={b.eigenvalues[0]:.3g}"
                )
            per_seed.append(rec)
        out[name] = {**run, "n": n, "a": a, "n_steps": res.n_steps, "seeds": per_seed}
    write_json(args.out_json, {"runs": out})


if __name__ == "__main__":
    main()
