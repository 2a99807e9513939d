"""Conformance point ``arguments``: a bad argument is a named error.

For every argument of every public constructor, function and method, a bad value or
type raises ``ValueError`` or ``TypeError`` whose message names the argument and the
value received (``"... Received: units=0"``). ``BAD`` is the table: one or more bad
values per argument; ``EXEMPT`` lists the arguments checked elsewhere, with the reason.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import keras_tutorial_kit as ktk

CONTRACT_POINT = "arguments"
NOT_APPLICABLE = {
    "losses.mean_squared_error": "tensor arguments only; behaves as "
    "keras.losses.mean_squared_error (tests/losses)",
}
TEXT = "the quick brown fox jumps over the lazy dog. " * 4
# Methods of the Keras protocol: their arguments are Keras' (shapes, tensors, configs)
# and are checked against the built-in twins in the component tests.
KERAS_PROTOCOL = {
    "build",
    "call",
    "compute_output_shape",
    "get_config",
    "from_config",
    "update_state",
    "result",
    "reset_state",
}
_KERAS_EXPORT = "passed through to keras.Model.export, which checks it (tests/models)"
EXEMPT = {
    ("losses.mean_squared_error", "y_true"): "a tensor; behaves as keras.losses (tests/losses)",
    ("losses.mean_squared_error", "y_pred"): "a tensor; behaves as keras.losses (tests/losses)",
    ("models.CharRNN.export", "filepath"): _KERAS_EXPORT,
    ("models.CharRNN.export", "format"): _KERAS_EXPORT,
    ("models.CharRNN.export", "verbose"): _KERAS_EXPORT,
    ("models.CharRNN.export", "input_signature"): _KERAS_EXPORT
    + "; on torch the kit's own check is tested in tests/models",
}


@functools.cache
def _digits():
    return ktk.data.MNISTLoader(source="digits")


def _corpus_file():
    with open("corpus.txt", "w", encoding="utf-8") as file:  # in the test's tmp_path
        file.write(TEXT)
    return "corpus.txt"


def _cartpole():
    gymnasium = pytest.importorskip("gymnasium")
    return gymnasium.make("CartPole-v1")


def _agent():
    return ktk.rl.DQNAgent(
        (4,), 2, hidden_units=(8,), buffer_capacity=64, batch_size=4, learning_starts=8, seed=0
    )


def _q_network():
    network = ktk.models.QNetwork(3, (4,))
    network.build((None, 2))
    return network


def _char_rnn():
    model = ktk.models.CharRNN(6, units=4)
    model.build((None, 3))
    return model


def _buffer(cls=ktk.rl.ReplayBuffer):
    buffer = cls(capacity=16, observation_shape=(2,), seed=0)
    for step in range(4):
        buffer.add(np.full(2, step, "float32"), 1, 1.0, np.full(2, step + 1, "float32"), False)
    return buffer


def _flowers(**kwargs):
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=2):
        return ktk.data.load_flowers(**{"image_size": 4, "download": False, **kwargs})


def _transition(**kwargs):
    good = {
        "observation": np.zeros(2, "float32"),
        "action": 1,
        "reward": 1.0,
        "next_observation": np.ones(2, "float32"),
        "terminated": False,
    }
    return {**good, **kwargs}


def _transitions(**kwargs):
    good = {
        "observations": np.zeros((3, 2), "float32"),
        "actions": np.ones(3, "int64"),
        "rewards": np.ones(3, "float32"),
        "next_observations": np.ones((3, 2), "float32"),
        "terminated": np.zeros(3, bool),
        "truncated": np.zeros(3, bool),
    }
    return {**good, **kwargs}


# How to call each public callable with good arguments, overridden by ``**kwargs``.
CALLS: dict[str, Callable[..., Any]] = {
    "data.CharCorpus": lambda **k: ktk.data.CharCorpus(**{"text": TEXT, **k}),
    "data.CharCorpus.as_dataset": lambda **k: ktk.data.CharCorpus(TEXT).as_dataset(
        **{"seq_length": 4, "batch_size": 2, **k}
    ),
    "data.CharCorpus.decode": lambda **k: ktk.data.CharCorpus(TEXT).decode(**k),
    "data.CharCorpus.encode": lambda **k: ktk.data.CharCorpus(TEXT).encode(**k),
    "data.CharCorpus.from_file": lambda **k: ktk.data.CharCorpus.from_file(
        **{"path": _corpus_file(), **k}
    ),
    "data.CharCorpus.get_batch": lambda **k: ktk.data.CharCorpus(TEXT).get_batch(
        **{"seq_length": 4, "batch_size": 2, **k}
    ),
    "data.MNISTLoader": lambda **k: ktk.data.MNISTLoader(**{"source": "digits", **k}),
    "data.MNISTLoader.as_dataset": lambda **k: _digits().as_dataset(**k),
    "data.MNISTLoader.get_batch": lambda **k: _digits().get_batch(**k),
    "data.load_flowers": _flowers,
    "layers.LinearLayer": lambda **k: ktk.layers.LinearLayer(**{"units": 2, **k}),
    "losses.MeanSquaredError": lambda **k: ktk.losses.MeanSquaredError(**k),
    "metrics.SparseCategoricalAccuracy": lambda **k: ktk.metrics.SparseCategoricalAccuracy(**k),
    "models.CNN": lambda **k: ktk.models.CNN(**k),
    "models.CharRNN": lambda **k: ktk.models.CharRNN(**{"vocab_size": 6, **k}),
    "models.CharRNN.generate": lambda **k: _char_rnn().generate(
        **{"prompt": [0, 1], "length": 2, **k}
    ),
    "models.Linear": lambda **k: ktk.models.Linear(**k),
    "models.MLP": lambda **k: ktk.models.MLP(**k),
    "models.QNetwork": lambda **k: ktk.models.QNetwork(**{"num_actions": 2, **k}),
    "models.QNetwork.act": lambda **k: _q_network().act(
        **{"observations": np.zeros((1, 2), "float32"), **k}
    ),
    "models.QNetwork.numpy_q_values": lambda **k: _q_network().numpy_q_values(
        **{"observations": np.zeros((1, 2), "float32"), **k}
    ),
    "rl.DQNAgent": lambda **k: ktk.rl.DQNAgent(
        **{"observation_shape": (4,), "num_actions": 2, "hidden_units": (8,), **k}
    ),
    "rl.DQNAgent.act": lambda **k: _agent().act(**{"observation": np.zeros(4, "float32"), **k}),
    "rl.DQNAgent.evaluate": lambda **k: _agent().evaluate(**{"env": _cartpole(), **k}),
    "rl.DQNAgent.from_env": lambda **k: ktk.rl.DQNAgent.from_env(**k),
    "rl.DQNAgent.learn": lambda **k: _agent().learn(
        **{"env": _cartpole(), "total_timesteps": 2, "progress_bar": False, **k}
    ),
    "rl.DQNAgent.load": lambda **k: ktk.rl.DQNAgent.load(**k),
    "rl.DQNAgent.save": lambda **k: _agent().save(**k),
    "rl.StopWhenSolved": lambda **k: ktk.rl.StopWhenSolved(
        **{"env": _cartpole(), "threshold": 10.0, **k}
    ),
    "rl.StopWhenSolved.__call__": lambda **k: ktk.rl.StopWhenSolved(_cartpole(), 10.0)(**k),
    "rl.evaluate_policy": lambda **k: ktk.rl.evaluate_policy(
        **{"policy": lambda observation: 0, "env": _cartpole(), "episodes": 1, **k}
    ),
    "rl.LinearSchedule": lambda **k: ktk.rl.LinearSchedule(
        **{"start": 1.0, "end": 0.1, "duration": 10, **k}
    ),
    "rl.LinearSchedule.__call__": lambda **k: ktk.rl.LinearSchedule(1.0, 0.1, 10)(**k),
    "rl.ReplayBuffer": lambda **k: ktk.rl.ReplayBuffer(
        **{"capacity": 8, "observation_shape": (2,), **k}
    ),
    "rl.ReplayBuffer.add": lambda **k: _buffer().add(**_transition(**k)),
    "rl.ReplayBuffer.extend": lambda **k: _buffer().extend(**_transitions(**k)),
    "rl.ReplayBuffer.load": lambda **k: ktk.rl.ReplayBuffer.load(**k),
    "rl.ReplayBuffer.sample": lambda **k: _buffer().sample(**k),
    "rl.ReplayBuffer.save": lambda **k: _buffer().save(**k),
    "rl.PrioritizedReplayBuffer": lambda **k: ktk.rl.PrioritizedReplayBuffer(
        **{"capacity": 8, "observation_shape": (2,), **k}
    ),
    "rl.PrioritizedReplayBuffer.add": lambda **k: _buffer(ktk.rl.PrioritizedReplayBuffer).add(
        **_transition(**k)
    ),
    "rl.PrioritizedReplayBuffer.extend": lambda **k: _buffer(ktk.rl.PrioritizedReplayBuffer).extend(
        **_transitions(**k)
    ),
    "rl.PrioritizedReplayBuffer.sample": lambda **k: _buffer(ktk.rl.PrioritizedReplayBuffer).sample(
        **{"batch_size": 2, **k}
    ),
    "rl.PrioritizedReplayBuffer.update_priorities": lambda **k: _buffer(
        ktk.rl.PrioritizedReplayBuffer
    ).update_priorities(**{"indices": [0, 1], "priorities": [1.0, 2.0], **k}),
    "samplers.TemperatureSampler": lambda **k: ktk.samplers.TemperatureSampler(**k),
    "samplers.TemperatureSampler.__call__": lambda **k: ktk.samplers.TemperatureSampler()(
        **{"logits": np.zeros((2, 4), "float32"), **k}
    ),
    "samplers.sample_logits": lambda **k: ktk.samplers.sample_logits(
        **{"logits": np.zeros((2, 4), "float32"), **k}
    ),
}

# (callable, argument, bad value[, xfail mark])
BAD: list[tuple] = [
    ("data.CharCorpus", "text", 5),
    ("data.CharCorpus", "text", "a"),
    ("data.CharCorpus", "lower", "yes"),
    ("data.CharCorpus.as_dataset", "seq_length", 0),
    ("data.CharCorpus.as_dataset", "batch_size", -1),
    ("data.CharCorpus.as_dataset", "shuffle", "no"),
    ("data.CharCorpus.as_dataset", "drop_remainder", 1),
    ("data.CharCorpus.decode", "ids", [0.5]),
    ("data.CharCorpus.encode", "text", 3),
    ("data.CharCorpus.from_file", "path", None),
    ("data.CharCorpus.from_file", "encoding", 5),
    ("data.CharCorpus.from_file", "lower", "yes"),
    ("data.CharCorpus.get_batch", "seq_length", 0),
    ("data.CharCorpus.get_batch", "batch_size", 0),
    ("data.CharCorpus.get_batch", "return_sequences", "yes"),
    ("data.CharCorpus.as_dataset", "return_sequences", 1),
    ("data.MNISTLoader", "source", "fashion"),
    ("data.MNISTLoader", "path", "x.npz"),
    ("data.MNISTLoader", "test_fraction", 1.5),
    ("data.MNISTLoader.as_dataset", "split", "valid"),
    ("data.MNISTLoader.as_dataset", "batch_size", 0),
    ("data.MNISTLoader.as_dataset", "shuffle", "yes"),
    ("data.MNISTLoader.get_batch", "batch_size", 0),
    ("data.load_flowers", "split", 5),
    ("data.load_flowers", "image_size", 0),
    ("data.load_flowers", "batch_size", 0),
    ("data.load_flowers", "shuffle", "yes"),
    ("data.load_flowers", "data_dir", 5),
    ("data.load_flowers", "download", "yes"),
    ("data.load_flowers", "shuffle_buffer", 0),
    ("layers.LinearLayer", "units", 0),
    ("layers.LinearLayer", "use_bias", "yes"),
    ("layers.LinearLayer", "kernel_initializer", "no_such_initializer"),
    ("layers.LinearLayer", "bias_initializer", "no_such_initializer"),
    ("losses.MeanSquaredError", "reduction", "no_such_reduction"),
    ("losses.MeanSquaredError", "name", 5),
    ("losses.MeanSquaredError", "dtype", "no_such_dtype"),
    ("metrics.SparseCategoricalAccuracy", "name", 5),
    ("metrics.SparseCategoricalAccuracy", "dtype", "no_such_dtype"),
    ("models.CNN", "num_classes", 0),
    ("models.CNN", "filters", (0,)),
    ("models.CNN", "kernel_size", 0),
    ("models.CNN", "dense_units", 0),
    ("models.CNN", "output_activation", "no_such_activation"),
    ("models.CharRNN", "vocab_size", 0),
    ("models.CharRNN", "units", 0),
    ("models.CharRNN", "output_activation", "no_such_activation"),
    ("models.CharRNN", "return_sequences", "yes"),
    ("models.CharRNN.generate", "prompt", [0.5, 1.5]),
    ("models.CharRNN.generate", "length", 0),
    ("models.CharRNN.generate", "sampler", 5),
    ("models.CharRNN.generate", "return_logits", "yes"),
    ("models.CharRNN.generate", "stop_ids", [99]),
    ("models.CharRNN.generate", "stop_ids", [0.5]),
    ("models.CharRNN.generate", "compiled", "yes"),
    ("models.Linear", "units", 0),
    ("models.Linear", "kernel_initializer", "no_such_initializer"),
    ("models.Linear", "bias_initializer", "no_such_initializer"),
    ("models.MLP", "num_classes", 0),
    ("models.MLP", "hidden_units", (0,)),
    ("models.MLP", "activation", "no_such_activation"),
    ("models.MLP", "output_activation", "no_such_activation"),
    ("models.QNetwork", "num_actions", 0),
    ("models.QNetwork", "hidden_units", (-1,)),
    ("models.QNetwork", "activation", "no_such_activation"),
    ("models.QNetwork", "kernel_initializer", "no_such_initializer"),
    ("models.QNetwork", "bias_initializer", "no_such_initializer"),
    ("models.QNetwork.act", "observations", np.zeros((1, 5), "float32")),
    ("models.QNetwork.act", "epsilon", 1.5),
    ("models.QNetwork.act", "weight_snapshot", [1]),
    ("models.QNetwork.numpy_q_values", "observations", np.zeros((1, 5), "float32")),
    ("models.QNetwork.numpy_q_values", "weight_snapshot", [1]),
    ("rl.DQNAgent", "observation_shape", (-1,)),
    ("rl.DQNAgent", "num_actions", 0),
    ("rl.DQNAgent", "hidden_units", (0,)),
    ("rl.DQNAgent", "activation", "no_such_activation"),
    ("rl.DQNAgent", "learning_rate", 0),
    ("rl.DQNAgent", "learning_rate_final", -1e-3),
    ("rl.DQNAgent", "learning_rate_decay_steps", 0),
    ("rl.DQNAgent", "buffer_capacity", 0),
    ("rl.DQNAgent", "batch_size", 0),
    ("rl.DQNAgent", "learning_starts", -1),
    ("rl.DQNAgent", "gamma", 1.5),
    ("rl.DQNAgent", "n_steps", 0),
    ("rl.DQNAgent", "train_freq", 0),
    ("rl.DQNAgent", "gradient_steps", 0),
    ("rl.DQNAgent", "target_update_interval", 0),
    ("rl.DQNAgent", "tau", 0.0),
    ("rl.DQNAgent", "exploration_initial_eps", 2.0),
    ("rl.DQNAgent", "exploration_final_eps", -0.1),
    ("rl.DQNAgent", "exploration_steps", 0),
    ("rl.DQNAgent", "max_grad_norm", 0),
    ("rl.DQNAgent", "double_q", "yes"),
    ("rl.DQNAgent", "observation_dtype", "foo"),
    ("rl.DQNAgent.act", "observation", np.zeros(5, "float32")),
    ("rl.DQNAgent.act", "epsilon", 2.0),
    ("rl.DQNAgent.evaluate", "env", 5),
    ("rl.DQNAgent.evaluate", "episodes", 0),
    ("rl.DQNAgent.from_env", "env", 5),
    ("rl.DQNAgent.learn", "env", 5),
    ("rl.DQNAgent.learn", "total_timesteps", -1),
    ("rl.DQNAgent.learn", "progress_bar", "yes"),
    ("rl.DQNAgent.learn", "checkpoint_directory", 5),
    ("rl.DQNAgent.learn", "checkpoint_interval", 0),
    ("rl.DQNAgent.learn", "callback", 5),
    ("rl.DQNAgent.load", "directory", 5),
    ("rl.DQNAgent.save", "directory", 5),
    ("rl.StopWhenSolved", "env", 5),
    ("rl.StopWhenSolved", "threshold", "high"),
    ("rl.StopWhenSolved", "episodes", 0),
    ("rl.StopWhenSolved", "eval_interval", 0),
    ("rl.StopWhenSolved", "screen_episodes", -1),
    ("rl.StopWhenSolved", "stop", "yes"),
    ("rl.StopWhenSolved.__call__", "agent", 5),
    ("rl.evaluate_policy", "policy", 5),
    ("rl.evaluate_policy", "env", 5),
    ("rl.evaluate_policy", "episodes", 0),
    ("rl.LinearSchedule", "start", "a"),
    ("rl.LinearSchedule", "end", None),
    ("rl.LinearSchedule", "duration", 0),
    ("rl.LinearSchedule.__call__", "step", -1),
    ("samplers.TemperatureSampler", "temperature", -1.0),
    ("samplers.TemperatureSampler", "top_k", 0),
    ("samplers.TemperatureSampler", "top_p", 1.5),
    ("samplers.TemperatureSampler", "min_p", 1.5),
    ("samplers.TemperatureSampler.__call__", "logits", np.zeros((2, 0), "float32")),
    ("samplers.sample_logits", "logits", np.zeros((2, 0), "float32")),
    ("samplers.sample_logits", "temperature", float("nan")),
    ("samplers.sample_logits", "top_k", 0),
    ("samplers.sample_logits", "top_p", 0.0),
    ("samplers.sample_logits", "min_p", -0.1),
]
for _cls in ("rl.ReplayBuffer", "rl.PrioritizedReplayBuffer"):
    BAD += [
        (_cls, "capacity", 0),
        (_cls, "observation_shape", "ab"),
        (_cls, "observation_dtype", "foo"),
        (_cls, "action_shape", (-1,)),
        (_cls, "action_dtype", "U3"),
        (_cls, "store_next_observations", "yes"),
        (_cls, "n_steps", 0),
        (_cls, "gamma", 1.5),
        (_cls, "stack_size", 0),
        (_cls, "stack_size", 3),  # observation_shape=(2,): the stack axis holds 2
        (f"{_cls}.add", "observation", np.zeros(5, "float32")),
        (f"{_cls}.add", "action", np.ones(2, "int64")),
        (f"{_cls}.add", "reward", "x"),
        (f"{_cls}.add", "next_observation", np.zeros(5, "float32")),
        (f"{_cls}.add", "terminated", "yes"),
        (f"{_cls}.add", "truncated", "no"),
        (f"{_cls}.add", "env_index", -1),
        (f"{_cls}.extend", "observations", np.zeros((3, 5), "float32")),
        (f"{_cls}.extend", "actions", np.ones(2, "int64")),
        (f"{_cls}.extend", "rewards", np.ones(2, "float32")),
        (f"{_cls}.extend", "next_observations", np.zeros((3, 5), "float32")),
        (f"{_cls}.extend", "terminated", np.zeros(2, bool)),
        (f"{_cls}.extend", "truncated", np.zeros(2, bool)),
        (f"{_cls}.extend", "env_indices", np.array([0, -1, 2])),
        (f"{_cls}.sample", "batch_size", 0),
    ]
BAD += [
    ("rl.PrioritizedReplayBuffer", "alpha", -1.0),
    ("rl.PrioritizedReplayBuffer", "priority_offset", -1.0),
    ("rl.PrioritizedReplayBuffer.sample", "beta", 2.0),
    ("rl.PrioritizedReplayBuffer.update_priorities", "indices", [99, 0]),
    ("rl.PrioritizedReplayBuffer.update_priorities", "priorities", [-1.0, 1.0]),
    ("rl.ReplayBuffer.load", "path", 5),
    ("rl.ReplayBuffer.save", "path", 5),
]


def _callables(public_api) -> dict[str, Callable]:
    """Every public function, constructor and public method, keyed like ``CALLS``."""
    found = {}
    for key, obj in public_api.items():
        if not inspect.isclass(obj):
            found[key] = obj
            continue
        found[key] = obj.__init__
        for name, member in vars(obj).items():
            function = getattr(member, "__func__", member)
            if not callable(function) or name in KERAS_PROTOCOL:
                continue
            if not name.startswith("_") or name == "__call__":
                found[f"{key}.{name}"] = function
    return found


def _arguments(function) -> list[str]:
    parameters = inspect.signature(function).parameters.values()
    return [
        p.name
        for p in parameters
        if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def test_every_public_name_has_a_case(public_names, public_api):
    covered = {(key, argument) for key, argument, *_ in BAD} | set(EXEMPT)
    missing = [
        (key, argument)
        for key, function in _callables(public_api).items()
        for argument in _arguments(function)
        if argument != "seed" and (key, argument) not in covered  # seeds: test_seeds.py
    ]
    assert not missing, f"arguments without a bad-argument case: {missing}"
    assert set(CALLS) >= {key for key, *_ in BAD}
    names = {".".join(key.split(".")[:2]) for key, *_ in BAD} | set(NOT_APPLICABLE)
    assert names >= public_names - {"losses.mean_squared_error"}, sorted(public_names - names)


def _shown(value) -> list[str]:
    if isinstance(value, np.ndarray):
        return [str(value.shape), repr(value)]
    return [repr(value), str(value)]


def _case_id(key, argument, bad):
    text = f"shape{bad.shape}" if isinstance(bad, np.ndarray) else repr(bad)
    return f"{key}-{argument}={text}"


@pytest.mark.parametrize(
    "key, argument, bad",
    [
        pytest.param(key, argument, bad, id=_case_id(key, argument, bad))
        for key, argument, bad in BAD
    ],
)
def test_bad_argument_is_a_named_error(key, argument, bad, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises((ValueError, TypeError)) as info:
        CALLS[key](**{argument: bad})
    message = str(info.value)
    assert argument in message, f"the message does not name `{argument}`: {message}"
    assert any(shown in message for shown in _shown(bad)), f"the value is not shown: {message}"
