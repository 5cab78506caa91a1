"""Oracle tests of shared.sketch: Nystrom properties and error bounds, preconditioner, NysPCG."""

from __future__ import annotations

import numpy as np
import pytest
from _shared_oracles import matrix_with_spectrum
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.linalg import cg
from shared.sketch import (
    NystromApprox,
    effective_dimension,
    nystrom,
    nystrom_pcg,
    nystrom_preconditioner,
)

N = 200
DECAYS = {
    "polynomial": np.arange(1, N + 1, dtype=float) ** -2.0,
    "exponential": 0.8 ** np.arange(N, dtype=float),
}


@pytest.mark.parametrize("decay", sorted(DECAYS))
def test_nystrom_structural_properties(decay: str) -> None:
    A = matrix_with_spectrum(DECAYS[decay], seed=1)
    approx = nystrom(A, 20, seed=2)
    assert approx.U.shape == (N, 20) and approx.rank == 20 and approx.n_matvec == 20
    np.testing.assert_allclose(approx.U.T @ approx.U, np.eye(20), atol=1e-12)
    lam = approx.eigenvalues
    assert np.all(lam >= 0) and np.all(np.diff(lam) <= 0)
    D = approx.dense()
    np.testing.assert_allclose(D, D.T, atol=1e-15)
    assert np.linalg.matrix_rank(D, tol=1e-12) <= 20
    # A - A_nys is psd (FTU23 Lemma 2.1); allow rounding of order eps ||A||.
    assert np.linalg.eigvalsh(A - D)[0] >= -1e-12
    # Weyl: lambda_hat_j <= lambda_j.
    assert np.all(lam <= np.sort(DECAYS[decay])[::-1][:20] + 1e-12)
    x = np.random.default_rng(0).standard_normal((N, 3))
    np.testing.assert_allclose(approx.matvec(x), D @ x, atol=1e-13)
    np.testing.assert_allclose(approx.matvec(x[:, 0]), D @ x[:, 0], atol=1e-13)
    np.testing.assert_allclose(approx.as_operator() @ x, D @ x, atol=1e-13)


def test_nystrom_exact_on_low_rank_matrix() -> None:
    # rank(A) = 5 < sketch size: the Nystrom approximation reproduces A (range(A Omega) = range A).
    rng = np.random.default_rng(3)
    B = rng.standard_normal((100, 5))
    A = B @ B.T
    approx = nystrom(A, 15, seed=4)
    np.testing.assert_allclose(approx.dense(), A, atol=1e-10 * np.linalg.norm(A, 2))
    assert np.all(approx.eigenvalues[5:] <= 1e-10 * approx.eigenvalues[0])


def _hmt_bound(lam: np.ndarray, k: int) -> float:
    """min over r <= k - 2 of (1 + r/(k-r-1)) sum_{j>r} lambda_j (HMT Thm 10.5 on A^{1/2})."""
    lam = np.sort(lam)[::-1]
    return min((1 + r / (k - r - 1)) * lam[r:].sum() for r in range(0, k - 1))


@pytest.mark.parametrize("decay", sorted(DECAYS))
def test_nystrom_expected_error_within_published_bound(decay: str) -> None:
    lam = DECAYS[decay]
    A = matrix_with_spectrum(lam, seed=5)
    k = 20
    errors = np.array([np.trace(A - nystrom(A, k, seed=s).dense()) for s in range(100)])
    se = errors.std(ddof=1) / np.sqrt(errors.size)
    assert errors.mean() <= _hmt_bound(lam, k) + 4 * se


