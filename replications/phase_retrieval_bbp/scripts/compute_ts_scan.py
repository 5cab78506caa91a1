"""Bracket of alpha_BBP^TS: bottom of the Hessian after constrained dynamics on an alpha grid.

Constrained dynamics (w* projected out of w and of the gradient for all t <= t_ts, card Sec. 3.3
and 3.6 (b)) samples threshold states; the bottom eigenpair of the Riemannian Hessian is recorded
at t = 0 and t = t_ts. N, seeds and the Lanczos settings are those of ``time_hessian``, whose
constrained runs supply the remaining grid points (alpha = 4 and 6 at default scale).
"""

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
    th, ts = p["time_hessian"], p["ts_scan"]
    a, n, seeds = float(p["a"]), int(th["n"]), [int(s) for s in th["seeds"]]
    t_ts = float(ts["t_ts"])
    dev = step_device("ts_scan", dynamics=True)
    prog = Progress(len(ts["alphas"]), f"ts_scan on {dev}")
    rows = []
    for al in ts["alphas"]:
        inst = model.make_instances(n, float(al), a, seeds, device=dev)
        w0 = model.random_sphere(n, seeds, device=dev)
        # As time_hessian's constrained runs: no early stop, constraint held up to t_ts.
        res = model.run_dynamics(
            inst,
            w0,
            t_max=t_ts,
            t_constrained=t_ts,
            m_success=2.0,
            stall_window=1e9,
            record_times=(0.0, t_ts),
        )
        for i, s in enumerate(seeds):
            rec = {"alpha": float(al), "seed": s, "t": res.record_t.tolist()}
            rec.update({"lambda": [], "overlap": [], "m": [], "loss": [], "converged": []})
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
                rec["loss"].append(float(model.loss(inst.X[i], inst.y[i], a, w) / n))
                rec["converged"].append(b.converged)
            rows.append(rec)
        ov = [r["overlap"][-1][0] for r in rows if r["alpha"] == float(al)]
        prog.step(note=f"alpha={al} steps={res.n_steps} done ({len(ov)} seeds)")
    write_json(
        args.out_json,
        {"n": n, "a": a, "seeds": seeds, "t_ts": t_ts, "device": dev, "rows": rows},
    )


if __name__ == "__main__":
    main()
