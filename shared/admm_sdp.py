"""Two-block ADMM for single-block SDPs, as in Kang & Yang's official code (pure math, no I/O).

Primal and dual standard form (Kang & Yang 2026, arXiv:2602.20103; code
``ComputationalRobotics/admmsdp-limitdyn``, ``admm-single-light/``):

.. math::

    \\min_X \\langle C, X\\rangle \\ \\text{s.t.}\\ \\mathcal A(X) = b,\\ X \\succeq 0, \\qquad
    \\max_{y, S} b^\\top y \\ \\text{s.t.}\\ \\mathcal A^*(y) + S = C,\\ S \\succeq 0.

Matrices are stored as ``svec`` vectors (upper triangle, off-diagonals times sqrt(2)), so that
inner products of svec vectors are trace inner products and norms are Frobenius norms;
``A`` is an ``(m, n(n+1)/2)`` (sparse or dense) matrix acting on svec vectors.

One ADMM step (``three_step_ADMM.m``; ADMM on the dual with X as multiplier, step length 1):

.. math::

    y^+ &= (\\mathcal A\\mathcal A^*)^{-1}\\,[\\,b/\\sigma - \\mathcal A(X/\\sigma + S - C)\\,] \\\\
    \\tilde X &= X + \\sigma(\\mathcal A^* y^+ - C), \\quad
    S^+ = (\\Pi_+(\\tilde X) - \\tilde X)/\\sigma, \\quad X^+ = \\Pi_+(\\tilde X), \\\\
    Z^+ &= X^+ - \\sigma S^+ = \\tilde X.

The iteration state is ``(X, S)``: when sigma changes, ``Z = X - sigma S`` jumps.
Two identities hold exactly (to round-off) and are tested:
``A^* y^+ + S^+ - C = (X^+ - X)/sigma`` and ``A X^+ - b = sigma A (S^+ - S)``.

Residuals (``set_log.m``) are measured in the original (unscaled) units:
``r_p = ||A X - b|| / (1 + ||b||)``, ``r_d = ||A^* y + S - C|| / (1 + ||C||)``,
``r_g = |<C,X> - b^T y| / (1 + |<C,X>| + |b^T y|)`` and ``r_max = max(r_p, r_d, r_g)``.

References
----------
S. Kang, H. Yang, "Local Second-Order Limit Dynamics of the Alternating Direction Method of
Multipliers for Semidefinite Programming", arXiv:2602.20103, 2026; official MATLAB code
ComputationalRobotics/admmsdp-limitdyn (files cited per function).
Z. Wen, D. Goldfarb, W. Yin, "Alternating direction augmented Lagrangian methods for
semidefinite programming", Math. Prog. Comp. 2 (2010).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

__all__ = [
    "SDP",
    "ADMMResult",
    "ADMMState",
    "BatchRun",
    "ScaledSDP",
    "SigmaRule",
    "admm_step",
    "angle",
    "angle_floor",
    "kkt_residuals",
    "psd_project",
    "run_admm",
    "run_admm_batch",
    "scale_sdp",
    "scaled_residuals",
    "sdp_from_matrices",
    "smat",
    "state_from_z",
    "svec",
    "update_sig_1",
]

#: ``update_sig_1.m``: sigma bounds, factor, win ratio and the iteration after which it stops.
SIG_MIN, SIG_MAX, SIG_FACTOR, WIN_RATIO, SIG_STOP_ITER = 1e-3, 1e3, 1.2, 1.35, 20_000
#: ``set_log.m``: eigenvalues above this count towards rank(Z_+).
RANK_TOL = 1e-10


# --------------------------------------------------------------------------------------------
# svec / smat and the PSD projection
# --------------------------------------------------------------------------------------------
def _svec_index(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Column-major upper triangle, as SDPT3's svec: (0,0), (0,1), (1,1), (0,2), ...
    cols, rows = np.triu_indices(n)[::-1]
    order = np.lexsort((rows, cols))
    rows, cols = rows[order], cols[order]
    scale = np.where(rows == cols, 1.0, np.sqrt(2.0))
    return rows, cols, scale


_INDEX_CACHE: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _index(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if n not in _INDEX_CACHE:
        _INDEX_CACHE[n] = _svec_index(n)
    return _INDEX_CACHE[n]


def svec(M: np.ndarray) -> np.ndarray:
    """Symmetric ``n x n`` matrix -> vector of length ``n(n+1)/2`` (SDPT3 ``svec``).

    Upper triangle column by column, off-diagonal entries times sqrt(2), so that
    ``svec(A) @ svec(B) = trace(A B)``.

    Parameters
    ----------
    M : (n, n) array, symmetric (only the upper triangle is read).

    Returns
    -------
    (n(n+1)/2,) float array.
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"svec: M has shape {M.shape}; need a square matrix")
    r, c, s = _index(M.shape[0])
    return M[r, c] * s


