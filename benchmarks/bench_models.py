"""The kit's models against their built-in ``keras.Sequential`` twins, and the CNN's FLOP rate.

For each pair (``LinearLayer`` and ``Linear``, ``MLP``, ``CNN``) both models are built in
this process with the same weights (checked: same outputs), compiled the same way and
timed alternately: training samples/s through ``fit`` (one epoch per timing) and
inference samples/s through ``predict``. The ratio is ours / twin (goal >= 0.97).

The CNN's training FLOP rate is compared with this machine's float32 matmul peak,
measured in the same run (before and after the CNN; the larger is used). FLOPs are
counted as multiply-adds x 2 for every convolution and dense layer (pooling,
activations and the optimizer are not counted): forward ``2*K*K*Cin*Cout*H*W`` per
convolution and ``2*Din*Dout`` per dense layer, per sample; a training step costs the
forward pass, the weight gradients (1x forward) and the input gradients (1x forward)
of every layer except the first, whose input gradient is not computed. Goal on CPU:
>= 70 % of the matmul peak.

Run ``python benchmarks/bench_models.py [--quick] [--jit-compile]``.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from _common import environment, save_results, summarize

GOAL_RATIO = 0.97
GOAL_CNN_PEAK_FRACTION_CPU = 0.70


def _import():
    import keras
    import numpy as np

    import keras_tutorial_kit as ktk

    return keras, np, ktk


def _sequential_cnn(keras, filters=(32, 64), kernel_size=5, dense_units=1024, num_classes=10):
    layers: list[Any] = []
    for n in filters:
        layers += [
            keras.layers.Conv2D(n, kernel_size, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(pool_size=2, strides=2),
        ]
    return keras.Sequential(
        [
            *layers,
            keras.layers.Flatten(),
            keras.layers.Dense(dense_units, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )


def cnn_training_flops_per_sample(
    height: int = 28,
    width: int = 28,
    channels: int = 1,
    filters: tuple[int, ...] = (32, 64),
    kernel_size: int = 5,
    dense_units: int = 1024,
    num_classes: int = 10,
) -> dict[str, int]:
    """Forward and training FLOPs per sample of ``ktk.models.CNN`` (see the module docstring)."""
    forward_layers = []
    h, w, c = height, width, channels
    for n in filters:
        forward_layers.append(2 * kernel_size * kernel_size * c * n * h * w)  # "same" padding
        h, w, c = h // 2, w // 2, n
    flat = h * w * c
    forward_layers.append(2 * flat * dense_units)
    forward_layers.append(2 * dense_units * num_classes)
    forward = sum(forward_layers)
    training = 3 * forward - forward_layers[0]
    return {"forward": forward, "training": training, "training_3x_forward": 3 * forward}


def _cases(keras, np, ktk, quick: bool) -> list[dict[str, Any]]:
    # Quick: a smoke run of a few seconds per model; full: enough samples that the fixed
    # cost of a fit/predict call (tens of ms) is small against the work.
    scale = 1 if quick else 8
    rng = np.random.default_rng(0)

    def images(n, side=28):
        return rng.random((n, side, side, 1), dtype=np.float32), rng.integers(0, 10, n)

    cases = []
    n = 2048 * scale
    x = rng.random((n, 1024), dtype=np.float32)
    cases.append(
        {
            "model": "LinearLayer",
            "ours": lambda: keras.Sequential([ktk.layers.LinearLayer(256)]),
            "twin": lambda: keras.Sequential([keras.layers.Dense(256)]),
            "twin_text": "Sequential([Dense(256)])",
            "ours_text": "Sequential([LinearLayer(256)])",
            "x": x,
            "y": rng.random((n, 256), dtype=np.float32),
            "loss": "mean_squared_error",
            "batch_size": 256,
        }
    )
    n = 4096 * scale
    cases.append(
        {
            "model": "Linear",
            "ours": lambda: ktk.models.Linear(units=1, kernel_initializer="glorot_uniform"),
            "twin": lambda: keras.Sequential([keras.layers.Dense(1)]),
            "twin_text": "Sequential([Dense(1)])",
            "ours_text": "Linear(units=1)",
            "x": rng.random((n, 64), dtype=np.float32),
            "y": rng.random((n, 1), dtype=np.float32),
            "loss": "mean_squared_error",
            "batch_size": 256,
        }
    )
    n = 4096 * scale
    x, y = images(n)
    cases.append(
        {
            "model": "MLP",
            "ours": lambda: ktk.models.MLP(),
            "twin": lambda: keras.Sequential(
                [
                    keras.layers.Flatten(),
                    keras.layers.Dense(100, activation="relu"),
                    keras.layers.Dense(10, activation="softmax"),
                ]
            ),
            "twin_text": "Sequential([Flatten, Dense(100, relu), Dense(10, softmax)])",
            "ours_text": "MLP()",
            "x": x,
            "y": y,
            "loss": "sparse_categorical_crossentropy",
            "batch_size": 128,
        }
    )
    n = 256 if quick else 4096
    x, y = images(n)
    cases.append(
        {
            "model": "CNN",
            "ours": lambda: ktk.models.CNN(),
            "twin": lambda: _sequential_cnn(keras),
            "twin_text": "Sequential([Conv2D(32,5), MaxPool, Conv2D(64,5), MaxPool, Flatten, Dense(1024), Dense(10)])",
            "ours_text": "CNN()",
            "x": x,
            "y": y,
            "loss": "sparse_categorical_crossentropy",
            "batch_size": 128,
        }
    )
    return cases


def _matmul_runner(backend: str, a, b) -> Callable[[], Any]:
    """A compiled ``a @ b`` on the backend's default device that waits for its result."""
    if backend == "tensorflow":
        import tensorflow as tf

        ta, tb = tf.constant(a), tf.constant(b)
        # Reading back one row (not the whole product) waits for the device cheaply.
        fn = tf.function(lambda: tf.linalg.matmul(ta, tb)[:1])
        return lambda: fn().numpy()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        ja, jb = jnp.asarray(a), jnp.asarray(b)
        fn = jax.jit(lambda p, q: jnp.matmul(p, q, precision="highest"))
        return lambda: fn(ja, jb).block_until_ready()
    if backend == "torch":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        ta, tb = torch.as_tensor(a, device=device), torch.as_tensor(b, device=device)
        # Copying one row back to the host waits for the device.
        return lambda: torch.matmul(ta, tb)[:1].cpu().numpy()
    return lambda: a @ b


