"""Conformance point ``seeds``: one seed convention for every public callable.

``None``, a Python int and a NumPy integer are accepted wherever a ``seed`` is, give the
same results for the same value, and survive ``get_config``, ``save`` and ``load`` as a
plain ``int``. Anything else is rejected with an error naming ``seed`` and the value.
``keras_tutorial_kit._validation.check_seed`` decides this for the whole package.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk

CONTRACT_POINT = "seeds"
NOT_APPLICABLE = {
    "layers.LinearLayer": "takes no seed (initializers carry their own)",
    "losses.MeanSquaredError": "takes no seed",
    "losses.mean_squared_error": "takes no seed",
    "metrics.SparseCategoricalAccuracy": "takes no seed",
    "models.CNN": "takes no seed",
    "models.Linear": "takes no seed",
    "models.MLP": "takes no seed",
    "rl.LinearSchedule": "takes no seed",
}
TEXT = "the quick brown fox jumps over the lazy dog. " * 4
LOGITS = np.random.default_rng(0).normal(size=(32, 12)).astype("float32")
OBSERVATIONS = np.random.default_rng(1).normal(size=(20, 2)).astype("float32")
SAME_SEEDS = (np.int64(3), np.int32(3), np.uint8(3))
BAD_SEEDS = (-1, 2**31, 1.5, "3", True, np.float64(3.0), [3])


@dataclasses.dataclass(frozen=True)
class SeedCase:
    """``draw(seed, tmp_path)`` gives outputs that depend on the seed; ``survive(seed,
    tmp_path)`` gives ``(stored seed, outputs after get_config/save/load)``."""

    key: str
    draw: Callable[[Any, Any], Any]
    survive: Callable[[Any, Any], tuple[Any, Any]] | None = None


def _filled(cls, seed, **kwargs):
    buffer = cls(capacity=50, observation_shape=(2,), seed=seed, **kwargs)
    buffer.extend(
        OBSERVATIONS, np.arange(20) % 3, np.ones(20), OBSERVATIONS + 1, np.zeros(20, bool)
    )
    return buffer


def _buffer_survives(cls):
    def survive(seed, tmp_path):
        path = _filled(cls, seed).save(tmp_path / f"buffer-{type(seed).__name__}.npz")
        loaded = cls.load(path)
        return loaded.seed, loaded.sample(8).observations

    return survive


def _agent(seed, observation_shape=(2,)):
    return ktk.rl.DQNAgent(
        observation_shape,
        3,
        hidden_units=(8,),
        buffer_capacity=64,
        batch_size=4,
        learning_starts=8,
        seed=seed,
    )


def _agent_actions(agent):
    return [agent.act(row, epsilon=1.0) for row in OBSERVATIONS]


def _agent_survives(seed, tmp_path):
    agent = _agent(seed)
    stored = json.loads(json.dumps(agent.get_config()))["seed"]
    folder = tmp_path / f"agent-{type(seed).__name__}"
    agent.save(folder)
    return stored, _agent_actions(ktk.rl.DQNAgent.load(folder))


def _sampler_survives(seed, tmp_path):
    config = json.loads(json.dumps(ktk.samplers.TemperatureSampler(seed=seed).get_config()))
    sampler = ktk.samplers.TemperatureSampler.from_config(config)
    return config["seed"], np.asarray(sampler(LOGITS))


def _corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def _generate(seed, tmp_path):
    keras.utils.set_random_seed(0)
    model = ktk.models.CharRNN(vocab_size=6, units=4)
    model.build((None, 3))
    return model.generate([0, 1, 2], length=6, seed=seed)


def _flowers(seed, tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=8):
        dataset = ktk.data.load_flowers(
            image_size=4, batch_size=8, seed=seed, data_dir=tmp_path, download=False
        )
        return [labels.tolist() for _, labels in dataset.as_numpy_iterator()]


def _evaluate(seed, tmp_path):
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, hidden_units=(8,), buffer_capacity=64, seed=0)
    return agent.evaluate(env, episodes=1, seed=seed)


def _stop_when_solved(seed, tmp_path):
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("CartPole-v1")
    solved = ktk.rl.StopWhenSolved(
        env, threshold=1e9, episodes=2, eval_interval=1, screen_episodes=0, seed=seed
    )
    agent = ktk.rl.DQNAgent.from_env(env, hidden_units=(8,), buffer_capacity=64, seed=0)
    agent.num_timesteps = 1  # a check is due
    assert solved(agent)
    return solved.eval_returns


def _evaluate_policy(seed, tmp_path):
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("CartPole-v1")
    return ktk.rl.evaluate_policy(lambda observation: 0, env, episodes=2, seed=seed)


CASES = [
    SeedCase("data.CharCorpus", lambda s, p: ktk.data.CharCorpus(TEXT, seed=s).get_batch(5, 8)),
    SeedCase(
        "data.CharCorpus.from_file",
        lambda s, p: ktk.data.CharCorpus.from_file(_corpus_file(p), seed=s).get_batch(5, 8),
    ),
    SeedCase(
        "data.CharCorpus.as_dataset",
        lambda s, p: [
            x.numpy().tolist() for x, _ in ktk.data.CharCorpus(TEXT).as_dataset(5, 64, seed=s)
        ],
    ),
    SeedCase(
        "data.MNISTLoader",
        lambda s, p: ktk.data.MNISTLoader(source="digits", seed=s).get_batch(16),
    ),
    SeedCase("data.load_flowers", _flowers),
    SeedCase("models.CharRNN.generate", _generate),
    SeedCase(
        "models.QNetwork.act",
        lambda s, p: ktk.models.QNetwork(3, (4,)).act(OBSERVATIONS, epsilon=1.0, seed=s),
    ),
    SeedCase("rl.DQNAgent", lambda s, p: _agent_actions(_agent(s)), _agent_survives),
    SeedCase("rl.DQNAgent.evaluate", _evaluate),
    SeedCase("rl.StopWhenSolved", _stop_when_solved),
    SeedCase("rl.evaluate_policy", _evaluate_policy),
    SeedCase(
        "rl.ReplayBuffer",
        lambda s, p: _filled(ktk.rl.ReplayBuffer, s).sample(8).observations,
        _buffer_survives(ktk.rl.ReplayBuffer),
    ),
    SeedCase(
        "rl.PrioritizedReplayBuffer",
        lambda s, p: _filled(ktk.rl.PrioritizedReplayBuffer, s).sample(8).indices,
        _buffer_survives(ktk.rl.PrioritizedReplayBuffer),
    ),
    SeedCase(
        "samplers.TemperatureSampler",
        lambda s, p: np.asarray(ktk.samplers.TemperatureSampler(seed=s)(LOGITS)),
        _sampler_survives,
    ),
    SeedCase(
        "samplers.TemperatureSampler.__call__",
        lambda s, p: np.asarray(ktk.samplers.TemperatureSampler()(LOGITS, seed=s)),
    ),
    SeedCase(
        "samplers.sample_logits",
        lambda s, p: np.asarray(ktk.samplers.sample_logits(LOGITS, seed=s)),
    ),
]


def _params(cases):
    return [pytest.param(case, id=case.key) for case in cases]


def _seeded_callables(public_api) -> set[str]:
    """Every public callable (constructor, function, public method) with a ``seed``."""
    found = set()
    for key, obj in public_api.items():
        members = {"": obj} if not inspect.isclass(obj) else {"": obj.__init__}
        if inspect.isclass(obj):
            for name, member in vars(obj).items():
                if callable(getattr(member, "__func__", member)) and (
                    not name.startswith("_") or name == "__call__"
                ):
                    members[f".{name}"] = getattr(member, "__func__", member)
        for suffix, function in members.items():
            try:
                parameters = inspect.signature(function).parameters
            except (TypeError, ValueError):
                continue
            if "seed" in parameters:
                found.add(key + suffix)
    return found


def _equal(a, b) -> bool:
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return np.array_equal(np.asarray(a), np.asarray(b))


def test_every_public_name_has_a_case(public_names, public_api):
    keys = {case.key for case in CASES}
    assert keys == _seeded_callables(public_api), "every callable with a `seed` needs a case"
    covered = {".".join(key.split(".")[:2]) for key in keys} | set(NOT_APPLICABLE)
    assert covered == public_names, sorted(covered ^ public_names)


@pytest.mark.parametrize("case", _params(CASES))
def test_accepts_none_int_and_numpy_integers_alike(case, tmp_path):
    expected = case.draw(3, tmp_path)
    for seed in SAME_SEEDS:
        assert _equal(case.draw(seed, tmp_path), expected), f"seed={seed!r} differs from seed=3"
    assert case.draw(None, tmp_path) is not None


@pytest.mark.parametrize(
    "case",
    _params([c for c in CASES if c.survive is not None]),
)
def test_seed_survives_config_save_and_load(case, tmp_path):
    stored_int, expected = case.survive(3, tmp_path)
    stored, outputs = case.survive(np.int64(3), tmp_path)
    assert stored == 3 and type(stored) is int and type(stored_int) is int
    assert _equal(outputs, expected)


@pytest.mark.parametrize("bad", BAD_SEEDS, ids=repr)
@pytest.mark.parametrize("case", _params(CASES))
def test_rejects_bad_seeds(case, bad, tmp_path):
    with pytest.raises((ValueError, TypeError)) as info:
        case.draw(bad, tmp_path)
    message = str(info.value)
    assert "seed" in message and repr(bad) in message, message


@pytest.mark.parametrize("bad", BAD_SEEDS, ids=repr)
def test_check_seed_is_the_one_helper(bad):
    from keras_tutorial_kit._validation import check_seed

    assert check_seed("seed", None) is None
    for seed in (3, *SAME_SEEDS):
        assert check_seed("seed", seed) == 3 and type(check_seed("seed", seed)) is int
    with pytest.raises((ValueError, TypeError), match=r"seed"):
        check_seed("seed", bad)


@given(
    seed=st.integers(0, 2**31 - 1),
    dtype=st.sampled_from(["int64", "uint32", "int32", "uint64"]),
)
def test_check_seed_gives_the_same_int_for_python_and_numpy_integers(seed, dtype):
    from keras_tutorial_kit._validation import check_seed

    assert check_seed("seed", seed) == seed
    assert type(check_seed("seed", np.array(seed, dtype=dtype)[()])) is int
    assert check_seed("seed", np.array(seed, dtype=dtype)[()]) == seed


@pytest.mark.parametrize("seed", [0, 2**31 - 1])
def test_every_backend_takes_the_extreme_seeds(seed):
    """The largest seed ``check_seed`` accepts works with Keras' generator on this backend."""
    logits = np.zeros((2, 5), "float32")
    draws = ktk.samplers.TemperatureSampler(seed=seed)(logits)
    assert np.asarray(keras.ops.convert_to_numpy(draws)).shape == (2,)
    assert keras.random.SeedGenerator(seed).next() is not None
