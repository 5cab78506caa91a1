"""The paper's SDP instances and closed-form second-order limit maps (pure functions, no I/O).

* ``toy1``, ``toy2``, ``toy3``: the three toy SDPs of the official code
  (``toy-examples/toy{1,2,3}.m`` of ComputationalRobotics/admmsdp-limitdyn), with their KKT point
  ``Zbar``, the cone direction ``H`` the code starts from (``Z0 = Zbar + t H``) and the code's
  closed-form second-order limit maps ``phi_Z = phi_X - sigma phi_S`` (``generate_init_guess``).
* ``theta_sdp(coding_graph(L))``: the Lovasz-theta SDP of the single-deletion coding graph
  ``1dc.2^L``, the family of the paper's Mittelmann instance 1dc1024 (n = 1024, m = 24064).
* ``face_sdp``: random SDPs with a prescribed strictly complementary optimal pair and known
  optimal value (correctness tests; construction of the paper card, section 5.2).

References
----------
Kang & Yang, arXiv:2602.20103 (2026), and the official code (files as cited).
N. J. A. Sloane, "Challenge problems: independent sets in graphs" (the 1dc.n graphs).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from shared.admm_sdp import SDP, sdp_from_matrices, svec

TOYS = ("toy1", "toy2", "toy3")


@dataclass(frozen=True)
class Toy:
    """A toy SDP with its KKT point, cone direction and closed-form limit maps.

    Attributes
    ----------
    name : str
    sdp : SDP
    Zbar : (n, n) KKT point ``Xbar - sigma Sbar`` for the given sigma.
    H : (n, n) direction in the cone C(Zbar) (the code's ``H_bar``).
    phi_Z, phi_X, phi_S : (n, n) the code's second-order limit maps at (Zbar; H),
        ``phi_Z = phi_X - sigma phi_S``.
    optimal_value : the SDP's optimal value.
    sigma : the sigma the KKT point and maps are for.
    """

    name: str
    sdp: SDP
    Zbar: np.ndarray
    H: np.ndarray
    phi_Z: np.ndarray
    phi_X: np.ndarray
    phi_S: np.ndarray
    optimal_value: float
    sigma: float


def _E(n: int, i: int, j: int) -> np.ndarray:
    M = np.zeros((n, n))
    M[i, j] = M[j, i] = 1.0
    return M


def toy1(sigma: float = 1.0, a: float = 1.0, b: float = 1.0) -> Toy:
    """toy1.m: ``C = diag(0, 1)``, ``A_1 = [[0, 1], [1, -1]]``, ``b = 0``.

    KKT point ``Zbar = diag(0, -sigma)``. Cone directions ``H = [[a, b], [b, -b]]`` with
    ``a >= 0``; the code's defaults a = b = 1.
    ``phi_Z = [[2b^2, -4ab/3], [-4ab/3, 4ab/3]] / sigma``.
    """
    if a < 0:
        raise ValueError(f"toy1: a={a} is not allowed: the cone needs a >= 0")
    sdp = sdp_from_matrices(np.diag([0.0, 1.0]), [np.array([[0.0, 1.0], [1.0, -1.0]])], [0.0])
    s = sigma
    phi_X = np.array([[2 * b**2 / s, 0.0], [0.0, 0.0]])
    phi_S = np.array(
        [[0.0, 4 * a * b / (3 * s**2)], [4 * a * b / (3 * s**2), -4 * a * b / (3 * s**2)]]
    )
    return Toy(
        name="toy1",
        sdp=sdp,
        Zbar=np.diag([0.0, -s]),
        H=np.array([[a, b], [b, -b]]),
        phi_Z=phi_X - s * phi_S,
        phi_X=phi_X,
        phi_S=phi_S,
        optimal_value=0.0,
        sigma=s,
    )


def toy1_instant_phi(Z: np.ndarray, sigma: float) -> np.ndarray:
    """toy1.m ``instant_theory_mats``: phi_Z(Zbar; Z - Zbar) with (a, b) read off Z - Zbar."""
    H = np.asarray(Z) - np.diag([0.0, -sigma])
    a, b = H[0, 0], (2 * H[0, 1] - H[1, 1]) / 3.0
    return np.array(
        [
            [2 * b**2 / sigma, -4 * a * b / (3 * sigma)],
            [-4 * a * b / (3 * sigma), 4 * a * b / (3 * sigma)],
        ]
    )


def toy2(sigma: float = 1.0, h12: float = 1.0, h22: float = 1.0, h23: float = 1.0) -> Toy:
    """toy2.m: ``C = e3 e3^T``, ``tr X = 1``, ``X_23 = 0``; ``Zbar = diag(1, 0, -sigma)``.

    ``H = [[-h22, h12, 0], [h12, h22, h23], [0, h23, 0]]`` with ``h22 >= 0`` (code: all 1).
    """
    if h22 < 0:
        raise ValueError(f"toy2: h22={h22} is not allowed: the cone needs h22 >= 0")
    s = sigma
    sdp = sdp_from_matrices(np.diag([0.0, 0.0, 1.0]), [np.eye(3), _E(3, 1, 2)], [1.0, 0.0])
    H = np.array([[-h22, h12, 0.0], [h12, h22, h23], [0.0, h23, 0.0]])
    phi_X = np.diag([-(h23**2) / s, h23**2 / s, 0.0])
    phi_S = 2 * h22 * h23 / s**2 * _E(3, 1, 2)
    return Toy(
        name="toy2",
        sdp=sdp,
        Zbar=np.diag([1.0, 0.0, -s]),
        H=H,
        phi_Z=phi_X - s * phi_S,
        phi_X=phi_X,
        phi_S=phi_S,
        optimal_value=0.0,
        sigma=s,
    )


def toy3(sigma: float = 1.0, h: float = 1.0, eps: float = 0.0) -> Toy:
    """toy3.m: n = 6, m = 15; ``Xbar = 6 e1 e1^T``, ``Sbar = 3 e6 e6^T`` (code: h = 1, eps = 0)."""
    if eps < 0:
        raise ValueError(f"toy3: eps={eps} is not allowed: need eps >= 0")
    s = sigma
    q1 = np.ones(3) / np.sqrt(3)
    q2 = np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
    q3 = np.array([1.0, 1.0, -2.0]) / np.sqrt(6)
    Q = np.column_stack([q1, q2, q3])
    As = [np.eye(6)]
    for d in ([1.0, -1.0, 0.0], [1.0, 0.0, -1.0]):
        M = np.zeros((6, 6))
        M[:3, :3] = Q.T @ np.diag(d) @ Q
        As.append(M)
    M = np.zeros((6, 6))
    M[3, 3], M[4, 4] = 1.0, -1.0
    As.append(M)
    M = np.zeros((6, 6))
    M[4, 4], M[5, 5] = 1.0, -1.0
    As.append(M)
    for i, j in [(2, 4), (2, 5), (2, 6), (3, 4), (3, 5), (3, 6), (4, 5), (4, 6), (5, 6), (1, 6)]:
        As.append(_E(6, i - 1, j - 1))
    b = np.zeros(len(As))
    b[0] = 6.0
    sdp = sdp_from_matrices(np.diag([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]), As, b)

    HX = np.zeros((6, 6))
    HX[0, 0], HX[1, 1] = -1.0, 1.0
    HX[0, 2] = HX[2, 0] = -1.0 / (2 * np.sqrt(2))
    HX[0, 3] = HX[3, 0] = 1.0
    HX[0, 4] = HX[4, 0] = h
    HS = np.zeros((6, 6))
    for i in (1, 2, 3, 4):
        HS[i, 5] = HS[5, i] = 1.0
    HS[3, 3], HS[4, 4], HS[5, 5] = -eps, -1.0, 1.0 + eps

    r2 = np.sqrt(2.0)
    phi_X = np.zeros((6, 6))
    phi_X[0, 0], phi_X[1, 1], phi_X[2, 2] = -4 / (9 * s), 2 / (9 * s), 2 / (9 * s)
    phi_X[0, 1] = phi_X[1, 0] = -2 * r2 / (9 * s)
    phi_X[1, 2] = phi_X[2, 1] = 4 / (9 * s)
    phi_X[0, 3] = phi_X[3, 0] = -eps / 3
    phi_X[0, 4] = phi_X[4, 0] = -h / 3
    M = np.zeros((6, 6))
    M[1, 5] = M[5, 1] = -2 / (3 * s)
    M[2, 4] = M[4, 2] = r2 * h / 12
    M[3, 4] = M[4, 3] = -h / 3
    M[3, 5] = M[5, 3] = 2 * eps / (3 * s)
    if abs(h) <= r2 or eps > 0:
        M[3, 3], M[4, 4], M[5, 5] = (h**2 - 2) / 9, -(2 * h**2 - 1) / 9, (h**2 + 1) / 9
    else:
        M[3, 3], M[4, 4], M[5, 5] = 0.0, -(h**2) / 6, h**2 / 6
    phi_S = -M / s
    Xbar = np.zeros((6, 6))
    Xbar[0, 0] = 6.0
    Sbar = np.zeros((6, 6))
    Sbar[5, 5] = 3.0
    return Toy(
        name="toy3",
        sdp=sdp,
        Zbar=Xbar - s * Sbar,
        H=HX + HS,
        phi_Z=phi_X - s * phi_S,
        phi_X=phi_X,
        phi_S=phi_S,
        optimal_value=0.0,
        sigma=s,
    )


def make_toy(name: str, sigma: float = 1.0) -> Toy:
    """One of :data:`TOYS` with the code's default direction parameters."""
    makers = {"toy1": toy1, "toy2": toy2, "toy3": toy3}
    if name not in makers:
        raise ValueError(f"toy name {name!r} is not allowed; allowed are {list(makers)}")
    return makers[name](sigma=sigma)


# --------------------------------------------------------------------------------------------
# Lovasz theta of the coding graphs 1dc.n
# --------------------------------------------------------------------------------------------
def coding_graph(L: int) -> list[tuple[int, int]]:
    """Edges of the single-deletion-correcting code graph 1dc.2^L.

    Vertices are the binary words of length L (index = the word read as a base-2 number); u ~ v
    when one bit deleted from each can give the same word of length L - 1. L = 10 gives the
    24,063 edges of the paper's 1dc1024 (m = 24,064 with the trace constraint).
    """
    if not 2 <= L <= 12:
        raise ValueError(f"L={L} is not allowed: need 2 <= L <= 12")
    words = list(itertools.product((0, 1), repeat=L))
    # Map each length-(L-1) subsequence to the words it comes from, then join them.
    by_sub: dict[tuple[int, ...], set[int]] = {}
    for idx, w in enumerate(words):
        for i in range(L):
            by_sub.setdefault(w[:i] + w[i + 1 :], set()).add(idx)
    edges = set()
    for group in by_sub.values():
        for u, v in itertools.combinations(sorted(group), 2):
            edges.add((u, v))
    return sorted(edges)


def theta_sdp(n: int, edges: list[tuple[int, int]]) -> SDP:
    """Lovasz-theta SDP: ``min <-J, X>`` s.t. ``tr X = 1``, ``X_ij = 0`` for every edge.

    The optimal value is ``-theta(G)``. Rows of A are svec(I) and svec(E_ij + E_ji), so
    ``A A^T`` is diagonal (n and 2).
    """
    nv = n * (n + 1) // 2
    diag_pos = np.array([j * (j + 1) // 2 + j for j in range(n)])
    rows = [np.zeros(n, dtype=int)]
    cols = [diag_pos]
    vals = [np.ones(n)]
    for k, (i, j) in enumerate(edges, start=1):
        i, j = min(i, j), max(i, j)
        rows.append(np.array([k]))
        cols.append(np.array([j * (j + 1) // 2 + i]))
        vals.append(np.array([np.sqrt(2.0)]))
    A = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(edges) + 1, nv),
    )
    b = np.zeros(len(edges) + 1)
    b[0] = 1.0
    return sdp_from_matrices(-np.ones((n, n)), A, b)


# --------------------------------------------------------------------------------------------
# Random SDPs with a prescribed optimal face
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FaceSDP:
    """A random SDP with a known strictly complementary optimal pair.

    Attributes
    ----------
    sdp : SDP
    X_star, S_star : (n, n) optimal primal / dual slack (X* S* = 0, rank X* + rank S* = n).
    y_star : (m,) optimal dual.
    optimal_value : <C, X*> = b^T y*.
    """

    sdp: SDP
    X_star: np.ndarray
    S_star: np.ndarray
    y_star: np.ndarray
    optimal_value: float


def face_sdp(n: int, r: int, m_pp: int, m_nn: int, seed: int) -> FaceSDP:
    """Random SDP with primal and dual multiplicity (paper card section 5.2, instance 3).

    ``Q`` random orthogonal, ``P`` = first r columns, ``N`` = the rest. ``m_pp`` generic random
    symmetric ``A_i``; ``m_nn`` constraints supported on the N block with ``b_i = 0``;
    ``X* = Q diag(W, 0) Q^T``, ``S* = Q diag(0, V) Q^T`` with ``W, V`` positive definite;
    ``b = A(X*)``, ``C = A^*(y*) + S*``. The optimal value is ``<C, X*>``.
    """
    if not 1 <= r < n:
        raise ValueError(f"r={r} is not allowed: need 1 <= r < n = {n}")
    if m_nn > (n - r) * (n - r + 1) // 2:
        raise ValueError(f"m_nn={m_nn} is too large for an N block of size {n - r}")
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    P, N = Q[:, :r], Q[:, r:]
    As = []
    for _ in range(m_pp):
        G = rng.standard_normal((n, n))
        As.append(0.5 * (G + G.T))
    for _ in range(m_nn):
        G = rng.standard_normal((n - r, n - r))
        As.append(N @ (0.5 * (G + G.T)) @ N.T)
    Gw = rng.standard_normal((r, r))
    W = Gw @ Gw.T / r + 0.5 * np.eye(r)
    Gv = rng.standard_normal((n - r, n - r))
    V = Gv @ Gv.T / (n - r) + 0.5 * np.eye(n - r)
    X_star = P @ W @ P.T
    S_star = N @ V @ N.T
    y_star = rng.standard_normal(len(As))
    b = np.array([np.sum(Ai * X_star) for Ai in As])
    C = S_star + sum(yi * Ai for yi, Ai in zip(y_star, As, strict=True))
    sdp = sdp_from_matrices(0.5 * (C + C.T), As, b)
    value = float(svec(sdp.C) @ svec(X_star))
    return FaceSDP(sdp=sdp, X_star=X_star, S_star=S_star, y_star=y_star, optimal_value=value)