def smat(v: np.ndarray) -> np.ndarray:
    """Inverse of :func:`svec`: vector of length ``n(n+1)/2`` -> symmetric ``n x n`` matrix."""
    v = np.asarray(v, dtype=float)
    n = round((np.sqrt(8 * v.size + 1) - 1) / 2)
    if v.ndim != 1 or n * (n + 1) // 2 != v.size:
        raise ValueError(f"smat: length {v.size} is not n(n+1)/2 for an integer n")
    r, c, s = _index(n)
    M = np.zeros((n, n))
    M[r, c] = v / s
    M[c, r] = v / s
    return M


def psd_project(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Projection onto the PSD cone in the Frobenius norm (``proj_single.m``).

    ``Pi_+(M) = V diag(max(lambda, 0)) V^T`` from a full eigendecomposition of the
    symmetrised ``M``.

    Returns
    -------
    projection : (n, n) array
    eigenvalues : (n,) array, the eigenvalues of ``(M + M^T)/2`` in ascending order.
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"psd_project: M has shape {M.shape}; need a square matrix")
    w, V = np.linalg.eigh(0.5 * (M + M.T))
    pos = w > 0
    Vp = V[:, pos]
    P = (Vp * w[pos]) @ Vp.T
    return 0.5 * (P + P.T), w


def angle(u: np.ndarray, v: np.ndarray) -> float:
    """Angle in radians between two vectors as ``get_ang.m`` computes it.

    ``arccos(<u, v> / ((||u|| + 1e-16)(||v|| + 1e-16)))`` with the cosine clamped to
    ``[-1 + 1e-16, 1 - 1e-16]``.
    """
    u, v = np.ravel(u), np.ravel(v)
    c = float(u @ v) / ((np.linalg.norm(u) + 1e-16) * (np.linalg.norm(v) + 1e-16))
    return float(np.arccos(min(max(c, -1.0 + 1e-16), 1.0 - 1e-16)))


def angle_floor(norm_u: np.ndarray | float, norm_v: np.ndarray | float) -> np.ndarray:
    """The smallest angle :func:`angle` (``get_ang.m``) can return for steps of these norms.

    ``get_ang`` adds 1e-16 to each norm, so two exactly parallel vectors of norms ``a`` and
    ``b`` get the cosine ``a b / ((a + 1e-16)(b + 1e-16)) < 1`` (then clamped at
    ``1 - 1e-16``): a positive angle of about ``sqrt(2e-16 (1/a + 1/b))``. A measured angle
    near this value says nothing about the true angle, which may be zero.

    Parameters
    ----------
    norm_u, norm_v : norms of the two steps (arrays broadcast).

    Returns
    -------
    The floor angle in radians, elementwise.
    """
    a = np.asarray(norm_u, dtype=float)
    b = np.asarray(norm_v, dtype=float)
    c = (a / (a + 1e-16)) * (b / (b + 1e-16))
    return np.arccos(np.clip(c, -1.0 + 1e-16, 1.0 - 1e-16))


# --------------------------------------------------------------------------------------------
# Problem data and scaling
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SDP:
    """A single-block SDP ``min <C,X> s.t. A svec(X) = b, X psd``.

    Attributes
    ----------
    C : (n, n) symmetric array.
    A : (m, n(n+1)/2) scipy sparse CSR matrix acting on svec vectors (rows are svec(A_i)).
    b : (m,) array.
    """

    C: np.ndarray
    A: sp.csr_matrix
    b: np.ndarray

    @property
    def n(self) -> int:
        return self.C.shape[0]

    @property
    def m(self) -> int:
        return self.A.shape[0]


