"""Oracle tests of shared.linalg: Lanczos vs eigh, Hutchinson / Hutch++ vs exact traces, SLQ, CG."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from _shared_oracles import matrix_with_spectrum
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.linalg import LinearOperator

from shared.linalg import (
    cg,
    hutchinson_trace,
    lanczos,
    lanczos_tridiag,
    slq_density,
    slq_quadrature,
)

N = 300
SPECTRA = {
    # 10 eigenvalues within 1e-3 of each other at both ends, bulk in between.
    "clustered": np.concatenate(
        [1.0 + 1e-4 * np.arange(10), np.linspace(0.1, 0.9, N - 20), -1.0 - 1e-4 * np.arange(10)]
    ),
    # Large gaps at the top and bottom.
    "gapped": np.concatenate([[100.0, 50.0, 20.0], np.linspace(-1, 1, N - 6), [-30.0, -60, -90]]),
    # Indefinite, evenly spread with both signs: slow convergence at both ends.
    "indefinite": np.linspace(-3.0, 2.0, N),
}


class CountingOperator(LinearOperator):
    def __init__(self, A: np.ndarray) -> None:
        super().__init__(dtype=np.float64, shape=A.shape)
        self.A = A
        self.count = 0

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        self.count += 1
        return self.A @ x

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        self.count += X.shape[1]
        return self.A @ X


# --------------------------------------------------------------------------------------------
# Lanczos
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spectrum", sorted(SPECTRA))
@pytest.mark.parametrize("which", ["largest", "smallest"])
def test_lanczos_matches_eigh(spectrum: str, which: str) -> None:
    A = matrix_with_spectrum(SPECTRA[spectrum], seed=1)
    exact = np.linalg.eigh(A)[0]
    k = 6
    ref = exact[-k:] if which == "largest" else exact[:k]
    op = CountingOperator(A)
    res = lanczos(op, k, which=which, tol=1e-10, seed=3)
    assert res.converged
    assert res.n_matvec == op.count
    scale = np.abs(exact).max()
    # Ritz values of a residual-r pair are within r of an eigenvalue (Parlett Thm 4.5.1).
    np.testing.assert_allclose(res.eigenvalues, ref, rtol=0, atol=1e-9 * scale)
    assert np.all(np.diff(res.eigenvalues) >= 0)
    Y = res.eigenvectors
    assert Y.shape == (N, k)
    np.testing.assert_allclose(Y.T @ Y, np.eye(k), atol=1e-10)
    true_res = np.linalg.norm(A @ Y - Y * res.eigenvalues, axis=0)
    assert np.all(true_res <= 1e-10 * np.maximum(np.abs(res.eigenvalues), 1e-4 * scale) + 1e-12)
    # Reported residuals bound the true ones (the locked pairs of the copy check add a bound)...
    assert np.all(true_res <= res.residuals + 1e-11 * scale)
    # ... and equal them without the copy check (|beta_m e_m^T s_i| is exact in exact arithmetic).
    plain = lanczos(A, k, which=which, tol=1e-10, seed=3, copy_check=False)
    Yp = plain.eigenvectors
    true_plain = np.linalg.norm(A @ Yp - Yp * plain.eigenvalues, axis=0)
    np.testing.assert_allclose(true_plain, plain.residuals, atol=1e-11 * scale)


def test_lanczos_full_basis_is_exact_and_accepts_sparse() -> None:
    rng = np.random.default_rng(0)
    M = sp.random(60, 60, density=0.1, random_state=rng)
    M = (M + M.T).tocsr()
    exact = np.linalg.eigh(M.toarray())[0]
    res = lanczos(M, 4, which="smallest", num_iter=60, seed=1)
    np.testing.assert_allclose(res.eigenvalues, exact[:4], atol=1e-10)
    assert res.n_matvec <= 60


def test_lanczos_is_reproducible_and_accepts_generator() -> None:
    A = matrix_with_spectrum(SPECTRA["gapped"], seed=2)
    r1 = lanczos(A, 3, seed=5)
    r2 = lanczos(A, 3, seed=5)
    r3 = lanczos(A, 3, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(r1.eigenvalues, r2.eigenvalues)
    np.testing.assert_array_equal(r1.eigenvalues, r3.eigenvalues)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 45),
    data=st.data(),
    seed=st.integers(0, 2**31 - 1),
)
def test_lanczos_property_random_symmetric(n: int, data: st.DataObject, seed: int) -> None:
    k = data.draw(st.integers(1, n))
    which = data.draw(st.sampled_from(["largest", "smallest"]))
    rng = np.random.default_rng(seed)
    # Well-separated random eigenvalues (gap >= 1e-3 relative) so multiplicity is not an issue.
    eig = np.cumsum(rng.uniform(0.01, 1.0, n)) - n / 4
    A = matrix_with_spectrum(eig, seed=seed)
    res = lanczos(A, k, which=which, seed=seed)
    ref = np.sort(eig)[-k:] if which == "largest" else np.sort(eig)[:k]
    assert res.converged
    assert res.eigenvalues.shape == (k,)
    assert res.eigenvectors.shape == (n, k)
    np.testing.assert_allclose(res.eigenvalues, ref, atol=1e-8 * np.abs(eig).max())


def _psd_low_rank(n: int, rank: int, seed: int) -> np.ndarray:
    B = np.random.default_rng(seed).standard_normal((n, rank)) / np.sqrt(n)
    return B @ B.T


def test_lanczos_null_space_smallest_converges() -> None:
    # PSD of rank 300 in R^1000: eigenvalue 0 with multiplicity 700. Ritz values at zero must be
    # accepted at the rounding floor 64 eps ||A|| (the old relative test never converged).
    A = _psd_low_rank(1000, 300, seed=0)
    op = CountingOperator(A)
    res = lanczos(op, 3, which="smallest", tol=1e-8, seed=1)
    assert res.converged and res.status == "converged"
    scale = np.linalg.eigvalsh(A)[-1]
    np.testing.assert_allclose(res.eigenvalues, 0.0, atol=1e-13 * scale)
    assert res.n_matvec == op.count <= 400
    Y = res.eigenvectors
    assert np.linalg.norm(A @ Y) <= 1e-12 * scale
    np.testing.assert_allclose(Y.T @ Y, np.eye(3), atol=1e-10)


@pytest.mark.parametrize("which", ["largest", "smallest"])
def test_lanczos_rank_deficient_k_larger_than_rank(which: str) -> None:
    # rank 5, k = 8: five nonzero eigenvalues and three copies of 0 (largest), or eight zeros.
    A = _psd_low_rank(400, 5, seed=2)
    exact = np.linalg.eigvalsh(A)
    ref = exact[-8:] if which == "largest" else exact[:8]
    res = lanczos(A, 8, which=which, tol=1e-10, seed=3)
    assert res.converged
    np.testing.assert_allclose(res.eigenvalues, ref, atol=1e-12 * exact[-1])
    assert res.n_matvec <= 60


@pytest.mark.parametrize("diagonal", [False, True])
def test_lanczos_triple_top_eigenvalue_returns_every_copy(diagonal: bool) -> None:
    eig = np.concatenate([[5.0, 5.0, 5.0], np.linspace(0.0, 4.0, 297)])
    A = np.diag(eig) if diagonal else matrix_with_spectrum(eig, seed=4)
    for seed in range(3):
        res = lanczos(A, 3, tol=1e-8, seed=seed)
        assert res.converged
        np.testing.assert_allclose(res.eigenvalues, 5.0, rtol=1e-10)
        assert res.n_copy_checks >= 1


def test_lanczos_copy_check_finds_copies_rounding_does_not() -> None:
    # Null space of dimension 700 and k = 5 smallest: without the copy check the single Krylov
    # sequence returns nonzero eigenvalues in place of missing zeros; with it, five zeros.
    A = _psd_low_rank(1000, 300, seed=6)
    scale = np.linalg.eigvalsh(A)[-1]
    plain = lanczos(A, 5, which="smallest", tol=1e-8, seed=1, copy_check=False)
    assert plain.eigenvalues[-1] > 1e-3 * scale  # the failure mode the check exists for
    res = lanczos(A, 5, which="smallest", tol=1e-8, seed=1)
    assert res.converged and res.n_copy_checks >= 2
    np.testing.assert_allclose(res.eigenvalues, 0.0, atol=1e-13 * scale)


@pytest.mark.parametrize("case", ["indefinite", "triple_top", "null_space"])
def test_lanczos_is_scale_invariant(case: str) -> None:
    # Every test is relative to the running ||A|| estimate. Scaling by 2^{+-40} (~1e+-12) is exact
    # in floating point: identical matvec counts and eigenvalues scaled exactly. Scaling by
    # 1e+-12 adds one rounding per entry: the same relative answers, matvec counts within 3%.
    if case == "indefinite":
        A, k, which = matrix_with_spectrum(np.linspace(-3.0, 2.0, 300), seed=7), 4, "smallest"
    elif case == "triple_top":
        eig = np.concatenate([[2.0, 2.0, 2.0], np.linspace(-1.0, 1.0, 297)])
        A, k, which = matrix_with_spectrum(eig, seed=8), 3, "largest"
    else:
        A, k, which = _psd_low_rank(600, 200, seed=9), 3, "smallest"
    ref = lanczos(A, k, which=which, tol=1e-9, seed=2)
    assert ref.converged
    scale = np.abs(np.linalg.eigvalsh(A)).max()
    for c in (2.0**-40, 2.0**40, 1e-12, 1e12):
        op = CountingOperator(A)
        scaled = LinearOperator(
            A.shape, matvec=lambda x, op=op, c=c: c * op.matvec(x), dtype=np.float64
        )
        res = lanczos(scaled, k, which=which, tol=1e-9, seed=2)
        assert res.converged and res.n_matvec == op.count
        if np.log2(c).is_integer():
            assert res.n_matvec == ref.n_matvec
            np.testing.assert_array_equal(res.eigenvalues, c * ref.eigenvalues)
        else:
            assert abs(res.n_matvec - ref.n_matvec) <= 0.03 * ref.n_matvec
            np.testing.assert_allclose(res.eigenvalues / c, ref.eigenvalues, atol=1e-12 * scale)


def test_lanczos_exits_early_on_an_easy_spectrum() -> None:
    # lambda_max of a 1/i spectrum to 1e-8: convergence is tested every step, so the run stops
    # long before the 30-vector basis is full (ARPACK's eigsh needs 21 products here).
    A = matrix_with_spectrum(1.0 / np.arange(1, 1001), seed=10)
    op = CountingOperator(A)
    res = lanczos(op, 1, tol=1e-8, seed=1)
    assert res.converged and res.n_restarts == 0
    assert res.eigenvalues[0] == pytest.approx(1.0, rel=1e-12)
    assert op.count <= 15
    sparse_checks = lanczos(A, 1, tol=1e-8, seed=1, check_every=5)
    assert sparse_checks.n_matvec % 5 == 0 and sparse_checks.n_matvec >= res.n_matvec


def test_lanczos_reports_non_convergence_with_a_reason() -> None:
    A = matrix_with_spectrum(np.linspace(0.0, 1.0, 400), seed=11)
    res = lanczos(A, 5, tol=1e-12, seed=0, max_restarts=1)
    assert not res.converged
    assert res.status.startswith("max_restarts")


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"k": 0}, ValueError, r"k=0 is not allowed: need 1 <= k <= 50"),
        ({"k": 51}, ValueError, r"k=51 is not allowed: need 1 <= k <= 50"),
        ({"k": 2.5}, TypeError, r"k=2.5 is not allowed: need an integer"),
        ({"k": 2, "which": "LM"}, ValueError, r"which='LM' is not allowed: choose one of"),
        ({"k": 5, "num_iter": 5}, ValueError, r"num_iter=5 is not allowed: need 6 <= num_iter"),
        ({"k": 5, "num_iter": 51}, ValueError, r"num_iter=51 is not allowed"),
        ({"k": 2, "tol": -1.0}, ValueError, r"tol=-1.0 is not allowed: need tol > 0"),
        ({"k": 2, "seed": None}, TypeError, r"seed=None is not allowed"),
        ({"k": 2, "seed": -3}, ValueError, r"seed=-3 is not allowed"),
        ({"k": 2, "check_every": 0}, ValueError, r"check_every=0 is not allowed: need 1 <="),
        ({"k": 2, "tol_check": 0.0}, ValueError, r"tol_check=0.0 is not allowed: need tol_"),
    ],
)
def test_lanczos_bad_input(kwargs: dict, exc: type, match: str) -> None:
    A = np.eye(50)
    k = kwargs.pop("k")
    with pytest.raises(exc, match=match):
        lanczos(A, k, **kwargs)


def test_operator_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"shape \(3, 4\): need a square operator"):
        lanczos(np.ones((3, 4)), 1)
    with pytest.raises(ValueError, match=r"shape \(3,\): need a square 2-D array"):
        lanczos(np.ones(3), 1)
    with pytest.raises(TypeError, match=r"A=None is not allowed"):
        hutchinson_trace(None, 3)
    with pytest.raises(TypeError, match=r"complex"):
        lanczos(np.eye(3, dtype=complex), 1)


# --------------------------------------------------------------------------------------------
# Hutchinson and Hutch++
# --------------------------------------------------------------------------------------------


def _low_rank_plus_noise(n: int, rank: int, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    eig = np.concatenate([np.linspace(10.0, 1.0, rank), noise * rng.uniform(0, 1, n - rank)])
    return matrix_with_spectrum(eig, seed=seed + 1)


def test_hutchinson_exact_on_diagonal_and_identity() -> None:
    # z^T D z = tr(D) exactly for Rademacher z and diagonal D.
    d = np.arange(1.0, 41.0)
    res = hutchinson_trace(np.diag(d), 7, seed=1)
    assert res.value == pytest.approx(d.sum(), rel=1e-14)
    assert res.stderr == pytest.approx(0.0, abs=1e-12)
    assert res.n_matvec == 7


def test_hutchpp_exact_on_low_rank() -> None:
    # If rank(A) <= s = num_probes // 3, Q spans range(A) and the residual term vanishes.
    rng = np.random.default_rng(0)
    B = rng.standard_normal((80, 5))
    A = B @ B.T
    res = hutchinson_trace(A, 18, seed=2, method="hutch++")
    assert res.value == pytest.approx(np.trace(A), rel=1e-10)
    assert res.n_matvec == 18


@pytest.mark.parametrize("method", ["hutchinson", "hutch++"])
def test_trace_unbiased_within_4_standard_errors(method: str) -> None:
    A = _low_rank_plus_noise(120, 10, 0.5, seed=3) - 0.2 * np.eye(120)
    exact = np.trace(A)
    values = np.array([hutchinson_trace(A, 12, seed=s, method=method).value for s in range(300)])
    se = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - exact) <= 4 * se


def test_hutchinson_stderr_is_honest() -> None:
    # Coverage of value +- 2 stderr over independent seeds: 0.945 for a t-statistic with 29 dof;
    # the binomial standard error over 300 seeds is 0.013, allowed 4 of them.
    A = matrix_with_spectrum(np.linspace(-1, 3, 100), seed=4)
    exact = np.trace(A)
    hits = 0
    seeds = 300
    for s in range(seeds):
        r = hutchinson_trace(A, 30, seed=s)
        hits += abs(r.value - exact) <= 2 * r.stderr
    assert abs(hits / seeds - 0.945) <= 4 * np.sqrt(0.945 * 0.055 / seeds)


def test_hutchpp_error_decays_faster_than_hutchinson() -> None:
    # Low rank (20) plus small noise: Hutchinson's RMS error falls like m^{-1/2} (ratio 0.5 from
    # m=30 to m=120); Hutch++ captures the low-rank part once m/3 >= 20 and falls much faster.
    A = _low_rank_plus_noise(300, 20, 0.05, seed=5)
    exact = np.trace(A)

    def rms(method: str, m: int) -> float:
        errs = [hutchinson_trace(A, m, seed=s, method=method).value - exact for s in range(40)]
        return float(np.sqrt(np.mean(np.square(errs))))

    h30, h120 = rms("hutchinson", 30), rms("hutchinson", 120)
    p30, p120 = rms("hutch++", 30), rms("hutch++", 120)
    assert 0.3 < h120 / h30 < 0.8
    assert p120 / p30 < 0.5 * (h120 / h30)
    assert p120 < h120


@pytest.mark.parametrize(
    ("num_probes", "method", "exc", "match"),
    [
        (0, "hutchinson", ValueError, r"num_probes=0 is not allowed: need 1 <= num_probes"),
        (2, "hutch++", ValueError, r"num_probes=2 is not allowed: need 3 <= num_probes"),
        (5, "hutch", ValueError, r"method='hutch' is not allowed: choose one of"),
        (5.0, "hutchinson", TypeError, r"num_probes=5.0 is not allowed: need an integer"),
    ],
)
def test_trace_bad_input(num_probes: object, method: str, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        hutchinson_trace(np.eye(4), num_probes, method=method)


# --------------------------------------------------------------------------------------------
# Lanczos tridiagonalisation and SLQ
# --------------------------------------------------------------------------------------------


def test_lanczos_tridiag_gauss_quadrature_is_exact_for_low_degree() -> None:
    # Gauss quadrature with m nodes is exact for polynomials of degree <= 2m - 1.
    A = matrix_with_spectrum(np.linspace(-1, 2, 80), seed=6)
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((80, 3))
    m = 6
    res = lanczos_tridiag(A, m, start=Z)
    assert res.n_matvec == 3 * m
    for i in range(3):
        T = np.diag(res.alphas[i]) + np.diag(res.betas[i], 1) + np.diag(res.betas[i], -1)
        theta, S = np.linalg.eigh(T)
        w = S[0] ** 2
        q = Z[:, i] / np.linalg.norm(Z[:, i])
        for j in range(2 * m):
            exact = q @ np.linalg.matrix_power(A, j) @ q
            assert np.sum(w * theta**j) == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_lanczos_tridiag_lucky_breakdown() -> None:
    # A has 3 distinct eigenvalues: the Krylov space has dimension 3, so beta_3 = 0.
    A = matrix_with_spectrum(np.repeat([1.0, 2.0, 5.0], 10), seed=7)
    quad = slq_quadrature(A, num_probes=2, num_iter=8, seed=0)
    for i in range(2):
        heavy = quad.weights[i] > 1e-12
        assert heavy.sum() == 3
        np.testing.assert_allclose(np.sort(quad.nodes[i][heavy]), [1.0, 2.0, 5.0], atol=1e-10)
        assert quad.weights[i].sum() == pytest.approx(1.0, abs=1e-12)


def test_slq_moments_unbiased_within_4_standard_errors() -> None:
    A = matrix_with_spectrum(np.linspace(-2, 3, 150) ** 3, seed=8)
    n = A.shape[0]
    quad = slq_quadrature(A, num_probes=200, num_iter=10, seed=1)
    for j in (1, 2, 3):
        per_probe = np.sum(quad.weights * quad.nodes**j, axis=1)
        exact = np.trace(np.linalg.matrix_power(A, j)) / n
        se = per_probe.std(ddof=1) / np.sqrt(per_probe.size)
        assert abs(per_probe.mean() - exact) <= 4 * se


def test_slq_density_mass_moments_and_peaks() -> None:
    # Eigenvalues clustered at 1, 4 and 9 (100 each, spread 1e-3).
    rng = np.random.default_rng(9)
    eig = np.concatenate([c + 1e-3 * rng.standard_normal(100) for c in (1.0, 4.0, 9.0)])
    A = matrix_with_spectrum(eig, seed=10)
    sigma = 0.1
    grid = np.linspace(-1.0, 11.0, 6001)
    t, density = slq_density(A, num_probes=8, num_iter=20, grid=grid, sigma=sigma, seed=2)
    np.testing.assert_array_equal(t, grid)
    assert np.all(density >= 0)
    assert np.trapezoid(density, t) == pytest.approx(1.0, abs=1e-8)
    quad = slq_quadrature(A, num_probes=8, num_iter=20, seed=2)
    m1 = np.mean(np.sum(quad.weights * quad.nodes, axis=1))
    m2 = np.mean(np.sum(quad.weights * quad.nodes**2, axis=1))
    assert np.trapezoid(t * density, t) == pytest.approx(m1, rel=1e-8)
    assert np.trapezoid(t**2 * density, t) == pytest.approx(m2 + sigma**2, rel=1e-8)
    # Local maxima above 10% of the peak sit at the three clusters.
    inner = (density[1:-1] > density[:-2]) & (density[1:-1] > density[2:])
    peaks = t[1:-1][inner & (density[1:-1] > 0.1 * density.max())]
    np.testing.assert_allclose(peaks, [1.0, 4.0, 9.0], atol=0.01)


def test_slq_density_int_grid_and_bad_input() -> None:
    A = np.diag(np.arange(1.0, 21.0))
    t, d = slq_density(A, num_probes=2, num_iter=20, grid=500, sigma=0.2, seed=0)
    assert t.shape == d.shape == (500,)
    assert np.trapezoid(d, t) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match=r"sigma=0.0 is not allowed: need sigma > 0"):
        slq_density(A, num_probes=2, num_iter=5, grid=50, sigma=0.0)
    with pytest.raises(ValueError, match=r"num_iter=21 is not allowed: need 1 <= num_iter <= 20"):
        slq_density(A, num_probes=2, num_iter=21, grid=50, sigma=0.1)
    with pytest.raises(ValueError, match=r"grid has shape \(2, 2\)"):
        slq_density(A, num_probes=2, num_iter=5, grid=np.zeros((2, 2)), sigma=0.1)
    with pytest.raises(ValueError, match=r"grid=1 is not allowed: need 2 <= grid"):
        slq_density(A, num_probes=2, num_iter=5, grid=1, sigma=0.1)


# --------------------------------------------------------------------------------------------
# Conjugate gradients
# --------------------------------------------------------------------------------------------


def _spd(n: int, cond: float, seed: int) -> np.ndarray:
    return matrix_with_spectrum(np.geomspace(1.0, cond, n), seed=seed)


def test_cg_matches_solve() -> None:
    A = _spd(200, 1e4, seed=11)
    b = np.random.default_rng(0).standard_normal(200)
    res = cg(A, b, tol=1e-10)
    x = np.linalg.solve(A, b)
    assert res.converged and res.status == "converged"
    assert res.residuals[0] == 1.0
    assert res.residuals.shape == (res.n_iter + 1,)
    assert res.residuals[-1] <= 1e-10
    assert res.true_residual <= 1e-9
    assert np.linalg.norm(res.x - x) <= 1e4 * 1e-9 * np.linalg.norm(x)
    assert res.n_matvec == res.n_iter + 1


def test_pcg_jacobi_reduces_iterations_on_badly_scaled_matrix() -> None:
    rng = np.random.default_rng(12)
    B = _spd(150, 10.0, seed=13)
    D = np.diag(np.geomspace(1.0, 1e3, 150))
    A = D @ B @ D
    b = rng.standard_normal(150)
    plain = cg(A, b, tol=1e-10)
    pre = cg(A, b, M=np.diag(1.0 / np.diag(A)), tol=1e-10)
    x = np.linalg.solve(A, b)
    assert pre.converged
    np.testing.assert_allclose(pre.x, x, rtol=1e-6)
    assert pre.n_iter < plain.n_iter / 2


def test_cg_edge_cases() -> None:
    A = _spd(30, 10.0, seed=14)
    zero = cg(A, np.zeros(30))
    assert zero.converged and zero.n_iter == 0 and np.all(zero.x == 0)
    short = cg(A, np.ones(30), tol=1e-14, maxiter=2)
    assert not short.converged and short.status == "maxiter" and short.n_iter == 2
    warm = cg(A, np.ones(30), x0=np.linalg.solve(A, np.ones(30)))
    assert warm.converged and warm.n_iter <= 1
    indefinite = np.diag(np.concatenate([np.ones(15), -np.ones(15)]))
    bad = cg(indefinite, np.ones(30))
    assert not bad.converged and bad.status.startswith("breakdown")


def test_cg_bad_input() -> None:
    A = np.eye(5)
    with pytest.raises(ValueError, match=r"b has shape \(4,\): need a vector of length n=5"):
        cg(A, np.ones(4))
    with pytest.raises(ValueError, match=r"tol=0.0 is not allowed: need tol > 0"):
        cg(A, np.ones(5), tol=0.0)
    with pytest.raises(ValueError, match=r"M has shape \(4, 4\): need \(5, 5\)"):
        cg(A, np.ones(5), M=np.eye(4))
    with pytest.raises(ValueError, match=r"b contains NaN or inf"):
        cg(A, np.full(5, np.nan))
    with pytest.raises(ValueError, match=r"maxiter=-1 is not allowed"):
        cg(A, np.ones(5), maxiter=-1)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**31 - 1), dtype=st.sampled_from(["f4", "f8"]))
def test_cg_property_spd(n: int, seed: int, dtype: str) -> None:
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((n, n))
    A = (B @ B.T + n * np.eye(n)).astype(dtype)
    b = rng.standard_normal(n).astype(dtype)
    res = cg(A, b, tol=1e-10)
    assert res.x.dtype == np.float64
    assert res.converged
    x = np.linalg.solve(A.astype(np.float64), b.astype(np.float64))
    np.testing.assert_allclose(res.x, x, rtol=1e-7, atol=1e-9)


def test_lanczos_tridiag_streams_probes_with_the_same_answer() -> None:
    # One probe at a time (default, memory m * n) or all together: same recurrences to rounding.
    A = matrix_with_spectrum(np.linspace(-1.0, 3.0, 200), seed=12)
    one = lanczos_tridiag(A, 30, num_probes=5, seed=2)
    blk = lanczos_tridiag(A, 30, num_probes=5, seed=2, block_size=5)
    two = lanczos_tridiag(A, 30, num_probes=5, seed=2, block_size=2)
    for other in (blk, two):
        np.testing.assert_allclose(other.alphas, one.alphas, atol=1e-12)
        np.testing.assert_allclose(other.betas, one.betas, atol=1e-12)
        assert other.n_matvec == one.n_matvec == 150
    with pytest.raises(ValueError, match=r"block_size=0 is not allowed: need 1 <= block_size"):
        lanczos_tridiag(A, 5, block_size=0)
