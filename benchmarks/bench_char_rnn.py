"""CharRNN training step against the tutorial's eager ``LSTMCell`` loop under ``GradientTape``.

One optimization step on a batch of 50 windows of 40 characters (vocabulary 60, 256
units, Adam), as in the tutorial's chapter "Recurrent neural network":

- ``tutorial``: its ``RNN`` (an ``LSTMCell`` looped in Python over 40 steps), called
  eagerly inside ``tf.GradientTape``, ``sparse_categorical_crossentropy``,
  ``optimizer.apply_gradients``;
- ``ktk``: ``CharRNN`` (fused ``keras.layers.LSTM``) compiled with the same loss and
  optimizer, one ``train_on_batch`` per step (Keras' compiled train step) with
  ``jit_compile`` as given (default ``"auto"``, which on TensorFlow means no XLA on a
  CPU-only machine);
- ``ktk_xla``: the same with ``jit_compile=True`` (XLA), when ``jit_compile`` is not
  already ``True``.

Both draw their batch with ``CharCorpus.get_batch`` inside the timed step, as the
tutorial does. Timed side by side in one process, alternating. The tutorial's code
needs the TensorFlow backend; on another backend only ``ktk`` is timed. Run
``python benchmarks/bench_char_rnn.py [--quick]``; results go to
``benchmarks/results/char_rnn.json``.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras
import numpy as np

import keras_tutorial_kit as ktk
from _common import interleaved, save_results
from _tutorial_rnn import TutorialRNN

GOAL = 4.5
VOCAB, UNITS, SEQ_LENGTH, BATCH = 60, 256, 40, 50


def run(quick: bool = False, jit_compile: bool | str = "auto") -> dict:
    repeats = 5 if quick else 15
    number = 2 if quick else 5
    backend = keras.backend.backend()
    alphabet = "".join(chr(ord("!") + i) for i in range(VOCAB))
    text = "".join(np.random.default_rng(0).choice(list(alphabet), size=20_000))
    corpus = ktk.data.CharCorpus(text, seed=0)

    def ktk_step_with(jit):
        model = ktk.models.CharRNN(corpus.vocab_size, units=UNITS)
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss="sparse_categorical_crossentropy",
            jit_compile=jit,
        )

        def step():
            x, y = corpus.get_batch(SEQ_LENGTH, BATCH)
            return model.train_on_batch(x, y)

        return step

    ours = {"ktk": ktk_step_with(jit_compile)}
    if jit_compile is not True:
        ours["ktk_xla"] = ktk_step_with(True)
    candidates = dict(ours)
    notes = []
    if backend == "tensorflow":
        import tensorflow as tf

        tutorial = TutorialRNN(corpus.vocab_size, BATCH, SEQ_LENGTH, units=UNITS)
        optimizer = keras.optimizers.Adam(1e-3)

        def tutorial_step():
            x, y = corpus.get_batch(SEQ_LENGTH, BATCH)
            with tf.GradientTape() as tape:
                y_pred = tutorial(x)
                loss = keras.losses.sparse_categorical_crossentropy(y_true=y, y_pred=y_pred)
                loss = tf.reduce_mean(loss)
            grads = tape.gradient(loss, tutorial.trainable_variables)
            optimizer.apply_gradients(zip(grads, tutorial.trainable_variables, strict=True))
            return loss

        candidates = {"tutorial": tutorial_step, **ours}
    else:
        notes.append(f"the tutorial's GradientTape loop needs TensorFlow; backend is {backend}")

    # Two warm-up calls each: tracing, then compilation.
    timings = interleaved(candidates, repeats=repeats, number=number, warmup=2)
    payload = {
        "description": f"one training step: batch {BATCH}, seq {SEQ_LENGTH}, {UNITS} units, vocab {VOCAB}, Adam",
        "quick": quick,
        "jit_compile": jit_compile,
        "timings": timings,
        "notes": notes,
    }
    if "tutorial" in timings:
        speedups = {
            name: timings["tutorial"]["median_s"] / timings[name]["median_s"] for name in ours
        }
        payload["speedups"] = speedups
        payload["speedup"] = speedups["ktk"]
        payload["goal"] = {
            "speedup": GOAL,
            "met": speedups["ktk"] >= GOAL,
            "met_with_xla": max(speedups.values()) >= GOAL,
        }
    save_results("char_rnn", payload)
    for name, summary in timings.items():
        print(
            f"{name:>9}: {summary['median_s'] * 1e3:8.1f} ms/step (median of {repeats} x {number})"
        )
    for name, value in payload.get("speedups", {}).items():
        print(
            f"{name}: {value:.2f}x the tutorial (goal >= {GOAL}x: {'met' if value >= GOAL else 'NOT met'})"
        )
    for note in notes:
        print(note)
    return payload


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument(
        "--jit-compile",
        default="auto",
        choices=["auto", "true", "false"],
        help="jit_compile of the ktk column (ktk_xla always uses XLA)",
    )
    args = parser.parse_args()
    run(
        quick=args.quick,
        jit_compile={"auto": "auto", "true": True, "false": False}[args.jit_compile],
    )
