"""Overlap |m(0)| of the spectral initialisation with the signal (card check C8, second part)."""

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


def main() -> None:
    torch.set_num_threads(1)
    ap = parser(__doc__)
    ap.add_argument("--out-json", required=True)
    args = ap.parse_args()
    p = params_of(args)
    sp = p["spectral_m0"]
    a, n = float(p["a"]), int(sp["n"])
    seeds = list(range(int(sp["seeds"])))
    dev = step_device("spectral_m0", dynamics=False)
    prog = Progress(len(sp["alphas"]), f"spectral_m0 on {dev}")
    rows = []
    for al in sp["alphas"]:
        inst = model.make_instances(n, float(al), a, seeds, device=dev)
        # The same start as the spectral success runs (model.spectral_start).
        w0 = model.spectral_start(inst, seeds)
        m0 = np.abs((w0 * inst.w_star).sum(-1).cpu().numpy()) / n
        rows.append({"alpha": float(al), "m0": m0.tolist()})
        prog.step(note=f"alpha={al} done")
    write_json(args.out_json, {"n": n, "a": a, "seeds": seeds, "device": dev, "rows": rows})


if __name__ == "__main__":
    main()
