"""Quick tests of the paper-specific code: model, curvature tracking, band summaries."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from replications.zo_edge_of_stability.analysis import (
    band_fraction,
    blew_up,
    equal_loss_traces,
    settled,
    threshold,
)
from replications.zo_edge_of_stability.model import MLP, batched_loss, digits_random_labels
from replications.zo_edge_of_stability.quadratic import (
    exact_second_moment,
    first_order_second_moment,
    monte_carlo,
)
from replications.zo_edge_of_stability.train import (
    curvature,
    dense_hessian,
    eta_at,
    exact_spectrum,
    run,
    select_step,
)
from shared.zo_stability import zo_threshold


@pytest.fixture(scope="module")
def small():
    X, y = digits_random_labels(40, 0)
    model = MLP((64, 4, 3, 1))
    theta = model.init(1.0, torch.Generator().manual_seed(0))
    return model, theta, X, y


def test_batched_forward_matches_single(small) -> None:
    model, theta, X, y = small
    P = torch.stack([theta, 2 * theta])
    out = batched_loss(model, P, X, y)
    assert out.shape == (2,)
    assert float(out[1]) == pytest.approx(float(batched_loss(model, 2 * theta, X, y)), rel=1e-14)
    assert model.n_params == theta.numel() == 64 * 4 + 4 + 4 * 3 + 3 + 3 + 1


def test_lanczos_sharpness_and_trace_vs_dense_hessian(small) -> None:
    model, theta, X, y = small
    H = torch.autograd.functional.hessian(lambda t: batched_loss(model, t, X, y), theta).numpy()
    ev = np.linalg.eigvalsh(H)
    c = curvature(model, theta, X, y, scale=None, probes=theta.numel(), tol=1e-10, seed=0)
    assert c["lambda_max"] == pytest.approx(ev[-1], rel=1e-8)
    # Hutch++ (randomised): within 5 standard errors of the dense trace
    assert abs(c["trace"] - np.trace(H)) < 5 * c["trace_stderr"]
    # preconditioned version: spectrum of D H D
    s = np.linspace(0.5, 2.0, theta.numel())
    c2 = curvature(model, theta, X, y, scale=s, probes=theta.numel(), tol=1e-10, seed=0)
    ev2 = np.linalg.eigvalsh(s[:, None] * H * s[None, :])
    assert c2["lambda_max"] == pytest.approx(ev2[-1], rel=1e-8)


def test_quadratic_monte_carlo_tracks_exact_recursion() -> None:
    rng = np.random.default_rng(0)
    lam = np.linspace(1, 0.1, 10)
    H = np.diag(lam)
    eta = 0.5 * zo_threshold(lam).eta
    out = monte_carlo(H, "gd", eta, 0.0, 4000, 30, rng)
    ex = exact_second_moment(lam, eta, "gd", 0.0, 30)
    np.testing.assert_allclose(out["mean_sq"] / out["mean_sq"][0], ex, rtol=0.1)


def test_summaries() -> None:
    run = {
        "step": np.arange(5.0),
        "trace": np.array([1.0, 1, 90, 95, 99]),
        "lambda_max": np.full(5, 5.0),
    }
    assert settled(run, "trace") == pytest.approx((90 + 95 + 99) / 3)
    assert threshold("gdm", 0.01, 0.5) == pytest.approx(100.0)
    assert band_fraction(run, "gd", 0.02, 0.0) == 1.0
    assert eta_at([[0, 0.1], [10, 0.2]], 0.1, 12) == 0.2


def test_dense_hessian_and_exact_threshold(small) -> None:
    model, theta, X, y = small
    H = torch.autograd.functional.hessian(lambda t: batched_loss(model, t, X, y), theta).numpy()
    np.testing.assert_allclose(dense_hessian(model, theta, X, y, chunk=7), H, atol=1e-12)
    ex = exact_spectrum(model, theta, X, y, 0.05, chunk=50)
    ev = np.linalg.eigvalsh(H)
    np.testing.assert_allclose(ex["eigenvalues"], ev, atol=1e-10)
    assert float(ex["trace_signed"]) == pytest.approx(np.trace(H), rel=1e-10)
    pos = ev[ev > 0]
    assert float(ex["trace_positive"]) == pytest.approx(pos.sum(), rel=1e-10)
    assert float(ex["eta_star_ms"]) == pytest.approx(zo_threshold(pos).eta, rel=1e-12)
    assert float(ex["eta_over_eta_star"]) == pytest.approx(0.05 / zo_threshold(pos).eta)
    with pytest.raises(ValueError, match="gd or gdm"):
        exact_spectrum(model, theta, X, y, 0.05, method="adam")


def test_adam_commutator_logging_keeps_trajectory() -> None:
    X, y = digits_random_labels(32, 0)
    common = {
        "sizes": [64, 4, 3, 1],
        "init_scale": 0.5,
        "mu": 1e-3,
        "n_checkpoints": 3,
        "lanczos_tol": 1e-3,
        "trace_probes": 6,
        "adam_betas": [0.9, 0.999],
        "adam_eps": 1e-8,
        "commutator_probes": 400,
    }
    cfg = {"name": "a", "method": "adam", "eta": 0.002, "beta": 0.5, "steps": 20, "seed": 0}
    out = run(cfg, common, X, y)
    assert out["commutator_step"].tolist() == [1.0, 10.0, 20.0]
    # after one update P = (1 - b1) (|g| + eps) is far from a multiple of I (Remark 2)
    assert 0.3 < out["commutator"][0] < 1.5
    off = run(cfg, {**common, "commutator_first_step": 10_000}, X, y)
    assert off["commutator"].size == 0
    np.testing.assert_array_equal(out["loss"], off["loss"])
    np.testing.assert_array_equal(out["trace"], off["trace"])


TINY = {
    "sizes": [64, 4, 3, 1],
    "init_scale": 0.5,
    "mu": 1e-3,
    "n_checkpoints": 3,
    "lanczos_tol": 1e-3,
    "trace_probes": 6,
    "adam_betas": [0.9, 0.999],
    "adam_eps": 1e-8,
}


def test_warmup_is_linear_then_constant() -> None:
    assert eta_at(None, 0.1, 0, warmup=4) == pytest.approx(0.025)
    assert eta_at(None, 0.1, 3, warmup=4) == pytest.approx(0.1)
    assert eta_at(None, 0.1, 4, warmup=4) == 0.1
    assert eta_at([[0, 0.1], [2, 0.2]], 0.1, 2, warmup=4) == pytest.approx(0.2 * 3 / 4)
    assert eta_at(None, 0.1, 0) == 0.1


def test_loss_level_checkpoints_do_not_change_the_trajectory() -> None:
    X, y = digits_random_labels(32, 0)
    cfg = {"name": "a", "method": "gd", "eta": 0.05, "steps": 200, "seed": 0, "warmup": 20}
    plain = run(cfg, TINY, X, y)
    levels = run({**cfg, "loss_levels": [0.99, 0.9, 0.5, 1e-9]}, TINY, X, y)
    np.testing.assert_array_equal(plain["loss"], levels["loss"])
    np.testing.assert_array_equal(plain["trace"], levels["trace"])
    loss, steps = levels["loss"], levels["loss_step"]
    reached = levels["level_level"].tolist()
    assert reached == [lv for lv in (0.99, 0.9, 0.5, 1e-9) if loss.min() <= lv * loss[0]]
    assert reached and 1e-9 not in reached
    for lv, st, fl in zip(reached, levels["level_step"], levels["level_full_loss"], strict=True):
        first = int(steps[np.flatnonzero(loss <= lv * loss[0])[0]])
        assert int(st) == first  # the first logged step at or below the level
        assert fl == pytest.approx(loss[steps == st][0], rel=1e-12)
    # the warm-up changes the trajectory (it is not a no-op)
    nowu = run({k: v for k, v in cfg.items() if k != "warmup"}, TINY, X, y)
    assert not np.array_equal(nowu["loss"], plain["loss"])


def test_select_step_takes_the_largest_step_at_which_no_run_blows_up() -> None:
    X, y = digits_random_labels(32, 0)
    grid = [200.0, 0.02]
    cfgs = [
        {"name": "b8", "method": "gd", "eta_grid": grid, "batch": 8, "steps": 60, "seed": 0},
        {"name": "full", "method": "gd", "eta_grid": grid, "steps": 60, "seed": 0},
    ]
    outs, eta, tried = select_step(cfgs, {**TINY, "n_checkpoints": 2}, X, y)
    assert eta == 0.02
    assert [t["eta"] for t in tried] == grid
    # the first attempt stopped at the first blow-up, before the second run
    assert list(tried[0]["runs"]) == ["b8"] and tried[0]["runs"]["b8"]["blew_up"]
    assert tried[0]["runs"]["b8"]["steps_run"] < 60
    assert set(outs) == {"b8", "full"} and not any(blew_up(o) for o in outs.values())
    with pytest.raises(ValueError, match="differs"):
        select_step([cfgs[0], {**cfgs[1], "eta_grid": [0.1]}], TINY, X, y)


def test_blew_up_and_equal_loss_traces() -> None:
    ok = {"diverged": np.array(False), "loss": np.array([1.0, 5.0, 0.5])}
    assert not blew_up(ok)
    assert blew_up({**ok, "loss": np.array([1.0, 11.0, 0.5])})
    assert blew_up({**ok, "loss": np.array([1.0, np.nan])})
    assert blew_up({**ok, "diverged": np.array(True)})

    def r(levels, traces):
        n = len(levels)
        return {
            "level_level": np.array(levels),
            "level_trace": np.array(traces),
            "level_step": np.arange(n) * 10.0,
            "level_full_loss": np.array(levels) * 0.5,
        }

    level, at = equal_loss_traces(
        {"a": r([0.9, 0.8, 0.7], [1, 2, 3]), "b": r([0.9, 0.8], [4.0, 5.0])}
    )
    assert level == 0.8
    assert at["a"] == {"trace": 2.0, "step": 10, "full_loss": 0.4}
    assert at["b"]["trace"] == 5.0
    assert equal_loss_traces({"a": r([0.9], [1.0]), "b": r([], [])}) == (None, {})


def test_first_order_second_moment_closed_forms() -> None:
    lam = np.array([1.0, 0.5])
    eta, T = 0.3, 5
    gd = first_order_second_moment(lam, eta, "gd", 0.0, T)
    np.testing.assert_allclose(gd, np.mean((1 - eta * lam)[None] ** (2 * np.arange(6)[:, None]), 1))
    # heavy ball with beta = 0 and frozen Adam with beta1 = 0 are GD
    np.testing.assert_allclose(first_order_second_moment(lam, eta, "gdm", 0.0, T), gd)
    np.testing.assert_allclose(first_order_second_moment(lam, eta, "adam", 0.0, T), gd)
    # two heavy-ball steps by hand: m1 = l x0, x1 = x0 - eta m1; m2 = b m1 + l x1, x2 = x1 - eta m2
    b, lv = 0.5, 1.0
    x1 = 1 - eta * lv
    x2 = x1 - eta * (b * lv + lv * x1)
    out = first_order_second_moment(np.array([lv]), eta, "gdm", b, 2)
    assert out[2] == pytest.approx(x2**2)
