"""Oracle matrices with known spectra for the tests of the shared core."""

from __future__ import annotations

import numpy as np


def matrix_with_spectrum(eigenvalues: np.ndarray, seed: int) -> np.ndarray:
    """Symmetric matrix ``Q diag(eigenvalues) Q^T`` with a Haar-random orthogonal ``Q``."""
    eigenvalues = np.asarray(eigenvalues, dtype=np.float64)
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((eigenvalues.size, eigenvalues.size)))
    Q *= np.sign(np.diag(R))
    A = (Q * eigenvalues) @ Q.T
    return (A + A.T) / 2
