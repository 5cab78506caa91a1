"""Bias of the RDSA / 2SPSA estimators on 10-D Rastrigin, exact or control-variate references.

For m = 1, 2, 3 (and m = 4, fitted on its own window) and each perturbation law: relative
bias ||E H_m(delta) - H||_F / ||H||_F and ||E g_m(delta) - g|| / ||g|| on a delta grid,
noise-free:
Gaussian by the closed form from Stein's identity, Bernoulli laws by exact enumeration over the
2^10 directions, uniform by control-variate Monte Carlo. Also 2SPSA (exact enumeration over
both +-1 perturbations), the one-sided 3-point stencil, the mis-centred Hessian (diagonal
without the -m2 of M(d): the control of the asymptotic-unbiasedness claims), fitted log-log
slopes, and the exact unbiasedness check on a random quadratic. Writes bias.npz (curves) and
bias.json (numbers).
"""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import Progress, pin_threads
from replications.rdsa_bias.device import read_device_run_on_cpu
from replications.rdsa_bias.model import (
    loglog_slope,
    rastrigin_gradient,
    rastrigin_hessian,
    rastrigin_increment,
    rastrigin_miscentred_shift,
    rastrigin_smoothing_increments,
    relative_frobenius,
)
from shared.zeroth_order import (
    AsymmetricBernoulli,
    Gaussian,
    SymmetricBernoulli,
    Uniform,
    expected_rdsa,
    expected_spsa2_hessian,
    gaussian_rdsa_bias,
    rdsa_bias_control_variate,
)


def quadratic_exactness(p: dict) -> dict:
    """Max relative error of exact expectations on a random quadratic (should be round-off)."""
    n = p["quad_dim"]
    rng = np.random.default_rng(p["quad_seed"])
    A = rng.standard_normal((n, n))
    H = A + A.T
    g = rng.standard_normal(n)

    def phi(s: np.ndarray) -> np.ndarray:
        return 3.0 + s @ g + 0.5 * np.einsum("...i,ij,...j->...", s, H, s)

    deltas = np.asarray(p["quad_deltas"], dtype=float)
    errs: dict[str, float] = {}
    laws = {
        "gaussian": Gaussian(),
        "uniform": Uniform(p["uniform_eta"]),
        "asym_bernoulli": AsymmetricBernoulli(p["asym_eps"]),
    }
    for name, law in laws.items():
        for m in p["ms"]:
            for one_sided in (False, True):
                eg, eh = expected_rdsa(phi, n, deltas, law, m=m, one_sided=one_sided, n_nodes=3)
                key = f"{name}/m{m}/{'one_sided' if one_sided else 'central'}"
                errs[key + "/hessian"] = float(relative_frobenius(eh - H, H).max())
                errs[key + "/gradient"] = float(relative_frobenius(eg - g, g).max())
    eg, _ = expected_rdsa(phi, n, deltas, SymmetricBernoulli(), m=1, hessian=False)
    errs["sym_bernoulli/m1/central/gradient"] = float(relative_frobenius(eg - g, g).max())
    eh = expected_spsa2_hessian(phi, n, deltas)
    errs["2spsa/hessian"] = float(relative_frobenius(eh - H, H).max())
    return {"dim": n, "deltas": deltas.tolist(), "errors": errs, "max_error": max(errs.values())}


