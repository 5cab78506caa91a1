"""Test configuration of the shared core's tests.

The suite runs with ``--import-mode=importlib``, which does not put test directories on
``sys.path``; this directory is added so the tests can import their oracle helpers
(``_shared_oracles``).
"""

from __future__ import annotations

import os
import sys

# Two BLAS threads on two cores make the small dense kernels of these tests many times slower.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
