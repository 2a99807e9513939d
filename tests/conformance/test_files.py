"""Conformance point ``files``: everything that saves loads back exactly, or fails clearly.

A round trip restores contents, positions and generator state (the next draws are the
ones the saved object would have made). A truncated file, a file of another format
version, a foreign file and (``DQNAgent``) a dangling ``latest`` pointer raise an error
that names the file, and never return a half-built object.
"""

from __future__ import annotations

import json
import pathlib
import zipfile

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk

CONTRACT_POINT = "files"
NOT_APPLICABLE = {
    "data.CharCorpus": "does not save",
    "data.MNISTLoader": "does not save",
    "data.load_flowers": "does not save (tensorflow-datasets owns the files)",
    "losses.mean_squared_error": "a function",
    "losses.MeanSquaredError": "saved inside a compiled model (test_keras_components.py)",
    "metrics.SparseCategoricalAccuracy": "saved inside a compiled model (test_keras_components.py)",
    "rl.StopWhenSolved": "does not save (its results are plain attributes)",
    "rl.evaluate_policy": "a function that does not save",
    "samplers.sample_logits": "a function",
}
BUFFERS = ("rl.ReplayBuffer", "rl.PrioritizedReplayBuffer")
KERAS_FILES = ("layers.LinearLayer", "models.CNN", "models.CharRNN", "models.Linear")
KERAS_FILES += ("models.MLP", "models.QNetwork")
CORRUPTIONS = ("truncated", "other_version", "foreign")


def _buffer(key):
    cls = {"rl.ReplayBuffer": ktk.rl.ReplayBuffer}.get(key, ktk.rl.PrioritizedReplayBuffer)
    buffer = cls(capacity=8, observation_shape=(3,), seed=5)
    rng = np.random.default_rng(0)
    for _ in range(11):  # wraps around: the write position is not 0
        observation = rng.normal(size=3).astype("float32")
        buffer.add(observation, int(rng.integers(3)), float(rng.normal()), observation + 1, False)
    return buffer


def _agent():
    return ktk.rl.DQNAgent(
        (2,), 3, hidden_units=(8,), buffer_capacity=64, batch_size=4, learning_starts=8, seed=0
    )


def _keras_model(key):
    rng = np.random.default_rng(0)
    inputs = {
        "layers.LinearLayer": rng.normal(size=(2, 3, 4)),
        "models.CNN": rng.uniform(size=(2, 9, 7, 1)),
        "models.CharRNN": rng.integers(0, 5, size=(2, 4)),
        "models.Linear": rng.normal(size=(2, 3)),
        "models.MLP": rng.uniform(size=(2, 4, 4, 1)),
        "models.QNetwork": rng.normal(size=(2, 3)),
    }[key]
    x = inputs.astype("int32" if key == "models.CharRNN" else "float32")
    if key == "layers.LinearLayer":
        symbolic = keras.Input(shape=x.shape[1:])
        return keras.Model(symbolic, ktk.layers.LinearLayer(2)(symbolic)), x
    model = {
        "models.CNN": lambda: ktk.models.CNN(3, filters=(2, 2), kernel_size=3, dense_units=4),
        "models.CharRNN": lambda: ktk.models.CharRNN(5, units=4),
        "models.Linear": lambda: ktk.models.Linear(2, kernel_initializer="glorot_uniform"),
        "models.MLP": lambda: ktk.models.MLP(3, hidden_units=(4,)),
        "models.QNetwork": lambda: ktk.models.QNetwork(3, (4,)),
    }[key]()
    model(x)
    return model, x


