"""Private thick-restart Lanczos engine shared by :mod:`shared.linalg` and
:mod:`shared.torch_linalg`.

The engine works on an abstract *backend* that owns the n-vectors (numpy arrays or torch tensors
on any device, in any float dtype); only the small projected matrices (m x m) live in numpy float64
on the host. So a torch operator is never round-tripped through numpy per matrix-vector product:
per Lanczos step one column of ``m`` coefficients crosses to the host.

Everything here is private: the public entry points (with validation and documentation) are
:func:`shared.linalg.lanczos` and :func:`shared.torch_linalg.lanczos`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

_EPS64 = float(np.finfo(np.float64).eps)
# Daniel-Gragg-Kaufman-Stewart (1976) criterion: a second Gram-Schmidt pass is needed only when the
# first one removed more than 1 - 1/sqrt(2) of the norm (ARPACK's dsaitr uses 0.717).
_DGKS = 1.0 / np.sqrt(2.0)
# Rounding floor of the convergence and breakdown tests, in units of eps * ||A||: a residual this
# small is at the level of the rounding errors of one product with A, so no smaller one can be
# certified (Parlett 1998, Sec. 13.2: the attainable accuracy of Lanczos is O(eps ||A||)).
_FLOOR_UNITS = 64.0


class Backend(Protocol):
    """The n-vector operations the engine needs (numpy or torch)."""

    n: int
    eps: float

    def matvec(self, x: Any) -> Any: ...
    def zeros(self, rows: int) -> Any: ...
    def randn(self) -> Any: ...
    def dot_rows(self, V: Any, w: Any) -> np.ndarray: ...
    def sub_rows(self, V: Any, h: np.ndarray, w: Any) -> Any: ...
    def norm(self, w: Any) -> float: ...
    def combine(self, V: Any, S: np.ndarray) -> Any: ...


class NumpyBackend:
    """Backend of float64 numpy vectors; the basis is row-major (one contiguous row per vector)."""

    def __init__(self, apply: Callable[[np.ndarray], np.ndarray], n: int, rng) -> None:
        self.apply = apply
        self.n = n
        self.rng = rng
        self.eps = _EPS64

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return self.apply(x)

    def zeros(self, rows: int) -> np.ndarray:
        return np.zeros((rows, self.n))

    def randn(self) -> np.ndarray:
        return self.rng.standard_normal(self.n)

    def dot_rows(self, V: np.ndarray, w: np.ndarray) -> np.ndarray:
        return V @ w

    def sub_rows(self, V: np.ndarray, h: np.ndarray, w: np.ndarray) -> np.ndarray:
        w -= h @ V
        return w

    def norm(self, w: np.ndarray) -> float:
        return float(np.linalg.norm(w))

    def combine(self, V: np.ndarray, S: np.ndarray) -> np.ndarray:
        return S.T @ V


@dataclass
class EngineResult:
    theta: np.ndarray  # wanted Ritz values, ascending (of the operator the engine saw)
    vectors: Any  # (k, n) rows
    residuals: np.ndarray
    n_matvec: int
    n_restarts: int
    converged: bool
    status: str
    n_copy_checks: int


def _orthogonalize(be: Backend, V: Any, w: Any) -> tuple[np.ndarray, Any, float, bool]:
    """Classical Gram-Schmidt of ``w`` against the rows of ``V``, a second pass only if needed.

    Returns the coefficients, the new vector, its norm and whether it is numerically in the span
    (the DGKS test failed twice: ARPACK's rule for an invariant subspace).
    """
    w_norm = be.norm(w)
    h = be.dot_rows(V, w)
    w = be.sub_rows(V, h, w)
    beta = be.norm(w)
    if beta < _DGKS * w_norm:
        h2 = be.dot_rows(V, w)
        w = be.sub_rows(V, h2, w)
        h = h + h2
        beta2 = be.norm(w)
        if beta2 < _DGKS * beta:
            return h, w, beta2, True
        beta = beta2
    return h, w, beta, False


def _random_orthogonal(be: Backend, V: Any) -> Any | None:
    """A random unit vector orthogonal to the rows of ``V`` (None if they span everything)."""
    for _ in range(3):
        w = be.randn()
        w = w / be.norm(w)
        for _ in range(2):
            w = be.sub_rows(V, be.dot_rows(V, w), w)
        nw = be.norm(w)
        if nw > 1e-3:
            return w / nw
    return None


def trlan(
    be: Backend,
    start: Any,
    k: int,
    m: int,
    keep: int,
    tol: float,
    max_restarts: int,
    check_every: int,
    copy_check: bool,
    tol_check: float,
) -> EngineResult:
    """Thick-restart Lanczos for the ``k`` largest eigenpairs (see :func:`shared.linalg.lanczos`).

    ``start`` is the (unnormalised) starting vector. Thresholds are relative to a running estimate
    ``anorm`` of ``||A||`` (the largest ``||A v_j||`` and ``|theta|`` seen), so the iteration is
    invariant under scaling of ``A``.
    """
    n = be.n
    V = be.zeros(m + 1)
    T = np.zeros((m, m))
    # Residuals dropped when wanted pairs were locked for a copy check: the residual of basis
    # vector i gains sum_p C[i, p] * f_p with unit vectors f_p orthogonal to the locked vectors
    # (rank one per check, so the bound |C^T s| stays tight through restarts).
    C = np.zeros((m, 0))
    V[0] = start / be.norm(start)
    j0 = 0
    n_matvec = 0
    n_restarts = 0
    n_checks = 0
    anorm = 0.0
    eps = be.eps
    eps23 = eps ** (2.0 / 3.0)
    checking = False
    ref_k = 0.0  # k-th largest Ritz value when the current copy check started
    copy_check = copy_check and 2 <= k < n
    status = "max_restarts"
    converged = False
    theta = S = res = None
    size = 0

    def thresholds(th: np.ndarray, t: float) -> np.ndarray:
        return np.maximum(t * np.maximum(np.abs(th), eps23 * anorm), _FLOOR_UNITS * eps * anorm)

    while True:
        beta = 0.0
        action = "restart"
        for j in range(j0, m):
            w = be.matvec(V[j])
            n_matvec += 1
            anorm = max(anorm, be.norm(w))
            h, w, beta, in_span = _orthogonalize(be, V[: j + 1], w)
            T[: j + 1, j] = h
            T[j, : j + 1] = h
            if in_span or beta <= _FLOOR_UNITS * eps * anorm:
                # Invariant subspace: continue with a random vector orthogonal to the basis.
                beta = 0.0
                w = _random_orthogonal(be, V[: j + 1]) if j + 1 < n else None
                if w is None:
                    w = be.zeros(1)[0]
            else:
                w = w / beta
            V[j + 1] = w
            if j + 1 < m:
                T[j + 1, j] = T[j, j + 1] = beta
            size = j + 1
            exhausted = size == n or (beta == 0.0 and j + 1 >= n)
            if size < k or not (size == m or exhausted or (size - j0) % check_every == 0):
                continue
            if m == n and not exhausted:
                continue  # a full basis is run to the end: the exact answer, no copy check
            theta, S = np.linalg.eigh(T[:size, :size])
            anorm = max(anorm, float(np.abs(theta).max()))
            res = np.abs(beta * S[size - 1, :]) + np.abs(S.T @ C[:size]).sum(axis=1)
            thr = thresholds(theta, tol)
            if exhausted:
                converged, status, action = True, "converged", "stop"
                break
            if not np.all(res[size - k :] <= thr[size - k :]):
                continue
            if not copy_check:
                converged, status, action = True, "converged", "stop"
                break
            if not checking or theta[size - k] > ref_k + thr[size - k]:
                # Lock the k wanted pairs and probe their complement with a fresh random vector:
                # a single Krylov sequence sees one vector per eigenspace, so a missed copy of a
                # repeated eigenvalue can only come from a new starting direction.
                action = "check"
                break
            # The copy check ends when the (k+1)-th Ritz value (the best candidate for a missed
            # eigenvalue) has converged to tol_check relative to the k-th.
            scale_k = np.array([max(abs(theta[size - k]), abs(theta[size - k - 1]))])
            if size > k and res[size - k - 1] <= thresholds(scale_k, tol_check)[0]:
                converged, status, action = True, "converged", "stop"
                break
        if action == "stop" or (action == "restart" and n_restarts >= max_restarts):
            break
        if action == "check":
            Y = be.combine(V[:size], S[:, size - k :])
            V[:k] = Y
            w = _random_orthogonal(be, V[:k])
            V[k] = w
            V[k + 1 :] = 0.0
            c_new = np.zeros((m, C.shape[1] + 1))
            c_new[:k, :-1] = S[:, size - k :].T @ C[:size]
            c_new[:k, -1] = beta * S[size - 1, size - k :]
            C = c_new
            T[:] = 0.0
            T[np.arange(k), np.arange(k)] = theta[size - k :]
            ref_k = float(theta[size - k])
            checking = True
            n_checks += 1
            j0 = k
            continue
        # Thick restart (Wu & Simon 2000): keep `keep` Ritz vectors at the wanted end and v_{m+1}.
        kept = np.arange(m - keep, m)
        Y = be.combine(V[:m], S[:, kept])
        v_next = V[m].copy() if hasattr(V[m], "copy") else V[m].clone()
        V[:keep] = Y
        V[keep] = v_next
        V[keep + 1 :] = 0.0
        c_new = np.zeros_like(C)
        c_new[:keep] = S[:, kept].T @ C[:m]
        C = c_new
        T[:] = 0.0
        T[np.arange(keep), np.arange(keep)] = theta[kept]
        T[keep, :keep] = T[:keep, keep] = beta * S[m - 1, kept]
        j0 = keep
        n_restarts += 1
    sel = np.arange(size - k, size)
    vectors = be.combine(V[:size], S[:, sel])
    if not converged and status == "max_restarts":
        status = f"max_restarts: {n_restarts} restarts without convergence"
    return EngineResult(
        theta=theta[sel].copy(),
        vectors=vectors,
        residuals=res[sel].copy(),
        n_matvec=n_matvec,
        n_restarts=n_restarts,
        converged=converged,
        status=status,
        n_copy_checks=n_checks,
    )
