"""Dense t = 0 spectra of the Riemannian Hessian at a random point, over N, alpha and seeds.

Feeds the t = 0 claims at N >= 1000 (``*-large-n``) and the finite-size trend figure (D8). Each
(N, alpha, seed) uses the data and random start of ``compute_spectrum_init`` (same generators),
so the N = 256 rows repeat the Lanczos spectra there with an exact ``eigh``; a decoy direction
(an independent uniform point of the sphere) gives the control of the overlap claims.
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


def spectrum_rows(
    n: int, a: float, alpha: float, seeds: list[int], k: int, offset: int, dev: str
) -> list[dict]:
    """One row per seed: bottom ``k`` eigenpairs, overlaps with w* and with the decoy."""
    rows = []
    for s in seeds:
        inst = model.make_instances(n, alpha, a, [s], device=dev)
        w0 = model.random_sphere(n, [s], device=dev)[0]
        decoy = model.random_sphere(n, [s], offset=offset)[0]
        b = model.dense_bottom_spectrum(
            inst.X[0], inst.y[0], a, w0, inst.w_star[0], k=k, decoy=decoy
        )
        rows.append(
            {
                "n": n,
                "a": a,
                "alpha": alpha,
                "seed": s,
                "eigenvalues": b.eigenvalues.tolist(),
                "overlap2": (b.overlaps**2).tolist(),
                "decoy_overlap2": (b.decoy_overlaps**2).tolist(),
                "mu": b.mu,
                "m0": b.m,
            }
        )
    return rows


def main() -> None:
    torch.set_num_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)
    sd = p["spectrum_dense"]
    a0 = float(p["a"])
    seeds = [int(s) for s in sd["seeds"]]
    ns = [int(n) for n in sd["ns"]]
    n_claims = int(sd["claims_n"])
    if n_claims not in ns:
        raise ValueError(f"claims_n={n_claims} must be one of ns={ns}")
    extra = sd.get("extra_a")
    dev = step_device("spectrum_dense", dynamics=False)
    near = {int(n) for n in sd.get("near_threshold_ns", [])}
    if n_claims in near:
        raise ValueError(f"claims_n={n_claims} needs the full alpha grid (near_threshold_ns)")
    jobs = [
        (n, a0, float(al))
        for n in ns
        for al in (sd["near_threshold_alphas"] if n in near else sd["alphas"])
    ]
    if extra:
        jobs += [(n_claims, float(extra["a"]), float(al)) for al in extra["alphas"]]
    prog = Progress(len(jobs), f"spectrum_dense on {dev}")
    rows = []
    for n, a, al in jobs:
        rows += spectrum_rows(n, a, al, seeds, int(sd["k"]), int(sd["decoy_offset"]), dev)
        prog.step(note=f"N={n} a={a} alpha={al} ({len(seeds)} seeds)")
    write_json(
        args.out_json,
        {"a_default": a0, "claims_n": n_claims, "ns": ns, "seeds": seeds, "rows": rows},
    )


if __name__ == "__main__":
    main()