def main() -> None:
    pin_threads(1)
    args = compute_parser(__doc__).parse_args()
    read_device_run_on_cpu("bias")
    p = params_of(args)["bias"]
    n = p["dim"]
    x0 = np.random.default_rng(p["point_seed"]).uniform(
        -p["point_halfwidth"], p["point_halfwidth"], n
    )
    g, H = rastrigin_gradient(x0), rastrigin_hessian(x0)
    deltas = p["delta_min"] * 2.0 ** (np.arange(p["n_delta"]) / 2.0)
    window = (deltas >= p["fit_low"] * (1 - 1e-9)) & (deltas <= p["fit_high"] * (1 + 1e-9))

    def phi(s: np.ndarray) -> np.ndarray:
        return rastrigin_increment(x0, s)

    grad_inc, hess_inc = rastrigin_smoothing_increments(x0)
    laws = {
        "gaussian": Gaussian(),
        "uniform": Uniform(p["uniform_eta"]),
        "asym_bernoulli": AsymmetricBernoulli(p["asym_eps"]),
        "sym_bernoulli": SymmetricBernoulli(),
    }
    arrays: dict[str, np.ndarray] = {"deltas": deltas, "window": window, "x0": x0}
    all_ms = list(p["ms"]) + list(p.get("extra_ms", []))
    prog = Progress(len(laws) * len(all_ms) + 3, "bias")
    for name, law in laws.items():
        for m in all_ms:
            hb_se = gb_se = None
            if name == "gaussian":
                gb, hb = gaussian_rdsa_bias(grad_inc, hess_inc, deltas, m=m)
            elif name == "uniform":
                cv = rdsa_bias_control_variate(
                    phi,
                    g,
                    H,
                    deltas,
                    law,
                    np.random.default_rng(p["mc_seed"]),
                    n_samples=p["mc_samples"],
                    m=m,
                )
                gb, hb = cv["grad_bias"], cv["hess_bias"]
                gb_se = np.linalg.norm(cv["grad_se"], axis=-1) / np.linalg.norm(g)
                hb_se = np.linalg.norm(cv["hess_se"], axis=(-2, -1)) / np.linalg.norm(H)
            else:
                eg, eh = expected_rdsa(phi, n, deltas, law, m=m, hessian=law.kappa > 0)
                gb, hb = eg - g, (None if eh is None else eh - H)
            arrays[f"grad/{name}/m{m}"] = relative_frobenius(gb, g)
            if gb_se is not None:
                arrays[f"grad_se/{name}/m{m}"] = gb_se
            if hb is not None:
                arrays[f"hess/{name}/m{m}"] = relative_frobenius(hb, H)
                # Control of the asymptotic-unbiasedness claims: the mis-centred diagonal
                # (card pitfall 4), whose bias tends to m2^2 tr(H) / (m4 - m2^2) I.
                shift = rastrigin_miscentred_shift(x0, deltas, law, m)
                arrays[f"miscentred/hess/{name}/m{m}"] = relative_frobenius(
                    hb + shift[:, None, None] * np.eye(n), H
                )
            if hb_se is not None:
                arrays[f"hess_se/{name}/m{m}"] = hb_se
            prog.step(note=f"{name} m={m}")
    arrays["hess/2spsa"] = relative_frobenius(
        expected_spsa2_hessian(phi, n, deltas, c_ratio=p["spsa2_c_ratio"]) - H, H
    )
    prog.step(note="2spsa")
    gb, hb = gaussian_rdsa_bias(grad_inc, hess_inc, deltas, m=1, one_sided=True)
    arrays["one_sided/hess/gaussian"], arrays["one_sided/grad/gaussian"] = (
        relative_frobenius(hb, H),
        relative_frobenius(gb, g),
    )
    eg, eh = expected_rdsa(phi, n, deltas, laws["asym_bernoulli"], m=1, one_sided=True)
    arrays["one_sided/hess/asym_bernoulli"] = relative_frobenius(eh - H, H)
    arrays["one_sided/grad/asym_bernoulli"] = relative_frobenius(eg - g, g)
    prog.step(note="one-sided")

    slopes = {
        k: loglog_slope(deltas[window], v[window])
        for k, v in arrays.items()
        if k.startswith(("hess/", "grad/", "one_sided/"))
    }
    # m >= 4 (and m = 3 for the ordering check) on their own, higher window (card G1).
    x_lo, x_hi = p["extra_fit_low"], p["extra_fit_high"]
    extra_window = (deltas >= x_lo * (1 - 1e-9)) & (deltas <= x_hi * (1 + 1e-9))
    arrays["extra_window"] = extra_window
    extra_slopes = {
        k: loglog_slope(deltas[extra_window], v[extra_window])
        for k, v in arrays.items()
        if k.startswith(("hess/", "grad/")) and k.rsplit("/m", 1)[-1].isdigit()
    }
    quad = quadratic_exactness(p)
    prog.step(note="quadratic exactness")
    meta = {
        "params": p,
        "x0": x0,
        "deltas": deltas,
        "fit_window": [p["fit_low"], p["fit_high"]],
        "slopes": slopes,
        "extra_fit_window": [x_lo, x_hi],
        "extra_slopes": extra_slopes,
        "hess_norm_F": float(np.linalg.norm(H)),
        "grad_norm": float(np.linalg.norm(g)),
        "curves": {
            k: v
            for k, v in arrays.items()
            if k.startswith(("hess", "grad", "one_sided", "miscentred"))
        },
        "quadratic": quad,
        "kappa": {k: law.kappa for k, law in laws.items()},
    }
    write_json(args.out_json, meta)
    write_npz(args.out_npz, arrays)


if __name__ == "__main__":
    main()
