"""Tests of shared/first_order.py against closed-form answers on quadratics."""

from __future__ import annotations

import numpy as np
import pytest

from shared import first_order as fo


def quad(h: np.ndarray, x_star: np.ndarray):
    def fun(x):
        e = x - x_star
        return 0.5 * float(e @ (h * e)), h * e

    return fun


H = np.array([1.0, 4.0, 10.0])
XS = np.array([1.0, -2.0, 0.5])
X0 = np.zeros(3)


def test_gd_matches_closed_form_contraction():
    # GD with step 1/L on a diagonal quadratic: e_k = (1 - h/L)^k e_0 exactly.
    res = fo.gd(quad(H, XS), X0, L=10.0, tol=1e-300, max_evals=6)
    e5 = (1 - H / 10.0) ** 5 * (X0 - XS)
    np.testing.assert_allclose(res.x - XS, e5, rtol=1e-13)
    assert res.n_grad == 6 and res.n_iter == 5 and not res.converged


def test_heavy_ball_first_steps():
    fun = quad(H, XS)
    res = fo.heavy_ball(fun, X0, 10.0, beta=0.5, tol=1e-300, max_evals=3)
    g0 = H * (X0 - XS)
    v1 = g0 / 10
    x1 = X0 - v1
    v2 = 0.5 * v1 + H * (x1 - XS) / 10
    np.testing.assert_allclose(res.x, x1 - v2, rtol=1e-14)


@pytest.mark.parametrize("method", ["gd", "agd_convex", "agd_strongly_convex"])
def test_converges_and_counts(method):
    res = getattr(fo, method)(quad(H, XS), X0, 10.0, tol=1e-8, max_evals=5000)
    assert res.converged and res.grad_inf < 1e-8
    assert res.n_grad == len(res.f_hist) == res.n_iter + 1
    np.testing.assert_allclose(res.x, XS, atol=1e-7)


def test_adam_and_adagrad_first_step():
    fun = quad(H, XS)
    g0 = H * (X0 - XS)
    a = fo.adam(fun, X0, lr=0.1, tol=1e-300, max_evals=2)
    # bias-corrected first Adam step is lr * sign(g) (up to eps)
    np.testing.assert_allclose(a.x, X0 - 0.1 * g0 / (np.abs(g0) + 1e-8), rtol=1e-12)
    b = fo.adagrad(fun, X0, lr=0.1, tol=1e-300, max_evals=2)
    np.testing.assert_allclose(b.x, X0 - 0.1 * g0 / (np.abs(g0) + 1e-8), rtol=1e-12)


def test_scipy_quasi_newton_solves_quadratic_and_counts_njev():
    for mem in (None, 1, 5):
        res = fo.scipy_quasi_newton(quad(H, XS), X0, memory=mem, tol=1e-6)
        assert res.converged
        assert res.n_grad == len(res.f_hist)
        np.testing.assert_allclose(res.x, XS, atol=1e-5)


class _R:
    def __init__(self, converged, n_grad):
        self.converged, self.n_grad = converged, n_grad


def test_solved_rule_boundaries():
    assert fo.is_solved(_R(True, 998), 1000)
    assert not fo.is_solved(_R(True, 999), 1000)  # needs fewer than max_evals - 1
    assert not fo.is_solved(_R(False, 10), 1000)


def test_grid_search_selects_fewest_first_wins_and_capping_is_exact():
    calls = []

    def run(max_evals, need):
        calls.append(max_evals)
        n = min(need, max_evals)
        return _R(need <= max_evals and need < 1000, n)

    grid = [{"need": 2000}, {"need": 500}, {"need": 300}, {"need": 300}, {"need": 100}]
    gr = fo.grid_search(run, grid)
    assert gr.best_index == 4 and gr.best.n_grad == 100
    assert calls == [1000, 1000, 500, 300, 300]
    gr2 = fo.grid_search(run, [{"need": 300}, {"need": 300}])
    assert gr2.best_index == 0  # ties keep the first entry
    gr3 = fo.grid_search(run, [{"need": 5000}, {"need": 4000}])
    assert gr3.best_index == 0 and not any(gr3.solved_flags)


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        ({"L": -1.0}, "L = -1.0"),
        ({"L": 1.0, "tol": 0.0}, "tol = 0.0"),
        ({"L": 1.0, "max_evals": 0}, "max_evals = 0"),
    ],
)
def test_bad_input_raises(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        fo.gd(quad(H, XS), X0, **kwargs)
    with pytest.raises(ValueError, match="beta"):
        fo.heavy_ball(quad(H, XS), X0, 1.0, beta=1.0)