@pytest.mark.parametrize("decay", sorted(DECAYS))
def test_fixed_rank_nystrom_within_tyuc17_bound(decay: str) -> None:
    # TYUC17 Sec. 4: E ||A - [[A_nys]]_r||_* <= (1 + r/(k-r-1)) ||A - [[A]]_r||_*.
    lam = np.sort(DECAYS[decay])[::-1]
    A = matrix_with_spectrum(lam, seed=6)
    r, k = 10, 30
    errors = []
    for s in range(100):
        approx = nystrom(A, r, sketch_size=k, seed=s)
        assert approx.rank == r and approx.n_matvec == k
        errors.append(np.abs(np.linalg.eigvalsh(A - approx.dense())).sum())
    errors = np.asarray(errors)
    se = errors.std(ddof=1) / np.sqrt(errors.size)
    bound = (1 + r / (k - r - 1)) * lam[r:].sum()
    assert errors.mean() <= bound + 4 * se


def test_preconditioner_formula_and_prop_5_3() -> None:
    lam = DECAYS["polynomial"]
    A = matrix_with_spectrum(lam, seed=7)
    mu = 1e-4
    approx = nystrom(A, 30, seed=8)
    P_inv = nystrom_preconditioner(approx, mu)
    U, lh = approx.U, approx.eigenvalues
    dense = (lh[-1] + mu) * (U / (lh + mu)) @ U.T + (np.eye(N) - U @ U.T)
    X = np.random.default_rng(0).standard_normal((N, 4))
    np.testing.assert_allclose(P_inv @ X, dense @ X, atol=1e-12)
    np.testing.assert_allclose(P_inv.matvec(X[:, 0]), dense @ X[:, 0], atol=1e-12)
    S = P_inv.inverse_sqrt_dense()
    np.testing.assert_allclose(S @ S, dense, atol=1e-12)
    kappa = np.linalg.cond(S @ (A + mu * np.eye(N)) @ S)
    e_norm = np.linalg.eigvalsh(A - approx.dense())[-1]
    assert kappa <= (lh[-1] + mu + e_norm) / mu * (1 + 1e-8)


def test_theorem_5_1_expected_condition_number_below_28() -> None:
    lam = DECAYS["polynomial"]
    A = matrix_with_spectrum(lam, seed=9)
    mu = 1e-3
    rank = 2 * int(np.ceil(1.5 * effective_dimension(lam, mu))) + 1
    kappas = []
    for s in range(20):
        S = nystrom_preconditioner(nystrom(A, rank, seed=s), mu).inverse_sqrt_dense()
        kappas.append(np.linalg.cond(S @ (A + mu * np.eye(N)) @ S))
    kappas = np.asarray(kappas)
    se = kappas.std(ddof=1) / np.sqrt(kappas.size)
    assert kappas.mean() < 28 + 4 * se


def test_nystrom_pcg_flat_in_mu_while_cg_grows() -> None:
    n = 600
    lam = np.arange(1, n + 1, dtype=float) ** -3.0
    A = matrix_with_spectrum(lam, seed=10)
    b = np.random.default_rng(1).standard_normal(n)
    mus = np.array([1e-3, 1e-4, 1e-5, 1e-6])
    nys_iters, cg_iters = [], []
    for mu in mus:
        rank = 2 * int(np.ceil(1.5 * effective_dimension(lam, mu))) + 1
        res = nystrom_pcg(A, b, mu, rank, tol=1e-10, seed=2)
        assert res.converged and res.rank == rank
        assert res.residuals[-1] <= 1e-10 and res.true_residual <= 1e-9
        assert res.n_matvec == rank + res.n_iter + 1
        x = np.linalg.solve(A + mu * np.eye(n), b)
        assert np.linalg.norm(res.x - x) <= 1e-8 * np.linalg.norm(x) / mu * lam[0]
        nys_iters.append(res.n_iter)
        plain = cg(A + mu * np.eye(n), b, tol=1e-10, maxiter=20 * n)
        assert plain.converged
        cg_iters.append(plain.n_iter)
    log_sqrt_kappa = 0.5 * np.log((lam[0] + mus) / mus)
    cg_slope = np.polyfit(log_sqrt_kappa, np.log(cg_iters), 1)[0]
    nys_slope = np.polyfit(log_sqrt_kappa, np.log(nys_iters), 1)[0]
    # CG grows at least like kappa^{1/4} (theory: up to sqrt(kappa)); NysPCG stays flat.
    assert cg_slope >= 0.5
    assert abs(nys_slope) <= 0.1
    assert max(nys_iters) <= 30


