"""The paper's experiments on top of :mod:`shared.admm_sdp` (pure functions, no I/O).

Each function mirrors one task of the official code (ComputationalRobotics/admmsdp-limitdyn):
``toy-examples/toy*.m`` tasks I (expansion vs t), IV (sigma sweep), VI (sigma switch inside the
slow region); ``sig-wave/generate_start_points.m`` (adaptive sigma start run) and
``study_sig_wave.m`` (forward sigma sweep, Ampl = 10 over 5,000 iterations).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from shared.admm_sdp import (
    SDP,
    ADMMState,
    ScaledSDP,
    SigmaRule,
    admm_step,
    run_admm,
    scale_sdp,
    sdp_from_matrices,
    state_from_z,
    svec,
)
from shared.diagnostics import step_pca, windowed_step_pca

from .instances import Toy


def log_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``log10 y`` against ``log10 x``."""
    lx, ly = np.log10(np.asarray(x, float)), np.log10(np.asarray(y, float))
    return float(np.polyfit(lx, ly, 1)[0])


def random_direction(n: int, seed: int) -> np.ndarray:
    """Random symmetric n x n direction of unit Frobenius norm (explicit seed)."""
    G = np.random.default_rng(seed).standard_normal((n, n))
    G = 0.5 * (G + G.T)
    return G / np.linalg.norm(G)


# --------------------------------------------------------------------------------------------
# toy task I: second-order expansion
# --------------------------------------------------------------------------------------------
def expansion_run(toy: Toy, t: float, n_iter: int) -> dict[str, np.ndarray | float]:
    """toy*.m task I: from ``Z0 = Zbar + t H`` run ADMM (sigma fixed) and compare with phi.

    The code logs the differences from its second step on (two warm-up calls before the loop),
    ``dZ^(k) = Z^(k+1) - Z^(k)`` for k >= 1, and their relative error to (t^2/2) phi(Zbar; H):
    ``||phi - dZ/(t^2/2)||_F / ||dZ/(t^2/2)||_F``. ``first_step`` is ``||T(Z0) - Z0||``.
    """
    data = scale_sdp(toy.sdp, scale=False)
    z0 = svec(toy.Zbar + t * toy.H)
    s0 = state_from_z(z0, toy.sigma, toy.sdp.m)
    s1 = admm_step(data, s0, toy.sigma)
    phi = svec(toy.phi_Z)
    relerr = np.empty(n_iter)

    def record(k: int, old: ADMMState, new: ADMMState, sigma: float) -> None:
        d = (new.Z - old.Z) / (0.5 * t * t)
        nd = np.linalg.norm(d)
        # A run that converged exactly has d = 0: the code's ratio is then inf.
        relerr[k] = np.linalg.norm(phi - d) / nd if nd > 0 else np.inf

    res = run_admm(data, s1, toy.sigma, n_iter, tol=-1.0, callback=record)
    return {
        "first_step": float(np.linalg.norm(s1.Z - z0)),
        "dz_norm": res.trace["dz_norm"],
        "angle_z": res.trace["angle_z"],
        "relerr": relerr,
        "kkt": res.trace["kkt"],
    }


def off_cone_first_step(toy: Toy, t: float, seed: int) -> float:
    """``||T(Zbar + t G) - (Zbar + t G)||`` for a random unit direction G (generically off-cone)."""
    data = scale_sdp(toy.sdp, scale=False)
    z0 = svec(toy.Zbar + t * random_direction(toy.sdp.n, seed))
    s0 = state_from_z(z0, toy.sigma, toy.sdp.m)
    return float(np.linalg.norm(admm_step(data, s0, toy.sigma).Z - z0))


# --------------------------------------------------------------------------------------------
# toy task IV: sigma sweep
# --------------------------------------------------------------------------------------------
def sigma_sweep_toy(toy: Toy, t: float, n_iter: int, ampl: float) -> dict[str, np.ndarray]:
    """toy*.m task IV: sigma = ampl^(linspace(0, 1, n_iter)) from ``Zbar + t H`` (sigma_0 = 1)."""
    data = scale_sdp(toy.sdp, scale=False)
    sig = ampl ** np.linspace(0.0, 1.0, n_iter)
    s0 = state_from_z(svec(toy.Zbar + t * toy.H), sig[0], toy.sdp.m)
    res = run_admm(data, s0, sig[0], n_iter, tol=-1.0, rule=SigmaRule("schedule", sig))
    return {k: res.trace[k] for k in ("sigma", "dx_norm", "ds_norm", "pinf", "dinf", "kkt")}


# --------------------------------------------------------------------------------------------
# toy task VI: sigma switch and the seed document's remedies
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SlowStart:
    """A toy run to the middle of its slow region: the state after ``k`` steps at sigma = 1."""

    data: ScaledSDP
    state: ADMMState
    kkt: np.ndarray
    sigma: float


def slow_start(toy: Toy, t: float, n_iter: int, tol: float) -> SlowStart:
    """toy*.m task VI, first half: ``n_iter`` steps at sigma = 1 from ``Zbar + t H``."""
    data = scale_sdp(toy.sdp, scale=False)
    s0 = state_from_z(svec(toy.Zbar + t * toy.H), toy.sigma, toy.sdp.m)
    res = run_admm(data, s0, toy.sigma, n_iter, tol=tol)
    return SlowStart(data=data, state=res.state, kkt=res.trace["kkt"], sigma=toy.sigma)


def continue_run(
    data: ScaledSDP, state: ADMMState, sigma: float, n_iter: int, tol: float
) -> np.ndarray:
    """``n_iter`` more steps at a fixed sigma; the r_max trace (stops early below ``tol``)."""
    return run_admm(data, state, sigma, n_iter, tol=tol).trace["kkt"]


