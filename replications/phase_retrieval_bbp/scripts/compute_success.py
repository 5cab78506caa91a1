"""Success probability of spherical gradient descent vs alpha for one initialisation, and the final
Hessian of the failed runs (card check C10)."""

from __future__ import annotations

from replications._workflow.runtime import pin_threads

pin_threads(1)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from replications._workflow.cli import params_of, parser  # noqa: E402
from replications._workflow.io import write_json  # noqa: E402
from replications._workflow.runtime import Progress  # noqa: E402
from replications.phase_retrieval_bbp import model  # noqa: E402
from replications.phase_retrieval_bbp.devices import step_device  # noqa: E402


def final_hessians(
    inst: model.Instance, res: model.DynamicsResult, succ: np.ndarray, fh: dict
) -> list[dict]:
    """Bottom of the Riemannian Hessian at the final point of every failed run (card C10)."""
    out = []
    for i, s in enumerate(inst.seeds):
        if succ[i]:
            continue
        b = model.bottom_spectrum(
            inst.X[i],
            inst.y[i],
            inst.a,
            res.w_final[i],
            inst.w_star[i],
            k=int(fh["k"]),
            num_iter=int(fh["num_iter"]),
            tol=float(fh["tol"]),
            seed=int(s),
        )
        out.append(
            {
                "seed": int(s),
                "status": str(res.status[i]),
                "lambda": b.eigenvalues.tolist(),
                "overlap": b.overlaps.tolist(),
                "converged": b.converged,
            }
        )
    return out


def main() -> None:
    torch.set_num_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--init", required=True, choices=["random", "constrained", "spectral"])
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)
    sp = p["success"]
    cfg = sp[args.init]
    fh = sp["final_hessian"]
    a = float(p["a"])
    dev = step_device("success/" + args.init, dynamics=True)
    seeds = list(range(int(sp["seeds"])))
    prog = Progress(len(cfg["ns"]) * len(cfg["alphas"]), f"success/{args.init} on {dev}")
    rows = []
    for n in cfg["ns"]:
        for al in cfg["alphas"]:
            # Seeds differ per (N, alpha) point only through the data size; instance s uses seed s.
            inst = model.make_instances(int(n), float(al), a, seeds, device=dev)
            if args.init == "spectral":
                w0 = model.spectral_start(inst, seeds)
            else:
                w0 = model.random_sphere(int(n), seeds, device=dev)
            m0 = (np.abs((w0 * inst.w_star).sum(-1).cpu().numpy()) / n).tolist()
            res = model.run_dynamics(
                inst,
                w0,
                t_max=float(sp["t_max"]),
                eta_max=float(sp["eta_max"]),
                t_constrained=float(sp["t_c"]) if args.init == "constrained" else 0.0,
                m_success=float(sp["m_success"]),
            )
            succ = (res.m_final > float(sp["m_threshold"])).astype(int)
            final = final_hessians(inst, res, succ, fh) if al >= fh["alpha_min"] else []
            rows.append(
                {
                    "n": int(n),
                    "alpha": float(al),
                    "success": succ.tolist(),
                    "m_final": res.m_final.tolist(),
                    "m0": m0,
                    "t_final": res.t_final.tolist(),
                    "status": res.status.tolist(),
                    "loss_final": res.loss_final.tolist(),
                    "n_steps": res.n_steps,
                    "final_hessian_failed": final,
                }
            )
            prog.step(note=f"N={n} alpha={al} P={succ.mean():.3f} steps={res.n_steps}")
    # The run settings first, so that "seeds" is the list of seeds (not the count in params).
    write_json(
        args.out_json,
        {**sp, "init": args.init, "a": a, "seeds": seeds, "device": dev, "rows": rows},
    )


if __name__ == "__main__":
    main()
