"""Tests of the private frame storage of ``ReplayBuffer(stack_size=k)`` against a naive
reference that keeps every observation and next-observation stack whole."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from keras_tutorial_kit.rl._frame_storage import FrameStorage


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides the shared Keras reset: these tests use NumPy only."""
    yield


def stacked_episodes(seed, lengths, last_ends=True, stack_size=3, frame_shape=(2,)):
    """Transitions ``(observation, next_observation, ends)`` of episodes of ``lengths``, as
    gymnasium's ``FrameStackObservation`` gives them: the first observation of each episode
    has ``stack_size`` arbitrary frames (random, not repeated, not zeros), then each step
    drops the oldest frame and appends a new one. Every episode ends but perhaps the last."""
    rng = np.random.default_rng(seed)
    transitions = []
    for number, length in enumerate(lengths):
        observation = rng.integers(0, 256, (stack_size, *frame_shape), dtype=np.uint8)
        for step in range(length):
            frame = rng.integers(0, 256, (1, *frame_shape), dtype=np.uint8)
            next_observation = np.concatenate([observation[1:], frame])
            ends = step == length - 1 and (last_ends or number < len(lengths) - 1)
            transitions.append((observation, next_observation, ends))
            observation = next_observation
    return transitions


class NaiveStorage:
    """The reference: both stacks of every transition kept whole, slot by slot."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.slots = {}

    def put(self, slot, observation, next_observation):
        self.slots[slot] = (observation.copy(), next_observation.copy())


def assert_same_contents(storage, reference):
    slots = np.array(sorted(reference.slots), dtype=np.intp)
    expected_observations = np.stack([reference.slots[s][0] for s in slots.tolist()])
    expected_next = np.stack([reference.slots[s][1] for s in slots.tolist()])
    np.testing.assert_array_equal(storage.observations(slots), expected_observations)
    np.testing.assert_array_equal(storage.next_observations(slots), expected_next)


def fill(storage, reference, transitions, start=0):
    for step, (observation, next_observation, ends) in enumerate(transitions):
        slot = (start + step) % reference.capacity
        storage.put(slot, observation, next_observation, ends)
        reference.put(slot, observation, next_observation)
    return (start + len(transitions)) % reference.capacity


episode_lengths = st.lists(st.integers(1, 12), min_size=1, max_size=12)


@given(
    seed=st.integers(0, 2**32 - 1),
    lengths=episode_lengths,
    last_ends=st.booleans(),
    capacity=st.integers(1, 9),
    stack_size=st.integers(2, 4),
)
def test_matches_naive_reference_after_every_transition(
    seed, lengths, last_ends, capacity, stack_size
):
    # Length-1 episodes, capacities smaller than an episode, and the rings' wrap.
    storage = FrameStorage(capacity, stack_size, (2,), np.dtype(np.uint8))
    reference = NaiveStorage(capacity)
    episodes = np.repeat(np.arange(len(lengths)), lengths)
    most_in_use = 0
    for step, transition in enumerate(stacked_episodes(seed, lengths, last_ends, stack_size)):
        fill(storage, reference, [transition], start=step)
        assert_same_contents(storage, reference)
        # Frames in use: per episode, its stored transitions plus k (its oldest stack).
        stored = episodes[max(step + 1 - capacity, 0) : step + 1]
        most_in_use = max(most_in_use, len(stored) + len(set(stored.tolist())) * stack_size)
    # The ring grows only as far as needed, plus its headroom.
    headroom = capacity // 8 + stack_size + 1
    assert len(storage._frames) <= max(capacity, most_in_use) + headroom


@given(
    seed=st.integers(0, 2**32 - 1),
    lengths=episode_lengths,
    capacity=st.integers(1, 9),
    cuts=st.lists(st.integers(1, 15), min_size=1, max_size=20),
)
def test_rows_store_as_single_transitions_do(seed, lengths, capacity, cuts):
    transitions = stacked_episodes(seed, lengths, last_ends=False)
    by_rows = FrameStorage(capacity, 3, (2,), np.dtype(np.uint8))
    reference = NaiveStorage(capacity)
    fill(FrameStorage(capacity, 3, (2,), np.dtype(np.uint8)), reference, transitions)
    position, done = 0, 0
    for cut in cuts * (len(transitions) // len(cuts) + 1):
        rows = transitions[done : done + cut]
        if not rows:
            break
        observations, next_observations, ends = (
            np.array(field) for field in zip(*rows, strict=True)
        )
        by_rows.check_rows(observations, next_observations, ends)
        skip = max(len(rows) - capacity, 0)  # as ReplayBuffer.extend keeps the last rows
        start = (position + skip) % capacity
        by_rows.put_rows(
            start, observations[skip:], next_observations[skip:], ends[skip:], skip == 0
        )
        position, done = (position + len(rows)) % capacity, done + len(rows)
    assert_same_contents(by_rows, reference)


@given(
    seed=st.integers(0, 2**32 - 1),
    lengths=episode_lengths,
    capacity=st.integers(1, 9),
    split=st.floats(0, 1),
)
# Found by CI's randomized pass (seed 1317931615): a save right after an episode ended
# leaves no episode open, so a new episode may start there.
@example(seed=0, lengths=[1, 3], capacity=1, split=0.25)
def test_file_arrays_restore_contents_and_the_open_episode(seed, lengths, capacity, split):
    transitions = stacked_episodes(seed, lengths, last_ends=False)
    cut = int(split * len(transitions))
    storage = FrameStorage(capacity, 3, (2,), np.dtype(np.uint8))
    reference = NaiveStorage(capacity)
    position = fill(storage, reference, transitions[:cut])
    size = min(cut, capacity)
    metadata, arrays = storage.to_file(size)
    restored = FrameStorage(capacity, 3, (2,), np.dtype(np.uint8))
    restored.restore(metadata, arrays, size)
    if size:
        assert_same_contents(restored, reference)
    # Only the frames in use travel: at most k + 1 per stored transition.
    assert len(arrays["frames"]) <= (3 + 1) * max(size, 1)
    open_episode = 0 < cut < len(transitions) and not transitions[cut - 1][2]
    if open_episode:  # an episode open at the save must go on after a reload
        broken = stacked_episodes(seed + 1, [1])[0]
        with pytest.raises(ValueError, match="`observation`"):
            restored.put(position, *broken)
    fill(restored, reference, transitions[cut:], start=position)  # the episode goes on
    if reference.slots:
        assert_same_contents(restored, reference)


def test_long_episodes_need_no_more_frames_than_the_initial_ring():
    storage = FrameStorage(64, 4, (3, 3), np.dtype(np.uint8))
    reference = NaiveStorage(64)
    fill(
        storage, reference, stacked_episodes(0, [40, 40, 40, 40], stack_size=4, frame_shape=(3, 3))
    )
    assert len(storage._frames) == 64 + 64 // 8 + 4 + 1
    assert storage.nbytes == (64 + 8 + 5) * 9 + 64 * 8
    assert_same_contents(storage, reference)


def test_rejects_next_observation_that_is_not_the_shifted_observation():
    storage = FrameStorage(4, 3, (2,), np.dtype(np.uint8))
    observation, next_observation, _ = stacked_episodes(0, [2])[0]
    wrong = next_observation.copy()
    wrong[0] += 1
    with pytest.raises(ValueError, match="`next_observation`"):
        storage.put(0, observation, wrong, False)
    storage.put(0, observation, next_observation, False)  # nothing was stored before
    np.testing.assert_array_equal(storage.observations(np.array([0]))[0], observation)


def test_rejects_observation_that_does_not_continue_the_episode():
    storage = FrameStorage(4, 3, (2,), np.dtype(np.uint8))
    first, second, _ = stacked_episodes(0, [3])
    storage.put(0, *first)
    other = stacked_episodes(1, [1])[0]  # a fresh stack, though the episode did not end
    with pytest.raises(ValueError, match="`observation`"):
        storage.put(1, *other)
    rows = [np.array(field) for field in zip(second, other, strict=True)]
    with pytest.raises(ValueError, match="`observation`"):
        storage.check_rows(*rows)
    storage.put(1, *second)
    np.testing.assert_array_equal(storage.next_observations(np.array([1]))[0], second[1])


def test_a_new_episode_may_start_with_any_stack_after_an_ending():
    storage = FrameStorage(4, 3, (2,), np.dtype(np.uint8))
    reference = NaiveStorage(4)
    first = stacked_episodes(0, [1])[0]
    again = (first[1], np.concatenate([first[1][1:], first[1][:1]]), True)  # reset == last
    fill(storage, reference, [first, again])
    assert_same_contents(storage, reference)


def test_growth_keeps_every_frame_in_use_past_one_copy_chunk():
    # Length-1 episodes need k + 1 frames per transition: the ring grows several times,
    # copying more than one chunk (4096 frames) of frames in use each time.
    storage = FrameStorage(1500, 4, (1,), np.dtype(np.uint8))
    reference = NaiveStorage(1500)
    fill(storage, reference, stacked_episodes(3, [1] * 2000, stack_size=4, frame_shape=(1,)))
    assert 5 * 1500 <= len(storage._frames) <= 5 * 1500 + 1500 // 8 + 4 + 1
    assert_same_contents(storage, reference)