def matmul_peak(quick: bool) -> dict[str, Any]:
    """Best median float32 matmul rate of the active backend over a few square sizes."""
    import keras
    import numpy as np

    backend = keras.backend.backend()
    on_gpu = environment()["device"] == "gpu"
    sizes = (8192,) if on_gpu else ((1024, 2048) if quick else (1024, 2048, 3072))
    rng = np.random.default_rng(1)
    results = []
    for n in sizes:
        a = rng.random((n, n), dtype=np.float32)
        b = rng.random((n, n), dtype=np.float32)
        run = _matmul_runner(backend, a, b)
        run()
        samples = []
        for _ in range(3 if quick else 5):
            start = time.perf_counter()
            run()
            samples.append(time.perf_counter() - start)
        timing = summarize(samples)
        results.append({"n": n, "gflops": 2 * n**3 / timing["median_s"] / 1e9, "time": timing})
    best = max(results, key=lambda r: r["gflops"])
    return {"gflops": best["gflops"], "sizes": results}


def _fit_epoch(model, x, y, batch_size):
    return lambda: model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)


def _predict(model, x, batch_size):
    return lambda: model.predict(x, batch_size=batch_size, verbose=0)


def _alternate(
    fns: dict[str, Callable[[], Any]], repeats: int, target_s: float = 0.0
) -> dict[str, list[float]]:
    """Seconds of each function over several rounds, alternating which goes first.

    At least ``repeats`` rounds; with ``target_s``, more rounds for quick functions (up
    to 4x ``repeats``) so that each is timed for about ``target_s`` seconds in all: the
    median over more, shorter rounds is less sensitive to other processes on the
    machine.
    """
    for fn in fns.values():
        # Warm-up: tracing and compilation happen in the first call, and Keras' data
        # adapters still settle in the second.
        fn()
        fn()
    names = list(fns)
    start = time.perf_counter()
    fns[names[0]]()
    per_call = time.perf_counter() - start
    rounds = repeats
    if target_s > 0 and per_call > 0:
        rounds = int(min(max(repeats, target_s / per_call), 4 * repeats))
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            start = time.perf_counter()
            fns[name]()
            samples[name].append(time.perf_counter() - start)
    return samples