def test_nystrom_pcg_adaptive_rank_doubling() -> None:
    n = 400
    lam = np.arange(1, n + 1, dtype=float) ** -2.0
    A = matrix_with_spectrum(lam, seed=11)
    b = np.random.default_rng(2).standard_normal(n)
    mu = 1e-4
    res = nystrom_pcg(A, b, mu, 4, target_condition=28.0, seed=3)
    assert res.converged
    assert res.rank in {4 * 2**j for j in range(8)} and res.rank > 4
    approx = nystrom(A, res.rank, seed=3)
    S = nystrom_preconditioner(approx, mu).inverse_sqrt_dense()
    # Power iteration can underestimate ||E||; allow a factor 2 on the target.
    assert np.linalg.cond(S @ (A + mu * np.eye(n)) @ S) <= 2 * 28.0
    capped = nystrom_pcg(A, b, mu, 4, target_condition=2.0, max_rank=16, seed=3)
    assert capped.rank == 16 and capped.converged


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_nystrom_property_psd_dominated(n: int, data: st.DataObject, seed: int) -> None:
    rank = data.draw(st.integers(1, n))
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((n, data.draw(st.integers(1, n))))
    A = B @ B.T
    approx = nystrom(A, rank, seed=seed)
    assert approx.U.shape == (n, rank)
    assert np.all(approx.eigenvalues >= 0)
    scale = max(np.linalg.norm(A, 2), 1e-300)
    assert np.linalg.eigvalsh(A - approx.dense())[0] >= -1e-10 * scale
    if rank == n:
        np.testing.assert_allclose(approx.dense(), A, atol=1e-8 * scale)


def test_sketch_bad_input() -> None:
    A = np.eye(50)
    with pytest.raises(ValueError, match=r"rank=0 is not allowed: need 1 <= rank <= 50"):
        nystrom(A, 0)
    with pytest.raises(ValueError, match=r"sketch_size=5 is not allowed: need 10 <= sketch_size"):
        nystrom(A, 10, sketch_size=5)
    with pytest.raises(ValueError, match=r"mu=0.0 is not allowed: need mu > 0"):
        nystrom_preconditioner(nystrom(A, 3), 0.0)
    with pytest.raises(TypeError, match=r"approx of type ndarray is not allowed"):
        nystrom_preconditioner(np.eye(3), 1.0)
    with pytest.raises(ValueError, match=r"mu=-1.0 is not allowed"):
        nystrom_pcg(A, np.ones(50), -1.0, 5)
    with pytest.raises(ValueError, match=r"b has shape \(3,\): need a vector of length n=50"):
        nystrom_pcg(A, np.ones(3), 1.0, 5)
    with pytest.raises(ValueError, match=r"target_condition=1.0 is not allowed"):
        nystrom_pcg(A, np.ones(50), 1.0, 5, target_condition=1.0)
    with pytest.raises(ValueError, match=r"max_rank=3 is not allowed: need 5 <= max_rank <= 50"):
        nystrom_pcg(A, np.ones(50), 1.0, 5, max_rank=3)
    with pytest.raises(ValueError, match=r"negative entry"):
        effective_dimension([1.0, -1.0], 1.0)
    with pytest.raises(ValueError, match=r"not positive semidefinite"):
        nystrom(-np.eye(20), 5)
    assert isinstance(nystrom(A, 2), NystromApprox)


def test_effective_dimension_oracle() -> None:
    lam = np.array([3.0, 1.0, 0.0])
    assert effective_dimension(lam, 1.0) == pytest.approx(0.75 + 0.5)
