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
Run ``python benchmarks/bench_generation.py [--quick]`` (``--quick`` writes 40
characters); results go to ``benchmarks/results/generation.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np

import keras_tutorial_kit as ktk
from _common import save_results, summarize
from _tutorial_rnn import TutorialRNN

GOAL = 150.0
VOCAB, UNITS, SEQ_LENGTH = 60, 256, 40


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
    save_results("generation", payload)
    print(
        f"{length} characters: tutorial window re-run {tutorial_total:.2f} s "
        f"({statistics.median(per_char) * 1e3:.1f} ms/char median), CharRNN.generate "
        f"{ours_summary['median_s'] * 1e3:.1f} ms median of {repeats} "
        f"({ours_summary['median_s'] / length * 1e6:.0f} us/char): {payload['speedup']:.0f}x "
        f"(goal >= {GOAL:.0f}x: {'met' if payload['goal']['met'] else 'NOT met'})"
    )
    return payload


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 characters instead of 400")
    run(quick=parser.parse_args().quick)
