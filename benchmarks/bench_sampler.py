"""Sampler throughput: ``ktk.samplers.TemperatureSampler`` against the tutorial's sampler and keras-hub's.

For each vocabulary size and batch size, in one process and interleaved repeat by
repeat, this times drawing one id per row of a ``(batch, vocab)`` logits array:

- ``tutorial``: the tutorial's ``RNN.predict`` sampling step,
  ``tf.nn.softmax(logits / T).numpy()`` then ``np.random.choice`` once per row, on the
  TensorFlow tensor its model returns;
- ``ktk_numpy``: ``TemperatureSampler`` on NumPy logits (what ``CharRNN.generate``
  passes it); ``ktk_tensor``: the same sampler on a backend tensor, eagerly;
- ``keras_hub``: keras-hub's ``RandomSampler`` / ``TopKSampler`` / ``TopPSampler``
  called eagerly the same way, ``get_next_token(compute_probabilities(logits))``,
  when keras-hub is installed (it is not a dependency; the column is skipped otherwise).

Then, on the tensor path compiled (``tf.function(jit_compile=True)`` on TensorFlow,
``jax.jit`` on JAX; skipped on torch), top-p 0.9 against top-k 40 at V=50k, B=64,
interleaved, on flat and on peaked rows (goal: top-p <= 1.3x top-k).

Rows per second are ``batch / median seconds per call``; ratios divide medians. Run
``python benchmarks/bench_sampler.py [--quick] [--output PATH]``; results go to PATH
(default ``benchmarks/results/sampler.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras
import numpy as np

import keras_tutorial_kit as ktk
from _common import environment, interleaved, save_results

# (vocab, batch) cells; the goals are ratios of ktk_numpy over the tutorial.
CELLS = [(60, 1), (60, 64), (50_000, 1), (50_000, 64)]
GOALS = {(60, 1): 10.0, (60, 64): 30.0, (50_000, 64): 3.0}
# Compiled tensor path at V=50k, B=64: top-p 0.9 costs at most this many times top-k 40.
COMPILED_TOP_P_GOAL = 1.3


def _keras_hub() -> Any:
    try:
        import keras_hub

        return keras_hub
    except Exception as error:  # ImportError, or a broken install
        return error


def run(quick: bool = False, output: str | None = None) -> dict:
    import tensorflow as tf

    hub = _keras_hub()
    hub_note = None if not isinstance(hub, Exception) else f"keras-hub unavailable: {hub!r}"
    rng = np.random.default_rng(0)
    temperature = 1.0
    repeats = 5 if quick else 15
    results = []
    for vocab, batch in CELLS:
        logits_np = (rng.normal(size=(batch, vocab)) * 3).astype(np.float32)
        logits_tf = tf.constant(logits_np)
        logits_backend = keras.ops.convert_to_tensor(logits_np)

        def tutorial(logits=logits_tf, vocab=vocab, batch=batch):
            prob = tf.nn.softmax(logits / temperature).numpy()
            return np.array([np.random.choice(vocab, p=prob[i, :]) for i in range(batch)])  # noqa: NPY002

        plain = ktk.samplers.TemperatureSampler(temperature=temperature, seed=0)
        nucleus = ktk.samplers.TemperatureSampler(temperature=temperature, top_p=0.9, seed=0)
        top_k = ktk.samplers.TemperatureSampler(temperature=temperature, top_k=40, seed=0)
        min_p = ktk.samplers.TemperatureSampler(temperature=temperature, min_p=0.1, seed=0)
        candidates: dict[str, Callable[[], Any]] = {
            "tutorial": tutorial,
            "ktk_numpy": lambda s=plain, x=logits_np: s(x),
            "ktk_tensor": lambda s=plain, x=logits_backend: keras.ops.convert_to_numpy(s(x)),
            "ktk_numpy_top_k40": lambda s=top_k, x=logits_np: s(x),
            "ktk_numpy_top_p0.9": lambda s=nucleus, x=logits_np: s(x),
            "ktk_numpy_min_p0.1": lambda s=min_p, x=logits_np: s(x),
        }
        if hub_note is None:
            samplers = {
                "keras_hub_random": hub.samplers.RandomSampler(temperature=temperature, seed=0),
                "keras_hub_top_k40": hub.samplers.TopKSampler(
                    k=40, temperature=temperature, seed=0
                ),
                "keras_hub_top_p0.9": hub.samplers.TopPSampler(
                    p=0.9, temperature=temperature, seed=0
                ),
            }
            for name, sampler in samplers.items():
                candidates[name] = lambda s=sampler, x=logits_backend: keras.ops.convert_to_numpy(
                    s.get_next_token(s.compute_probabilities(x))
                )
        slow = vocab * batch >= 1_000_000
        number = 1 if slow else (20 if quick else 100)
        timings = interleaved(candidates, repeats=repeats, number=number)
        base = timings["tutorial"]["median_s"]
        row = {
            "vocab": vocab,
            "batch": batch,
            "timings": timings,
            "rows_per_s": {k: batch / v["median_s"] for k, v in timings.items()},
            "speedup_vs_tutorial": {k: base / v["median_s"] for k, v in timings.items()},
        }
        goal = GOALS.get((vocab, batch))
        if goal is not None:
            row["goal"] = {
                "ktk_numpy_vs_tutorial": goal,
                "met": row["speedup_vs_tutorial"]["ktk_numpy"] >= goal,
            }
        if (vocab, batch) == (50_000, 64):
            row["goal_top_p"] = {
                "ktk_numpy_top_p0.9_vs_tutorial_unfiltered": 1.0,
                "met": row["speedup_vs_tutorial"]["ktk_numpy_top_p0.9"] >= 1.0,
            }
        results.append(row)
    payload = {
        "description": "rows/s of one draw per row from (batch, vocab) logits, T=1",
        "quick": quick,
        "keras_hub": None if hub_note else hub.__version__,
        "notes": [hub_note] if hub_note else [],
        "results": results,
        "compiled_top_p_vs_top_k": _compiled_top_p_vs_top_k(rng, repeats),
    }
    if output is None:
        save_results("sampler", payload)
    else:
        document = {"benchmark": "sampler", "environment": environment(), **payload}
        pathlib.Path(output).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    _print(payload)
    return payload


def _compiled_top_p_vs_top_k(rng: np.random.Generator, repeats: int) -> dict:
    """Compiled tensor-path seconds per call of top-p 0.9 and top-k 40 at V=50k, B=64.

    Two kinds of rows: ``flat`` (logits ``normal * 3``: the nucleus holds ~2000 ids)
    and ``peaked`` (``normal * 30``: a handful). Each call draws afresh (JAX gets a
    new seed tensor per call), so the top-p rounds vary as they do in use.
    """
    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        return {"backend": backend, "skipped": "no compiled tensor path on this backend"}
    regimes = {}
    for regime, scale in (("flat", 3.0), ("peaked", 30.0)):
        logits = keras.ops.convert_to_tensor(
            (rng.normal(size=(64, 50_000)) * scale).astype("float32")
        )
        candidates: dict[str, Callable[[], Any]] = {}
        for name, kwargs in (("top_k40", {"top_k": 40}), ("top_p0.9", {"top_p": 0.9})):
            sampler = ktk.samplers.TemperatureSampler(seed=0, **kwargs)
            if backend == "tensorflow":
                import tensorflow as tf

                compiled = tf.function(lambda x, s=sampler: s(x), jit_compile=True)
                candidates[name] = lambda f=compiled, x=logits: f(x).numpy()
            else:
                import jax

                compiled = jax.jit(lambda x, seed, s=sampler: s(x, seed=seed))
                seeds = keras.random.SeedGenerator(0)
                candidates[name] = lambda f=compiled, x=logits, g=seeds: np.asarray(f(x, g.next()))
        timings = interleaved(candidates, repeats=max(repeats, 15))
        ratio = timings["top_p0.9"]["median_s"] / timings["top_k40"]["median_s"]
        regimes[regime] = {
            "logits_scale": scale,
            "timings": timings,
            "top_p_over_top_k": ratio,
            "goal": {
                "top_p_over_top_k_at_most": COMPILED_TOP_P_GOAL,
                "met": ratio <= COMPILED_TOP_P_GOAL,
            },
        }
    return {"backend": backend, "vocab": 50_000, "batch": 64, **regimes}


def _print(payload: dict) -> None:
    names = list(payload["results"][0]["timings"])
    print(f"{'vocab':>6} {'batch':>5} " + " ".join(f"{n:>20}" for n in names))
    for row in payload["results"]:
        cells = [
            f"{row['timings'][n]['median_s'] * 1e6:9.0f}us {row['speedup_vs_tutorial'][n]:6.2f}x"
            for n in names
        ]
        print(f"{row['vocab']:>6} {row['batch']:>5} " + " ".join(f"{c:>20}" for c in cells))
    for row in payload["results"]:
        for key in ("goal", "goal_top_p"):
            if key in row:
                print(f"V={row['vocab']} B={row['batch']} {key}: {row[key]}")
    compiled = payload["compiled_top_p_vs_top_k"]
    if "skipped" in compiled:
        print(f"compiled top-p vs top-k: skipped on {compiled['backend']}")
    else:
        for regime in ("flat", "peaked"):
            row = compiled[regime]
            medians = {k: f"{v['median_s'] * 1e3:.1f} ms" for k, v in row["timings"].items()}
            print(
                f"compiled ({compiled['backend']}) V=50000 B=64 {regime}: {medians}, "
                f"top-p/top-k {row['top_p_over_top_k']:.2f}x (goal <= {COMPILED_TOP_P_GOAL}x, "
                f"met: {row['goal']['met']})"
            )
    for note in payload["notes"]:
        print(note)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--output", help="JSON file to write (default: benchmarks/results/)")
    arguments = parser.parse_args()
    run(quick=arguments.quick, output=arguments.output)
