"""The ML worker caps its math libraries' threads (settings.ML_THREADS) when it starts: their per-core
default made a GP fit ~50x slower on a busy 2-core machine."""

from __future__ import annotations

import pytest

from openoutreach.celery import app

pytestmark = [pytest.mark.slow]


@pytest.mark.parametrize("threads", [1, 3])
def test_the_ml_worker_runs_its_math_libraries_with_ml_threads(start_worker, redis_client, threads):
    start_worker(["ml"], "ml", env_extra={"ML_THREADS": str(threads)})

    pools = app.send_task("ml.identify").get(timeout=60)["math_threads"]

    assert pools, "no math library loaded in the ML worker"
    assert set(pools.values()) == {threads}, pools


def test_a_bad_thread_count_is_refused_with_its_name():
    from openoutreach.ml.threads import limit_math_threads

    with pytest.raises(ValueError, match="ML_THREADS must be at least 1"):
        limit_math_threads(0)