def _corrupt(path: pathlib.Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "foreign":
        path.write_bytes(b"PK\x03\x04 not what you think" if path.suffix else b"{}")
    else:  # another format version: the same file with its version number raised
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        metadata = json.loads(str(arrays["metadata"]))
        metadata["format_version"] = metadata["format_version"] + 1
        arrays["metadata"] = np.array(json.dumps(metadata))
        with open(path, "wb") as file:
            np.savez(file, **arrays)


def _assert_names_the_file(info, path) -> None:
    assert path.name in str(info.value), f"the error does not name {path}: {info.value}"


def test_every_public_name_has_a_case(public_names):
    covered = set(BUFFERS) | set(KERAS_FILES) | set(NOT_APPLICABLE)
    covered |= {"rl.DQNAgent", "rl.LinearSchedule", "samplers.TemperatureSampler"}
    assert covered == public_names, sorted(covered ^ public_names)


@pytest.mark.parametrize("key", BUFFERS)
def test_buffer_round_trip_is_exact(key, tmp_path):
    buffer = _buffer(key)
    loaded = type(buffer).load(buffer.save(tmp_path / "buffer.npz"))
    assert (len(loaded), loaded.position, loaded.seed) == (len(buffer), buffer.position, 5)
    for field, restored in zip(buffer.transitions(), loaded.transitions(), strict=True):
        np.testing.assert_array_equal(restored, field)
    for field, restored in zip(buffer.sample(4), loaded.sample(4), strict=True):
        np.testing.assert_array_equal(restored, field)


@pytest.mark.parametrize("how", CORRUPTIONS)
@pytest.mark.parametrize("key", BUFFERS)
def test_buffer_bad_file_is_a_clear_error(key, how, tmp_path):
    buffer = _buffer(key)
    path = buffer.save(tmp_path / "buffer.npz")
    _corrupt(path, how)
    with pytest.raises((ValueError, OSError)) as info:
        type(buffer).load(path)
    _assert_names_the_file(info, path)


@pytest.mark.parametrize("key", ["rl.DQNAgent"])
def test_agent_checkpoint_round_trip_is_exact(key, tmp_path):
    agent = _agent()
    observations = np.random.default_rng(1).normal(size=(12, 2)).astype("float32")
    agent.save(tmp_path / "run")
    loaded = ktk.rl.DQNAgent.load(tmp_path / "run")
    for saved, restored in zip(
        agent.q_network.get_weights(), loaded.q_network.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(restored, saved)
    expected = [agent.act(row, epsilon=0.5) for row in observations]
    assert [loaded.act(row, epsilon=0.5) for row in observations] == expected
    assert loaded.get_config() == agent.get_config()


def _agent_folder(tmp_path):
    return _agent().save(tmp_path / "run")


AGENT_CORRUPTIONS = {
    "truncated_variables": lambda folder: _corrupt(folder / "variables.npz", "truncated"),
    "truncated_state": lambda folder: _corrupt(folder / "agent.json", "truncated"),
    "other_version": lambda folder: (folder / "agent.json").write_text(
        json.dumps({**json.loads((folder / "agent.json").read_text()), "format_version": 99})
    ),
    "foreign_state": lambda folder: _corrupt(folder / "agent.json", "foreign"),
    "dangling_latest": lambda folder: (folder.parent / "latest").write_text("checkpoint-gone"),
}


@pytest.mark.parametrize("how", list(AGENT_CORRUPTIONS))
@pytest.mark.parametrize("key", ["rl.DQNAgent"])
def test_agent_bad_checkpoint_is_a_clear_error(key, how, tmp_path):
    folder = _agent_folder(tmp_path)
    AGENT_CORRUPTIONS[how](folder)
    with pytest.raises((ValueError, OSError)) as info:
        ktk.rl.DQNAgent.load(tmp_path / "run")
    message = str(info.value)
    assert folder.name in message or "latest" in message, message


@pytest.mark.parametrize("key", KERAS_FILES)
def test_keras_file_round_trip_is_exact(key, tmp_path):
    model, x = _keras_model(key)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(reloaded(x)), keras.ops.convert_to_numpy(model(x))
    )


@pytest.mark.parametrize("how", ["truncated", "foreign"])
@pytest.mark.parametrize("key", KERAS_FILES)
def test_keras_bad_file_is_an_error(key, how, tmp_path):
    """Keras owns the ``.keras`` format: a damaged file raises (it never half-loads)."""
    model, _ = _keras_model(key)
    path = tmp_path / "model.keras"
    model.save(path)
    _corrupt(path, how)
    with pytest.raises((ValueError, OSError, zipfile.BadZipFile)):
        keras.models.load_model(path, safe_mode=True)


@pytest.mark.parametrize("key", ["samplers.TemperatureSampler", "rl.LinearSchedule"])
def test_config_round_trip_through_json_is_exact(key):
    if key == "rl.LinearSchedule":
        schedule = ktk.rl.LinearSchedule(1.0, 0.05, 7)
        clone = ktk.rl.LinearSchedule(**json.loads(json.dumps(schedule.get_config())))
        assert [clone(step) for step in range(10)] == [schedule(step) for step in range(10)]
        return
    sampler = ktk.samplers.TemperatureSampler(temperature=0.8, top_k=5, top_p=0.9, seed=4)
    clone = ktk.samplers.TemperatureSampler.from_config(
        json.loads(json.dumps(sampler.get_config()))
    )
    logits = np.random.default_rng(0).normal(size=(16, 9)).astype("float32")
    assert clone.get_config() == sampler.get_config()
    np.testing.assert_array_equal(np.asarray(clone(logits)), np.asarray(sampler(logits)))


@pytest.mark.parametrize("key", ["samplers.TemperatureSampler"])
def test_foreign_config_is_a_named_error(key):
    config = {**ktk.samplers.TemperatureSampler().get_config(), "no_such_key": 1}
    with pytest.raises((ValueError, TypeError), match="no_such_key"):
        ktk.samplers.TemperatureSampler.from_config(config)