def sdp_from_matrices(C: np.ndarray, As: Sequence[np.ndarray] | Any, b: Sequence[float]) -> SDP:
    """Build an :class:`SDP` from ``C``, symmetric ``A_i`` (or a ready svec matrix) and ``b``.

    Raises
    ------
    ValueError
        On shape mismatches or non-symmetric data.
    """
    C = np.asarray(C, dtype=float)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C has shape {C.shape}; need a square matrix")
    if not np.allclose(C, C.T, atol=1e-12):
        raise ValueError("C is not symmetric; need C = C^T")
    n = C.shape[0]
    nv = n * (n + 1) // 2
    if sp.issparse(As) or (isinstance(As, np.ndarray) and As.ndim == 2):
        A = sp.csr_matrix(As, dtype=float)
    else:
        rows = []
        for i, Ai in enumerate(As):
            Ai = np.asarray(Ai, dtype=float)
            if Ai.shape != (n, n):
                raise ValueError(f"A[{i}] has shape {Ai.shape}; need ({n}, {n}) like C")
            if not np.allclose(Ai, Ai.T, atol=1e-12):
                raise ValueError(f"A[{i}] is not symmetric")
            rows.append(svec(Ai))
        if not rows:
            raise ValueError("need at least one constraint A_i")
        A = sp.csr_matrix(np.vstack(rows))
    if A.shape[1] != nv:
        raise ValueError(f"A has {A.shape[1]} columns; need n(n+1)/2 = {nv} for n = {n}")
    b = np.asarray(b, dtype=float).reshape(-1)
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"b has length {b.shape[0]}; need m = {A.shape[0]} (rows of A)")
    return SDP(C=0.5 * (C + C.T), A=A, b=b)


@dataclass(frozen=True)
class ScaledSDP:
    """The scaled data ADMM iterates on (``scale_data.m``) and a solver for ``A A^T``.

    With ``scale=True``: ``A_i <- A_i / max(1, ||A_i||)``, ``b_i`` likewise, then
    ``b <- b / (1 + ||b||)`` and ``C <- C / (1 + ||C||)``; X scales by ``1/bscale`` and S, y by
    ``1/Cscale``. With ``scale=False`` (the toys) every factor is 1.
    """

    A: sp.csr_matrix
    At: sp.csc_matrix
    b: np.ndarray
    c: np.ndarray  # svec(C), scaled
    n: int
    norm_a: np.ndarray
    bscale: float
    cscale: float
    normb_org: float
    normc_org: float
    solve_aat: Callable[[np.ndarray], np.ndarray] = field(repr=False)

    @property
    def objscale(self) -> float:
        return self.bscale * self.cscale


def _aat_solver(A: sp.csr_matrix) -> Callable[[np.ndarray], np.ndarray]:
    # Diagonal A A^T (theta, max-cut) needs no factorisation; small dense: Cholesky; else sparse LU.
    AAt = (A @ A.T).tocsr()
    m = AAt.shape[0]
    off = AAt - sp.diags(AAt.diagonal())
    if off.count_nonzero() == 0 or np.abs(off).max() == 0:
        d = AAt.diagonal().copy()
        if np.any(d <= 0):
            raise ValueError("A A^T is singular: a constraint A_i is zero")
        # Broadcast over extra right-hand-side columns, (m,) or (m, B).
        return lambda r: r / d.reshape((-1,) + (1,) * (np.ndim(r) - 1))
    if m <= 2000:
        try:
            fac = sla.cho_factor(AAt.toarray())
        except np.linalg.LinAlgError as exc:
            raise ValueError(
                "A A^T is not positive definite: the A_i are linearly dependent"
            ) from exc
        return lambda r: sla.cho_solve(fac, r)
    lu = spla.splu(AAt.tocsc())
    return lu.solve


