"""Embedding throughput and peak memory of the offline MiniLM model at batch sizes 8, 16 and 256.

Each batch size runs in its own process so its peak RSS is its own. Texts are real profile texts from
the sandbox population (parsed by the browser layer's parser). Usage: .venv/bin/python bench/ml_embed.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_TEXTS = 256


def child(batch: int, cache: str) -> None:
    from openoutreach.ml.embeddings import Embedder
    from openoutreach.ml.profile_text import profile_text
    from openoutreach.ml.sandbox_pool import sandbox_pool

    pool = sandbox_pool(size=N_TEXTS, seed=11)
    texts = [profile_text(pool.profile(p)) for p in pool.people]
    embedder = Embedder(cache_dir=cache, batch_size=batch)
    started = time.perf_counter()
    embedder.embed(texts[:2])  # load (and build on first use)
    load = time.perf_counter() - started
    started = time.perf_counter()
    embedder.embed(texts)
    elapsed = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"batch": batch, "texts_per_s": len(texts) / elapsed, "load_s": load, "peak_rss_mb": rss_mb}
        )
    )


def main() -> None:
    cache = tempfile.mkdtemp(prefix="ml-bench-models-")
    build = time.perf_counter()
    from openoutreach.ml.onnx_minilm import ensure_minilm_model

    ensure_minilm_model(Path(cache) / "all-MiniLM-L6-v2-onnx")
    print(f"ONNX build from safetensors: {time.perf_counter() - build:.1f} s")
    print(f"{N_TEXTS} sandbox profile texts per run")
    print(f"{'batch':>6} {'texts/s':>9} {'load s':>7} {'peak RSS MB':>12}")
    for batch in (8, 16, 256):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(batch), cache],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['batch']:>6} {r['texts_per_s']:>9.1f} {r['load_s']:>7.2f} {r['peak_rss_mb']:>12.0f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), sys.argv[3])
    else:
        main()
