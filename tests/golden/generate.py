"""Writes the golden artifacts of the current release to ``tests/golden/<version>/``.

Run it once per release, from the repository root, on the TensorFlow backend::

    KERAS_BACKEND=tensorflow PYTHONPATH=src python tests/golden/generate.py

The version comes from ``keras_tutorial_kit.__version__``; an existing version folder
is never overwritten (the goldens of a release are written once and then only read).
Every artifact gets a folder with the saved object, ``inputs.npz``, ``expected.npz``
and ``manifest.json``; the expected outputs come from the object that was saved, and
the script checks that the saved file, loaded back, replays them. It also freezes the
public API (``public_api.txt`` and the structured ``public_api.json``).
``tests/test_golden.py`` replays every version folder on every backend.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import shutil
import sys
import tempfile
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
SEED = 1234
# Outputs computed in floating point by a model or a formula are compared within this
# relative tolerance (the project's equivalence tolerance); everything else exactly.
RTOL = 1e-6
_ALLCLOSE_PREFIXES = (
    "outputs",
    "evaluate_",
    "generated_logits",
    "q_values",
    "target_q_values",
    "probabilities",
)


def _load_module(path: pathlib.Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------- artifacts
# Each returns (kind, description, object, inputs, arguments). Weights and data come
# from the seed; the sizes are kept small so that all goldens stay well under 5 MB.
def _linear(rng, keras, np, ktk):
    model = ktk.models.Linear(
        units=2, kernel_initializer="glorot_uniform", bias_initializer="random_normal"
    )
    inputs = {"x": rng.normal(size=(5, 3)).astype("float32")}
    model(inputs["x"])
    return "keras_model", "ktk.models.Linear, .keras file", model, inputs, {}


def _mlp(rng, keras, np, ktk):
    model = ktk.models.MLP(num_classes=4, hidden_units=(16, 8))
    inputs = {"x": rng.uniform(size=(6, 5, 5, 1)).astype("float32")}
    model(inputs["x"])
    return "keras_model", "ktk.models.MLP, .keras file", model, inputs, {}


def _cnn(rng, keras, np, ktk):
    model = ktk.models.CNN(num_classes=3, filters=(4, 8), kernel_size=3, dense_units=16)
    inputs = {"x": rng.uniform(size=(4, 12, 12, 1)).astype("float32")}
    model(inputs["x"])
    return "keras_model", "ktk.models.CNN, .keras file", model, inputs, {}


def _char_rnn(rng, keras, np, ktk):
    model = ktk.models.CharRNN(vocab_size=7, units=8)
    inputs = {
        "x": rng.integers(0, 7, size=(3, 6)).astype("int32"),
        "prompt": rng.integers(0, 7, size=(2, 4)).astype("int32"),
    }
    model(inputs["x"])
    description = "ktk.models.CharRNN, .keras file; call, and generate() with a seed"
    return "char_rnn", description, model, inputs, {"length": 10, "seed": 5}


def _q_network(rng, keras, np, ktk):
    model = ktk.models.QNetwork(num_actions=3, hidden_units=(8, 8))
    inputs = {"x": rng.normal(size=(6, 4)).astype("float32")}
    model(inputs["x"])
    description = "ktk.models.QNetwork, .keras file; call, greedy and epsilon-greedy act()"
    return "q_network", description, model, inputs, {"epsilon": 0.5, "seed": 7}


def _functional_linear_layer(rng, keras, np, ktk):
    x = keras.Input(shape=(3, 5))
    h = ktk.layers.LinearLayer(4, name="linear_hidden")(x)
    h = keras.layers.Activation("tanh")(h)
    y = ktk.layers.LinearLayer(
        2, use_bias=False, kernel_initializer="he_normal", name="linear_out"
    )(h)
    model = keras.Model(x, y, name="functional_linear_layer")
    inputs = {"x": rng.normal(size=(4, 3, 5)).astype("float32")}
    description = "functional keras.Model with two ktk.layers.LinearLayer (rank-3 input)"
    return "keras_model", description, model, inputs, {}


def _compiled_model(rng, keras, np, ktk):
    x = keras.Input(shape=(6,))
    h = ktk.layers.LinearLayer(8, name="hidden")(x)
    h = keras.layers.Activation("relu")(h)
    value = ktk.layers.LinearLayer(1, name="value")(h)
    label = keras.layers.Dense(3, activation="softmax", name="label")(h)
    model = keras.Model(x, {"value": value, "label": label}, name="compiled_model")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss={"value": ktk.losses.MeanSquaredError(), "label": "sparse_categorical_crossentropy"},
        metrics={"label": [ktk.metrics.SparseCategoricalAccuracy()]},
    )
    inputs = {
        "x": rng.normal(size=(16, 6)).astype("float32"),
        "y_value": rng.normal(size=(16, 1)).astype("float32"),
        "y_label": rng.integers(0, 3, size=(16,)).astype("int64"),
    }
    targets = {"value": inputs["y_value"], "label": inputs["y_label"]}
    model.fit(inputs["x"], targets, batch_size=8, epochs=1, shuffle=False, verbose=0)
    description = (
        "functional model compiled with ktk.losses.MeanSquaredError and "
        "ktk.metrics.SparseCategoricalAccuracy, trained 2 steps; outputs, evaluate(), "
        "optimizer step count"
    )
    return "compiled_model", description, model, inputs, {}


def _sampler(rng, keras, np, ktk):
    samplers = [
        ktk.samplers.TemperatureSampler(seed=0),
        ktk.samplers.TemperatureSampler(temperature=0.7, top_k=4, seed=1),
        ktk.samplers.TemperatureSampler(temperature=1.3, top_p=0.8, seed=2),
        ktk.samplers.TemperatureSampler(temperature=0.9, top_k=6, top_p=0.9, seed=3),
        ktk.samplers.TemperatureSampler(temperature=0.0),
    ]
    logits = rng.normal(scale=2.0, size=(16, 10)).astype("float32")
    logits[::5, 3] = -np.inf
    inputs = {
        "logits": logits,
        "large_logits": rng.normal(scale=3.0, size=(4, 3000)).astype("float32"),
    }
    arguments = {
        "calls": 3,
        "sample_logits": [
            {"temperature": 0.8, "seed": 4},
            {"temperature": 1.1, "top_k": 5, "top_p": 0.7, "seed": 5},
        ],
    }
    description = (
        "ktk.samplers.TemperatureSampler configs (keras serialization) and their draws "
        "from NumPy logits under their seeds; ktk.samplers.sample_logits with integer seeds"
    )
    return "sampler", description, samplers, inputs, arguments


def _transitions(rng, np, count, observation_shape, dtype="float32"):
    observations = rng.normal(size=(count, *observation_shape)).astype(dtype)
    return (
        observations,
        rng.integers(0, 3, size=count),
        rng.normal(size=count).astype("float32"),
        np.roll(observations, -1, axis=0),
        rng.random(count) < 0.2,
        rng.random(count) < 0.1,
    )


def _replay_buffer(rng, keras, np, ktk):
    buffer = ktk.rl.ReplayBuffer(capacity=16, observation_shape=(3,), seed=3)
    first = _transitions(rng, np, 5, (3,))
    for transition in zip(*first, strict=True):
        buffer.add(*transition)
    buffer.extend(*_transitions(rng, np, 15, (3,)))  # wraps around: position 4
    description = "ktk.rl.ReplayBuffer file (wrapped ring); contents and samples"
    return "replay_buffer", description, buffer, {}, {"draws": 3, "batch_size": 5}


def _replay_buffer_compact(rng, keras, np, ktk):
    buffer = ktk.rl.ReplayBuffer(
        capacity=12,
        observation_shape=(2, 3),
        observation_dtype="uint8",
        action_shape=(2,),
        action_dtype="float32",
        seed=8,
        store_next_observations=False,
    )
    observation = rng.integers(0, 256, size=(2, 3)).astype("uint8")
    for step in range(17):
        next_observation = rng.integers(0, 256, size=(2, 3)).astype("uint8")
        terminated, truncated = step % 6 == 5, step == 10
        buffer.add(
            observation, rng.normal(size=2), float(step), next_observation, terminated, truncated
        )
        observation = (
            rng.integers(0, 256, size=(2, 3)).astype("uint8")
            if terminated or truncated
            else next_observation
        )
    description = (
        "ktk.rl.ReplayBuffer file with store_next_observations=False, uint8 observations "
        "and vector actions; contents and samples"
    )
    return "replay_buffer", description, buffer, {}, {"draws": 2, "batch_size": 4}


def _prioritized_replay_buffer(rng, keras, np, ktk):
    buffer = ktk.rl.PrioritizedReplayBuffer(capacity=16, observation_shape=(2,), alpha=0.6, seed=4)
    buffer.extend(*_transitions(rng, np, 12, (2,)))
    buffer.update_priorities(np.arange(0, 12, 2), rng.uniform(0.1, 3.0, size=6))
    inputs = {
        "new_priorities": rng.uniform(0.1, 5.0, size=4),
        "new_observation": rng.normal(size=2).astype("float32"),
        "new_action": np.int64(1),
        "new_reward": np.float32(0.5),
        "new_next_observation": rng.normal(size=2).astype("float32"),
        "new_terminated": np.bool_(False),
    }
    description = (
        "ktk.rl.PrioritizedReplayBuffer file; probabilities, samples, update_priorities, "
        "then a new transition at the restored max priority"
    )
    arguments = {"batch_size": 4, "beta": 0.5}
    return "prioritized_replay_buffer", description, buffer, inputs, arguments


def _dqn_agent(rng, keras, np, ktk):
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(
        env,
        hidden_units=(8,),
        buffer_size=64,
        batch_size=8,
        learning_starts=32,
        train_freq=16,
        gradient_steps=2,
        target_update_interval=40,
        exploration_steps=100,
        seed=6,
    )
    agent.learn(env, total_timesteps=100, progress_bar=False)
    env.close()
    inputs = {"observations": rng.normal(scale=0.5, size=(6, 4)).astype("float32")}
    description = (
        "ktk.rl.DQNAgent checkpoint after 100 CartPole steps (hidden_units=(8,), "
        "buffer_size=64); Q-values, greedy and epsilon-greedy actions from the saved "
        "generator, buffer samples"
    )
    arguments = {"epsilon": 0.5, "draws": 2, "batch_size": 8}
    return "dqn_agent", description, agent, inputs, arguments


# Backends an artifact's class supports in this release (default: all three). Elsewhere
# the test only checks the outputs if a later release loads the artifact there.
BACKENDS = {"dqn_agent": ["tensorflow", "jax"]}  # DQNAgent's compiled round: TF and JAX


ARTIFACTS = {
    "linear": _linear,
    "mlp": _mlp,
    "cnn": _cnn,
    "char_rnn": _char_rnn,
    "q_network": _q_network,
    "functional_linear_layer": _functional_linear_layer,
    "compiled_model": _compiled_model,
    "sampler": _sampler,
    "replay_buffer": _replay_buffer,
    "replay_buffer_compact": _replay_buffer_compact,
    "prioritized_replay_buffer": _prioritized_replay_buffer,
    "dqn_agent": _dqn_agent,
}


def _save(kind: str, obj: Any, folder: pathlib.Path, keras) -> str:
    if kind in ("keras_model", "compiled_model", "char_rnn", "q_network"):
        obj.save(folder / "model.keras")
        return "model.keras"
    if kind == "sampler":
        serialized = [keras.saving.serialize_keras_object(item) for item in obj]
        (folder / "samplers.json").write_text(json.dumps(serialized, indent=1) + "\n")
        return "samplers.json"
    if kind in ("replay_buffer", "prioritized_replay_buffer"):
        obj.save(folder / "buffer.npz")
        return "buffer.npz"
    if kind == "dqn_agent":
        obj.save(folder / "checkpoint")
        return "checkpoint"
    raise ValueError(f"unknown kind {kind!r}")


def _write_artifact(root: pathlib.Path, name: str, build, replay, versions, keras, np, ktk):
    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng([SEED, len(name)] + [ord(c) for c in name])
    kind, description, obj, inputs, arguments = build(rng, keras, np, ktk)
    folder = root / name
    folder.mkdir()
    file = _save(kind, obj, folder, keras)
    load, run = replay.KINDS[kind]
    expected = {key: np.asarray(value) for key, value in run(obj, inputs, arguments).items()}
    manifest = {
        "golden_format": replay.GOLDEN_FORMAT,
        "artifact": name,
        "kind": kind,
        "description": description,
        "file": file,
        "arguments": arguments,
        "config": replay.config_of(obj),
        "rtol": RTOL,
        "backends": BACKENDS.get(name, ["tensorflow", "jax", "torch"]),
        "outputs": {
            key: "allclose"
            if key.startswith(_ALLCLOSE_PREFIXES) or key.endswith("_weights")
            else "exact"
            for key in sorted(expected)
        },
        "written_by": versions,
    }
    # The saved file, loaded back, must replay what the saved object gave.
    reloaded = run(load(folder, manifest), inputs, arguments)
    for key, value in expected.items():
        if not np.array_equal(np.asarray(reloaded[key]), value):
            raise AssertionError(f"{name}: the reloaded file gives another {key}")
    if replay.config_of(load(folder, manifest)) != manifest["config"]:
        raise AssertionError(f"{name}: the reloaded file has another config")
    np.savez_compressed(folder / "inputs.npz", **inputs)
    np.savez_compressed(folder / "expected.npz", **expected)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return folder


def _folder_size(folder: pathlib.Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> int:
    if os.environ.setdefault("KERAS_BACKEND", "tensorflow") != "tensorflow":
        print("goldens are written on the TensorFlow backend: set KERAS_BACKEND=tensorflow")
        return 2
    import keras
    import numpy as np

    import keras_tutorial_kit as ktk

    version = ktk.__version__
    root = HERE / version
    if root.exists():
        print(f"{root} exists: the goldens of {version} are never overwritten")
        return 1
    api = _load_module(HERE.parent / "api" / "generate_public_api.py", "generate_public_api")
    committed = (HERE.parent / "api" / "public_api.txt").read_text(encoding="utf-8")
    if api.public_api() != committed.splitlines():
        print("tests/api/public_api.txt is out of date: run tests/api/generate_public_api.py")
        return 1
    replay = _load_module(HERE / "replay.py", "golden_replay")
    versions = {
        "keras_tutorial_kit": version,
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "numpy": np.__version__,
    }
    # Write into a temporary folder first: a failure leaves no half-written release.
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{version}-", dir=HERE))
    try:
        (staging / "public_api.txt").write_text(committed, encoding="utf-8")
        (staging / "public_api.json").write_text(
            json.dumps(api.public_api_structure(), indent=1, sort_keys=True) + "\n"
        )
        for name, build in ARTIFACTS.items():
            folder = _write_artifact(staging, name, build, replay, versions, keras, np, ktk)
            print(f"{name:<28} {_folder_size(folder) / 1024:8.1f} KiB")
        os.replace(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"wrote {root}: {_folder_size(root) / 1024:.1f} KiB in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