def scale_sdp(sdp: SDP, scale: bool = True) -> ScaledSDP:
    """Scale the data as ``scale_data.m`` does (``if_scale`` = ``scale``).

    Parameters
    ----------
    sdp : SDP
    scale : bool
        True for the Mittelmann-style runs of the paper's code, False for its toys.
    """
    A = sdp.A.tocsr().astype(float)
    b = sdp.b.copy()
    c = svec(sdp.C)
    normb_org, normc_org = 1.0 + np.linalg.norm(b), 1.0 + np.linalg.norm(c)
    if scale:
        norm_a = np.maximum(1.0, np.sqrt(np.asarray(A.multiply(A).sum(axis=1)).ravel()))
        A = sp.diags(1.0 / norm_a) @ A
        b = b / norm_a
        bscale, cscale = 1.0 + np.linalg.norm(b), 1.0 + np.linalg.norm(c)
    else:
        norm_a = np.ones(A.shape[0])
        bscale = cscale = 1.0
    A = sp.csr_matrix(A)
    return ScaledSDP(
        A=A,
        At=A.T.tocsc(),
        b=b / bscale,
        c=c / cscale,
        n=sdp.n,
        norm_a=norm_a,
        bscale=float(bscale),
        cscale=float(cscale),
        normb_org=float(normb_org),
        normc_org=float(normc_org),
        solve_aat=_aat_solver(A),
    )


# --------------------------------------------------------------------------------------------
# One ADMM step and the residuals
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ADMMState:
    """One ADMM iterate in scaled svec coordinates.

    Attributes
    ----------
    X, S : svec vectors (both psd and complementary after any step).
    y : (m,) dual multipliers.
    Z : svec of ``X - sigma S`` for the sigma that produced the iterate.
    eigvals : eigenvalues of smat(Z) (ascending).
    """

    X: np.ndarray
    S: np.ndarray
    y: np.ndarray
    Z: np.ndarray
    eigvals: np.ndarray


def state_from_z(Z: np.ndarray, sigma: float, m: int) -> ADMMState:
    """``X = Pi_+(Z)``, ``S = (X - Z)/sigma``, ``y = 0`` (``set_iter.m``)."""
    Z = np.asarray(Z, dtype=float)
    if sigma <= 0:
        raise ValueError(f"sigma={sigma} is not allowed: need sigma > 0")
    P, w = psd_project(smat(Z))
    X = svec(P)
    return ADMMState(X=X, S=(X - Z) / sigma, y=np.zeros(m), Z=Z.copy(), eigvals=w)


def admm_step(data: ScaledSDP, state: ADMMState, sigma: float) -> ADMMState:
    """One step of ``three_step_ADMM.m`` (see the module docstring for the equations)."""
    X, S = state.X, state.S
    rhs = data.b / sigma - data.A @ (X / sigma + S - data.c)
    y = data.solve_aat(rhs)
    Xb = X + sigma * (data.At @ y - data.c)
    P, w = psd_project(smat(Xb))
    Xp = svec(P)
    S_new = (Xp - Xb) / sigma
    X_new = X + sigma * (S_new + data.At @ y - data.c)
    return ADMMState(X=X_new, S=S_new, y=y, Z=X_new - sigma * S_new, eigvals=w)


def kkt_residuals(data: ScaledSDP, state: ADMMState) -> dict[str, float]:
    """Relative primal / dual / gap residuals in original units (``set_log.m``).

    Returns
    -------
    dict with ``pinf``, ``dinf``, ``relgap``, ``kkt`` (their max), ``pobj``, ``dobj``.
    """
    pinf = np.linalg.norm(data.norm_a * (data.A @ state.X - data.b)) * data.bscale / data.normb_org
    dinf = np.linalg.norm(data.At @ state.y + state.S - data.c) * data.cscale / data.normc_org
    pobj = float(data.c @ state.X) * data.objscale
    dobj = float(data.b @ state.y) * data.objscale
    relgap = abs(pobj - dobj) / (1.0 + abs(pobj) + abs(dobj))
    return {
        "pinf": float(pinf),
        "dinf": float(dinf),
        "relgap": float(relgap),
        "kkt": float(max(pinf, dinf, relgap)),
        "pobj": pobj,
        "dobj": dobj,
    }


