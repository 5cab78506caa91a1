"""Success probability of spherical gradient descent vs alpha for one initialisation."""

from __future__ import annotations

from replications._workflow.runtime import pin_threads

pin_threads(1)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from replications._workflow.cli import params_of, parser  # noqa: E402
from replications._workflow.io import write_json  # noqa: E402
from replications._workflow.runtime import Progress  # noqa: E402
from replications.phase_retrieval_bbp import model  # noqa: E402


def spectral_start(inst: model.Instance, seeds: list[int]) -> torch.Tensor:
    """w(0) = sqrt(N) v_1(H(w_ref)) at a random reference point (card Sec. 3.3, spectral init)."""
    n = inst.n
    w_ref = model.random_sphere(n, seeds)
    out = []
    for i, s in enumerate(seeds):
        b = model.bottom_spectrum(
            inst.X[i],
            inst.y[i],
            inst.a,
            w_ref[i],
            inst.w_star[i],
            k=1,
            num_iter=100,
            tol=1e-7,
            seed=s,
        )
        out.append(torch.from_numpy(b.v1 * np.sqrt(n)))
    return torch.stack(out)


def main() -> None:
    torch.set_num_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--init", required=True, choices=["random", "constrained", "spectral"])
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)
    sp = p["success"]
    cfg = sp[args.init]
    a = float(p["a"])
    seeds = list(range(int(sp["seeds"])))
    prog = Progress(len(cfg["ns"]) * len(cfg["alphas"]), f"success/{args.init}")
    rows = []
    for n in cfg["ns"]:
        for al in cfg["alphas"]:
            # Seeds differ per (N, alpha) point only through the data size; instance s uses seed s.
            inst = model.make_instances(int(n), float(al), a, seeds)
            if args.init == "spectral":
                w0 = spectral_start(inst, seeds)
            else:
                w0 = model.random_sphere(int(n), seeds)
            m0 = (np.abs((w0 * inst.w_star).sum(-1).numpy()) / n).tolist()
            res = model.run_dynamics(
                inst,
                w0,
                t_max=float(sp["t_max"]),
                eta_max=float(sp["eta_max"]),
                t_constrained=float(sp["t_c"]) if args.init == "constrained" else 0.0,
                m_success=float(sp["m_success"]),
            )
            succ = (res.m_final > float(sp["m_threshold"])).astype(int)
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
                }
            )
            prog.step(note=f"N={n} alpha={al} P={succ.mean():.3f} steps={res.n_steps}")
    # The run settings first, so that "seeds" is the list of seeds (not the count in params).
    write_json(args.out_json, {**sp, "init": args.init, "a": a, "seeds": seeds, "rows": rows})


if __name__ == "__main__":
    main()
