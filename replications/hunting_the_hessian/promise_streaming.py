"""Streaming random-features logistic regression (SketchySGD Sec. 5 / PROMISE Sec. 6.4; card S4).

The paper's showcase is HIGGS with 10,000 Gaussian random features (840 GB if stored): the
features are computed per minibatch and never stored. :class:`StreamingRFLogistic` is such a
problem at CPU size: it satisfies the :class:`shared.sketchy.FiniteSum` protocol (plus
``hessian_factor``), computing ``phi(x) = sqrt(2/m) cos(W x + u)`` for the rows it touches, so the
core's Sketchy solvers and baselines run on it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator
from scipy.special import expit

from shared.sketchy import sgd, sketchy_sgd


@dataclass(frozen=True, eq=False)
class StreamingRFLogistic:
    """``f(w) = (1/n) sum_i log(1 + exp(-y_i phi(x_i)^T w)) + (mu/2) ||w||^2``, features on the fly.

    Attributes
    ----------
    X : ndarray, shape (n, d)
        Raw inputs.
    y : ndarray, shape (n,)
        Labels in {-1, +1}.
    W : ndarray, shape (m, d)
        Random-feature directions (PROMISE: ``N(0, 1) / (b sqrt(m))``, bandwidth ``b = 1``).
    u : ndarray, shape (m,)
        Phases, uniform on [0, 2 pi].
    mu : float
        l2 regularisation.
    chunk : int
        Rows per block when a full pass is needed (value, full gradient).
    """

    X: np.ndarray
    y: np.ndarray
    W: np.ndarray
    u: np.ndarray
    mu: float
    chunk: int = 4096
    loss: str = "logistic"

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.X.shape[0])

    @property
    def dim(self) -> int:
        """Number of random features ``m``."""
        return int(self.W.shape[0])

    def features(self, idx: np.ndarray | slice) -> np.ndarray:
        """``phi(x_i) = sqrt(2/m) cos(W x_i + u)`` for the rows ``idx``."""
        return np.sqrt(2.0 / self.dim) * np.cos(self.X[idx] @ self.W.T + self.u)

    def _blocks(self):
        for start in range(0, self.n, self.chunk):
            yield slice(start, min(start + self.chunk, self.n))

    def value(self, w: np.ndarray) -> float:
        """``f(w)`` (one streamed pass)."""
        tot = sum(
            float(np.logaddexp(0.0, -self.y[s] * (self.features(s) @ w)).sum())
            for s in self._blocks()
        )
        return tot / self.n + 0.5 * self.mu * float(w @ w)

    def full_grad(self, w: np.ndarray) -> np.ndarray:
        """``grad f(w)`` (one streamed pass)."""
        g = np.zeros(self.dim)
        for s in self._blocks():
            F = self.features(s)
            g += F.T @ (-self.y[s] * expit(-self.y[s] * (F @ w)))
        return g / self.n + self.mu * w

    def grad_batch(self, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Minibatch gradient ``(1/|B|) Phi_B^T l'(Phi_B w) + mu w``."""
        F = self.features(idx)
        yb = self.y[idx]
        return F.T @ (-yb * expit(-yb * (F @ w))) / len(idx) + self.mu * w

    def component_grads(self, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Rows ``l'(phi_i^T w) phi_i`` (without ``mu w``)."""
        F = self.features(idx)
        yb = self.y[idx]
        return (-yb * expit(-yb * (F @ w)))[:, None] * F

    def hessian_factor(self, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``X_S = diag(sqrt(sigma(z)(1 - sigma(z)) / |S|)) Phi_S``, ``H_S = X_S^T X_S``."""
        F = self.features(idx)
        s = expit(F @ w)
        return np.sqrt(s * (1.0 - s) / len(idx))[:, None] * F

    def hessian_batch(self, w: np.ndarray, idx: np.ndarray) -> LinearOperator:
        """``H_S(w)`` as an m x m operator (never formed)."""
        Xs = self.hessian_factor(w, idx)

        def mv(v: np.ndarray) -> np.ndarray:
            return Xs.T @ (Xs @ v)

        return LinearOperator((self.dim, self.dim), matvec=mv, rmatvec=mv, matmat=mv, dtype=float)

    def accuracy(self, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
        """Classification accuracy (percent) of ``sign(phi(x)^T w)`` on ``(X, y)``."""
        correct = 0
        for start in range(0, X.shape[0], self.chunk):  # streamed: never all test features
            Xb = X[start : start + self.chunk]
            z = np.sqrt(2.0 / self.dim) * np.cos(Xb @ self.W.T + self.u) @ w
            correct += int(np.sum(np.where(z >= 0, 1.0, -1.0) == y[start : start + self.chunk]))
        return 100.0 * correct / X.shape[0]


def higgs_like(
    n_train: int, n_test: int, d: int, m: int, mu_unscaled: float, rng: np.random.Generator
) -> tuple[StreamingRFLogistic, np.ndarray, np.ndarray]:
    """A HIGGS-like binary problem with streamed Gaussian random features (deviation P1-D12).

    Inputs: ``d`` correlated Gaussian features (random factor with singular values ``j^-1/2``),
    standardised. Score: a linear part plus a pairwise interaction, scaled to unit variance;
    label ``+1`` when score + N(0, 1) noise exceeds its 53% quantile (HIGGS's majority class is
    52.9%). Features ``sqrt(2/m) cos(x W^T + u)``, ``W ~ N(0, 1/m)`` (PROMISE's ``1/sqrt(m)``),
    ``mu = mu_unscaled / n_train``.

    Returns
    -------
    problem : StreamingRFLogistic
    X_test, y_test : ndarray
    """
    n = n_train + n_test
    Lf = rng.standard_normal((d, d)) * (np.arange(1, d + 1) ** -0.5)
    X = rng.standard_normal((n, d)) @ Lf.T
    X = (X - X.mean(0)) / X.std(0)
    beta = rng.standard_normal(d) / np.sqrt(d)
    score = X @ beta + 0.5 * np.tanh(X[:, 0] * X[:, 1])
    score = (score - score.mean()) / score.std()
    noisy = score + rng.standard_normal(n)
    y = np.where(noisy > np.quantile(noisy, 0.529), 1.0, -1.0)
    W = rng.standard_normal((m, d)) / np.sqrt(m)
    u = rng.uniform(0.0, 2.0 * np.pi, m)
    prob = StreamingRFLogistic(X[:n_train], y[:n_train], W, u, mu_unscaled / n_train)
    return prob, X[n_train:], y[n_train:]


def streaming_experiment(params: dict, progress: Callable[[str], None] | None = None) -> dict:
    """Test accuracy (and train loss) per epoch: default SketchySGD vs SGD on a step grid, and
    (``control_preconditioner``) SketchySGD with that preconditioner as the claims' control."""
    rng = np.random.default_rng(params["seed"])
    prob, Xt, yt = higgs_like(
        params["n_train"], params["n_test"], params["d"], params["m"], params["mu_unscaled"], rng
    )
    sk = params["sketchy"]
    out: dict = {
        "majority_test_accuracy": 100.0 * max(np.mean(yt > 0), np.mean(yt < 0)),
        "epochs": params["epochs"],
        "n_train": prob.n,
        "m": prob.dim,
        "runs": {},
    }

    def curve(solver, **kw) -> dict:
        # Test accuracy after every epoch through the solver's read-only callback.
        acc = [prob.accuracy(np.zeros(prob.dim), Xt, yt)]

        def cb(_epoch: int, w: np.ndarray) -> None:
            acc.append(prob.accuracy(w, Xt, yt) if np.all(np.isfinite(w)) else float("nan"))

        res = solver(
            prob,
            max_passes=params["epochs"],
            batch_size=sk["batch_size"],
            seed=params["seed"] + 1,
            callback=cb,
            **kw,
        )
        return {"test_accuracy": acc, "train_loss": res.values.tolist(), "diverged": res.diverged}

    out["runs"]["sketchy_sgd"] = curve(sketchy_sgd, rank=sk["rank"], rho=sk["rho"])
    if progress:
        progress("sketchy_sgd")
    lo, hi = params["sgd_grid"]
    for step in np.logspace(np.log10(lo), np.log10(hi), params["grid_points"]).tolist():
        out["runs"][f"sgd_{step:.3g}"] = curve(lambda p, step=step, **kw: sgd(p, step, **kw))
        out["runs"][f"sgd_{step:.3g}"]["step"] = step
        if progress:
            progress(f"sgd {step:.3g}")
    kind = params.get("control_preconditioner")
    if kind is not None:  # control of the S4 claims: the same defaults, a weak preconditioner
        out["runs"][f"sketchy_sgd_{kind}"] = curve(
            sketchy_sgd, rank=sk["rank"], rho=sk["rho"], preconditioner=kind
        )
        if progress:
            progress(f"sketchy_sgd {kind}")
    return out
