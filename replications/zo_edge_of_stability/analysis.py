"""Summaries of the training logs used by the ledger (fixed before the first run).

* Plateau window: the checkpoints in the second half of the run (``step >= steps / 2``).
* Settled value: mean of a curvature quantity over the plateau window.
* Blow-up (the measurement's rule since the first build; card pitfall P8): non-finite parameters,
  or a full-batch loss above ``BLOWUP_FACTOR`` x its initial value at any logged step.
* Equal training loss (D12): the lowest level of a run set's loss-level grid reached by all of
  them, and each run's trace at the first logged step at or below it.
* Band (Song et al. 2026, Sec. 5.1, Eqs. 23-25): lower = Tr, upper = Tr + 2 lambda_max/(1+b)
  (b = 0 for ZO-GD, beta for ZO-GDM, beta1 for ZO-Adam, quantities of P^-1 H for Adam);
  threshold 2/eta (ZO-GD, ZO-Adam) or 2(1-beta)/eta (ZO-GDM). A checkpoint is "in the band"
  when 0.9 lower <= threshold <= 1.1 upper (card C7).
"""

from __future__ import annotations

import numpy as np

#: A run "blows up" when its full-batch loss exceeds this multiple of its initial loss.
BLOWUP_FACTOR = 10.0


def blew_up(run: dict) -> bool:
    """Non-finite parameters (``diverged``) or loss above ``BLOWUP_FACTOR`` x its start."""
    loss = np.asarray(run["loss"], dtype=np.float64)
    return bool(run["diverged"]) or not bool(np.all(loss <= BLOWUP_FACTOR * loss[0]))


def equal_loss_traces(runs: dict[str, dict]) -> tuple[float | None, dict[str, dict]]:
    """Traces at the lowest loss level reached by every run (D12).

    Parameters
    ----------
    runs : dict
        Name -> run log with ``level_level``, ``level_trace``, ``level_step``,
        ``level_full_loss`` (the levels each run reached, in decreasing order).

    Returns
    -------
    level : float or None
        The lowest common level (a fraction of the initial loss); ``None`` if no level is
        reached by every run.
    at : dict
        Name -> ``{"trace", "step", "full_loss"}`` at that level (empty if ``level`` is None).
    """
    common = None
    for r in runs.values():
        reached = {float(v) for v in np.asarray(r["level_level"]).tolist()}
        common = reached if common is None else common & reached
    if not common:
        return None, {}
    level = min(common)
    at = {}
    for name, r in runs.items():
        i = int(np.flatnonzero(np.asarray(r["level_level"]) == level)[0])
        at[name] = {
            "trace": float(r["level_trace"][i]),
            "step": int(r["level_step"][i]),
            "full_loss": float(r["level_full_loss"][i]),
        }
    return level, at


def plateau(run: dict) -> np.ndarray:
    """Boolean mask of the plateau-window checkpoints (second half of the run)."""
    steps = run["step"]
    return steps >= steps.max() / 2.0


def settled(run: dict, quantity: str) -> float:
    """Mean of ``run[quantity]`` over the plateau window."""
    return float(np.mean(run[quantity][plateau(run)]))


def threshold(method: str, eta: float, beta: float) -> float:
    """The EoS threshold of Eqs. 23-25: 2(1-beta)/eta for ZO-GDM, 2/eta otherwise."""
    return 2.0 * (1.0 - beta) / eta if method == "gdm" else 2.0 / eta


def band(run: dict, method: str, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) terms of the band at every checkpoint."""
    b = 0.0 if method == "gd" else beta
    lower = run["trace"]
    return lower, lower + 2.0 * run["lambda_max"] / (1.0 + b)


def band_fraction(run: dict, method: str, eta: float, beta: float) -> float:
    """Fraction of plateau checkpoints with 0.9 lower <= threshold <= 1.1 upper."""
    lo, hi = band(run, method, beta)
    th = threshold(method, eta, beta)
    m = plateau(run)
    inside = (0.9 * lo[m] <= th) & (th <= 1.1 * hi[m])
    return float(np.mean(inside))
