"""Test problems of part 1 (Nystrom / PROMISE): psd spectra, random features, GLM testbed.

Pure functions with explicit seeds; the scripts do the I/O.
"""

from __future__ import annotations

import numpy as np

from shared.sketchy import GLM

SKETCH_KINDS = ("poly", "exp", "lowrank_noise")


def sketch_test_matrix(
    kind: str, param: float, n: int, R: int, rng: np.random.Generator
) -> np.ndarray:
    """TYUC17's synthetic psd test matrices (SKETCH generators, TYUC17 Sec. 5.1).

    * ``poly``: ``diag(1, ..., 1 (R times), 2^-p, 3^-p, ...)`` (PolyDecay);
    * ``exp``: ``diag(1, ..., 1 (R times), 10^-q, 10^-2q, ...)`` (ExpDecay);
    * ``lowrank_noise``: ``diag(1_R, 0) + (xi / n) W``, ``W = G G^T`` Wishart (LowRank+PSDNoise).

    Returns a dense n x n array (diagonal for poly / exp: Gaussian sketches are rotation
    invariant, so a diagonal matrix is as informative and cheaper).
    """
    if kind == "poly":
        tail = np.arange(2, n - R + 2, dtype=float) ** (-param)
        return np.diag(np.concatenate([np.ones(R), tail]))
    if kind == "exp":
        tail = 10.0 ** (-param * np.arange(1, n - R + 1, dtype=float))
        return np.diag(np.concatenate([np.ones(R), tail]))
    if kind == "lowrank_noise":
        G = rng.standard_normal((n, n))
        A = (param / n) * (G @ G.T)
        A[np.arange(R), np.arange(R)] += 1.0
        return (A + A.T) / 2
    raise ValueError(f"kind={kind!r} is not allowed: choose one of {list(SKETCH_KINDS)}")


def model_spectrum(kind: str, param: float, n: int) -> np.ndarray:
    """Eigenvalues ``j^-param`` (``power``) or ``exp(-j / param)`` (``exponential``), j = 1..n."""
    j = np.arange(1, n + 1, dtype=float)
    if kind == "power":
        return j ** (-param)
    if kind == "exponential":
        return np.exp(-(j - 1) / param)
    raise ValueError(f"kind={kind!r} is not allowed: choose 'power' or 'exponential'")


def random_features_regression(
    n: int, d: int, m: int, rng: np.random.Generator, w_scale: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic stand-in for YearMSD with Gaussian random features (deviation P1-D1).

    Inputs: ``d`` correlated Gaussian features (``X = G L^T`` with a random factor ``L`` whose
    singular values decay like ``j^-1/2``), standardised; target: a smooth nonlinear function plus
    noise, centred. Features: ``sqrt(2/m) cos(X W^T + u)`` with ``W ~ N(0, 1/m)`` (PROMISE's
    ``W / (b sqrt(m))`` with bandwidth ``b = 1``; the ``1/sqrt(m)`` keeps the Gram matrix
    ill-conditioned, card pitfall 15) and ``u ~ U[0, 2 pi]``. With ``w_scale`` given,
    ``W ~ N(0, w_scale^2)`` instead (no ``1/sqrt(m)``): nearly independent features and a flat
    spectrum, the control problem of ``nys-rf-faster-than-cg*`` (deviation P1-D16).

    Returns
    -------
    Phi : ndarray, shape (n, m)
    y : ndarray, shape (n,)
    """
    Lf = rng.standard_normal((d, d)) * (np.arange(1, d + 1) ** -0.5)
    X = rng.standard_normal((n, d)) @ Lf.T
    X = (X - X.mean(0)) / X.std(0)
    beta = rng.standard_normal(d) / np.sqrt(d)
    y = np.sin(X @ beta) + 0.5 * np.tanh(X[:, 0] * X[:, 1]) + 0.1 * rng.standard_normal(n)
    y = y - y.mean()
    W = rng.standard_normal((m, d))
    # Keep the default path's arithmetic bit-identical (division, not a reciprocal product).
    W = W / np.sqrt(m) if w_scale is None else W * float(w_scale)
    u = rng.uniform(0.0, 2.0 * np.pi, m)
    Phi = np.sqrt(2.0 / m) * np.cos(X @ W.T + u)
    return Phi, y


def _unit_rows(A: np.ndarray) -> np.ndarray:
    """Normalise rows to unit l2 norm (official preprocessing of LIBSVM data)."""
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    return A / np.where(norms > 0, norms, 1.0)


def synthetic_glm(
    loss: str, n: int, p: int, alpha: float, mu_unscaled: float, rng: np.random.Generator
) -> GLM:
    """Ridge / logistic problem with singular values ``~ j^(-alpha/2)`` and unit-norm rows.

    ``A = G diag(j^(-alpha/2)) Q^T`` (G Gaussian, Q Haar), rows normalised; ridge targets
    ``A w0 + 0.1 noise``, logistic labels ``Bernoulli(sigma(3 a_i^T w0))`` in {-1, +1};
    ``mu = mu_unscaled / n`` (PROMISE Sec. 6).
    """
    G = rng.standard_normal((n, p))
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    A = _unit_rows((G * np.arange(1, p + 1) ** (-alpha / 2)) @ Q.T)
    w0 = rng.standard_normal(p)
    if loss == "ridge":
        b = A @ w0 + 0.1 * rng.standard_normal(n)
    else:
        b = np.where(rng.random(n) < 1.0 / (1.0 + np.exp(-3.0 * (A @ w0))), 1.0, -1.0)
    return GLM(A, b, mu_unscaled / n, loss)


def sklearn_glm(name: str, loss: str, mu_unscaled: float) -> GLM:
    """A dataset shipped with scikit-learn (no download), standardised, unit-norm rows.

    ``diabetes`` (ridge, centred target), ``breast_cancer`` (logistic), ``digits`` (logistic,
    label ``digit < 5``).
    """
    from sklearn import datasets

    if name == "diabetes":
        X, y = datasets.load_diabetes(return_X_y=True)
        y = (y - y.mean()) / y.std()
    elif name == "breast_cancer":
        X, y = datasets.load_breast_cancer(return_X_y=True)
        y = np.where(y > 0, 1.0, -1.0)
    elif name == "digits":
        X, y = datasets.load_digits(return_X_y=True)
        y = np.where(y < 5, 1.0, -1.0)
    else:
        raise ValueError(f"name={name!r} is not allowed: choose diabetes, breast_cancer, digits")
    sd = X.std(0)
    X = (X - X.mean(0)) / np.where(sd > 0, sd, 1.0)
    return GLM(_unit_rows(X), y.astype(float), mu_unscaled / X.shape[0], loss)


def testbed(params: dict) -> dict[str, GLM]:
    """The PROMISE-style testbed of the ``suite`` parameters: name -> problem (deterministic)."""
    rng = np.random.default_rng(params["seed"])
    problems: dict[str, GLM] = {}
    for loss in ("ridge", "logistic"):
        for alpha in params["decays"]:
            problems[f"{loss}_a{float(alpha):.1f}"] = synthetic_glm(
                loss, params["n"], params["p"], float(alpha), params["mu_unscaled"], rng
            )
        for name in params["sklearn"][loss]:
            problems[f"{loss}_{name}"] = sklearn_glm(name, loss, params["mu_unscaled"])
    return problems
