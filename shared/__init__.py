"""Core of hessian-replications: curvature estimators, solvers and helpers shared by replications.

Pure mathematics only: no file I/O, no configuration parsing. Replications under
``replications/`` import from here; their scripts do the I/O.

Modules
-------
linalg
    Krylov methods on operators: Lanczos, CG, Hutchinson / Hutch++ traces, SLQ densities.
sketch
    Randomized Nystrom approximation, the Nystrom preconditioner and Nystrom PCG.
hessian
    Hessian-vector-product operators from torch and jax losses.
diagnostics
    Step-direction angles, PCA of step windows, derivative-iterate norms.
ledger
    Verdicts of published claims against measured values.
plotting
    The house matplotlib style used by every figure.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
