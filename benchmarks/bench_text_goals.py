"""Issue 13's goals for ``CharRNN``: every-step training, and compiled generation at batch 256.

1. Training, side by side in one process: two ``CharRNN(vocab, 256)`` models, the same
   seed, Adam(3e-3), batches of 50 windows of 40 characters from the rnn chapter's
   default text (Python's ``pydoc_data.topics``, first 90 %), one ``train_on_batch`` per
   step. ``last_step`` is the tutorial's training (the loss on the character after each
   window); ``every_step`` uses ``return_sequences=True`` and the loss on the next
   character after every step. They train in alternating slices of about two seconds
   until each has trained for the same wall time (``--seconds``), so load changes on
   the shared machine hit both alike. Then each model's held-out cross-entropy in bits
   per character: ``-log2 p(next | 40 previous characters)`` on 4000 random windows of
   the last 10 % of the text (the every-step model read through its last step). Goal:
   ``every_step <= 0.85 x last_step``. Samples at temperatures 0.2, 0.5 and 1.0 from
   both models, after the same held-out prompt, go to ``<output>/text_goals_samples.txt``.
2. Generation: 200 new characters for 256 prompts of 40 characters with the trained
   every-step model, ``generate(..., compiled=False)`` (NumPy) against
   ``compiled=True`` (one ``keras.ops`` loop), alternating, median of 3. Goal: compiled
   characters per second >= 1x NumPy, here with each library's default threads. Both
   loops do the same matrix products, so this ratio mostly compares NumPy's BLAS
   threads with the backend's (15.7x once on TensorFlow under load, 0.95x with
   ``OMP_NUM_THREADS=1`` before the loop ran under XLA); ``bench_generation.py``
   measures it with the same thread count for both, in fresh processes.

Run ``python benchmarks/bench_text_goals.py [--quick] [--output-dir DIR]``. Without
``--output-dir`` the results go to ``benchmarks/results/text_goals.json``: explore with
``--output-dir /tmp/...``.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras
import numpy as np

import _common
import keras_tutorial_kit as ktk
from keras_tutorial_kit.examples.rnn import default_corpus

BPC_GOAL, SPEED_GOAL = 0.85, 1.0
UNITS, SEQ_LENGTH, BATCH, LEARNING_RATE = 256, 40, 50, 3e-3
HELD_OUT_WINDOWS, SLICE_S = 4000, 2.0
TEMPERATURES = (0.2, 0.5, 1.0)
MODES = {"last_step": False, "every_step": True}


def _train_side_by_side(train: ktk.data.CharCorpus, seconds: float) -> tuple[dict, dict]:
    """Trains one model per mode for ``seconds`` each, in alternating slices."""
    models, corpora, clocks, steps, losses = {}, {}, {}, {}, {}
    for name, every_step in MODES.items():
        keras.utils.set_random_seed(0)
        model = ktk.models.CharRNN(train.vocab_size, units=UNITS, return_sequences=every_step)
        model.compile(
            optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy"
        )
        corpora[name] = ktk.data.CharCorpus(train.raw_text, seed=0)
        model.train_on_batch(*corpora[name].get_batch(SEQ_LENGTH, BATCH, every_step))  # compile
        models[name], clocks[name], steps[name], losses[name] = model, 0.0, 0, []
    while min(clocks.values()) < seconds:
        for name, every_step in MODES.items():
            start = time.perf_counter()
            while clocks[name] + time.perf_counter() - start < seconds:
                batch = corpora[name].get_batch(SEQ_LENGTH, BATCH, every_step)
                losses[name].append(float(models[name].train_on_batch(*batch)))
                steps[name] += 1
                if time.perf_counter() - start >= SLICE_S:
                    break
            clocks[name] += time.perf_counter() - start
    summary = {
        name: {
            "train_seconds": clocks[name],
            "steps": steps[name],
            "final_train_loss_nats": float(np.mean(losses[name][-20:])),
        }
        for name in MODES
    }
    return models, summary


def _last_step_twin(model: ktk.models.CharRNN) -> ktk.models.CharRNN:
    twin = ktk.models.CharRNN(model.vocab_size, units=model.units)
    twin.build((None, None))
    twin.set_weights(model.get_weights())
    return twin


def _held_out_bpc(model: ktk.models.CharRNN, windows: np.ndarray, targets: np.ndarray) -> float:
    probabilities = np.concatenate(
        [
            ops_numpy(model.predict_on_batch(windows[i : i + 500]))
            for i in range(0, len(windows), 500)
        ]
    )
    chosen = probabilities[np.arange(len(targets)), targets]
    return float(np.mean(-np.log2(np.maximum(chosen, 1e-30))))


def ops_numpy(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x))


def _time_generation(model: ktk.models.CharRNN, prompts: np.ndarray, length: int) -> dict:
    sampler = ktk.samplers.TemperatureSampler(temperature=1.0, seed=0)
    candidates = {
        name: (
            lambda compiled=compiled: model.generate(prompts, length, sampler, compiled=compiled)
        )
        for name, compiled in (("numpy", False), ("compiled", True))
    }
    timings = _common.interleaved(candidates, repeats=3, warmup=1)
    characters = prompts.shape[0] * length
    for summary in timings.values():
        summary["chars_per_s"] = characters / summary["median_s"]
    return timings


def run(quick: bool = False, seconds: float | None = None) -> dict:
    seconds = float(seconds if seconds is not None else (8 if quick else 75))
    text = default_corpus()
    split = int(len(text) * 0.9)
    train = ktk.data.CharCorpus(text[:split], seed=0)
    held_out_text = text[split:]
    if set(held_out_text) - set(train.chars):
        raise ValueError("the held-out text has characters the training text lacks")
    held_out = train.encode(held_out_text)
    rng = np.random.default_rng(1)
    starts = rng.integers(0, len(held_out) - SEQ_LENGTH, size=HELD_OUT_WINDOWS)
    windows = held_out[starts[:, None] + np.arange(SEQ_LENGTH)]
    targets = held_out[starts + SEQ_LENGTH]

    models, training = _train_side_by_side(train, seconds)
    bpc = {name: _held_out_bpc(_last_step_twin(m), windows, targets) for name, m in models.items()}
    ratio = bpc["every_step"] / bpc["last_step"]

    prompt = held_out[starts[0] : starts[0] + SEQ_LENGTH]
    samples = {
        name: {
            str(t): train.decode(
                model.generate(
                    prompt, 300, sampler=ktk.samplers.TemperatureSampler(temperature=t, seed=2)
                )[0]
            )
            for t in TEMPERATURES
        }
        for name, model in models.items()
    }
    length = 50 if quick else 200
    prompts = held_out[rng.integers(0, len(held_out) - SEQ_LENGTH, 256)[:, None] + np.arange(40)]
    generation = _time_generation(models["every_step"], prompts, length)
    speed = generation["compiled"]["chars_per_s"] / generation["numpy"]["chars_per_s"]

    payload = {
        "description": (
            f"CharRNN({train.vocab_size}, {UNITS}) on pydoc_data.topics: held-out bits per "
            f"character after {seconds:.0f} s of training per mode (batch {BATCH}, seq "
            f"{SEQ_LENGTH}, Adam {LEARNING_RATE}); generation of {length} characters at batch 256"
        ),
        "quick": quick,
        "training": training,
        "held_out_bpc": bpc,
        "bpc_ratio": ratio,
        "generation": generation,
        "generation_speedup": speed,
        "prompt": train.decode(prompt),
        "samples": samples,
        "goal": {
            "bpc_ratio": BPC_GOAL,
            "generation_speedup": SPEED_GOAL,
            "met": ratio <= BPC_GOAL and speed >= SPEED_GOAL,
        },
    }
    path = _common.save_results("text_goals", payload)
    lines = [f"prompt: {payload['prompt']!r}"]
    for name, by_temperature in samples.items():
        for t, sample in by_temperature.items():
            lines.append(f"\n[{name}, temperature {t}]\n{sample}")
    path.with_name("text_goals_samples.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name in MODES:
        print(
            f"{name:>10}: {training[name]['steps']} steps in {training[name]['train_seconds']:.1f} s,"
            f" held-out {bpc[name]:.3f} bits/char"
        )
    print(f"every-step / last-step bpc = {ratio:.3f} (goal <= {BPC_GOAL})")
    for name, summary in generation.items():
        print(f"generate {name:>8}: {summary['chars_per_s']:,.0f} chars/s (batch 256)")
    print(f"compiled / NumPy = {speed:.2f}x (goal >= {SPEED_GOAL}x)")
    return payload


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 s of training per mode")
    parser.add_argument("--seconds", type=float, default=None, help="training seconds per mode")
    parser.add_argument("--output-dir", type=pathlib.Path, default=None)
    args = parser.parse_args()
    if args.output_dir is not None:
        _common.RESULTS_DIR = args.output_dir
    run(quick=args.quick, seconds=args.seconds)
