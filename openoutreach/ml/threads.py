"""How many threads the math libraries (OpenBLAS/MKL, OpenMP) of this process may use.

Their default is one thread per core. On a busy 2-core machine shared with browsers, that made one GP
fit about 50 times slower (threads spinning against each other and the other processes), so the ML
worker and the benches limit them (settings.ML_THREADS, one by default). threadpoolctl only reaches
libraries already loaded, so the ones the ML code uses are imported first; the environment variables
cover libraries loaded later.
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_info, threadpool_limits

_ENV_NAMES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
_limiter: threadpool_limits | None = None  # kept alive: the limits hold until the process ends


def limit_math_threads(threads: int) -> str:
    """Limit every math-library thread pool of this process to `threads`; returns a one-line summary
    of what now runs (e.g. "1 thread(s): openblas 1, openmp 1") for logs and bench headers."""
    global _limiter
    if threads < 1:
        raise ValueError(f"ML_THREADS must be at least 1, got {threads}")
    for name in _ENV_NAMES:
        os.environ[name] = str(threads)
    import numpy  # noqa: F401  (load the BLAS the ML code uses, so the limit reaches it)
    import scipy.linalg  # noqa: F401
    import sklearn.decomposition  # noqa: F401

    _limiter = threadpool_limits(limits=threads)
    return f"{threads} thread(s): {describe()}"


def threadpool_threads() -> dict[str, int]:
    """Library file -> thread count, for every math-library pool loaded in this process."""
    return {p["filepath"]: p["num_threads"] for p in threadpool_info()}


def describe() -> str:
    """The loaded math libraries and their current thread counts, e.g. "openblas 1, openmp 1"."""
    pools = threadpool_info()
    return ", ".join(f"{p['internal_api']} {p['num_threads']}" for p in pools) or "no math library loaded"
