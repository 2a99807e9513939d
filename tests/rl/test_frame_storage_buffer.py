"""``ReplayBuffer(stack_size=k)`` against the naive buffer that stores both stacks whole.

Given the same transitions and seed, the lean buffer (single frames) and the naive one
(``stack_size=1``: every observation and next observation stored as a whole stack) hold
the same transitions and draw identical samples: plain, n-step and prioritized, across
``add``/``extend``/``clear``/``save``/``load``, episodes ending terminated or truncated,
length-1 episodes, the ring's wrap and capacities smaller than an episode.
"""

from __future__ import annotations

import json
import pathlib
import tempfile
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import keras_tutorial_kit as ktk

FRAME_SHAPE = (2,)


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides the shared Keras reset: these tests use NumPy only."""
    yield


def assert_same_batches(lean, naive):
    assert type(lean) is type(naive)
    for field, left, right in zip(lean._fields, lean, naive, strict=True):
        np.testing.assert_array_equal(left, right, err_msg=field)
        assert left.dtype == right.dtype, field


class LeanMatchesNaiveMachine(RuleBasedStateMachine):
    """Any sequence of add/extend/clear/save/load/sample/update_priorities on both buffers."""

    buffer_class = ktk.rl.ReplayBuffer
    options: ClassVar[dict] = {}

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.lean = self.naive = None
        self.rng = np.random.default_rng(0)
        self.observation = None  # the stack the next transition starts from, if any

    def teardown(self) -> None:
        self.directory.cleanup()

    @precondition(lambda self: self.lean is None)
    @rule(capacity=st.integers(1, 9), stack_size=st.integers(2, 4), seed=st.integers(0, 2**16))
    def create(self, capacity, stack_size, seed):
        self.stack_size = stack_size
        arguments = (capacity, (stack_size, *FRAME_SHAPE), "uint8")
        options = {"seed": seed, **self.options}
        self.lean = self.buffer_class(*arguments, stack_size=stack_size, **options)
        self.naive = self.buffer_class(*arguments, **options)

    def _transition(self, ending):
        """The next transition of a synthetic ``FrameStackObservation`` environment."""
        if self.observation is None:  # a reset: k arbitrary frames (padding included)
            shape = (self.stack_size, *FRAME_SHAPE)
            self.observation = self.rng.integers(0, 256, shape, dtype=np.uint8)
        frame = self.rng.integers(0, 256, (1, *FRAME_SHAPE), dtype=np.uint8)
        observation = self.observation
        next_observation = np.concatenate([observation[1:], frame])
        terminated, truncated = ending == 1, ending == 2
        self.observation = None if terminated or truncated else next_observation
        action = int(self.rng.integers(0, 4))
        return observation, action, float(frame.sum()), next_observation, terminated, truncated

    @precondition(lambda self: self.lean is not None)
    @rule(ending=st.sampled_from([0, 0, 0, 1, 2]))
    def add(self, ending):
        transition = self._transition(ending)
        self.lean.add(*transition)
        self.naive.add(*transition)

    @precondition(lambda self: self.lean is not None)
    @rule(endings=st.lists(st.sampled_from([0, 0, 1, 2]), min_size=1, max_size=20))
    def extend(self, endings):
        transitions = [self._transition(ending) for ending in endings]
        columns = [np.array(column) for column in zip(*transitions, strict=True)]
        self.lean.extend(*columns)
        self.naive.extend(*columns)

    @precondition(lambda self: self.lean is not None and self.observation is not None)
    @rule()
    def reject_a_broken_episode(self):
        # The open episode goes on: an observation that does not continue it is refused
        # (the naive buffer cannot tell), and nothing is stored.
        shape = (self.stack_size, *FRAME_SHAPE)
        observation = (self.observation + 1).astype(np.uint8)  # not the expected stack
        next_observation = np.concatenate([observation[1:], np.zeros((1, *shape[1:]), "uint8")])
        size = len(self.lean)
        with pytest.raises(ValueError, match="`observation`"):
            self.lean.add(observation, 0, 0.0, next_observation, False)
        assert len(self.lean) == size

    @precondition(lambda self: self.lean is not None)
    @rule()
    def clear(self):
        self.lean.clear()
        self.naive.clear()
        self.observation = None

    @precondition(lambda self: self.lean is not None)
    @rule()
    def save_and_load(self):
        folder = pathlib.Path(self.directory.name)
        self.lean = self.buffer_class.load(self.lean.save(folder / "lean.npz"))
        self.naive = self.buffer_class.load(self.naive.save(folder / "naive.npz"))
        assert self.lean.stack_size == self.stack_size and self.naive.stack_size == 1

    @precondition(lambda self: self.lean is not None and len(self.lean) > 0)
    @rule(data=st.data())
    def sample(self, data):
        batch_size = data.draw(st.integers(1, len(self.lean)))
        lean, naive = self.lean.sample(batch_size), self.naive.sample(batch_size)
        assert_same_batches(lean, naive)
        if hasattr(lean, "indices"):
            priorities = self.rng.random(batch_size) * 3
            self.lean.update_priorities(lean.indices, priorities)
            self.naive.update_priorities(naive.indices, priorities)

    @invariant()
    def same_transitions(self):
        if self.lean is not None:
            assert len(self.lean) == len(self.naive)
            assert_same_batches(self.lean.transitions(), self.naive.transitions())


class PrioritizedLeanMatchesNaiveMachine(LeanMatchesNaiveMachine):
    buffer_class = ktk.rl.PrioritizedReplayBuffer
    options: ClassVar[dict] = {"alpha": 0.7}


class NStepLeanMatchesNaiveMachine(LeanMatchesNaiveMachine):
    options: ClassVar[dict] = {"n_steps": 3, "gamma": 0.9}


class NStepPrioritizedLeanMatchesNaiveMachine(LeanMatchesNaiveMachine):
    buffer_class = ktk.rl.PrioritizedReplayBuffer
    options: ClassVar[dict] = {"alpha": 0.7, "n_steps": 2, "gamma": 0.5}


TestLeanMatchesNaive = LeanMatchesNaiveMachine.TestCase
TestPrioritizedLeanMatchesNaive = PrioritizedLeanMatchesNaiveMachine.TestCase
TestNStepLeanMatchesNaive = NStepLeanMatchesNaiveMachine.TestCase
TestNStepPrioritizedLeanMatchesNaive = NStepPrioritizedLeanMatchesNaiveMachine.TestCase


def _episode(rng, length, stack_size=3):
    observation = rng.integers(0, 256, (stack_size, *FRAME_SHAPE), dtype=np.uint8)
    for step in range(length):
        frame = rng.integers(0, 256, (1, *FRAME_SHAPE), dtype=np.uint8)
        next_observation = np.concatenate([observation[1:], frame])
        yield observation, step % 2, 1.0, next_observation, False, step == length - 1
        observation = next_observation


@pytest.mark.parametrize(
    ("stack_size", "shape"),
    [(0, (3, 2)), (2.0, (2, 2)), (True, (3, 2)), ("3", (3, 2)), (3, (4, 2)), (2, ())],
)
def test_rejects_bad_stack_size(stack_size, shape):
    for cls in (ktk.rl.ReplayBuffer, ktk.rl.PrioritizedReplayBuffer):
        with pytest.raises(ValueError, match=r"`stack_size`.*Received: stack_size="):
            cls(4, shape, "uint8", stack_size=stack_size)


def test_interleaved_environments_are_refused_naming_the_observation():
    rng = np.random.default_rng(0)
    buffer = ktk.rl.ReplayBuffer(8, (3, *FRAME_SHAPE), "uint8", stack_size=3, n_steps=2)
    first, second = next(_episode(rng, 4)), next(_episode(rng, 4))
    buffer.add(*first, env_index=0)
    with pytest.raises(ValueError, match=r"interleave.*`observation`"):
        buffer.add(*second, env_index=1)
    with pytest.raises(ValueError, match=r"interleave.*`observation`"):
        buffer.extend(*(np.array([column]) for column in second), env_indices=[1])
    assert len(buffer) == 1


def test_nbytes_counts_each_frame_once():
    rng = np.random.default_rng(0)
    shape = (4, 84, 84)
    lean = ktk.rl.ReplayBuffer(1000, shape, "uint8", stack_size=4)
    naive = ktk.rl.ReplayBuffer(1000, shape, "uint8")
    observation = np.zeros(shape, np.uint8)
    for step in range(1000):  # episodes of 100 steps
        frame = np.full((1, 84, 84), step % 251, np.uint8)
        next_observation = np.concatenate([observation[1:], frame])
        ends = step % 100 == 99
        lean.add(observation, 0, 0.0, next_observation, False, ends)
        observation = rng.integers(0, 256, shape, dtype=np.uint8) if ends else next_observation
    frames = 1000 + 1000 // 8 + 4 + 1  # the frame ring: capacity plus its headroom
    other = 1000 * (8 + 4 + 2) + 1000 * 8  # actions, rewards, flags; each slot's first frame
    assert lean.nbytes == frames * 84 * 84 + other + 4 * 8
    assert naive.nbytes == 2 * 1000 * 4 * 84 * 84 + 1000 * (8 + 4 + 2)
    assert lean.nbytes / naive.nbytes < 0.26  # the memory goal of issue 12


@pytest.mark.parametrize("damage", ["frame_starts", "frames", "pending"])
def test_load_refuses_damaged_frames_naming_the_file(tmp_path, damage):
    rng = np.random.default_rng(0)
    buffer = ktk.rl.ReplayBuffer(8, (3, *FRAME_SHAPE), "uint8", stack_size=3)
    for transition in list(_episode(rng, 5))[:4]:  # the episode stays open
        buffer.add(*transition)
    path = buffer.save(tmp_path / "lean.npz")
    with np.load(path) as data:
        arrays = dict(data)
    metadata = json.loads(str(arrays["metadata"]))
    if damage == "frame_starts":
        arrays["frame_starts"] = arrays["frame_starts"] + 100
    elif damage == "frames":
        arrays["frames"] = arrays["frames"][:2]
    else:
        metadata["pending_frame_start"] = 1000
    arrays["metadata"] = np.array(json.dumps(metadata))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"damaged.*lean\.npz"):
        ktk.rl.ReplayBuffer.load(path)