def scaled_residuals(data: ScaledSDP, state: ADMMState) -> tuple[float, float]:
    """Relative primal / dual residuals of the *scaled* data (the alternative residual units).

    ``r_p^s = ||A X - b|| / (1 + ||b||)`` and ``r_d^s = ||A^* y + S - C|| / (1 + ||C||)`` with
    the scaled ``A, b, C`` and the scaled iterate, i.e. the formulas of ``set_log.m`` without its
    conversion back to original units (``normA``, ``bscale / normborg``, ``Cscale / normCorg``).
    Equal to :func:`kkt_residuals`'s ``pinf`` / ``dinf`` for unscaled data (the toys).

    Returns
    -------
    (pinf, dinf)
    """
    pinf = np.linalg.norm(data.A @ state.X - data.b) / (1.0 + np.linalg.norm(data.b))
    dinf = np.linalg.norm(data.At @ state.y + state.S - data.c) / (1.0 + np.linalg.norm(data.c))
    return float(pinf), float(dinf)


# --------------------------------------------------------------------------------------------
# sigma rules
# --------------------------------------------------------------------------------------------
def _is_checkpoint(it: int) -> bool:
    return (
        (it <= 200 and it % 50 == 1)
        or (200 < it <= 1000 and it % 100 == 1)
        or (1000 < it <= 5000 and it % 200 == 1)
        or (it > 5000 and it % 1000 == 1)
    )


def update_sig_1(
    it: int,
    sigma: float,
    prim_win: int,
    dual_win: int,
    pinf: float,
    dinf: float,
    stop_iter: int = SIG_STOP_ITER,
) -> tuple[float, int, int]:
    """The code's adaptive sigma rule ``update_sig_1.m``, as a pure function.

    Every call counts a "primal win" when ``pinf / dinf < 1`` and a "dual win" otherwise. At the
    checkpoints (``it <= 200`` and ``it = 1 mod 50``; ``<= 1000``, ``1 mod 100``; ``<= 5000``,
    ``1 mod 200``; then ``1 mod 1000``), ``prim_win > 1.35 dual_win`` resets ``prim_win`` and
    sets ``sigma <- min(1e3, 1.2 sigma)``; ``dual_win > 1.35 prim_win`` resets ``dual_win`` and
    sets ``sigma <- max(1e-3, sigma / 1.2)``. After ``stop_iter`` nothing changes (the counters
    are not even saved, as in the code).

    Returns
    -------
    (sigma, prim_win, dual_win)
    """
    if it > stop_iter:
        return sigma, prim_win, dual_win
    # MATLAB: pinf / 0 = Inf (or NaN) is not < 1, so a zero dinf counts as a dual win.
    ratio = pinf / dinf if dinf > 0 else np.inf
    if ratio < 1.0:
        prim_win += 1
    else:
        dual_win += 1
    if _is_checkpoint(it):
        if prim_win > WIN_RATIO * dual_win:
            prim_win = 0
            sigma = min(SIG_MAX, sigma * SIG_FACTOR)
        elif dual_win > WIN_RATIO * prim_win:
            dual_win = 0
            sigma = max(SIG_MIN, sigma / SIG_FACTOR)
    return sigma, prim_win, dual_win


