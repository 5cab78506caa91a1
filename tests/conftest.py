"""Test-wide set-up: one BLAS thread (two threads on two cores slow small kernels badly)."""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