def _pair(
    keras,
    np,
    case: dict[str, Any],
    repeats: int,
    jit_compile: Any,
    matmul: tuple[Callable[[], Any], float] | None = None,
) -> tuple[list[dict[str, Any]], list[float]]:
    """Times one model against its twin; returns the rows and, with ``matmul``, the rounds.

    ``matmul`` is ``(run, flops)``: it is timed in the same rounds as the training
    epochs, so that each round's model rate can be set against the matmul rate measured
    next to it (the machine's load changes from round to round): ``rounds`` holds
    ``(our training samples/s, matmul FLOP/s)`` per round.
    """
    keras.utils.clear_session()
    x, y, batch_size = case["x"], case["y"], case["batch_size"]
    ours, twin = case["ours"](), case["twin"]()
    ours(x[:2])
    twin(x[:2])
    ours_weights = ours.get_weights()
    if [w.shape for w in ours_weights] != [w.shape for w in twin.get_weights()]:
        raise RuntimeError(f"{case['model']}: the twin's weights do not match ours")
    twin.set_weights(ours_weights)
    probe = x[:64]
    ours_out = keras.ops.convert_to_numpy(ours(probe))
    difference = float(np.max(np.abs(ours_out - keras.ops.convert_to_numpy(twin(probe)))))
    for model in (ours, twin):
        model.compile(optimizer="adam", loss=case["loss"], jit_compile=jit_compile)
    rows = []
    rounds: list[tuple[float, float]] = []
    count = len(x)
    for phase in ("train", "inference"):
        if phase == "train":
            fns = {
                "ours": _fit_epoch(ours, x, y, batch_size),
                "twin": _fit_epoch(twin, x, y, batch_size),
            }
            if matmul is not None:
                fns["matmul"] = matmul[0]
        else:
            fns = {"ours": _predict(ours, x, batch_size), "twin": _predict(twin, x, batch_size)}
        samples = _alternate(fns, repeats, target_s=0.0 if repeats < 5 else 8.0)
        ours_time, twin_time = summarize(samples["ours"]), summarize(samples["twin"])
        ours_rate = count / ours_time["median_s"]
        twin_rate = count / twin_time["median_s"]
        # Paired: each round's ratio, then the median (robust to load drifting between rounds).
        paired = [t / o for o, t in zip(samples["ours"], samples["twin"], strict=True)]
        if phase == "train" and matmul is not None:
            rounds = [
                (count / o, matmul[1] / m)
                for o, m in zip(samples["ours"], samples["matmul"], strict=True)
            ]
        rows.append(
            {
                "model": case["model"],
                "phase": phase,
                "ours": case["ours_text"],
                "twin": case["twin_text"],
                "batch_size": batch_size,
                "samples": count,
                "ktk_samples_per_s": ours_rate,
                "keras_samples_per_s": twin_rate,
                "ratio": float(np.median(paired)),
                "ratio_of_medians": ours_rate / twin_rate,
                # The fastest timing of each: the least disturbed by other processes.
                "ratio_of_best_times": min(samples["twin"]) / min(samples["ours"]),
                "goal": GOAL_RATIO,
                "ours_time": ours_time,
                "twin_time": twin_time,
                "max_abs_output_difference": difference,
            }
        )
    return rows, rounds