@dataclass(frozen=True)
class SigmaRule:
    """How sigma evolves during :func:`run_admm`.

    Attributes
    ----------
    kind : ``"fixed"`` (sigma never changes), ``"schedule"`` (step k uses ``schedule[k]``, as the
        toys' ``sig_list``) or ``"adaptive"`` (:func:`update_sig_1`).
    schedule : per-step sigmas for ``"schedule"``.
    stop_iter : last counter value at which ``"adaptive"`` may change sigma (code: 2e4).
    residuals : which residuals ``"adaptive"`` compares: ``"original"`` (default; the relative
        residuals in original units that ``set_log.m`` logs and ``update_sig_1.m`` reads as
        ``log_data.pinf / log_data.dinf``) or ``"scaled"`` (the same relative formulas in the
        scaled units the iteration runs in, :func:`scaled_residuals`). The code passes the
        logged (original-unit) values; the scaled variant is the reading in which the rule
        sees the quantities the iteration itself balances. For unscaled data they coincide.

    Notes
    -----
    Counter alignment with ``generate_start_points.m``: the code's ``cnt`` starts at 1 and
    counts the two warm-up ADMM calls made before its loop, and its loop calls ``update_sig_1``
    with the counter and the residuals of the *previous* iterate (``set_log`` logs the middle of
    three iterates). Our step ``k`` (0-based) produces the iterate with ``cnt = k + 2``; after
    each step ``k >= 2`` we therefore call the rule with counter ``k + 1`` and the residuals of
    the iterate of step ``k - 1``, and the new sigma applies from step ``k + 1``: exactly the
    code's sequence of sigmas.
    """

    kind: str = "fixed"
    schedule: np.ndarray | None = None
    stop_iter: int = SIG_STOP_ITER
    residuals: str = "original"

    def __post_init__(self) -> None:
        if self.kind not in ("fixed", "schedule", "adaptive"):
            raise ValueError(f"SigmaRule.kind={self.kind!r}; allowed are fixed, schedule, adaptive")
        if self.residuals not in ("original", "scaled"):
            raise ValueError(
                f"SigmaRule.residuals={self.residuals!r}; allowed are original, scaled"
            )
        if self.kind == "schedule":
            if self.schedule is None or np.any(np.asarray(self.schedule) <= 0):
                raise ValueError("SigmaRule(kind='schedule') needs a schedule of sigmas > 0")


# --------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------
_TRACE_KEYS = (
    "pinf",
    "dinf",
    "relgap",
    "kkt",
    "pobj",
    "dobj",
    "sigma",
    "dz_norm",
    "dx_norm",
    "ds_norm",
    "z_norm",
    "angle_z",
    "angle_x",
    "angle_s",
    "rank",
)


@dataclass(frozen=True)
class ADMMResult:
    """Outcome of :func:`run_admm`.

    Attributes
    ----------
    state : the last iterate (scaled units).
    sigma : the sigma in force at the end.
    trace : dict of per-step arrays (length ``n_iter``): ``pinf, dinf, relgap, kkt, pobj, dobj``
        of the new iterate; ``sigma`` used for the step; ``dz_norm, dx_norm, ds_norm`` of the
        step; ``z_norm``; ``angle_z/x/s`` between this step and the previous one (NaN at step 0);
        ``rank`` = #eig(Z) > 1e-10.
    n_iter : number of ADMM steps taken.
    converged : ``kkt < tol`` reached.
    n_eigh : number of eigendecompositions (one per step).
    sigma_counters : (prim_win, dual_win) of the adaptive rule at the end.
    last_step : (dZ, dX, dS) of the last step, to continue angle logs in a later call.
    """

    state: ADMMState
    sigma: float
    trace: dict[str, np.ndarray]
    n_iter: int
    converged: bool
    n_eigh: int
    sigma_counters: tuple[int, int] = (0, 0)
    last_step: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)


