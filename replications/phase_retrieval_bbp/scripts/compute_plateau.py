"""Runs to the loss plateau: bottom of the Hessian along constrained and random-start runs.

Each run follows the discretised flow of ``model.run_dynamics`` until its loss levels off (the
plateau rule of D9, checkpoints ``t_k = 10 * 2^k``) or ``t_cap``, the largest checkpoint;
constrained runs keep w* projected out for the whole run. The bottom ``k`` eigenpairs of the
Riemannian Hessian (dense ``eigh``) are recorded at the early times and at every checkpoint, for
N in the size grid (claims ``time-bbp-*-plateau`` and ``random-start-outlier-loss-time``).
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


def one_run(n: int, a: float, run: dict, pl: dict, dev: str) -> dict:
    """Run one (N, alpha, init) batch of seeds to the plateau and record its spectra."""
    seeds = [int(s) for s in pl["seeds"]]
    checkpoints = sorted(float(t) for t in pl["checkpoints"])
    t_cap = checkpoints[-1]
    inst = model.make_instances(n, float(run["alpha"]), a, seeds, device=dev)
    w0 = model.random_sphere(n, seeds, device=dev)
    t_req = sorted(set(float(t) for t in pl["times"]) | set(checkpoints))
    res = model.run_dynamics(
        inst,
        w0,
        t_max=t_cap,
        t_constrained=t_cap if run["init"] == "constrained" else 0.0,
        m_success=2.0,  # no success stop: random runs go to their own plateau too
        stall_window=1e9,
        record_times=tuple(t_req),
        plateau_times=tuple(checkpoints),
        plateau_rtol=float(pl["rtol"]),
        plateau_atol=float(pl["atol"]),
    )
    per_seed = []
    for i, s in enumerate(seeds):
        rec = {"seed": s, "status": str(res.status[i]), "t_final": float(res.t_final[i])}
        rec.update({"t": [], "lambda": [], "overlap": [], "overlap_perp": [], "m": [], "loss": []})
        last = None
        for j, t in enumerate(res.record_t.tolist()):
            w = res.record_w[j, i]
            if last is None or t <= rec["t_final"] + 1e-9:
                b = model.dense_bottom_spectrum(
                    inst.X[i], inst.y[i], a, w, inst.w_star[i], k=int(pl["k"])
                )
                last = {
                    "lambda": b.eigenvalues.tolist(),
                    "overlap": b.overlaps.tolist(),
                    "overlap_perp": b.overlaps_perp.tolist(),
                    "m": b.m,
                    "loss": float(model.loss(inst.X[i], inst.y[i], a, w) / n),
                }
            # After the run stopped its records repeat the final point (and its spectrum).
            rec["t"].append(float(t))
            for key in ("lambda", "overlap", "overlap_perp", "m", "loss"):
                rec[key].append(last[key])
        per_seed.append(rec)
    return {
        **run,
        "n": n,
        "a": a,
        "t_cap": t_cap,
        "checkpoints": checkpoints,
        "t_req": t_req,
        "n_steps": res.n_steps,
        "seeds": per_seed,
    }


def main() -> None:
    torch.set_num_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)
    pl = p["plateau"]
    a = float(p["a"])
    dev = step_device("plateau", dynamics=True)
    ns = [int(n) for n in pl["ns"]]
    prog = Progress(len(ns) * len(pl["runs"]), f"plateau on {dev}")
    out: dict = {}
    for name, run in pl["runs"].items():
        out[name] = {}
        for n in ns:
            r = one_run(n, a, run, pl, dev)
            out[name][str(n)] = r
            stats = ", ".join(f"{x['status']}@{x['t_final']:.3g}" for x in r["seeds"])
            prog.step(note=f"{name} N={n}: {stats} ({r['n_steps']} steps)")
    write_json(args.out_json, {"a": a, "ns": ns, "seeds": pl["seeds"], "runs": out})


if __name__ == "__main__":
    main()
