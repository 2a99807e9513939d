"""n-step returns and interleaved environment streams of the replay buffers, against a
naive Python reference: the list of every transition added, walked forward per stream."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_tutorial_kit as ktk
from keras_tutorial_kit.rl.prioritized_replay_buffer import (
    NStepPrioritizedReplaySample,
    PrioritizedReplaySample,
)
from keras_tutorial_kit.rl.replay_buffer import NStepReplaySample, ReplaySample


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides the shared Keras reset: these tests use NumPy only."""
    yield


def _expected(history, capacity, identifier, n_steps, gamma):
    """The n-step tuple of transition ``identifier`` (its position in ``history``), with
    only the last ``capacity`` transitions stored: ``(return, last id, discount)``."""
    stored = history[-capacity:]
    first_stored = len(history) - len(stored)
    env = history[identifier]["env"]
    window = [identifier]
    while len(window) < n_steps:
        current = history[window[-1]]
        if current["terminated"] or current["truncated"]:
            break
        later = [j for j in range(window[-1] + 1, len(history)) if history[j]["env"] == env]
        if not later or later[0] < first_stored:
            break
        window.append(later[0])
    total = sum(gamma**k * float(np.float32(history[j]["reward"])) for k, j in enumerate(window))
    return total, window[-1], gamma ** len(window)


