"""Quadratic experiments: exact thresholds (Theorems 1-3) and Monte Carlo second moments.

On ``f(x) = x^T H x / 2`` the two-point estimator is ``u u^T H x`` for every ``mu`` (Song et
al. 2026, Sec. 4), so these experiments test the stability theory itself; the thresholds come
from ``shared.zo_stability`` and the estimator from ``shared.zeroth_order``.
"""

from __future__ import annotations

import math

import numpy as np

from shared.zeroth_order import gaussian_two_point_gradient
from shared.zo_optim import ZOOptimizer, init_state, step
from shared.zo_stability import moment_operator


def make_spectrum(spec: dict, rng: np.random.Generator) -> np.ndarray:
    """A test spectrum (card Sec. 5a): linspace, power law 1/i, flat, explicit, gamma."""
    kind = spec["kind"]
    if kind == "linspace":
        return np.linspace(spec["hi"], spec["lo"], int(spec["d"]))
    if kind == "power":
        return 1.0 / np.arange(1, int(spec["d"]) + 1)
    if kind == "flat":
        return np.ones(int(spec["d"]))
    if kind == "values":
        if "values_spike" in spec:
            hi, lo = spec["values_spike"]
            return np.r_[hi, np.full(int(spec["d"]) - 1, lo)]
        return np.asarray(spec["values"], dtype=np.float64)
    if kind == "gamma":
        return rng.gamma(0.5, 1.0, size=int(spec["d"])) + 1e-3
    raise ValueError(f"spectrum kind={kind!r} is not allowed: linspace, power, flat, values, gamma")


def random_orthogonal(d: int, rng: np.random.Generator) -> np.ndarray:
    """Haar orthogonal matrix (QR of a Gaussian matrix with sign fix)."""
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def exact_second_moment(
    lam: np.ndarray, eta: float, method: str, beta: float, T: int
) -> np.ndarray:
    """``E||x_t||^2 / E||x_0||^2``, t = 0..T, from the reduced operator, x0 ~ N(0, I), m0 = 0."""
    M = moment_operator(lam, eta, method, beta)
    d = lam.size
    if method == "gd":
        s = np.ones(d)
        stride = 1
    else:
        s = np.zeros(3 * d)
        s[0::3] = 1.0
        stride = 3
    out = np.empty(T + 1)
    for t in range(T + 1):
        out[t] = s[0::stride].sum() / d
        s = M @ s
    return out


def first_order_second_moment(
    lam: np.ndarray, eta: float, method: str, beta: float, T: int
) -> np.ndarray:
    """``||x_t||^2 / ||x_0||^2`` averaged over ``x0 ~ N(0, I)`` for the *first-order* method.

    The competing hypothesis of the Monte Carlo controls: the same step size and horizon with
    the exact gradient ``H x`` instead of the two-point estimate (GD ``x+ = x - eta H x``; heavy
    ball ``m+ = beta m + H x``, ``x+ = x - eta m+``; frozen Adam with ``P = I``,
    ``m+ = beta m + (1 - beta) H x``, ``x+ = x - eta m+``), direction by direction in the
    eigenbasis of ``H`` (``E x_i(0)^2 = 1``, ``m_0 = 0``).
    """
    lam = np.asarray(lam, dtype=np.float64)
    x, m = np.ones_like(lam), np.zeros_like(lam)
    gain = {"gd": 0.0, "gdm": 1.0, "adam": 1.0 - beta}[method]
    out = np.empty(T + 1)
    out[0] = 1.0
    for t in range(1, T + 1):
        if method == "gd":
            x = x - eta * lam * x
        else:
            m = beta * m + gain * lam * x
            x = x - eta * m
        out[t] = float(np.mean(x * x))
    return out


def monte_carlo(
    H: np.ndarray,
    method: str,
    eta: float,
    beta: float,
    n_runs: int,
    T: int,
    rng: np.random.Generator,
    x0: np.ndarray | None = None,
    mu: float = 1e-3,
) -> dict[str, np.ndarray]:
    """Vectorised Monte Carlo of ZO-GD / ZO-GDM / frozen ZO-Adam (P = I) on ``x^T H x / 2``.

    Every run draws its own directions through ``gaussian_two_point_gradient`` (one direction,
    Song et al. Eq. 3). Returns the per-step mean of ``||x_t||^2`` over runs, the norm of the
    mean iterate, and per-run final log-ratios.
    """
    d = H.shape[0]
    x = rng.standard_normal((n_runs, d)) if x0 is None else np.tile(x0, (n_runs, 1))
    n0 = np.sum(x * x, axis=1)

    def oracle(points: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
        return 0.5 * np.sum((points @ H) * points, axis=-1)

    opt = ZOOptimizer(method, eta, beta=beta, beta2=0.0, eps=0.0)
    state = init_state(opt if method != "adam" else ZOOptimizer("gdm", eta), x)
    if method == "adam":
        # Frozen ZO-Adam with P = I: the EMA-momentum step x+ = x - eta m+ (shared.zo_optim
        # convention with P frozen), m+ = beta1 m + (1 - beta1) g.
        m = np.zeros_like(x)
    msq = np.empty(T + 1)
    mean_norm = np.empty(T + 1)
    msq[0] = n0.mean()
    mean_norm[0] = np.linalg.norm(x.mean(axis=0))
    for t in range(1, T + 1):
        g = gaussian_two_point_gradient(oracle, x, mu, 1, rng).gradient
        if method == "adam":
            m = beta * m + (1 - beta) * g
            x = x - eta * m
        else:
            x, state = step(opt, x, state, g)
        sq = np.sum(x * x, axis=1)
        msq[t] = sq.mean()
        mean_norm[t] = np.linalg.norm(x.mean(axis=0))
    return {
        "mean_sq": msq,
        "mean_norm": mean_norm,
        "log_ratio_per_run": np.log(sq / n0),
    }


def horizon(
    lam: np.ndarray, eta: float, method: str, beta: float, factor: float
) -> tuple[int, float]:
    """``T = ceil(factor / |log rho(M(eta))|)`` and ``rho`` (card Sec. 5a)."""
    rho = float(np.max(np.abs(np.linalg.eigvals(moment_operator(lam, eta, method, beta)))))
    return math.ceil(factor / abs(math.log(rho))), rho