def run(quick: bool = False, jit_compile: Any = "auto") -> dict[str, Any]:
    """Runs every model pair and the CNN FLOP-rate check; saves and returns the results."""
    keras, np, ktk = _import()
    env = environment()
    repeats = 2 if quick else 11
    rows: list[dict[str, Any]] = []
    flops = cnn_training_flops_per_sample()
    peak_scan: dict[str, Any] = {}
    cnn_rounds: list[tuple[float, float]] = []
    for case in _cases(keras, np, ktk, quick):
        matmul = None
        if case["model"] == "CNN":
            peak_scan = matmul_peak(quick)
            n = max(peak_scan["sizes"], key=lambda r: r["gflops"])["n"]
            rng = np.random.default_rng(2)
            run_matmul = _matmul_runner(
                keras.backend.backend(),
                rng.random((n, n), dtype=np.float32),
                rng.random((n, n), dtype=np.float32),
            )
            run_matmul()
            matmul = (run_matmul, 2.0 * n**3)
        case_rows, rounds = _pair(keras, np, case, repeats, jit_compile, matmul)
        rows.extend(case_rows)
        cnn_rounds.extend(rounds)
    cnn_train = next(r for r in rows if r["model"] == "CNN" and r["phase"] == "train")
    cnn_gflops = cnn_train["ktk_samples_per_s"] * flops["training"] / 1e9
    matmul_gflops = [m / 1e9 for _, m in cnn_rounds]
    peak = max([peak_scan["gflops"], *matmul_gflops])
    fractions = [rate * flops["training"] / m for rate, m in cnn_rounds]
    cnn_flop_rate: dict[str, Any] = {
        "model": "CNN training",
        "batch_size": cnn_train["batch_size"],
        "flops_per_sample_forward": flops["forward"],
        "flops_per_sample_training": flops["training"],
        "flop_convention": (
            "2 x multiply-adds of conv and dense layers; training = forward + weight "
            "gradients + input gradients of all layers but the first"
        ),
        "gflops": cnn_gflops,
        "matmul_gflops_same_rounds": matmul_gflops,
        "matmul_peak_gflops": peak,
        "fraction": float(np.median(fractions)),
        "fraction_per_round": fractions,
        "fraction_of_best_peak": cnn_gflops / peak,
        "dtype_policy": keras.config.dtype_policy().name,
    }
    if env["device"] == "cpu":
        cnn_flop_rate["goal"] = GOAL_CNN_PEAK_FRACTION_CPU
    payload = {
        "description": (
            "Each model against its keras.Sequential twin with the same weights, timed "
            "alternately in one process: training through fit (one epoch per timing), "
            "inference through predict. ratio = median over rounds of ours / twin samples "
            "per second (ratio_of_best_times: fastest timing of each). The CNN's FLOP rate is set against a float32 matmul timed in the "
            "same rounds (fraction: median over rounds; fraction_of_best_peak: median CNN "
            "rate over the best matmul rate seen)."
        ),
        "quick": quick,
        "jit_compile": jit_compile,
        "dtype_policy": keras.config.dtype_policy().name,
        "models": rows,
        "cnn_flop_rate": cnn_flop_rate,
        "matmul_peak": peak_scan,
    }
    save_results("models", payload)
    _print(rows, cnn_flop_rate)
    return payload


def _print(rows: list[dict[str, Any]], cnn: dict[str, Any]) -> None:
    print(f"{'model':<12}{'phase':<11}{'ktk/s':>11}{'keras/s':>11}{'ratio':>8}{'best':>8}  goal")
    for r in rows:
        status = "met" if r["ratio"] >= r["goal"] else "NOT met"
        print(
            f"{r['model']:<12}{r['phase']:<11}{r['ktk_samples_per_s']:>11.0f}"
            f"{r['keras_samples_per_s']:>11.0f}{r['ratio']:>8.3f}{r['ratio_of_best_times']:>8.3f}"
            f"  >= {r['goal']} {status}"
        )
    goal = cnn.get("goal")
    verdict = (
        ""
        if goal is None
        else (" met" if cnn["fraction"] >= goal else " NOT met") + f" (goal >= {goal:.0%})"
    )
    print(
        f"CNN training: {cnn['gflops']:.1f} GFLOP/s = {cnn['fraction']:.1%} of the float32 "
        f"matmul rate measured in the same rounds{verdict}; "
        f"{cnn['fraction_of_best_peak']:.1%} of the best matmul rate seen "
        f"({cnn['matmul_peak_gflops']:.1f} GFLOP/s)"
    )


def _parse_jit(value: str) -> Any:
    return {"auto": "auto", "true": True, "false": False}[value.lower()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    parser.add_argument(
        "--jit-compile", type=_parse_jit, default="auto", help="auto, true or false"
    )
    args = parser.parse_args()
    run(quick=args.quick, jit_compile=args.jit_compile)