def _check_rows(batch, history, capacity, n_steps, gamma):
    identifiers = batch.observations[:, 0].astype(int).tolist()
    stored = set(range(max(len(history) - capacity, 0), len(history)))
    for row, identifier in enumerate(identifiers):
        assert identifier in stored
        total, last, discount = _expected(history, capacity, identifier, n_steps, gamma)
        np.testing.assert_allclose(batch.rewards[row], total, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(batch.next_observations[row], history[last]["next"])
        assert bool(batch.terminated[row]) == history[last]["terminated"]
        assert bool(batch.truncated[row]) == history[last]["truncated"]
        if n_steps > 1:
            np.testing.assert_allclose(batch.discounts[row], discount, rtol=1e-6)
        assert int(batch.actions[row]) == identifier % 3


_STEP = st.tuples(
    st.integers(0, 2),  # environment
    st.integers(-3, 3),  # reward
    st.sampled_from(["", "", "", "terminated", "truncated"]),
    st.integers(1, 3),  # rows stored together (extend) when > 1
)


def _fill(buffer, steps, envs, single_stream_next):
    """Adds the generated steps; returns the reference history."""
    history = []
    pending = []

    def transition(env, reward, end):
        identifier = len(history) + len(pending)
        next_observation = np.array([identifier, 1], np.float32)
        if single_stream_next and not end:
            next_observation = np.array([identifier + 1, 0], np.float32)
        return {
            "env": env if envs > 1 else 0,
            "observation": np.array([identifier, 0], np.float32),
            "reward": reward / 2,
            "next": next_observation,
            "terminated": end == "terminated",
            "truncated": end == "truncated",
        }

    for env, reward, end, rows in steps:
        pending = [transition(env, reward, end)]
        for extra in range(1, rows):
            pending.append(transition((env + extra) % max(envs, 1), reward + extra, ""))
            if single_stream_next:
                pending[-1]["env"] = 0
        if single_stream_next:  # rows of one stream in order: each continues the last
            for before, after in itertools.pairwise(pending):
                before["next"] = after["observation"]
                before["terminated"] = before["truncated"] = False
        if len(pending) == 1:
            t = pending[0]
            identifier = int(t["observation"][0])
            buffer.add(
                t["observation"],
                identifier % 3,
                t["reward"],
                t["next"],
                t["terminated"],
                t["truncated"],
                env_index=t["env"],
            )
        else:
            buffer.extend(
                np.stack([t["observation"] for t in pending]),
                np.array([int(t["observation"][0]) % 3 for t in pending]),
                np.array([t["reward"] for t in pending], np.float32),
                np.stack([t["next"] for t in pending]),
                np.array([t["terminated"] for t in pending]),
                np.array([t["truncated"] for t in pending]),
                env_indices=None if envs == 1 else np.array([t["env"] for t in pending]),
            )
        history.extend(pending)
        pending = []
    return history


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(1, 12),
    n_steps=st.integers(1, 5),
    gamma=st.sampled_from([0.0, 0.5, 0.99, 1.0]),
    envs=st.integers(1, 3),
    store_next_observations=st.booleans(),
    steps=st.lists(_STEP, min_size=1, max_size=30),
    prioritized=st.booleans(),
)
def test_n_step_samples_match_a_naive_reference(
    capacity, n_steps, gamma, envs, store_next_observations, steps, prioritized, tmp_path_factory
):
    envs = 1 if not store_next_observations else envs  # one stream only in that mode
    cls = ktk.rl.PrioritizedReplayBuffer if prioritized else ktk.rl.ReplayBuffer
    buffer = cls(
        capacity,
        (2,),
        seed=0,
        store_next_observations=store_next_observations,
        n_steps=n_steps,
        gamma=gamma,
    )
    history = _fill(buffer, steps, envs, not store_next_observations)
    batch = buffer.sample(len(buffer))
    expected_type = {
        (False, 1): ReplaySample,
        (False, 2): NStepReplaySample,
        (True, 1): PrioritizedReplaySample,
        (True, 2): NStepPrioritizedReplaySample,
    }[prioritized, min(n_steps, 2)]
    assert type(batch) is expected_type
    _check_rows(batch, history, capacity, n_steps, gamma)
    # The file keeps the streams: the same samples now and after more steps.
    path = tmp_path_factory.mktemp("n_step") / "buffer.npz"
    loaded = cls.load(buffer.save(path))
    assert (loaded.n_steps, loaded.gamma) == (n_steps, gamma)
    more = steps[: len(steps) // 2]
    extended = history + _fill_more(
        buffer, loaded, more, envs, not store_next_observations, len(history)
    )
    for one, other in zip(buffer.sample(len(buffer)), loaded.sample(len(loaded)), strict=True):
        np.testing.assert_array_equal(one, other)
    _check_rows(loaded.sample(len(loaded)), extended, capacity, n_steps, gamma)


def _fill_more(buffer, loaded, steps, envs, single_stream_next, offset):
    """Adds the same steps to both buffers, ids going on from ``offset``."""

    class Shifted:
        def __init__(self, target):
            self.target = target

        def _shift(self, array):
            array = np.array(array, np.float32)
            array[..., 0] += offset
            return array

        def add(self, observation, action, reward, next_observation, *args, **kwargs):
            identifier = int(observation[0]) + offset
            self.target.add(
                self._shift(observation),
                identifier % 3,
                reward,
                self._shift(next_observation),
                *args,
                **kwargs,
            )

        def extend(self, observations, actions, rewards, next_observations, *args, **kwargs):
            identifiers = observations[:, 0].astype(int) + offset
            self.target.extend(
                self._shift(observations),
                identifiers % 3,
                rewards,
                self._shift(next_observations),
                *args,
                **kwargs,
            )

    history = _fill(Shifted(buffer), steps, envs, single_stream_next)
    _fill(Shifted(loaded), steps, envs, single_stream_next)
    for transition in history:
        transition["observation"] = transition["observation"] + [offset, 0]
        transition["next"] = transition["next"] + np.array([offset, 0], np.float32)
    return history


def _add(buffer, identifier, reward, env=0, terminated=False, truncated=False):
    buffer.add(
        np.array([identifier, 0], np.float32),
        identifier % 3,
        reward,
        np.array([identifier, 1], np.float32),
        terminated,
        truncated,
        env_index=env,
    )


def _row(batch, identifier):
    rows = np.flatnonzero(batch.observations[:, 0] == identifier)
    assert len(rows) == 1
    return rows[0]


def test_terminated_cuts_the_window_without_bootstrap():
    buffer = ktk.rl.ReplayBuffer(10, (2,), seed=0, n_steps=3, gamma=0.5)
    _add(buffer, 0, 1.0)
    _add(buffer, 1, 2.0, terminated=True)
    _add(buffer, 2, 4.0)
    batch = buffer.sample(3)
    first = _row(batch, 0)
    assert float(batch.rewards[first]) == 1.0 + 0.5 * 2.0
    assert float(batch.discounts[first]) == 0.25
    assert bool(batch.terminated[first]) and not bool(batch.truncated[first])
    assert batch.next_observations[first].tolist() == [1.0, 1.0]


def test_truncated_cuts_the_window_and_bootstraps_from_its_last_observation():
    buffer = ktk.rl.ReplayBuffer(10, (2,), seed=0, n_steps=4, gamma=0.5)
    for identifier in range(3):
        _add(buffer, identifier, 1.0, truncated=identifier == 1)
    batch = buffer.sample(3)
    first = _row(batch, 0)
    assert float(batch.rewards[first]) == 1.5
    assert bool(batch.truncated[first]) and not bool(batch.terminated[first])
    assert batch.next_observations[first].tolist() == [1.0, 1.0]
    newest = _row(batch, 2)  # nothing stored after it yet: one step
    assert (float(batch.rewards[newest]), float(batch.discounts[newest])) == (1.0, 0.5)


def test_windows_run_across_the_ring_wrap_but_not_past_the_newest():
    buffer = ktk.rl.ReplayBuffer(4, (2,), seed=0, n_steps=3, gamma=1.0)
    for identifier in range(6):  # slots 0..3 then 0, 1 again: ids 2..5 remain
        _add(buffer, identifier, float(identifier))
    batch = buffer.sample(4)
    assert float(batch.rewards[_row(batch, 3)]) == 3.0 + 4.0 + 5.0  # slots 3, 0, 1
    assert float(batch.rewards[_row(batch, 4)]) == 4.0 + 5.0
    assert batch.next_observations[_row(batch, 3)].tolist() == [5.0, 1.0]


def test_interleaved_streams_follow_their_own_environment():
    buffer = ktk.rl.ReplayBuffer(10, (2,), seed=0, n_steps=3, gamma=1.0)
    for identifier in range(6):
        _add(buffer, identifier, float(identifier), env=identifier % 2)
    batch = buffer.sample(6)
    assert float(batch.rewards[_row(batch, 0)]) == 0.0 + 2.0 + 4.0
    assert float(batch.rewards[_row(batch, 1)]) == 1.0 + 3.0 + 5.0
    assert float(batch.rewards[_row(batch, 3)]) == 3.0 + 5.0


def test_a_stream_whose_last_slot_was_overwritten_does_not_link_into_it():
    buffer = ktk.rl.ReplayBuffer(3, (2,), seed=0, n_steps=3, gamma=1.0)
    _add(buffer, 0, 100.0, env=1)  # slot 0, env 1 goes on
    _add(buffer, 1, 1.0, env=0)  # slot 1
    _add(buffer, 2, 2.0, env=0)  # slot 2
    _add(buffer, 3, 3.0, env=2)  # slot 0: env 1's transition is gone
    _add(buffer, 4, 4.0, env=1)  # slot 1: must not become env 2's next transition
    batch = buffer.sample(3)
    assert float(batch.rewards[_row(batch, 3)]) == 3.0
    assert float(batch.rewards[_row(batch, 2)]) == 2.0


def test_one_step_samples_are_the_six_field_replay_sample():
    buffer = ktk.rl.ReplayBuffer(10, (2,), seed=0)
    for identifier in range(4):
        _add(buffer, identifier, 1.0, env=identifier % 2)
    batch = buffer.sample(2)
    assert type(batch) is ReplaySample and len(batch) == 6


def test_one_step_prioritized_samples_keep_their_eight_fields():
    buffer = ktk.rl.PrioritizedReplayBuffer(10, (2,), seed=0)
    for identifier in range(4):
        _add(buffer, identifier, 1.0)
    assert type(buffer.sample(2)) is PrioritizedReplaySample
    n_step = ktk.rl.PrioritizedReplayBuffer(10, (2,), seed=0, n_steps=2)
    for identifier in range(4):
        _add(n_step, identifier, 1.0)
    batch = n_step.sample(2)
    assert batch._fields[-1] == "discounts" and batch._fields[6:8] == ("weights", "indices")


def test_files_of_format_1_load_with_one_step(tmp_path):
    buffer = ktk.rl.ReplayBuffer(10, (2,), seed=0)
    for identifier in range(4):
        _add(buffer, identifier, 1.0)
    path = buffer.save(tmp_path / "buffer.npz")
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    metadata = json.loads(str(arrays["metadata"]))
    for key in ("n_steps", "gamma"):
        del metadata[key]
    metadata["format_version"] = 1
    np.savez(path, **{**arrays, "metadata": np.array(json.dumps(metadata))})
    loaded = ktk.rl.ReplayBuffer.load(path)
    assert (loaded.n_steps, loaded.gamma) == (1, 0.99)
    assert type(loaded.sample(2)) is ReplaySample


@pytest.mark.parametrize("n_steps", [0, -1, 1.5, "2", True])
def test_rejects_a_bad_n_steps(n_steps):
    with pytest.raises(ValueError, match="n_steps"):
        ktk.rl.ReplayBuffer(10, (2,), n_steps=n_steps)


@pytest.mark.parametrize("gamma", [-0.1, 1.5, "0.9", None])
def test_rejects_a_bad_gamma(gamma):
    with pytest.raises(ValueError, match="gamma"):
        ktk.rl.PrioritizedReplayBuffer(10, (2,), n_steps=2, gamma=gamma)


@pytest.mark.parametrize("env_index", [-1, 1.5, "1", True, None])
@pytest.mark.parametrize("n_steps", [1, 3])
def test_rejects_a_bad_env_index_and_stores_nothing(env_index, n_steps):
    buffer = ktk.rl.ReplayBuffer(10, (2,), n_steps=n_steps)
    with pytest.raises(ValueError, match="env_index"):
        _add(buffer, 0, 1.0, env=env_index)
    assert len(buffer) == 0


@pytest.mark.parametrize(
    "env_indices", [np.array([0, -1]), np.array([0.0, 1.0]), np.array([0, 1, 2]), "ab"]
)
def test_rejects_bad_env_indices(env_indices):
    buffer = ktk.rl.ReplayBuffer(10, (2,), n_steps=2)
    with pytest.raises(ValueError, match="env_indices"):
        buffer.extend(
            np.zeros((2, 2)),
            np.zeros(2, int),
            np.zeros(2),
            np.zeros((2, 2)),
            np.zeros(2, bool),
            env_indices=env_indices,
        )
    assert len(buffer) == 0


def test_several_streams_need_stored_next_observations():
    buffer = ktk.rl.ReplayBuffer(10, (2,), store_next_observations=False)
    with pytest.raises(ValueError, match=r"store_next_observations=False.*env_index=1"):
        _add(buffer, 0, 1.0, env=1)
    with pytest.raises(ValueError, match="env_index"):
        buffer.extend(
            np.zeros((2, 2)),
            np.zeros(2, int),
            np.zeros(2),
            np.zeros((2, 2)),
            np.ones(2, bool),
            env_indices=np.array([0, 2]),
        )
    assert len(buffer) == 0
