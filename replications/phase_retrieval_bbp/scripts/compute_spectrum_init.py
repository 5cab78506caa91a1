"""Bottom of the Riemannian Hessian at a random initial point, for several alpha and seeds."""

from __future__ import annotations

from replications._workflow.runtime import pin_threads

pin_threads(1)

import torch  # noqa: E402

from replications._workflow.cli import params_of, parser  # noqa: E402
from replications._workflow.io import write_json  # noqa: E402
from replications._workflow.runtime import Progress  # noqa: E402
from replications.phase_retrieval_bbp import model  # noqa: E402
from replications.phase_retrieval_bbp.devices import step_device  # noqa: E402


def spectra(
    n: int, a: float, alphas: list, seeds: list, sp: dict, prog: Progress, dev: str
) -> list:
    rows = []
    for al in alphas:
        inst = model.make_instances(n, float(al), a, list(seeds), device=dev)
        w0 = model.random_sphere(n, list(seeds), device=dev)
        for i, s in enumerate(seeds):
            b = model.bottom_spectrum(
                inst.X[i],
                inst.y[i],
                a,
                w0[i],
                inst.w_star[i],
                k=sp["k"],
                num_iter=sp["num_iter"],
                tol=sp["tol"],
                seed=int(s),
            )
            rows.append(
                {
                    "alpha": float(al),
                    "a": a,
                    "seed": int(s),
                    "n": n,
                    "eigenvalues": b.eigenvalues.tolist(),
                    "mu": b.mu,
                    "overlap2": (b.overlaps**2).tolist(),
                    "n_matvec": b.n_matvec,
                    "converged": b.converged,
                    "residual": b.residual,
                    "m0": float((w0[i] @ inst.w_star[i]).abs().cpu() / n),
                }
            )
            prog.step(note=f"a={a} alpha={al} seed={s} overlap2={b.overlaps[0] ** 2:.3f}")
    return rows


def main() -> None:
    torch.set_num_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)
    sp = p["spectrum_init"]
    a0, n = float(p["a"]), int(sp["n"])
    extra = sp.get("extra_a")
    total = len(sp["alphas"]) * len(sp["seeds"])
    if extra:
        total += len(extra["alphas"]) * len(extra["seeds"])
    dev = step_device("spectrum_init", dynamics=False)
    prog = Progress(total, f"spectrum_init on {dev}")
    rows = spectra(n, a0, sp["alphas"], sp["seeds"], sp, prog, dev)
    if extra:
        rows += spectra(n, float(extra["a"]), extra["alphas"], extra["seeds"], sp, prog, dev)
    write_json(args.out_json, {"n": n, "a_default": a0, "rows": rows})


if __name__ == "__main__":
    main()
