"""The blog's experiment: loop semantics, closed forms, and clear errors."""

import numpy as np
import pytest

from replications.optimizer_hessians.experiment import (
    adam_first_moment_gain,
    censored_changes_order,
    eta_max,
    eta_star,
    gd_shrink_factors,
    max_step_over_lr,
    momentum_buffer_gain,
    momentum_step_gain,
    order_holds,
    rates,
    run_optimizer,
)


def test_step_sizes_match_the_blog_formulas():
    assert eta_max(100.0) == pytest.approx(0.02)
    assert eta_star(1.0, 100.0) == pytest.approx(2 / 101)
    r = rates(np.array([1 / 3]), 1.0, 5.0)
    assert r["R"][0] == pytest.approx(2 / 3)


def test_function_rule_takes_one_step_after_f_drops_below_tol():
    # The blog's loop tests the previous pass's f, so the count is first_hit + 1.
    run = run_optimizer("sgd", eta_star(), dtype="float64", criterion="function")
    assert run.converged and run.epochs == run.first_hit + 1


def test_sgd_at_eta_star_matches_closed_form_count():
    # f_t = f_0 R^(2t) with f_0 = 18.32 and R = 99/101: first t with f_t <= 1e-6.
    R = 99 / 101
    t_hit = int(np.ceil(np.log(1e-6 / 18.32) / (2 * np.log(R))))
    run = run_optimizer("sgd", eta_star(), dtype="float64", criterion="function")
    assert run.first_hit == t_hit


def test_above_eta_max_diverges_and_below_converges():
    assert run_optimizer("sgd", 1.01 * eta_max(), dtype="float64").diverged
    assert run_optimizer("sgd", 0.99 * eta_max(), dtype="float64").converged


def test_gd_components_shrink_by_one_minus_eta_lambda():
    lr = 0.5 * eta_star()
    run = run_optimizer("sgd", lr, dtype="float64", criterion="function")
    # The lambda_max component shrinks 100x per step; after 3 steps rounding dominates it.
    ratios = gd_shrink_factors(run.positions[:4])
    expected = np.broadcast_to(1 - lr * np.array([1.0, 100.0]), ratios.shape)
    np.testing.assert_allclose(ratios, expected, rtol=1e-9)


def test_buffer_gains():
    assert momentum_buffer_gain(0.9, 400, alternating=False) == pytest.approx(10.0, rel=1e-12)
    assert momentum_buffer_gain(0.9, 400, alternating=True) == pytest.approx(1 / 1.9, rel=1e-12)
    assert adam_first_moment_gain((0.9, 0.999), 400) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "lbfgs", "lr": 0.1}, "optimizer = 'lbfgs' is not allowed"),
        ({"name": "sgd", "lr": -1.0}, "lr = -1.0 is not allowed"),
        ({"name": "sgd", "lr": 0.1, "criterion": "gradient"}, "criterion = 'gradient'"),
        ({"name": "sgd", "lr": 0.1, "dtype": "float16"}, "dtype = 'float16'"),
    ],
)
def test_bad_input_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_optimizer(**kwargs)


@pytest.mark.parametrize(
    ("name", "factor", "published"),
    [("sgd", 1.0, 420), ("momentum", 0.175, 137), ("adam", 1.0, 117)],
)
def test_blog_rule_in_float32_gives_the_published_counts(name, factor, published):
    # Regression guard for the ledger's count claims at default scale.
    run = run_optimizer(name, factor * eta_star(), dtype="float32", criterion="function")
    assert run.converged and run.epochs == published


def test_censored_counts_decide_the_order_only_when_no_lower_bound_can_flip_it():
    order = ["adam", "momentum", "sgd"]
    # The slowest run hit the cap: any larger true count keeps the order.
    assert not censored_changes_order({"adam": 1, "momentum": 2, "sgd": 10}, {"sgd": True}, order)
    # A censored run in the middle could lie between its neighbours or above: undecided.
    assert censored_changes_order({"adam": 10, "momentum": 5, "sgd": 20}, {"momentum": True}, order)
    # Fails whatever the censored count: decided.
    assert not censored_changes_order({"adam": 9, "momentum": 5, "sgd": 2}, {"adam": True}, order)
    assert order_holds({"a": 1, "b": 2}, ["a", "b"]) and not order_holds(
        {"a": 2, "b": 2}, ["a", "b"]
    )


def test_step_gain_matches_the_buffer_and_covers_no_momentum():
    for alternating in (False, True):
        assert momentum_step_gain(0.9, 400, alternating=alternating) == pytest.approx(
            momentum_buffer_gain(0.9, 400, alternating=alternating), rel=1e-12
        )
    assert momentum_step_gain(0.0, 400, alternating=True) == pytest.approx(1.0, rel=1e-12)


def test_step_bound_sgd_vs_adam():
    # SGD's first stiff-axis step is eta * 100 * 0.6 = 60 eta; Adam's is eta |g| / (|g| + eps).
    sgd = run_optimizer("sgd", eta_star(), dtype="float64")
    assert max_step_over_lr(sgd.positions, eta_star()) == pytest.approx(60.0, rel=1e-12)
    adam = run_optimizer("adam", eta_star(), dtype="float64")
    assert max_step_over_lr(adam.positions[:2], eta_star()) == pytest.approx(1.0, abs=1e-8)


def test_sgd_at_eta_star_on_kappa_1_lands_in_one_step():
    run = run_optimizer(
        "sgd", eta_star(1.0, 1.0), dtype="float32", criterion="radius", lambdas=(1.0, 1.0)
    )
    assert run.converged and run.epochs == 1
