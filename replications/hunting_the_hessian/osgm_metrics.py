"""Pure helpers that turn runs into the numbers the OSGM claims compare (rates, counts).

Kept apart from the scripts so the bookkeeping is unit-tested.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np

#: The talk's table "# solved instances in LIBSVM" (SVM / logistic regression).
PUBLISHED = {
    "svm": {
        "GD": 5,
        "GD-HB": 9,
        "AGD-CVX": 8,
        "AGD-SCVX": 7,
        "Adam": 26,
        "AdaGrad": 9,
        "L-BFGS-M1": 13,
        "L-BFGS-M3": 20,
        "L-BFGS-M5": 26,
        "L-BFGS-M10": 31,
        "BFGS": 32,
        "OSGM": 32,
    },
    "logistic": {
        "GD": 2,
        "GD-HB": 7,
        "AGD-CVX": 3,
        "AGD-SCVX": 6,
        "Adam": 11,
        "AdaGrad": 8,
        "L-BFGS-M1": 11,
        "L-BFGS-M3": 14,
        "L-BFGS-M5": 16,
        "L-BFGS-M10": 18,
        "BFGS": 26,
        "OSGM": 21,
    },
}


def floor_index(f_hist: np.ndarray, floor: float, k_max: int | None = None) -> int:
    """Last usable index: the first k with ``f_k <= floor`` (pitfall 18), capped at ``k_max``."""
    f = np.asarray(f_hist, dtype=float)
    last = len(f) - 1 if k_max is None else min(len(f) - 1, int(k_max))
    hit = np.flatnonzero(f[: last + 1] <= floor)
    return int(hit[0]) if hit.size else last


def window_contraction(f_hist: np.ndarray, floor: float, k_max: int | None = None) -> float:
    """Geometric-mean per-step contraction of f over iterations ``K/2 .. K``.

    ``K`` is :func:`floor_index`; returns ``(f_K / f_{K/2})^(1/(K - K/2))``. For a linear rate
    ``f_k = c q^k`` this is ``q`` exactly.
    """
    f = np.asarray(f_hist, dtype=float)
    k = floor_index(f, floor, k_max)
    k0 = k // 2
    if k - k0 < 1:
        raise ValueError(f"need at least two values before the floor, got K = {k}")
    lo, hi = max(f[k0], np.finfo(float).tiny), max(f[k], np.finfo(float).tiny)
    return float(math.exp((math.log(hi) - math.log(lo)) / (k - k0)))


def median_tail_ratio(f_hist: np.ndarray, floor: float, tail: int = 20) -> float:
    """Median of ``f_{k+1}/f_k`` over the last ``tail`` steps before the floor."""
    f = np.asarray(f_hist, dtype=float)
    k = floor_index(f, floor)
    k0 = max(0, k - tail)
    ratios = f[k0 + 1 : k + 1] / f[k0:k]
    return float(np.median(ratios))


def hitting_time(f_hist: np.ndarray, threshold: float) -> int:
    """First index k with ``f_k <= threshold``; ``len(f_hist)`` (censored) if never reached.

    For a run of K iterations (``K + 1`` values) a censored run returns ``K + 1`` (D13).
    """
    f = np.asarray(f_hist, dtype=float)
    hit = np.flatnonzero(f <= threshold)
    return int(hit[0]) if hit.size else int(f.size)


def window_contractions(f_hist: np.ndarray, n_windows: int, length: int) -> list[float]:
    """Geometric-mean per-step contraction of f over consecutive windows of ``length`` steps.

    Window ``j`` (1-based) covers iterations ``(j-1) length .. j length`` and returns
    ``(f_{j length} / f_{(j-1) length})^(1/length)``; values are clamped at the smallest normal
    float so an underflowed f gives a finite (tiny) contraction. For a linear rate
    ``f_k = c q^k`` every window returns ``q``.
    """
    f = np.asarray(f_hist, dtype=float)
    if int(n_windows) < 1 or int(length) < 1:
        raise ValueError(f"n_windows = {n_windows!r}, length = {length!r}; both must be >= 1")
    if f.size < n_windows * length + 1:
        raise ValueError(
            f"need {n_windows * length + 1} values for {n_windows} windows of {length}, "
            f"got {f.size}"
        )
    tiny = np.finfo(float).tiny
    out = []
    for j in range(int(n_windows)):
        lo, hi = max(f[j * length], tiny), max(f[(j + 1) * length], tiny)
        out.append(float(math.exp((math.log(hi) - math.log(lo)) / length)))
    return out


def moving_average(f: np.ndarray, window: int) -> np.ndarray:
    """MATLAB ``filter(ones(1, w)/w, 1, f)`` (``test_stochastic.m``): causal window mean, the
    first ``w - 1`` entries averaged with zeros in front."""
    if int(window) < 1:
        raise ValueError(f"window = {window!r} is not allowed; it must be >= 1")
    c = np.cumsum(np.concatenate([np.zeros(int(window)), np.asarray(f, dtype=float)]))
    return (c[window:] - c[:-window]) / window


def solved_counts(instances: Mapping[str, Mapping], methods: Sequence[str]) -> dict[str, int]:
    """Number of instances each method solved (``instances[name]["methods"][m]["solved"]``)."""
    return {
        m: int(sum(bool(rec["methods"][m]["solved"]) for rec in instances.values()))
        for m in methods
    }


def ordinal_checks(
    svm: Mapping[str, int], logistic: Mapping[str, int], n_svm: int, n_log: int
) -> dict[str, dict]:
    """The ledger's ordinal checks C1-C7 as measurement values (lhs, rhs per case).

    Returns a mapping claim id -> ``{"value": [...], "rhs": [...]}`` (or a single ``value``).
    """
    out: dict[str, dict] = {}
    nonadaptive = ("GD", "GD-HB", "AGD-CVX", "AGD-SCVX", "AdaGrad")
    cases = (("svm", svm, n_svm), ("logistic", logistic, n_log))
    out["osgm-solved-bfgs-most"] = {
        "value": [c["BFGS"] for _, c, _ in cases],
        "rhs": [max(v for m, v in c.items() if m != "BFGS") - 1 for _, c, _ in cases],
    }
    out["osgm-solved-above-nonadaptive"] = {
        "value": [c["OSGM"] for _, c, _ in cases],
        "rhs": [max(c[m] for m in nonadaptive) + max(2, math.ceil(0.1 * n)) for _, c, n in cases],
    }
    out["osgm-solved-at-least-adam"] = {
        "value": [c["OSGM"] for _, c, _ in cases],
        "rhs": [c["Adam"] for _, c, _ in cases],
    }
    val, rhs = [], []
    for _, c, _ in cases:
        val += [c["OSGM"], c["OSGM"]]
        rhs += [c["L-BFGS-M5"] - 1, 0.8 * c["L-BFGS-M10"]]
    out["osgm-solved-close-to-lbfgs"] = {"value": val, "rhs": rhs}
    chain = ("L-BFGS-M1", "L-BFGS-M3", "L-BFGS-M5", "L-BFGS-M10", "BFGS")
    val, rhs = [], []
    for _, c, _ in cases:
        for small, large in itertools.pairwise(chain):
            val.append(c[large] + 1)
            rhs.append(c[small])
    out["osgm-solved-lbfgs-memory-monotone"] = {"value": val, "rhs": rhs}
    out["osgm-solved-gd-fewest"] = {
        "value": [c["GD"] for _, c, _ in cases],
        "rhs": [min(v for m, v in c.items() if m != "GD") for _, c, _ in cases],
    }
    out["osgm-solved-logistic-harder"] = {
        "value": int(sum(logistic[m] <= svm[m] for m in svm)),
    }
    return out


def ordinal_controls(
    svm: Mapping[str, int], logistic: Mapping[str, int], n_svm: int, n_log: int
) -> dict[str, dict]:
    """The controls of checks C1-C7: the same comparison with another method in the claimed role.

    Returns a mapping claim id -> ``{"value": ..., "rhs": ...}`` (the control's measurement; the
    ledger's ``control.case`` says which method or reading stands in).
    """
    out: dict[str, dict] = {}
    nonadaptive = ("GD", "GD-HB", "AGD-CVX", "AGD-SCVX", "AdaGrad")
    cases = (("svm", svm, n_svm), ("logistic", logistic, n_log))
    # C1: Adam in place of BFGS
    out["osgm-solved-bfgs-most"] = {
        "value": [c["Adam"] for _, c, _ in cases],
        "rhs": [max(v for m, v in c.items() if m != "Adam") - 1 for _, c, _ in cases],
    }
    # C2: GD-HB in place of OSGM, against the other four non-adaptive methods + margin
    out["osgm-solved-above-nonadaptive"] = {
        "value": [c["GD-HB"] for _, c, _ in cases],
        "rhs": [
            max(c[m] for m in nonadaptive if m != "GD-HB") + max(2, math.ceil(0.1 * n))
            for _, c, n in cases
        ],
    }
    # C3: AdaGrad in place of OSGM
    out["osgm-solved-at-least-adam"] = {
        "value": [c["AdaGrad"] for _, c, _ in cases],
        "rhs": [c["Adam"] for _, c, _ in cases],
    }
    # C4: L-BFGS-M1 in place of OSGM
    val, rhs = [], []
    for _, c, _ in cases:
        val += [c["L-BFGS-M1"], c["L-BFGS-M1"]]
        rhs += [c["L-BFGS-M5"] - 1, 0.8 * c["L-BFGS-M10"]]
    out["osgm-solved-close-to-lbfgs"] = {"value": val, "rhs": rhs}
    # C5: the memory chain reversed
    chain = ("L-BFGS-M1", "L-BFGS-M3", "L-BFGS-M5", "L-BFGS-M10", "BFGS")
    val, rhs = [], []
    for _, c, _ in cases:
        for small, large in itertools.pairwise(chain):
            val.append(c[small] + 1)
            rhs.append(c[large])
    out["osgm-solved-lbfgs-memory-monotone"] = {"value": val, "rhs": rhs}
    # C6: Adam in place of GD
    out["osgm-solved-gd-fewest"] = {
        "value": [c["Adam"] for _, c, _ in cases],
        "rhs": [min(v for m, v in c.items() if m != "Adam") for _, c, _ in cases],
    }
    # C7: the reverse reading (SVM count <= logistic count)
    out["osgm-solved-logistic-harder"] = {
        "value": int(sum(svm[m] <= logistic[m] for m in svm)),
    }
    return out