def perturbed_state(state: ADMMState, sigma: float, rel: float, seed: int, m: int) -> ADMMState:
    """Seed remedy "small random perturbation": ``Z <- Z + rel ||Z|| G``, G random of unit norm."""
    n = round((np.sqrt(8 * state.Z.size + 1) - 1) / 2)
    G = svec(random_direction(n, seed))
    return state_from_z(state.Z + rel * np.linalg.norm(state.Z) * G, sigma, m)


def regularised(sdp: SDP, eps: float) -> SDP:
    """Seed remedy "tiny eps I regulariser": the same SDP with ``C + eps I``."""
    return sdp_from_matrices(sdp.C + eps * np.eye(sdp.n), sdp.A, sdp.b)


def with_regulariser(data: ScaledSDP, eps: float) -> ScaledSDP:
    """Scaled data of ``C + eps I`` with the original scaling (a running state stays valid).

    ``eps`` is in original units; the scaled cost gains ``eps / cscale`` times svec(I). Residuals
    are then those of the regularised problem, normalised like the original one.
    """
    eye = svec(np.eye(data.n))
    return replace(data, c=data.c + eps / data.cscale * eye)


def final_kkt(kkt: np.ndarray, floor: float) -> float:
    """Last r_max of a run, floored at the stopping tolerance (a run that stopped reached it)."""
    return float(max(kkt[-1], floor))


# --------------------------------------------------------------------------------------------
# windows of a long run: stall detection and PCA of the iterates
# --------------------------------------------------------------------------------------------
def window_decades(kkt: np.ndarray, window: int) -> np.ndarray:
    """Decades of r_max gained over each window: ``log10 kkt[i] - log10 kkt[i + window]``."""
    lk = np.log10(np.asarray(kkt, float))
    return lk[:-window] - lk[window:]


def pca_windows(snapshots: np.ndarray, window: int, stride: int) -> dict[str, np.ndarray]:
    """Explained-variance ratios of centred iterates in sliding windows (shared.diagnostics).

    ``snapshots`` are Z iterates (one svec per row); centring the iterates makes the top ratio
    the fraction of the window's spread along its main direction (paper claim (iii)).
    """
    w = windowed_step_pca(snapshots, window, stride=stride, normalize=False, center=True)
    ev = w.explained_variance_ratio
    cum = np.cumsum(ev, axis=1)
    n999 = np.argmax(cum >= 0.999 - 1e-12, axis=1) + 1
    return {
        "starts": w.starts,
        "top1": ev[:, 0],
        "top2": ev[:, :2].sum(axis=1),
        "n999": n999,
        "participation_ratio": w.participation_ratio,
    }


# --------------------------------------------------------------------------------------------
# the benchmark-like instance (1dc.n)
# --------------------------------------------------------------------------------------------
class PCAWindows:
    """Callback for :func:`shared.admm_sdp.run_admm`: PCA of consecutive windows of Z iterates.

    Keeps only the current window (``window`` svec rows) in memory; at the end of each window it
    stores the explained-variance ratios of the centred iterates and, for the unit step
    directions dZ / ||dZ||, the top ratio and participation ratio
    (``shared.diagnostics.step_pca``).
    """

    def __init__(self, window: int, offset: int = 0) -> None:
        if window < 3:
            raise ValueError(f"window={window} is not allowed: need >= 3 iterates")
        self.window, self.offset = window, offset
        self.buffer: list[np.ndarray] = []
        self.steps: list[np.ndarray] = []
        self.starts: list[int] = []
        self.step_top1: list[float] = []
        self.step_pr: list[float] = []
        self.top1: list[float] = []
        self.top2: list[float] = []
        self.n999: list[int] = []

    def __call__(self, k: int, old: ADMMState, new: ADMMState, sigma: float) -> None:
        self.buffer.append(new.Z.copy())
        self.steps.append(new.Z - old.Z)
        if len(self.buffer) == self.window:
            # Unit step directions, uncentred: the seed's "PCA on recent step directions".
            sp = step_pca(np.array(self.steps), normalize=True, center=False)
            self.step_top1.append(float(sp.explained_variance_ratio[0]))
            self.step_pr.append(float(sp.participation_ratio))
            self.steps = []
            ev = step_pca(
                np.array(self.buffer), normalize=False, center=True
            ).explained_variance_ratio
            cum = np.cumsum(ev)
            self.starts.append(self.offset + k + 1 - self.window)
            self.top1.append(float(ev[0]))
            self.top2.append(float(ev[:2].sum()))
            self.n999.append(int(np.searchsorted(cum, 0.999 - 1e-12) + 1))
            self.buffer = []

    def as_dict(self) -> dict[str, np.ndarray]:
        return {
            "starts": np.array(self.starts, dtype=int),
            "top1": np.array(self.top1),
            "top2": np.array(self.top2),
            "n999": np.array(self.n999, dtype=int),
            "step_top1": np.array(self.step_top1),
            "step_participation_ratio": np.array(self.step_pr),
        }


def theta_start(L: int) -> tuple[SDP, ScaledSDP, ADMMState]:
    """1dc.2^L theta SDP, its scaled data and the code's start X = S = 0 at sigma = 1."""
    from .instances import coding_graph, theta_sdp

    n = 2**L
    sdp = theta_sdp(n, coding_graph(L))
    data = scale_sdp(sdp, scale=True)
    return sdp, data, state_from_z(np.zeros(n * (n + 1) // 2), 1.0, sdp.m)