def run_admm(
    data: ScaledSDP,
    state: ADMMState,
    sigma: float,
    max_iter: int,
    *,
    tol: float = 1e-10,
    rule: SigmaRule | None = None,
    callback: Callable[[int, ADMMState, ADMMState, float], None] | None = None,
    prev_step: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    sigma_counters: tuple[int, int] = (0, 0),
    k0: int = 0,
) -> ADMMResult:
    """Run ADMM steps from ``state`` and record the code's per-iteration log.

    Parameters
    ----------
    data : ScaledSDP
    state : ADMMState
        Start iterate (scaled units), e.g. from :func:`state_from_z`.
    sigma : float
        Initial penalty (code default 1).
    max_iter : int
        Maximum number of steps.
    tol : float
        Stop when ``r_max < tol`` (code: 1e-10 for Mittelmann runs; a negative value never stops).
    rule : SigmaRule
        sigma evolution (default fixed).
    callback : callable ``(k, old, new, sigma)``
        Called after each step: the hook for recording extra diagnostics (snapshots for PCA, ...)
        without copying the loop. Must not mutate the states.
    prev_step : (dZ, dX, dS) of the step before ``state``, to continue angle logs across calls.
    sigma_counters : (prim_win, dual_win) to continue :func:`update_sig_1` across calls.
    k0 : number of steps already taken before ``state`` (the adaptive rule's counter continues).

    Returns
    -------
    ADMMResult

    References
    ----------
    Official code ComputationalRobotics/admmsdp-limitdyn: ``admm-single-light/three_step_ADMM.m``
    (the step), ``set_log.m`` (residuals, step norms, angles, rank), ``update_sig_1.m`` and
    ``sig-wave/generate_start_points.m`` (sigma rule and its counter).
    """
    if sigma <= 0 or not np.isfinite(sigma):
        raise ValueError(f"sigma={sigma} is not allowed: need a finite sigma > 0")
    if max_iter < 0:
        raise ValueError(f"max_iter={max_iter} is not allowed: need max_iter >= 0")
    rule = rule or SigmaRule()
    if rule.kind == "schedule" and len(rule.schedule) < max_iter:
        raise ValueError(
            f"schedule has {len(rule.schedule)} entries; need at least max_iter = {max_iter}"
        )
    trace = {k: np.full(max_iter, np.nan) for k in _TRACE_KEYS}
    # The residuals the adaptive rule reads (SigmaRule.residuals); the logged ones by default.
    scaled_rule = rule.kind == "adaptive" and rule.residuals == "scaled"
    rule_pinf = np.full(max_iter, np.nan) if scaled_rule else trace["pinf"]
    rule_dinf = np.full(max_iter, np.nan) if scaled_rule else trace["dinf"]
    prim_win, dual_win = sigma_counters
    prev = prev_step
    converged = False
    k = 0
    for k in range(max_iter):
        if rule.kind == "schedule":
            sigma = float(rule.schedule[k])
        new = admm_step(data, state, sigma)
        dz, dx, ds = new.Z - state.Z, new.X - state.X, new.S - state.S
        res = kkt_residuals(data, new)
        for key in ("pinf", "dinf", "relgap", "kkt", "pobj", "dobj"):
            trace[key][k] = res[key]
        if scaled_rule:
            rule_pinf[k], rule_dinf[k] = scaled_residuals(data, new)
        trace["sigma"][k] = sigma
        trace["dz_norm"][k] = np.linalg.norm(dz)
        trace["dx_norm"][k] = np.linalg.norm(dx)
        trace["ds_norm"][k] = np.linalg.norm(ds)
        trace["z_norm"][k] = np.linalg.norm(new.Z)
        trace["rank"][k] = np.count_nonzero(new.eigvals > RANK_TOL)
        if prev is not None:
            trace["angle_z"][k] = angle(prev[0], dz)
            trace["angle_x"][k] = angle(prev[1], dx)
            trace["angle_s"][k] = angle(prev[2], ds)
        prev = (dz, dx, ds)
        if callback is not None:
            callback(k, state, new, sigma)
        state = new
        if res["kkt"] < tol:
            converged = True
            break
        if rule.kind == "adaptive" and k + k0 >= 2 and k >= 1:
            # See SigmaRule notes: counter and residuals of the previous iterate.
            sigma, prim_win, dual_win = update_sig_1(
                k + k0 + 1,
                sigma,
                prim_win,
                dual_win,
                rule_pinf[k - 1],
                rule_dinf[k - 1],
                rule.stop_iter,
            )
    n_iter = k + 1 if max_iter > 0 else 0
    trace = {key: v[:n_iter].copy() for key, v in trace.items()}
    return ADMMResult(
        state=state,
        sigma=float(sigma),
        trace=trace,
        n_iter=n_iter,
        converged=converged,
        n_eigh=n_iter,
        sigma_counters=(prim_win, dual_win),
        last_step=prev,
    )


# --------------------------------------------------------------------------------------------
# Many starts at once (toys): the same step, vectorised over a batch of iterates
# --------------------------------------------------------------------------------------------
def _smat_batch(V: np.ndarray, n: int) -> np.ndarray:
    r, c, s = _index(n)
    M = np.zeros((*V.shape[:-1], n, n))
    M[..., r, c] = V / s
    M[..., c, r] = V / s
    return M


