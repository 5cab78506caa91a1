"""Phase retrieval on the sphere: data, the normalised intensity loss, spherical gradient flow and
the Riemannian (time-dependent) Hessian.

Model (Bonnaire, Biroli & Cammarota, arXiv:2403.02418, Sec. 2; conventions of the paper card
``../shared/papers/phase_retrieval.md`` Sec. 3, tagged [inferred] where the paper was not
readable):

* sensing vectors ``x_mu ~ N(0, I_N)``, ``mu = 1..M``, ``M = round(alpha N)``;
* signal ``w*`` uniform on the sphere ``|w*|^2 = N``; labels ``y = (x.w*)^2 / N``;
* prediction ``yhat = (x.w)^2 / N``; loss ``L(w) = sum_mu (y - yhat)^2 / (a + y)`` (extensive sum,
  card Sec. 3.2; default ``a = 0.01``, card Sec. 2 [rel]);
* spherical gradient flow ``dw/dt = -grad L + mu(w) w`` with ``mu = w.grad L / N`` (card Sec. 3.3);
* Riemannian Hessian ``H(w) = P_w (nabla^2 L - mu I) P_w``, ``P_w = I - w w^T / N`` (card Sec. 3.4),
  with ``nabla^2 L = (1/N) sum f_mu x x^T``, ``f = 4 (3 yhat - y) / (a + y)``.

Everything is torch float64 and batched over independent instances (a leading seed axis ``S``), so
that one matrix product serves every seed of a success-rate point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.linalg import eigh
from scipy.sparse.linalg import LinearOperator

from shared.hessian import torch_hessian_operator
from shared.linalg import lanczos

__all__ = [
    "BottomSpectrum",
    "DenseBottom",
    "DynamicsResult",
    "Instance",
    "bottom_spectrum",
    "dense_bottom_spectrum",
    "gradient",
    "hessian_weights",
    "lagrange_multiplier",
    "loss",
    "make_instances",
    "random_sphere",
    "riemannian_gradient",
    "riemannian_hessian_dense",
    "riemannian_hessian_operator",
    "run_dynamics",
    "spectral_start",
]

DTYPE = torch.float64


def as_device(device: str | torch.device) -> torch.device:
    """The torch device ``device`` (``"cpu"``, ``"cuda"`` or ``"cuda:<k>"``), or a ValueError.

    Random numbers are always drawn on the CPU with per-seed ``torch.Generator`` objects and then
    moved, so an instance is the same on every device (CUDA generators give other streams).
    """
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"device={device!r} is not allowed: need 'cpu', 'cuda' or 'cuda:<index>'"
        ) from err
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device={device!r} is not allowed: need 'cpu', 'cuda' or 'cuda:<index>'")
    return dev


@dataclass(frozen=True)
class Instance:
    """A batch of ``S`` independent phase-retrieval instances of the same size.

    Attributes
    ----------
    X : torch.Tensor, shape (S, M, N)
        Gaussian sensing vectors (rows).
    w_star : torch.Tensor, shape (S, N)
        Signals, ``|w*|^2 = N``.
    y : torch.Tensor, shape (S, M)
        Labels ``(x . w*)^2 / N``.
    a : float
        Loss parameter of ``l_a``.
    seeds : tuple of int
        The seed of each instance.
    """

    X: torch.Tensor
    w_star: torch.Tensor
    y: torch.Tensor
    a: float
    seeds: tuple[int, ...]

    @property
    def n(self) -> int:
        return int(self.X.shape[2])

    @property
    def m(self) -> int:
        return int(self.X.shape[1])


def _check_size(n: int, alpha: float, a: float) -> int:
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"N={n!r} is not allowed: need an integer N >= 2")
    if not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha={alpha!r} is not allowed: need a finite alpha > 0")
    if not np.isfinite(a) or a <= 0:
        raise ValueError(f"a={a!r} is not allowed: the loss l_a needs a finite a > 0")
    m = round(alpha * n)
    if m < 1:
        raise ValueError(f"alpha={alpha} with N={n} gives M={m}: need M = round(alpha N) >= 1")
    return m


def make_instances(
    n: int, alpha: float, a: float, seeds: list[int], *, device: str | torch.device = "cpu"
) -> Instance:
    """Draw one instance per seed (card Sec. 3.1): ``X ~ N(0,1)``, ``w*`` uniform on the sphere.

    Parameters
    ----------
    n : int
        Dimension ``N``.
    alpha : float
        Sample ratio ``alpha = M / N`` (``M = round(alpha N)``).
    a : float
        Loss parameter ``a > 0``.
    seeds : list of int
        One non-negative seed per instance (a ``torch.Generator`` each; no global state).
    device : str or torch.device
        Where the tensors live (the build's ``configured_device()``); drawn on the CPU first, so
        the numbers do not depend on the device.

    Returns
    -------
    Instance
    """
    dev = as_device(device)
    m = _check_size(n, alpha, a)
    if len(seeds) == 0 or any((not isinstance(s, int)) or s < 0 for s in seeds):
        raise ValueError(f"seeds={seeds!r} is not allowed: need a non-empty list of ints >= 0")
    xs, ws = [], []
    for s in seeds:
        g = torch.Generator().manual_seed(int(s))
        w = torch.randn(n, generator=g, dtype=DTYPE)
        ws.append(w * (n**0.5) / torch.linalg.norm(w))
        xs.append(torch.randn(m, n, generator=g, dtype=DTYPE))
    X, w_star = torch.stack(xs).to(dev), torch.stack(ws).to(dev)
    y = torch.einsum("smn,sn->sm", X, w_star) ** 2 / n
    return Instance(X=X, w_star=w_star, y=y, a=float(a), seeds=tuple(int(s) for s in seeds))


def random_sphere(
    n: int, seeds: list[int], *, offset: int = 1_000_003, device: str | torch.device = "cpu"
) -> torch.Tensor:
    """Uniform points on the sphere ``|w|^2 = N``, one per seed, on ``device``.

    Seed ``s + offset`` gives a stream separate from the data of :func:`make_instances`; drawn on
    the CPU and then moved (device-independent numbers).
    """
    dev = as_device(device)
    out = []
    for s in seeds:
        g = torch.Generator().manual_seed(int(s) + offset)
        w = torch.randn(n, generator=g, dtype=DTYPE)
        out.append(w * (n**0.5) / torch.linalg.norm(w))
    return torch.stack(out).to(dev)


def loss(X: torch.Tensor, y: torch.Tensor, a: float, w: torch.Tensor) -> torch.Tensor:
    """``L(w) = sum_mu (y_mu - yhat_mu)^2 / (a + y_mu)`` (card Sec. 3.2), batched: shape (S,)."""
    n = X.shape[-1]
    yhat = torch.einsum("...mn,...n->...m", X, w) ** 2 / n
    return (((y - yhat) ** 2) / (a + y)).sum(-1)


def gradient(X: torch.Tensor, y: torch.Tensor, a: float, w: torch.Tensor) -> torch.Tensor:
    """Euclidean gradient ``(4/N) sum_mu (yhat - y)/(a + y) (x.w) x`` (card Sec. 3.3)."""
    n = X.shape[-1]
    h = torch.einsum("...mn,...n->...m", X, w)
    r = (h * h / n - y) / (a + y)
    return 4.0 / n * torch.einsum("...mn,...m->...n", X, r * h)


def lagrange_multiplier(w: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """``mu = w . grad L / N``: keeps ``|w|^2 = N`` under the flow (card Sec. 3.3)."""
    return (w * grad).sum(-1) / w.shape[-1]


def riemannian_gradient(
    X: torch.Tensor, y: torch.Tensor, a: float, w: torch.Tensor
) -> torch.Tensor:
    """``grad L - mu w``: the velocity of the spherical gradient flow is minus this."""
    g = gradient(X, y, a, w)
    return g - lagrange_multiplier(w, g)[..., None] * w


def hessian_weights(X: torch.Tensor, y: torch.Tensor, a: float, w: torch.Tensor) -> torch.Tensor:
    """``f_mu = 4 (3 yhat - y)/(a + y)``: ``nabla^2 L = (1/N) X^T diag(f) X`` (card Sec. 3.4)."""
    n = X.shape[-1]
    yhat = torch.einsum("...mn,...n->...m", X, w) ** 2 / n
    return 4.0 * (3.0 * yhat - y) / (a + y)


# --------------------------------------------------------------------------------------------
# Riemannian Hessian as an operator on w^perp, and its bottom eigenpairs
# --------------------------------------------------------------------------------------------


class _TangentOperator(LinearOperator):
    """``H = P (nabla^2 L - mu I) P`` restricted to ``w^perp`` in Householder coordinates.

    The Householder reflection ``Q = I - 2 u u^T`` maps ``w/|w|`` to ``e_1``; the columns 2..N of
    ``Q`` are an orthonormal basis ``B`` of ``w^perp``, so ``B^T H B`` is the Hessian without the
    trivial zero mode along ``w`` (card Sec. 3.4 and pitfall 1), applied in O(N) extra work.
    """

    def __init__(self, hvp, w: np.ndarray):
        n = w.shape[0]
        super().__init__(dtype=np.float64, shape=(n - 1, n - 1))
        e1 = np.zeros(n)
        e1[0] = 1.0
        u = w / np.linalg.norm(w) - e1
        nu = np.linalg.norm(u)
        self._u = u / nu if nu > 1e-14 else np.zeros(n)
        self._hvp = hvp

    def embed(self, v: np.ndarray) -> np.ndarray:
        """``B v``: tangent coordinates (N - 1) -> ambient vector orthogonal to ``w``."""
        z = np.concatenate([[0.0], v])
        return z - 2.0 * self._u * (self._u @ z)

    def restrict(self, z: np.ndarray) -> np.ndarray:
        """``B^T z``."""
        return (z - 2.0 * self._u * (self._u @ z))[1:]

    def _matvec(self, v: np.ndarray) -> np.ndarray:
        return self.restrict(self._hvp(self.embed(np.asarray(v, dtype=np.float64).ravel())))

    def _rmatvec(self, v: np.ndarray) -> np.ndarray:
        return self._matvec(v)


def riemannian_hessian_operator(
    X: torch.Tensor, y: torch.Tensor, a: float, w: torch.Tensor
) -> tuple[_TangentOperator, float]:
    """The Riemannian Hessian at ``w`` (one instance) as a LinearOperator on ``w^perp``.

    ``H = P (nabla^2 L - mu I) P`` is the projected Hessian of the Lagrangian
    ``L(w) - (mu/2)(|w|^2 - N)`` at the fixed multiplier ``mu = mu(w)`` (card Sec. 3.4); its
    products come from :func:`shared.hessian.torch_hessian_operator` (autodiff HVP), so no
    N x N matrix is formed.

    Parameters
    ----------
    X : torch.Tensor, shape (M, N)
    y : torch.Tensor, shape (M,)
    a : float
    w : torch.Tensor, shape (N,)
        Point on the sphere.

    Returns
    -------
    op : LinearOperator, shape (N - 1, N - 1)
        With ``embed`` / ``restrict`` to map between tangent coordinates and R^N.
    mu : float
        The Lagrange multiplier at ``w``.

    Notes
    -----
    The operator works on the CPU whatever the device of the inputs: ``shared.hessian`` and
    ``shared.linalg.lanczos`` exchange numpy vectors, so the tensors are copied to the CPU
    (a no-op there) before the HVP graph is built.
    """
    X, y, w = X.cpu(), y.cpu(), w.cpu()
    if X.ndim != 2 or y.ndim != 1 or w.ndim != 1:
        raise ValueError(
            f"riemannian_hessian_operator takes one instance: X (M, N), y (M,), w (N,); got "
            f"shapes {tuple(X.shape)}, {tuple(y.shape)}, {tuple(w.shape)}"
        )
    mu = float(lagrange_multiplier(w, gradient(X, y, a, w)))

    def lagrangian(v: torch.Tensor) -> torch.Tensor:
        return loss(X, y, a, v) - 0.5 * mu * (v * v).sum()

    hop = torch_hessian_operator(lagrangian, w)
    return _TangentOperator(hop.matvec, w.numpy().astype(np.float64)), mu


@dataclass(frozen=True)
class BottomSpectrum:
    """Bottom eigenpairs of the Riemannian Hessian on ``w^perp``.

    Attributes
    ----------
    eigenvalues : ndarray, shape (k,)
        Ascending ``lambda_1 <= ... <= lambda_k``.
    overlaps : ndarray, shape (k,)
        ``|v_i . w*| / sqrt(N)`` for unit eigenvectors ``v_i`` (ambient coordinates).
    v1 : ndarray, shape (N,)
        Bottom eigenvector in R^N (unit norm, orthogonal to ``w``).
    mu : float
        Lagrange multiplier at ``w``.
    n_matvec : int
    converged : bool
    residual : float
        Largest Ritz residual.
    """

    eigenvalues: np.ndarray
    overlaps: np.ndarray
    v1: np.ndarray
    mu: float
    n_matvec: int
    converged: bool
    residual: float


def bottom_spectrum(
    X: torch.Tensor,
    y: torch.Tensor,
    a: float,
    w: torch.Tensor,
    w_star: torch.Tensor,
    *,
    k: int = 3,
    num_iter: int = 80,
    tol: float = 1e-8,
    seed: int = 0,
) -> BottomSpectrum:
    """Smallest ``k`` eigenpairs of the Riemannian Hessian by :func:`shared.linalg.lanczos`.

    The bottom is poorly separated relative to the spectral width at t = 0 (card pitfall 12), so
    the Krylov basis is larger than ARPACK's default (``num_iter``, capped at N - 1).
    """
    op, mu = riemannian_hessian_operator(X, y, a, w)  # on the CPU (see its Notes)
    n1 = op.shape[0]
    res = lanczos(
        op, k, which="smallest", num_iter=min(n1, max(num_iter, 2 * k + 1)), tol=tol, seed=seed
    )
    vecs = np.stack([op.embed(res.eigenvectors[:, i]) for i in range(k)], axis=1)
    ws = w_star.cpu().numpy()
    ov = np.abs(ws @ vecs) / np.sqrt(w.shape[0])
    return BottomSpectrum(
        eigenvalues=res.eigenvalues.copy(),
        overlaps=ov,
        v1=vecs[:, 0].copy(),
        mu=mu,
        n_matvec=res.n_matvec,
        converged=res.converged,
        residual=float(res.residuals.max()),
    )


def spectral_start(
    inst: Instance, seeds: list[int], *, num_iter: int = 100, tol: float = 1e-7
) -> torch.Tensor:
    """Spectral initialisation ``w(0) = sqrt(N) v_1(H(w_ref))`` (card Sec. 3.3).

    ``v_1`` is the bottom eigenvector of the Riemannian Hessian at a random reference point
    ``w_ref`` (:func:`random_sphere` with the instance's seeds), i.e. along the t = 0 outlier when
    there is one (card Sec. 3.6 (a)); its overlap ``|m(0)|`` with ``w*`` is then
    ``|v_1 . w*| / sqrt(N)``. Lanczos seed = instance seed.

    Parameters
    ----------
    inst : Instance
    seeds : list of int
        The instance seeds (one per row of ``inst``), also used for ``w_ref`` and Lanczos.
    num_iter, tol : int, float
        Lanczos basis size and tolerance (:func:`bottom_spectrum`).

    Returns
    -------
    torch.Tensor, shape (S, N)
        Starting points on the sphere, on the instance's device.
    """
    if len(seeds) != inst.X.shape[0]:
        raise ValueError(f"{len(seeds)} seeds for {inst.X.shape[0]} instances: need one per row")
    n = inst.n
    w_ref = random_sphere(n, seeds)
    out = []
    for i, s in enumerate(seeds):
        b = bottom_spectrum(
            inst.X[i],
            inst.y[i],
            inst.a,
            w_ref[i],
            inst.w_star[i],
            k=1,
            num_iter=num_iter,
            tol=tol,
            seed=s,
        )
        out.append(torch.from_numpy(b.v1 * np.sqrt(n)))
    return torch.stack(out).to(inst.X.device)


# --------------------------------------------------------------------------------------------
# Dense Riemannian Hessian (card Sec. 6.1: exact eigh at CPU sizes)
# --------------------------------------------------------------------------------------------


def _householder(w: np.ndarray) -> np.ndarray:
    """Unit ``u`` with ``(I - 2 u u^T) w/|w| = e_1`` (zero if ``w`` is already along ``e_1``)."""
    e1 = np.zeros(w.shape[0])
    e1[0] = 1.0
    u = w / np.linalg.norm(w) - e1
    nu = np.linalg.norm(u)
    return u / nu if nu > 1e-14 else np.zeros_like(u)


def riemannian_hessian_dense(
    X: torch.Tensor, y: torch.Tensor, a: float, w: torch.Tensor
) -> tuple[np.ndarray, np.ndarray, float]:
    """``B^T (nabla^2 L - mu I) B`` on ``w^perp`` as a dense (N-1) x (N-1) matrix (card Sec. 3.4).

    Same operator as :func:`riemannian_hessian_operator` (same Householder basis ``B``, the
    columns 2..N of ``Q = I - 2 u u^T``), formed explicitly from ``nabla^2 L = (1/N) X^T diag(f)
    X`` with the weights of :func:`hessian_weights`; cost ``M N^2`` (card Sec. 6.1).

    Parameters
    ----------
    X : torch.Tensor, shape (M, N)
    y : torch.Tensor, shape (M,)
    a : float
    w : torch.Tensor, shape (N,)

    Returns
    -------
    H : ndarray, shape (N - 1, N - 1)
        Symmetric.
    u : ndarray, shape (N,)
        Householder vector: ``B v = (I - 2 u u^T) [0, v]``.
    mu : float
        Lagrange multiplier at ``w``.
    """
    X, y, w = X.cpu(), y.cpu(), w.cpu()
    if X.ndim != 2 or y.ndim != 1 or w.ndim != 1:
        raise ValueError(
            f"riemannian_hessian_dense takes one instance: X (M, N), y (M,), w (N,); got "
            f"shapes {tuple(X.shape)}, {tuple(y.shape)}, {tuple(w.shape)}"
        )
    n = w.shape[0]
    mu = float(lagrange_multiplier(w, gradient(X, y, a, w)))
    f = hessian_weights(X, y, a, w).numpy()
    Xn = X.numpy()
    hess = (Xn.T * f) @ Xn / n
    u = _householder(w.numpy().astype(np.float64))
    hu = hess @ u
    # Q H Q with Q = I - 2 u u^T, then drop the first row and column (the w direction).
    qhq = hess - 2.0 * np.outer(hu, u) - 2.0 * np.outer(u, hu) + 4.0 * (u @ hu) * np.outer(u, u)
    H = qhq[1:, 1:] - mu * np.eye(n - 1)
    return 0.5 * (H + H.T), u, mu


@dataclass(frozen=True)
class DenseBottom:
    """Bottom eigenpairs of the Riemannian Hessian by dense ``eigh`` (``dense_bottom_spectrum``).

    Attributes
    ----------
    eigenvalues : ndarray, shape (k,)
        Ascending ``lambda_1 <= ... <= lambda_k`` on ``w^perp``.
    overlaps : ndarray, shape (k,)
        ``|v_i . w*| / sqrt(N)`` (unit ``v_i`` in R^N, orthogonal to ``w``).
    overlaps_perp : ndarray, shape (k,)
        ``|v_i . w*_perp| / |w*_perp|`` with ``w*_perp`` the part of ``w*`` orthogonal to ``w``
        (equal to ``overlaps / sqrt(1 - m^2)``; ``nan`` when ``|m| = 1``).
    decoy_overlaps : ndarray or None, shape (k,)
        ``|v_i . u| / |u|`` for a decoy direction ``u`` independent of the data (if given).
    m : float
        ``|w . w*| / N``.
    mu : float
        Lagrange multiplier.
    """

    eigenvalues: np.ndarray
    overlaps: np.ndarray
    overlaps_perp: np.ndarray
    decoy_overlaps: np.ndarray | None
    m: float
    mu: float


def dense_bottom_spectrum(
    X: torch.Tensor,
    y: torch.Tensor,
    a: float,
    w: torch.Tensor,
    w_star: torch.Tensor,
    *,
    k: int = 3,
    decoy: torch.Tensor | None = None,
) -> DenseBottom:
    """Smallest ``k`` eigenpairs of the Riemannian Hessian at ``w`` by dense ``eigh`` (exact).

    The card recommends a dense eigendecomposition for every CPU-scale spectrum (Sec. 6.1,
    pitfall 12: Lanczos converges slowly at the poorly separated bottom).

    Parameters
    ----------
    X, y, a, w : as :func:`riemannian_hessian_dense`
    w_star : torch.Tensor, shape (N,)
        The signal.
    k : int
        Number of bottom eigenpairs (``1 <= k <= N - 1``).
    decoy : torch.Tensor, shape (N,), optional
        A direction independent of the data (control of the overlap claims).

    Returns
    -------
    DenseBottom
    """
    n = w.shape[-1]
    if not 1 <= k <= n - 1:
        raise ValueError(f"k={k} is not allowed: need 1 <= k <= N - 1 = {n - 1}")
    H, u, mu = riemannian_hessian_dense(X, y, a, w)
    ev, vec = eigh(H, subset_by_index=[0, k - 1])
    z = np.vstack([np.zeros((1, k)), vec])
    V = z - 2.0 * np.outer(u, u @ z)  # ambient eigenvectors, orthogonal to w
    wn = w.cpu().numpy().astype(np.float64)
    ws = w_star.cpu().numpy().astype(np.float64)
    m = float(abs(wn @ ws) / n)
    ws_perp = ws - (ws @ wn) / (wn @ wn) * wn
    norm_perp = float(np.linalg.norm(ws_perp))
    ov = np.abs(ws @ V) / np.sqrt(n)
    ov_perp = np.abs(ws_perp @ V) / norm_perp if norm_perp > 0 else np.full(k, np.nan)
    dec = None
    if decoy is not None:
        d = decoy.cpu().numpy().astype(np.float64)
        dec = np.abs(d @ V) / np.linalg.norm(d)
    return DenseBottom(
        eigenvalues=ev.copy(),
        overlaps=ov,
        overlaps_perp=ov_perp,
        decoy_overlaps=dec,
        m=m,
        mu=mu,
    )


# --------------------------------------------------------------------------------------------
# Spherical gradient descent (batched over instances)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DynamicsResult:
    """Outcome of :func:`run_dynamics` for a batch of instances.

    Attributes
    ----------
    m_final : ndarray, shape (S,)
        ``|w . w*| / N`` at the stop of each run.
    t_final : ndarray, shape (S,)
        Physical time at which each run stopped.
    status : ndarray of str, shape (S,)
        ``"success"`` (|m| reached ``m_success``), ``"stalled"``, ``"plateau"`` (loss levelled
        off, only with ``plateau_times``) or ``"timeout"`` (reached T).
    loss_final : ndarray, shape (S,)
        ``L(w) / N`` at the stop.
    n_steps : int
        Number of discrete steps taken by the batch.
    w_final : torch.Tensor, shape (S, N)
        On the instance's device.
    record_t : ndarray, shape (R,)
        Times at which ``record_w`` was stored (requested ``record_times`` reached).
    record_w : torch.Tensor, shape (R, S, N)
        On the instance's device.
    """

    m_final: np.ndarray
    t_final: np.ndarray
    status: np.ndarray
    loss_final: np.ndarray
    n_steps: int
    w_final: torch.Tensor
    record_t: np.ndarray
    record_w: torch.Tensor


def _power_lmax(X: torch.Tensor, f: torch.Tensor, v: torch.Tensor, iters: int) -> tuple:
    """Largest eigenvalue of ``(1/N) X^T diag(f) X`` per instance (warm-started power iteration)."""
    n = X.shape[-1]
    lam = None
    for _ in range(iters):
        xv = torch.bmm(X, v.unsqueeze(-1)).squeeze(-1)
        z = torch.bmm((f * xv).unsqueeze(1), X).squeeze(1) / n
        lam = (z * v).sum(-1)
        v = z / torch.linalg.norm(z, dim=-1, keepdim=True)
    return lam.abs(), v


def run_dynamics(
    inst: Instance,
    w0: torch.Tensor,
    *,
    t_max: float,
    eta_max: float = 0.05,
    refresh: int = 20,
    power_iters: int = 3,
    t_constrained: float = 0.0,
    m_success: float = 0.95,
    stall_window: float = 5.0,
    stall_tol: float = 1e-4,
    record_times: tuple[float, ...] = (),
    max_steps: int = 2_000_000,
    plateau_times: tuple[float, ...] = (),
    plateau_rtol: float = 1e-6,
    plateau_atol: float = 1e-12,
) -> DynamicsResult:
    """Discretised spherical gradient flow ``dw/dt = -(grad L - mu w)`` (card Sec. 3.3, 6.1).

    Step: ``w <- sqrt(N) (w - eta g) / |w - eta g|`` with the Riemannian gradient ``g``. The step
    is adaptive because small ``a`` makes the early flow stiff (``lambda_max(nabla^2 L)`` is
    ``~ 12 yhat_max / a`` at t = 0, card pitfall 4): ``eta = min(eta_max, 1 / lambda_hat)``,
    with ``lambda_hat`` the largest curvature over the batch from ``power_iters`` warm-started
    power iterations every ``refresh`` steps (15 at the first step). The whole batch shares one
    time grid ``t = sum eta_k``.

    Constrained initialisation (issue; card Sec. 3.3): while ``t < t_constrained`` the signal
    direction is removed from ``g`` and from ``w`` at every step, then the run is released.

    A run stops as ``success`` when ``|m| >= m_success``; as ``stalled`` when, after release,
    ``|m|`` changed by less than ``stall_tol`` over ``stall_window`` time units while
    ``|m| < m_success`` (card Sec. 6.1); as ``plateau`` when ``plateau_times`` are given and, at
    the first step reaching one of them (after the first), the loss has levelled off since the
    previous one: ``|L(t_k) - L(t_(k-1))| / N <= plateau_rtol * L(t_k) / N + plateau_atol``;
    else at ``t_max`` (``timeout``). Finished runs leave the batch (so the shared step size then
    follows the remaining runs).

    Every tensor operation runs on the instance's device (``inst.X.device``, the build's
    ``configured_device()``); only scalars leave it, so a CUDA run differs from a CPU run by
    rounding only.

    Parameters
    ----------
    inst : Instance
    w0 : torch.Tensor, shape (S, N)
        Initial points on the sphere, on the instance's device.
    t_max : float
        Final physical time ``T``.
    eta_max, refresh, power_iters : float, int, int
        Step-size control (see above).
    t_constrained : float
        ``t_c`` of the constrained initialisation (0 = unconstrained).
    m_success, stall_window, stall_tol : float
        Stopping rules (see above).
    record_times : tuple of float
        Times at which to store ``w`` of every run (the first step reaching each time).
    max_steps : int
        Safety cap on the number of steps.
    plateau_times : tuple of float
        Checkpoints of the plateau rule (empty: no plateau stop). A checkpoint at ``t_max`` is
        evaluated on the last step, before the run is declared ``timeout``.
    plateau_rtol, plateau_atol : float
        Tolerances of the plateau rule (see above).

    Returns
    -------
    DynamicsResult
    """
    if t_max <= 0 or eta_max <= 0:
        raise ValueError(f"t_max={t_max}, eta_max={eta_max}: both must be > 0")
    if w0.shape != inst.w_star.shape:
        raise ValueError(f"w0 has shape {tuple(w0.shape)}, need {tuple(inst.w_star.shape)}")
    dev = inst.X.device
    if w0.device != dev:
        raise ValueError(f"w0 is on {w0.device} but the instance is on {dev}: use the same device")
    n = inst.n
    S = w0.shape[0]
    sqrt_n = n**0.5
    X, y, a = inst.X, inst.y, inst.a
    ws_hat = inst.w_star / sqrt_n
    w = w0.clone()
    if t_constrained > 0:
        w = w - (w * ws_hat).sum(-1, keepdim=True) * ws_hat
        w = sqrt_n * w / torch.linalg.norm(w, dim=-1, keepdim=True)
    active = torch.arange(S, device=dev)
    m_final = np.zeros(S)
    t_final = np.zeros(S)
    loss_final = np.zeros(S)
    status = np.array(["timeout"] * S, dtype=object)
    w_final = w.clone()
    rec_times = sorted(float(r) for r in record_times)
    rec_w = []
    rec_t = []
    g = torch.Generator().manual_seed(12345)
    v_pow = torch.randn(S, n, generator=g, dtype=DTYPE).to(dev)  # CPU stream, any device
    lam_hat = None
    t = 0.0
    step = 0
    # Stall bookkeeping: |m| at the last checkpoint and the time of that checkpoint.
    m_check = None
    t_check = None
    plat_times = sorted(float(p) for p in plateau_times)
    l_prev = None  # L/N of the active runs at the previous plateau checkpoint
    Xa, ya, wsa, va = X, y, ws_hat, v_pow
    while step < max_steps:
        while rec_times and t >= rec_times[0] - 1e-12:
            full = w_final.clone()
            full[active] = w
            rec_w.append(full)
            rec_t.append(t)
            rec_times.pop(0)
        h = torch.bmm(Xa, w.unsqueeze(-1)).squeeze(-1)
        yhat = h * h / n
        if step % refresh == 0:
            f = 4.0 * (3.0 * yhat - ya) / (a + ya)
            lam, va = _power_lmax(Xa, f, va, 15 if step == 0 else power_iters)
            lam_hat = float(lam.max())
        eta = min(eta_max, 1.0 / max(lam_hat, 1e-12), t_max - t + 1e-15)
        r = (yhat - ya) / (a + ya)
        grad = 4.0 / n * torch.bmm((r * h).unsqueeze(1), Xa).squeeze(1)
        mu = (w * grad).sum(-1, keepdim=True) / n
        gr = grad - mu * w
        constrained = t < t_constrained
        if constrained:
            gr = gr - (gr * wsa).sum(-1, keepdim=True) * wsa
        w = w - eta * gr
        if constrained:
            w = w - (w * wsa).sum(-1, keepdim=True) * wsa
        w = sqrt_n * w / torch.linalg.norm(w, dim=-1, keepdim=True)
        t += eta
        step += 1
        m = ((w * wsa).sum(-1) / sqrt_n).abs()
        released = t >= t_constrained
        done = m >= m_success
        if released:
            if m_check is None or m_check.shape[0] != w.shape[0]:
                m_check, t_check = m.clone(), t
            elif t - t_check >= stall_window:
                done = done | ((m - m_check).abs() < stall_tol)
                m_check, t_check = m.clone(), t
        plateau = None
        if plat_times and t >= plat_times[0] - 1e-12:
            while plat_times and t >= plat_times[0] - 1e-12:
                plat_times.pop(0)
            l_cur = loss(Xa, ya, a, w) / n
            if l_prev is not None:
                plateau = (l_prev - l_cur).abs() <= plateau_rtol * l_cur.abs() + plateau_atol
                done = done | plateau
            l_prev = l_cur
        if t >= t_max - 1e-12:
            done = torch.ones_like(done)
        if bool(done.any()):
            idx = active[done]
            lf = loss(Xa[done], ya[done], a, w[done]) / n
            at_plateau = plateau[done].tolist() if plateau is not None else None
            for j, i in enumerate(idx.tolist()):
                mi = float(m[done][j])
                m_final[i] = mi
                t_final[i] = t
                loss_final[i] = float(lf[j])
                if mi >= m_success:
                    status[i] = "success"
                elif at_plateau is not None and at_plateau[j]:
                    status[i] = "plateau"
                elif t >= t_max - 1e-12:
                    status[i] = "timeout"
                else:
                    status[i] = "stalled"
            w_final[idx] = w[done]
            keep = ~done
            active, w = active[keep], w[keep]
            # Re-slice the data only when the batch shrinks (a copy of X per step is the cost).
            Xa, ya, wsa, va = Xa[keep], ya[keep], wsa[keep], va[keep]
            if m_check is not None:
                m_check = m_check[keep]
            if l_prev is not None:
                l_prev = l_prev[keep]
            if active.numel() == 0:
                break
    while rec_times:  # times after every run stopped: the final points
        rec_w.append(w_final.clone())
        rec_t.append(rec_times.pop(0))
    return DynamicsResult(
        m_final=m_final,
        t_final=t_final,
        status=status.astype(str),
        loss_final=loss_final,
        n_steps=step,
        w_final=w_final,
        record_t=np.asarray(rec_t),
        record_w=torch.stack(rec_w) if rec_w else torch.zeros(0, S, n, dtype=DTYPE, device=dev),
    )
