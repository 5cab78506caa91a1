"""Train one group of runs (params.yaml ``train_groups``) and write loss + curvature logs.

A group whose runs carry ``eta_grid`` instead of ``eta`` is a design whose step is chosen by
rule D12 (``train.select_step``): the largest step of the grid at which no run blows up; the
steps tried and their outcome are written to the group's JSON (``eta_selection``).
"""

from __future__ import annotations

import sys

import torch

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, configured_device
from replications.zo_edge_of_stability.model import digits_random_labels
from replications.zo_edge_of_stability.train import run, select_step


def main() -> None:
    ap = compute_parser(__doc__)
    ap.add_argument("--group", required=True)
    args = ap.parse_args()
    params = params_of(args)
    torch.set_num_threads(1)
    print(
        f"[device] configured: {configured_device()}; this step runs on cpu by design: the "
        "registered runs are float64 on CPU torch.Generator streams (init, directions, batches, "
        "probes), and one-direction ZO steps on a 3169-parameter MLP are latency-bound",
        file=sys.stderr,
        flush=True,
    )
    common = params["train"]
    runs = params["train_groups"][args.group]
    X, y = digits_random_labels(int(common["n_samples"]), int(common["data_seed"]))
    n_ckpt = 0
    for cfg in runs:
        if cfg.get("checkpoint_every"):
            n_ckpt += cfg["steps"] // cfg["checkpoint_every"] + 1
        else:
            n_ckpt += int(cfg.get("n_checkpoints", common["n_checkpoints"]))
    prog = Progress(n_ckpt, f"train/{args.group}", every=4)
    arrays, meta = {}, {"group": args.group, "runs": {}}
    if any("eta_grid" in cfg for cfg in runs):
        outs, eta, attempts = select_step(runs, common, X, y, progress=prog)
        meta["eta_selection"] = {"grid": runs[0]["eta_grid"], "selected": eta, "tried": attempts}
        runs = [{**{k: v for k, v in c.items() if k != "eta_grid"}, "eta": eta} for c in runs]
    else:
        outs = {}
    for cfg in runs:
        out = outs[cfg["name"]] if cfg["name"] in outs else run(cfg, common, X, y, progress=prog)
        for k, v in out.items():
            arrays[f"{cfg['name']}__{k}"] = v
        # Blow-up flag for the figures (same rule as the measurement: loss > 10x its start).
        ratio = float(out["loss"].max() / out["loss"][0])
        meta["runs"][cfg["name"]] = {
            **cfg,
            "diverged": bool(out["diverged"]),
            "max_loss_over_initial": ratio,
            "blew_up": bool(ratio > 10),
        }
    meta["train"] = common
    write_npz(args.out_npz, arrays)
    write_json(args.out_json, meta)


if __name__ == "__main__":
    main()