def _kkt_batch(data: ScaledSDP, X: np.ndarray, S: np.ndarray, y: np.ndarray) -> np.ndarray:
    """r_max of each row of a batch (the formulas of :func:`kkt_residuals`)."""
    pres = data.norm_a[:, None] * (data.A @ X.T - data.b[:, None])
    pinf = np.linalg.norm(pres, axis=0) * data.bscale / data.normb_org
    dinf = np.linalg.norm(data.At @ y.T + S.T - data.c[:, None], axis=0)
    dinf = dinf * data.cscale / data.normc_org
    pobj = (X @ data.c) * data.objscale
    dobj = (y @ data.b) * data.objscale
    gap = np.abs(pobj - dobj) / (1.0 + np.abs(pobj) + np.abs(dobj))
    return np.maximum(np.maximum(pinf, dinf), gap)


@dataclass(frozen=True)
class BatchRun:
    """Outcome of :func:`run_admm_batch`.

    Attributes
    ----------
    Z : (n_iter + 1, B, d) svec iterates ``Z^(0), ..., Z^(n_iter)`` of every start.
    kkt : (n_iter, B) r_max of each new iterate (original units, as ``set_log.m``).
    sigma : the fixed penalty.
    n_iter : steps taken (no early stop: every start runs ``n_iter`` steps).
    """

    Z: np.ndarray
    kkt: np.ndarray
    sigma: float
    n_iter: int


def run_admm_batch(data: ScaledSDP, Z0: np.ndarray, sigma: float, n_iter: int) -> BatchRun:
    """Run the ADMM step of :func:`admm_step` from B starts at once, sigma fixed.

    Each start is ``X = Pi_+(Z0_i)``, ``S = (X - Z0_i)/sigma`` (:func:`state_from_z`); every
    step is the three-step update of ``three_step_ADMM.m`` (module docstring), with one batched
    ``eigh`` for all starts. For the code's toy experiments that launch many starts
    (``toy1.m`` task V: 64 off-cone starts; ``toy3.m`` task VII: a 4 x 4 grid). Identical to
    looping :func:`admm_step` over the starts (tested to round-off).

    Parameters
    ----------
    data : ScaledSDP
    Z0 : (B, d) svec starts, ``d = n(n+1)/2``.
    sigma : float
        Fixed penalty, > 0.
    n_iter : int
        Number of steps, >= 0.

    Returns
    -------
    BatchRun
    """
    Z0 = np.asarray(Z0, dtype=float)
    d = data.n * (data.n + 1) // 2
    if Z0.ndim != 2 or Z0.shape[1] != d:
        raise ValueError(f"Z0 has shape {Z0.shape}; need (B, {d}) svec rows for n = {data.n}")
    if sigma <= 0 or not np.isfinite(sigma):
        raise ValueError(f"sigma={sigma} is not allowed: need a finite sigma > 0")
    if n_iter < 0:
        raise ValueError(f"n_iter={n_iter} is not allowed: need n_iter >= 0")
    n = data.n
    r, c, s = _index(n)

    def proj(V: np.ndarray) -> np.ndarray:
        M = _smat_batch(V, n)
        w, Q = np.linalg.eigh(M)
        P = (Q * np.maximum(w, 0.0)[..., None, :]) @ np.swapaxes(Q, -1, -2)
        P = 0.5 * (P + np.swapaxes(P, -1, -2))
        return P[..., r, c] * s

    X = proj(Z0)
    S = (X - Z0) / sigma
    Zs = np.empty((n_iter + 1, *Z0.shape))
    Zs[0] = Z0
    kkt = np.empty((n_iter, Z0.shape[0]))
    for k in range(n_iter):
        rhs = data.b[:, None] / sigma - data.A @ (X / sigma + S - data.c).T
        y = np.asarray(data.solve_aat(rhs)).T
        Xb = X + sigma * ((data.At @ y.T).T - data.c)
        S = (proj(Xb) - Xb) / sigma
        # The code's X update (equal to Pi_+(Xb) up to round-off), as in admm_step.
        X = X + sigma * (S + (data.At @ y.T).T - data.c)
        Zs[k + 1] = X - sigma * S
        kkt[k] = _kkt_batch(data, X, S, y)
    return BatchRun(Z=Zs, kkt=kkt, sigma=float(sigma), n_iter=n_iter)
