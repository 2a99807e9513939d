"""Helpers shared by the benchmark scripts: timing, environment facts, JSON results.

Every benchmark script in this folder exposes ``run(quick: bool = False) -> dict`` and a
``__main__`` block; ``benchmarks/run.py`` runs them all. Figures are medians over
repeated timings taken side by side in one process, and ratios compare those medians.
"""

from __future__ import annotations

import json
import os
import pathlib
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

#: Where ``save_results`` writes. A script run on its own writes the git-ignored
#: ``results-scratch/direct/``; ``run.py`` points this at ``results/`` for a full run with
#: the reference settings, so only such a run replaces the committed figures.
RESULTS_DIR = pathlib.Path(__file__).parent / "results-scratch" / "direct"


def time_call(
    fn: Callable[[], Any], repeats: int = 7, warmup: int = 1, number: int = 1
) -> dict[str, float]:
    """Times ``number`` calls of ``fn`` ``repeats`` times after ``warmup`` untimed runs.

    Returns the median, the interquartile range and min/max of the seconds per call.
    """
    for _ in range(warmup):
        for _ in range(number):
            fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return summarize(samples)


def interleaved(
    candidates: dict[str, Callable[[], Any]],
    repeats: int,
    number: int = 1,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, dict[str, float]]:
    """Times every candidate ``repeats`` times, alternating between them each repeat.

    Alternating spreads a shared machine's load changes over all candidates alike, so
    their ratio stays meaningful. ``clock=time.process_time`` measures CPU time instead
    of wall time. Returns ``summarize`` of each one's seconds per call.
    """
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = clock()
            for _ in range(number):
                fn()
            samples[name].append((clock() - start) / number)
    return {name: summarize(values) for name, values in samples.items()}


def summarize(samples: list[float]) -> dict[str, float]:
    """Median, quartiles, min and max of a list of seconds."""
    ordered = sorted(samples)
    if len(ordered) >= 4:
        q1, _, q3 = statistics.quantiles(ordered, n=4)
    else:
        q1, q3 = ordered[0], ordered[-1]
    return {
        "median_s": statistics.median(ordered),
        "q1_s": q1,
        "q3_s": q3,
        "min_s": ordered[0],
        "max_s": ordered[-1],
        "repeats": len(ordered),
    }


def environment() -> dict[str, Any]:
    """Device, backend and versions, recorded with every result file."""
    import keras
    import numpy as np

    info: dict[str, Any] = {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "device": "cpu",
        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            info["device"] = "gpu"
            info["gpus"] = [
                tf.config.experimental.get_device_details(g).get("device_name", g.name)
                for g in gpus
            ]
    except ImportError:
        pass
    if info["backend"] == "jax":
        import jax

        info["jax"] = jax.__version__
        info["device"] = jax.default_backend()
    return info


def save_results(name: str, payload: dict[str, Any]) -> pathlib.Path:
    """Writes ``payload`` plus the environment to ``RESULTS_DIR/<name>.json``."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"benchmark": name, "environment": environment(), **payload}
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
