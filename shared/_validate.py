"""Private input checks shared by :mod:`shared.linalg`, :mod:`shared.sketch` and friends.

Every public function of the shared core validates its arguments here so that bad input gives a
``ValueError`` / ``TypeError`` naming the offending value and what is allowed, never a traceback
from deep inside numpy or scipy.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator, aslinearoperator

__all__ = [
    "as_square_operator",
    "check_choice",
    "check_int",
    "check_positive_float",
    "check_vector",
    "rng_from",
]


def rng_from(seed: int | np.random.Generator | None, name: str = "seed") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from an int seed or a Generator (never global state)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or seed is None:
        raise TypeError(
            f"{name}={seed!r} is not allowed: pass an int >= 0 or a numpy.random.Generator "
            "(global random state is never used)"
        )
    if isinstance(seed, numbers.Integral):
        if int(seed) < 0:
            raise ValueError(f"{name}={seed} is not allowed: need an int >= 0")
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"{name}={seed!r} (type {type(seed).__name__}) is not allowed: "
        "pass an int >= 0 or a numpy.random.Generator"
    )


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, checking ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r} is not allowed: need an integer")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise ValueError(f"{name}={v} is not allowed: need {lo} <= {name} <= {hi}")
    return v


def check_positive_float(
    value: Any, name: str, *, allow_zero: bool = False, finite: bool = True
) -> float:
    """Return ``value`` as a float, checking ``value > 0`` (or ``>= 0``) and finiteness."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} is not allowed: need a real number")
    v = float(value)
    if np.isnan(v) or (finite and not np.isfinite(v)):
        raise ValueError(f"{name}={v} is not allowed: need a finite number")
    if v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}={v} is not allowed: need {name} {bound}")
    return v


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not allowed: choose one of {list(choices)}")
    return value


def as_square_operator(A: Any, name: str = "A") -> LinearOperator:
    """Wrap ``A`` with ``scipy.sparse.linalg.aslinearoperator`` and check it is square, n >= 1.

    The returned operator has dtype float64 semantics: every estimator of the core works in float64.
    """
    if A is None:
        raise TypeError(
            f"{name}=None is not allowed: pass a square array, sparse matrix or operator"
        )
    if isinstance(A, np.ndarray) or (hasattr(A, "__array__") and not hasattr(A, "matvec")):
        arr = np.asarray(A)
        if arr.ndim != 2:
            raise ValueError(
                f"{name} has shape {arr.shape}: need a square 2-D array, sparse matrix or operator"
            )
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise TypeError(f"{name} has dtype {arr.dtype}: need a real (float or integer) array")
        A = arr.astype(np.float64, copy=False)
    try:
        op = aslinearoperator(A)
    except TypeError as exc:
        raise TypeError(
            f"{name} of type {type(A).__name__} is not an operator: pass what "
            "scipy.sparse.linalg.aslinearoperator accepts (array, sparse matrix, LinearOperator)"
        ) from exc
    m, n = op.shape
    if m != n:
        raise ValueError(f"{name} has shape {op.shape}: need a square operator")
    if n < 1:
        raise ValueError(f"{name} has shape {op.shape}: need n >= 1")
    if op.dtype is not None and np.issubdtype(op.dtype, np.complexfloating):
        raise TypeError(f"{name} has complex dtype {op.dtype}: only real symmetric operators")
    return op


def check_vector(b: Any, n: int, name: str = "b") -> np.ndarray:
    """Return ``b`` as a finite float64 vector of length ``n``."""
    arr = np.asarray(b)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} has shape {np.shape(b)}: need a vector of length n={n}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} has dtype {arr.dtype}: need a real vector")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf: need finite entries")
    return arr


def matmat(op: LinearOperator, X: np.ndarray) -> np.ndarray:
    """Apply ``op`` to the columns of ``X`` in one block call, returned as a float64 array."""
    Y = op.matmat(X) if X.shape[1] > 1 else op.matvec(X[:, 0]).reshape(-1, 1)
    Y = np.asarray(Y)
    if np.iscomplexobj(Y):
        raise TypeError("the operator returned complex values: only real symmetric operators")
    Y = Y.astype(np.float64, copy=False).reshape(X.shape[0], X.shape[1])
    return Y if Y.flags.writeable else Y.copy()
