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
    angle_floor,
    run_admm,
    run_admm_batch,
    scale_sdp,
    sdp_from_matrices,
    state_from_z,
    svec,
)
from shared.diagnostics import spike_mask, step_pca, windowed_step_pca

from .instances import Toy, toy1, toy3


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

    Also returned, with the same relative-error formula:

    * ``relerr_step0``: the first step ``T(Z0) - Z0`` (the raw t^2 term before any transient
      is filtered out; paper card section 2.7: it is not phi) against phi;
    * ``relerr_x`` / ``relerr_s``: the logged ``dX^(k)`` against (t^2/2) phi_X and ``dS^(k)``
      against (t^2/2) phi_S (the primal-dual decoupling ``phi_Z = phi_X - sigma phi_S``);
    * ``relerr_x_as_z`` / ``relerr_s_as_z``: the competing hypothesis that one block carries
      the whole drift, ``dX`` against (t^2/2) phi_Z and ``dS`` against -(t^2/2) phi_Z / sigma;
    * ``angle_floor``: per logged step, the :func:`shared.admm_sdp.angle_floor` of the two
      steps whose angle ``angle_z`` is (NaN where ``angle_z`` is).
    """
    data = scale_sdp(toy.sdp, scale=False)
    z0 = svec(toy.Zbar + t * toy.H)
    s0 = state_from_z(z0, toy.sigma, toy.sdp.m)
    s1 = admm_step(data, s0, toy.sigma)
    phi = svec(toy.phi_Z)
    phi_x, phi_s = svec(toy.phi_X), svec(toy.phi_S)
    relerr = np.empty(n_iter)
    rel = {k: np.empty(n_iter) for k in ("x", "s", "x_as_z", "s_as_z")}

    def err(target: np.ndarray, d: np.ndarray) -> float:
        nd = np.linalg.norm(d)
        # A run that converged exactly has d = 0: the code's ratio is then inf.
        return float(np.linalg.norm(target - d) / nd) if nd > 0 else np.inf

    def record(k: int, old: ADMMState, new: ADMMState, sigma: float) -> None:
        h = 0.5 * t * t
        relerr[k] = err(phi, (new.Z - old.Z) / h)
        dx, ds = (new.X - old.X) / h, (new.S - old.S) / h
        rel["x"][k] = err(phi_x, dx)
        rel["s"][k] = err(phi_s, ds)
        rel["x_as_z"][k] = err(phi, dx)
        rel["s_as_z"][k] = err(-phi / toy.sigma, ds)

    res = run_admm(data, s1, toy.sigma, n_iter, tol=-1.0, callback=record)
    dzn = res.trace["dz_norm"]
    floor = np.full(n_iter, np.nan)
    floor[1:] = angle_floor(dzn[:-1], dzn[1:])
    return {
        "first_step": float(np.linalg.norm(s1.Z - z0)),
        "dz_norm": dzn,
        "angle_z": res.trace["angle_z"],
        "angle_floor": floor,
        "relerr": relerr,
        "relerr_step0": err(phi, (s1.Z - z0) / (0.5 * t * t)),
        **{f"relerr_{k}": v for k, v in rel.items()},
        "kkt": res.trace["kkt"],
    }


def drift_norm_at(toy: Toy, z0: np.ndarray, k: int) -> float:
    """``||Z^(k+1) - Z^(k)||`` of the fixed-sigma run from ``z0`` (``Z^(0) = z0``)."""
    data = scale_sdp(toy.sdp, scale=False)
    res = run_admm(data, state_from_z(z0, toy.sigma, toy.sdp.m), toy.sigma, k + 1, tol=-1.0)
    return float(res.trace["dz_norm"][k])


def homogeneity_run(
    toy: Toy, t: float, scales: list[float], k: int, seed: int
) -> dict[str, list[float] | float]:
    """Measured degree of homogeneity of the drift: phi(Zbar; a H) = a^2 phi(Zbar; H).

    For each ``a`` in ``scales`` the persistent drift ``||dZ^(k)||`` of the run from
    ``Zbar + t a H`` (k past the transient); its log-log slope against ``a`` is 2 for a map
    homogeneous of degree two. Control: the first step from the off-cone start
    ``Zbar + t a G`` (G a random unit direction, seed ``seed``), first order in ``a``.
    """
    a = np.asarray(scales, dtype=float)
    drift = [drift_norm_at(toy, svec(toy.Zbar + t * ai * toy.H), k) for ai in a]
    off = [off_cone_first_step(toy, float(t * ai), seed) for ai in a]
    return {
        "scales": a.tolist(),
        "drift": drift,
        "slope": log_slope(a, drift),
        "off_cone_first_step": off,
        "off_cone_slope": log_slope(a, off),
    }


def kernel_drift_ratio(toy: Toy, H: np.ndarray, t: float, n_iter: int) -> float:
    """Largest logged drift from ``Zbar + t H`` relative to the code direction's predicted one.

    ``max_{1 <= k <= n_iter} ||dZ^(k)|| / ((t^2/2) ||phi_Z(Zbar; H_code)||)``, with the code's
    logged differences (k >= 1). Small for ``H`` in the kernel of phi (no second-order drift);
    about 1 for the code's own direction.
    """
    data = scale_sdp(toy.sdp, scale=False)
    s0 = state_from_z(svec(toy.Zbar + t * H), toy.sigma, toy.sdp.m)
    res = run_admm(data, s0, toy.sigma, n_iter + 1, tol=-1.0)
    pred = 0.5 * t * t * np.linalg.norm(toy.phi_Z)
    return float(np.max(res.trace["dz_norm"][1:]) / pred)


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
    z_avg: np.ndarray | None = None


class LastAverage:
    """Callback for :func:`shared.admm_sdp.run_admm`: the mean of the last ``window`` Z iterates.

    The restart point of the seed document's "restarts" remedy (deviation D4); keeps a ring
    buffer of ``window`` svec rows.
    """

    def __init__(self, window: int) -> None:
        if window < 1:
            raise ValueError(f"window={window} is not allowed: need window >= 1")
        self.window = window
        self.buf: np.ndarray | None = None
        self.count = 0

    def __call__(self, k: int, old: ADMMState, new: ADMMState, sigma: float) -> None:
        if self.buf is None:
            self.buf = np.empty((self.window, new.Z.size))
        self.buf[self.count % self.window] = new.Z
        self.count += 1

    def mean(self) -> np.ndarray:
        if self.buf is None:
            raise ValueError("LastAverage.mean: no iterate was recorded")
        return self.buf[: min(self.count, self.window)].mean(axis=0)


def slow_start(
    toy: Toy, t: float, n_iter: int, tol: float, avg_window: int | None = None
) -> SlowStart:
    """toy*.m task VI, first half: ``n_iter`` steps at sigma = 1 from ``Zbar + t H``.

    With ``avg_window``, also the mean of the last ``avg_window`` Z iterates (restart point).
    """
    data = scale_sdp(toy.sdp, scale=False)
    s0 = state_from_z(svec(toy.Zbar + t * toy.H), toy.sigma, toy.sdp.m)
    avg = LastAverage(avg_window) if avg_window else None
    res = run_admm(data, s0, toy.sigma, n_iter, tol=tol, callback=avg)
    return SlowStart(
        data=data,
        state=res.state,
        kkt=res.trace["kkt"],
        sigma=toy.sigma,
        z_avg=avg.mean() if avg else None,
    )


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
# toy1 tasks III and V: the limit vector field on the cone and off-cone starts
# --------------------------------------------------------------------------------------------
def toy1_vector_field(
    t: float, sigma: float = 1.0, n_a: int = 10, n_b: int = 20
) -> dict[str, np.ndarray]:
    """toy1.m task III: the predicted drift (t^2/2) phi_Z(Zbar; H) on the cone plane.

    Points ``Zbar + t [[a, b], [b, -b]]`` for ``a`` in linspace(0, 1, n_a) and ``b`` in
    linspace(-1, 1, n_b) (code: t = 1e-2, sigma = 1, 10 x 20), i.e. the cone plane
    ``Z22 = -sigma - Z12`` with ``Z11 >= 0``; arrows are the (1,1), (1,2), (2,2) entries of
    ``(t^2/2) phi_Z``. Returns ``points`` and ``arrows``, each (n_a * n_b, 3).
    """
    pts, arr = [], []
    for a in np.linspace(0.0, 1.0, n_a):
        for b in np.linspace(-1.0, 1.0, n_b):
            toy = toy1(sigma=sigma, a=float(a), b=float(b))
            Z = toy.Zbar + t * toy.H
            D = 0.5 * t * t * toy.phi_Z
            pts.append([Z[0, 0], Z[0, 1], Z[1, 1]])
            arr.append([D[0, 0], D[0, 1], D[1, 1]])
    return {"points": np.array(pts), "arrows": np.array(arr)}


def cone_plane_distance(Z: np.ndarray, sigma: float) -> np.ndarray:
    """toy1: distance of svec iterates (..., 3) to the plane ``Z12 + Z22 = -sigma``.

    In the code's 3-D coordinates (Z11, Z12, Z22) of ``get_Z_3D_lists``; svec stores
    ``sqrt(2) Z12``.
    """
    Z = np.asarray(Z, dtype=float)
    return np.abs(Z[..., 1] / np.sqrt(2.0) + Z[..., 2] + sigma) / np.sqrt(2.0)


def toy1_off_cone_run(
    t: float, n_iter: int, sigma: float = 1.0, values: tuple[float, ...] = (-2.0, -1.0, 1.0, 2.0)
) -> dict[str, np.ndarray]:
    """toy1.m task V: ADMM from ``Zbar + t [[x, y], [y, z]]``, x, y, z in ``values`` (64 starts).

    The code starts at Zbar (a = b = 0: its two warm-up calls stay there) and injects the
    noise ``t svec(H)`` before its loop of 1000 fixed-sigma steps; here the run starts from
    ``Zbar + t H`` directly (the same iterates). Returns the (Z11, Z12, Z22) trajectories
    (n_iter + 1, 64, 3) and the distance to the cone plane at the start and after one step.
    """
    toy = toy1(sigma=sigma)
    data = scale_sdp(toy.sdp, scale=False)
    starts = []
    for x in values:
        for y in values:
            for z in values:
                starts.append(svec(toy.Zbar + t * np.array([[x, y], [y, z]])))
    run = run_admm_batch(data, np.array(starts), sigma, n_iter)
    traj = run.Z.copy()
    traj[..., 1] /= np.sqrt(2.0)  # svec -> the matrix entry Z12
    return {
        "traj": traj,
        "dist0": cone_plane_distance(run.Z[0], sigma),
        "dist1": cone_plane_distance(run.Z[1], sigma),
        "kkt": run.kkt,
    }


# --------------------------------------------------------------------------------------------
# toy3 task VII: the spike grid
# --------------------------------------------------------------------------------------------
def code_angles(dZ: np.ndarray) -> np.ndarray:
    """Angles between consecutive steps along axis 0 (``get_ang.m``; vectorised).

    ``dZ`` is (K, ..., d); returns (K - 1, ...): ``arccos`` of the normalised inner product
    with 1e-16 added to the norms and the cosine clamped to [-1 + 1e-16, 1 - 1e-16].
    """
    u, v = dZ[:-1], dZ[1:]
    nu = np.linalg.norm(u, axis=-1) + 1e-16
    nv = np.linalg.norm(v, axis=-1) + 1e-16
    c = np.clip(np.sum(u * v, axis=-1) / (nu * nv), -1.0 + 1e-16, 1.0 - 1e-16)
    return np.arccos(c)


def toy3_spike_grid(
    t: float,
    n_iter: int,
    eps_list: list[float],
    h_list: list[float],
    sigma: float = 1.0,
    spike_factor: float = 100.0,
    spike_window: int = 101,
) -> dict[str, np.ndarray]:
    """toy3.m task VII: ``Zbar + t H(h, eps)`` for a grid of (eps, h), fixed sigma.

    The code makes two warm-up calls and then logs ``n_iter`` differences; we run
    ``n_iter + 2`` steps and keep the same ``n_iter`` differences. Per run: ``dz_norm``
    (n_iter), ``angle`` between consecutive logged differences (n_iter - 1), ``kkt``
    (n_iter), and the spike mask of the angles (``shared.diagnostics.spike_mask``). Arrays
    are indexed [iteration, eps index, h index].
    """
    toys = [toy3(sigma=sigma, h=h, eps=e) for e in eps_list for h in h_list]
    data = scale_sdp(toys[0].sdp, scale=False)
    Z0 = np.array([svec(ty.Zbar + t * ty.H) for ty in toys])
    run = run_admm_batch(data, Z0, sigma, n_iter + 2)
    dZ = np.diff(run.Z, axis=0)[2:]  # the code's logged differences
    ang = code_angles(dZ)
    spikes = np.stack(
        [spike_mask(ang[:, i], spike_factor, spike_window) for i in range(ang.shape[1])], axis=1
    )
    shape = (len(eps_list), len(h_list))
    return {
        "dz_norm": np.linalg.norm(dZ, axis=-1).reshape(-1, *shape),
        "angle": ang.reshape(-1, *shape),
        "spikes": spikes.reshape(-1, *shape),
        "kkt": run.kkt[2:].reshape(-1, *shape),
    }


# --------------------------------------------------------------------------------------------
# toy task VI seen through PCA: the subspace before and after a sigma-induced escape
# --------------------------------------------------------------------------------------------
def _window_pca(Z: np.ndarray) -> dict[str, float | int]:
    ev = step_pca(Z, normalize=False, center=True).explained_variance_ratio
    return {
        "top1": float(ev[0]),
        "top2": float(ev[:2].sum()),
        "n999": int(np.searchsorted(np.cumsum(ev), 0.999 - 1e-12) + 1),
        "n_iterates": int(Z.shape[0]),
    }


def escape_dimension(
    toy: Toy, t: float, n_iter: int, sigma_new: float, window: int, tol: float
) -> dict[str, dict | np.ndarray]:
    """PCA of the centred Z iterates just before and just after a sigma switch (task VI).

    ``n_iter`` steps at ``toy.sigma`` from ``Zbar + t H`` (the slow region), then ``n_iter``
    steps at ``sigma_new`` (stopping below ``tol``, as the code). The slow window is the last
    ``window`` iterates before the switch, the escape window the first ``window`` after it
    (fewer if the run stops). Also returns the decades of r_max gained in each window, per
    1000 iterations.
    """
    snaps: list[np.ndarray] = []

    def keep(k: int, old: ADMMState, new: ADMMState, sigma: float) -> None:
        snaps.append(new.Z.copy())

    data = scale_sdp(toy.sdp, scale=False)
    s0 = state_from_z(svec(toy.Zbar + t * toy.H), toy.sigma, toy.sdp.m)
    r1 = run_admm(data, s0, toy.sigma, n_iter, tol=tol, callback=keep)
    before = np.array(snaps[-window:])
    snaps.clear()
    r2 = run_admm(data, r1.state, sigma_new, n_iter, tol=tol, callback=keep)
    after = np.array(snaps[:window])
    k1, k2 = r1.trace["kkt"], r2.trace["kkt"]

    def rate(k: np.ndarray) -> float:
        return float((np.log10(k[0]) - np.log10(k[-1])) * 1000.0 / max(1, len(k) - 1))

    return {
        "slow": {**_window_pca(before), "decades_per_1000": rate(k1[-window:])},
        "escape": {**_window_pca(after), "decades_per_1000": rate(k2[:window])},
        "kkt": np.concatenate([k1, k2]),
    }


# --------------------------------------------------------------------------------------------
# windows of a long run: stall detection and PCA of the iterates
# --------------------------------------------------------------------------------------------
def window_decades(kkt: np.ndarray, window: int) -> np.ndarray:
    """Decades of r_max gained over each window: ``log10 kkt[i] - log10 kkt[i + window]``."""
    lk = np.log10(np.asarray(kkt, float))
    return lk[:-window] - lk[window:]


def window_rates(kkt: np.ndarray, window: int) -> np.ndarray:
    """Decades of r_max gained per 1000 iterations inside each complete block of ``window`` steps.

    Block ``j`` holds steps ``j window ... (j + 1) window - 1`` (the blocks of
    :class:`PCAWindows`); its rate is ``(log10 kkt[first] - log10 kkt[last]) * 1000 /
    (window - 1)``.
    """
    lk = np.log10(np.asarray(kkt, float))
    n = len(lk) // window
    first, last = lk[: n * window : window], lk[window - 1 : n * window : window]
    return (first - last) * 1000.0 / (window - 1)


def longest_trapped_run(
    rates: list[float] | np.ndarray,
    top2: list[float] | np.ndarray,
    window: int,
    stall: float = 0.5,
    share: float = 0.99,
) -> int:
    """Iterations covered by the longest run of consecutive *trapped* windows.

    A window is trapped when r_max gains less than ``stall`` decades per 1000 iterations in it
    (it is slow) and its top two principal components hold at least ``share`` of the variance
    of the centred iterates (low-dimensional): claim (iii), windows aligned with the slow region.
    """
    best = run = 0
    for r, s in zip(rates, top2, strict=True):
        run = run + 1 if (r < stall and s >= share) else 0
        best = max(best, run)
    return best * window


def find_escape(
    rates: list[float] | np.ndarray, slow: float = 0.5, fast: float = 1.0, min_slow: int = 2
) -> int | None:
    """Index of the first window that escapes a slow region, or None.

    An escape window gains at least ``fast`` decades of r_max per 1000 iterations and follows
    at least ``min_slow`` consecutive windows that gain less than ``slow``.
    """
    n_slow = 0
    for j, r in enumerate(rates):
        if r >= fast and n_slow >= min_slow:
            return j
        n_slow = n_slow + 1 if r < slow else 0
    return None


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


def clarabel_theta(sdp: SDP) -> dict:
    """Reference optimum of a theta SDP with cvxpy + Clarabel (objective and solver status).

    The edges are read back from the svec columns of ``sdp.A`` (rows 1.. hold one entry each);
    the problem is ``min <C, X>`` s.t. ``tr X = 1``, ``X_ij = 0`` on edges, ``X`` psd, in
    original (unscaled) units, solved with Clarabel's default tolerances.
    """
    import cvxpy as cp

    n = sdp.n
    X = cp.Variable((n, n), symmetric=True)
    _, cols = sdp.A[1:].nonzero()
    jj = np.floor((np.sqrt(8 * cols + 1) - 1) / 2).astype(int)
    ii = cols - jj * (jj + 1) // 2
    cons = [X >> 0, cp.trace(X) == 1] + [X[i, j] == 0 for i, j in zip(ii, jj, strict=True)]
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(sdp.C, X))), cons)
    value = prob.solve(solver=cp.CLARABEL)
    return {"solver": "CLARABEL", "status": prob.status, "value": float(value)}


def theta_start(L: int) -> tuple[SDP, ScaledSDP, ADMMState]:
    """1dc.2^L theta SDP, its scaled data and the code's start X = S = 0 at sigma = 1."""
    from .instances import coding_graph, theta_sdp

    n = 2**L
    sdp = theta_sdp(n, coding_graph(L))
    data = scale_sdp(sdp, scale=True)
    return sdp, data, state_from_z(np.zeros(n * (n + 1) // 2), 1.0, sdp.m)
