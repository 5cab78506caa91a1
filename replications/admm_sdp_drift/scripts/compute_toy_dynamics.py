"""The toys' geometry: toy1 tasks III and V, toy3 task VII, and PCA around the task VI escape.

Writes results/admm_sdp_drift/toy_dynamics.npz (vector field, trajectories, spike-grid traces)
and toy_dynamics.json (the numbers the claims are measured from).
"""

from __future__ import annotations

from replications._workflow.runtime import pin_threads

pin_threads(1)

import numpy as np  # noqa: E402
from scipy.ndimage import median_filter  # noqa: E402

from replications._workflow.cli import compute_parser, params_of  # noqa: E402
from replications._workflow.io import write_json, write_npz  # noqa: E402
from replications._workflow.runtime import Progress  # noqa: E402
from replications.admm_sdp_drift.device import cpu_by_design  # noqa: E402
from replications.admm_sdp_drift.experiments import (  # noqa: E402
    escape_dimension,
    log_slope,
    toy1_off_cone_run,
    toy1_vector_field,
    toy3_spike_grid,
)
from replications.admm_sdp_drift.instances import TOYS, make_toy  # noqa: E402
from shared.admm_sdp import angle_floor  # noqa: E402


def main() -> None:
    args = compute_parser(__doc__).parse_args()
    cpu_by_design("toy_dynamics")
    tp = params_of(args)["toys"]
    sigma = tp["sigma"]
    progress = Progress(4, "toy dynamics")
    arrays: dict[str, np.ndarray] = {}
    out: dict[str, dict] = {}

    # task III: the predicted drift field on the cone plane (closed form)
    t3 = tp["taskIII"]
    field = toy1_vector_field(t3["t"], sigma, t3["n_a"], t3["n_b"])
    arrays["field__points"], arrays["field__arrows"] = field["points"], field["arrows"]
    progress.step(note="task III field")

    # task V: 64 off-cone starts per t
    t5 = tp["taskV"]
    t_list = np.array(t5["t_list"], dtype=float)
    arrays["taskV__t_list"] = t_list
    d0, d1 = [], []
    for i, t in enumerate(t_list):
        run = toy1_off_cone_run(float(t), t5["iters"], sigma, tuple(t5["values"]))
        arrays[f"taskV_{i}__traj"] = run["traj"]
        arrays[f"taskV_{i}__kkt"] = run["kkt"]
        d0.append(float(run["dist0"].max()))
        d1.append(float(run["dist1"].max()))
    out["taskV"] = {
        "t_list": t_list.tolist(),
        "max_plane_distance_start": d0,
        "max_plane_distance_after_one_step": d1,
        "slope_start": log_slope(t_list, d0),
        "slope_after_one_step": log_slope(t_list, d1),
        "n_starts": len(t5["values"]) ** 3,
    }
    progress.step(note="task V trajectories")

    # task VII: toy3 spike grid
    t7 = tp["taskVII"]
    grid = toy3_spike_grid(t7["t"], t7["iters"], t7["eps_list"], t7["h_list"], sigma)
    for k, v in grid.items():
        arrays[f"taskVII__{k}"] = v
    cases = {}
    for i, e in enumerate(t7["eps_list"]):
        for j, h in enumerate(t7["h_list"]):
            ang, spk = grid["angle"][:, i, j], grid["spikes"][:, i, j]
            dzn = grid["dz_norm"][:, i, j]
            flo = angle_floor(dzn[:-1], dzn[1:])
            # Reported, not judged: the largest angle / rolling median after the transient,
            # to show spikes below the 100x detection threshold.
            med = median_filter(ang, size=t7.get("spike_window", 101), mode="nearest")
            ratio = float(np.max(ang[50:] / med[50:]))
            cases[f"eps={e:g},h={h:g}"] = {
                "min_angle": float(ang.min()),
                "median_angle": float(np.median(ang)),
                "max_angle": float(ang.max()),
                "spike_fraction": float(spk.mean()),
                "n_spikes": int(spk.sum()),
                "max_ratio_to_rolling_median_after_50": ratio,
                "kkt_last": float(grid["kkt"][-1, i, j]),
                "median_angle_floor": float(np.median(flo)),
                "median_ratio_to_floor": float(np.median(ang / flo)),
            }
    out["taskVII"] = {"t": t7["t"], "cases": cases}
    progress.step(note="task VII grid")

    # task VI escape through PCA
    vi, esc = tp["taskVI"], tp["escape"]
    out["escape"] = {}
    for name in TOYS:
        r = escape_dimension(
            make_toy(name, sigma), vi["t"], vi["iters"], esc["sigma_new"], esc["window"], vi["tol"]
        )
        arrays[f"escape_{name}__kkt"] = r["kkt"]
        out["escape"][name] = {"slow": r["slow"], "escape": r["escape"]}
    out["escape_params"] = {**esc, "t": vi["t"], "iters": vi["iters"]}
    progress.step(note="escape PCA")
    write_npz(args.out_npz, arrays)
    write_json(args.out_json, {"toy_dynamics": out, "params": tp})


if __name__ == "__main__":
    main()
