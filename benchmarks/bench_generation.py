"""400-character generation: ``CharRNN.generate`` against the tutorial's window re-run.

The tutorial writes each character by calling its ``RNN`` (an ``LSTMCell`` looped in
Python over a 40-character window, batch 1, 256 units) on the last 40 characters,
then ``tf.nn.softmax(logits / T).numpy()`` and ``np.random.choice``, and slides the
window: 40 LSTM steps per character. ``CharRNN.generate`` carries the LSTM state and
runs one step per character. Both models get the same weights (untrained: speed does
not depend on them) and a vocabulary of 60 characters, as Nietzsche's text has about
that many.

The tutorial's run is timed once (about 47 s for 400 characters on this machine; the
per-character median of that run is reported too), ``generate`` ``repeats`` times.
Then issue 13's batch goal: 200 new characters (50 with ``--quick``) for 256 prompts
of 40 characters, ``generate(..., compiled=False)`` (NumPy) against ``compiled=True``
(one compiled ``keras.ops`` loop: ``tf.function(jit_compile=True)``, ``jax.jit``,
eager on torch), interleaved, median of 3, each setting in a fresh process that
limits NumPy's BLAS, the backend and XLA to the same number of threads: 1 (the
goal, compiled >= 1x NumPy) and the default (all cores, where the backend's thread
pool and NumPy's BLAS differ). The model is ``CharRNN(96, 256)``, untrained.

Run ``python benchmarks/bench_generation.py [--quick]`` (``--quick`` writes 40
characters); results go to ``benchmarks/results/generation.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np

import keras_tutorial_kit as ktk
from _common import interleaved, save_results, summarize
from _tutorial_rnn import TutorialRNN

GOAL = 150.0
VOCAB, UNITS, SEQ_LENGTH = 60, 256, 40
BATCH, BATCH_VOCAB, BATCH_GOAL = 256, 96, 1.0
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def run(quick: bool = False) -> dict:
    length = 40 if quick else 400
    repeats = 3 if quick else 7
    rng = np.random.default_rng(0)
    prompt = rng.integers(0, VOCAB, size=(1, SEQ_LENGTH)).astype(np.int32)

    model = ktk.models.CharRNN(VOCAB, units=UNITS)
    model.build((None, None))
    tutorial = TutorialRNN(VOCAB, batch_size=1, seq_length=SEQ_LENGTH, units=UNITS)
    tutorial.cell.build((None, VOCAB))
    tutorial.dense.build((None, UNITS))
    tutorial.cell.set_weights(model.lstm.cell.get_weights())
    tutorial.dense.set_weights(model.output_layer.get_weights())
    np.random.seed(0)  # noqa: NPY002 (the tutorial samples with the legacy global generator)

    def tutorial_generate() -> list[float]:
        per_char = []
        x = prompt
        for _ in range(length):
            start = time.perf_counter()
            y = tutorial.sample(x, 1.0)
            x = np.concatenate([x[:, 1:], y[:, None]], axis=-1)
            per_char.append(time.perf_counter() - start)
        return per_char

    sampler = ktk.samplers.TemperatureSampler(temperature=1.0, seed=0)
    model.generate(prompt, 5, sampler=sampler)  # warm-up
    tutorial.sample(prompt)  # warm-up (first-call tracing)

    ours = []
    start = time.perf_counter()
    per_char = tutorial_generate()
    tutorial_total = time.perf_counter() - start
    for _ in range(repeats):
        start = time.perf_counter()
        model.generate(prompt, length, sampler=sampler)
        ours.append(time.perf_counter() - start)
    ours_summary = summarize(ours)
    payload = {
        "description": f"{length} characters, batch 1, vocab {VOCAB}, {UNITS} units, window {SEQ_LENGTH}",
        "quick": quick,
        "length": length,
        "tutorial_total_s": tutorial_total,
        "tutorial_per_char": summarize(per_char),
        "ktk_generate": ours_summary,
        "ktk_per_char_median_s": ours_summary["median_s"] / length,
        "speedup": tutorial_total / ours_summary["median_s"],
        "speedup_per_char_medians": statistics.median(per_char) * length / ours_summary["median_s"],
        "goal": {"speedup": GOAL, "met": tutorial_total / ours_summary["median_s"] >= GOAL},
    }
    payload["batch_256"] = {
        "goal_threads": 1,
        "by_threads": {
            str(threads or "default"): _batch_in_process(threads, quick) for threads in (1, 0)
        },
    }
    one = payload["batch_256"]["by_threads"]["1"]
    one["goal"] = {
        "compiled_over_numpy": BATCH_GOAL,
        "met": one["compiled_over_numpy"] >= BATCH_GOAL,
    }
    save_results("generation", payload)
    print(
        f"{length} characters: tutorial window re-run {tutorial_total:.2f} s "
        f"({statistics.median(per_char) * 1e3:.1f} ms/char median), CharRNN.generate "
        f"{ours_summary['median_s'] * 1e3:.1f} ms median of {repeats} "
        f"({ours_summary['median_s'] / length * 1e6:.0f} us/char): {payload['speedup']:.0f}x "
        f"(goal >= {GOAL:.0f}x: {'met' if payload['goal']['met'] else 'NOT met'})"
    )
    for threads, row in payload["batch_256"]["by_threads"].items():
        print(
            f"batch {BATCH}, {threads} thread(s): NumPy {row['numpy']['chars_per_s']:,.0f}, "
            f"compiled {row['compiled']['chars_per_s']:,.0f} chars/s: "
            f"{row['compiled_over_numpy']:.2f}x"
            + (f" (goal >= {BATCH_GOAL}x)" if "goal" in row else "")
        )
    return payload


def _batch_in_process(threads: int, quick: bool) -> dict:
    """Runs ``_batch_worker`` in a fresh process limited to ``threads`` (0: default)."""
    env = dict(os.environ)
    if threads:
        env.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
        env["XLA_FLAGS"] = (
            f"{env.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false "
            f"intra_op_parallelism_threads={threads}"
        ).strip()
    command = [sys.executable, os.path.abspath(__file__), "--batch-worker", str(threads)]
    output = subprocess.run(
        command + (["--quick"] if quick else []), env=env, check=True, capture_output=True
    ).stdout
    return json.loads(output.decode().strip().splitlines()[-1])


def _batch_worker(threads: int, quick: bool) -> dict:
    """NumPy against compiled ``generate`` at batch 256, in this process's threads."""
    import keras

    if threads and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    elif threads and keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(threads)
    length = 50 if quick else 200
    model = ktk.models.CharRNN(BATCH_VOCAB, units=UNITS)
    model.build((None, None))
    prompts = np.random.default_rng(0).integers(0, BATCH_VOCAB, size=(BATCH, SEQ_LENGTH))
    sampler = ktk.samplers.TemperatureSampler(temperature=1.0, seed=0)
    candidates = {
        name: (lambda c=compiled: model.generate(prompts, length, sampler, compiled=c))
        for name, compiled in (("numpy", False), ("compiled", True))
    }
    timings = interleaved(candidates, repeats=3, warmup=1)
    for summary in timings.values():
        summary["chars_per_s"] = BATCH * length / summary["median_s"]
    return {
        "threads": threads or "default",
        "length": length,
        **timings,
        "compiled_over_numpy": timings["numpy"]["median_s"] / timings["compiled"]["median_s"],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 characters instead of 400")
    parser.add_argument("--batch-worker", type=int, default=None, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.batch_worker is None:
        run(quick=arguments.quick)
    else:
        print(json.dumps(_batch_worker(arguments.batch_worker, arguments.quick)))
