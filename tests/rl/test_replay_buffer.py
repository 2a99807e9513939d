"""Tests of ``ktk.rl.ReplayBuffer``: a stateful model check against a deque, statistics, I/O."""

from __future__ import annotations

import collections
import itertools
import os
import pathlib
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from scipy import stats

import keras_tutorial_kit as ktk
from keras_tutorial_kit.rl._next_observations import SharedNextObservations
from keras_tutorial_kit.rl.replay_buffer import ReplaySample


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides the shared Keras reset (~1 s of ``clear_session`` per test): these tests
    use NumPy only."""
    yield


# Every statistical test below rejects at this p-value: for a correct sampler it fails
# with probability at most 1e-4 for a random seed (and never, with the fixed seeds used).
P_VALUE_THRESHOLD = 1e-4


def _transition(identifier: int, next_identifier: int, terminated=False, truncated=False):
    """A transition whose observations carry unique ids, so that rows can be traced."""
    observation = np.array([identifier, -identifier], dtype=np.float32)
    next_observation = np.array([next_identifier, -next_identifier], dtype=np.float32)
    return (
        observation,
        identifier % 3,
        float(identifier) / 2,
        next_observation,
        terminated,
        truncated,
    )


def _rows(sample: ReplaySample) -> list[tuple]:
    return [
        (
            tuple(sample.observations[i].tolist()),
            int(sample.actions[i]),
            float(sample.rewards[i]),
            tuple(sample.next_observations[i].tolist()),
            bool(sample.terminated[i]),
            bool(sample.truncated[i]),
        )
        for i in range(len(sample.rewards))
    ]


def _reference_row(transition) -> tuple:
    observation, action, reward, next_observation, terminated, truncated = transition
    return (
        tuple(observation.tolist()),
        int(action),
        float(np.float32(reward)),
        tuple(next_observation.tolist()),
        bool(terminated),
        bool(truncated),
    )


class ReplayBufferMachine(RuleBasedStateMachine):
    """Any sequence of add/extend/clear/save/load/sample keeps the buffer equal to a
    ``deque(maxlen=capacity)`` of the same transitions, and samples only stored rows."""

    store_next_observations = True

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.capacity = None
        self.buffer = None
        self.reference = None
        self.next_id = 1
        self.current = 0  # id of the observation the next transition starts from

    def teardown(self) -> None:
        self.directory.cleanup()

    @precondition(lambda self: self.buffer is None)
    @rule(capacity=st.integers(1, 12), seed=st.integers(0, 2**16))
    def create(self, capacity, seed):
        self.capacity = capacity
        self.buffer = ktk.rl.ReplayBuffer(
            capacity, (2,), seed=seed, store_next_observations=self.store_next_observations
        )
        self.reference = collections.deque(maxlen=capacity)

    def _next_transition(self, ending: int):
        terminated, truncated = ending == 1, ending == 2
        transition = _transition(self.current, self.next_id, terminated, truncated)
        self.next_id += 1
        if terminated or truncated:
            self.current = self.next_id  # a new episode starts from a fresh observation
            self.next_id += 1
        else:
            self.current = self.next_id - 1
        return transition

    @precondition(lambda self: self.buffer is not None)
    @rule(ending=st.sampled_from([0, 0, 0, 1, 2]))
    def add(self, ending):
        transition = self._next_transition(ending)
        self.buffer.add(*transition)
        self.reference.append(transition)

    @precondition(lambda self: self.buffer is not None)
    @rule(endings=st.lists(st.sampled_from([0, 0, 1, 2]), min_size=0, max_size=30))
    def extend(self, endings):
        transitions = [self._next_transition(ending) for ending in endings]
        if transitions:
            columns = [np.array(column) for column in zip(*transitions, strict=True)]
        else:
            columns = [
                np.zeros((0, 2), np.float32),
                np.zeros(0, np.int64),
                np.zeros(0),
                np.zeros((0, 2), np.float32),
                np.zeros(0, bool),
                np.zeros(0, bool),
            ]
        self.buffer.extend(*columns)
        self.reference.extend(transitions)

    @precondition(lambda self: self.buffer is not None)
    @rule()
    def clear(self):
        self.buffer.clear()
        self.reference.clear()
        self.current = self.next_id  # a cleared buffer may start a new episode
        self.next_id += 1

    @precondition(lambda self: self.buffer is not None)
    @rule()
    def save_and_load(self):
        path = pathlib.Path(self.directory.name) / "buffer.npz"
        self.buffer.save(path)
        loaded = ktk.rl.ReplayBuffer.load(path)
        if len(self.buffer) > 0:
            # The generator state travels too: both draw the same next batch.
            batch_size = min(3, len(self.buffer))
            assert _rows(loaded.sample(batch_size)) == _rows(self.buffer.sample(batch_size))
        self.buffer = loaded

    @precondition(lambda self: self.buffer is not None and len(self.buffer) > 0)
    @rule(data=st.data())
    def sample(self, data):
        batch_size = data.draw(st.integers(1, len(self.buffer)))
        rows = _rows(self.buffer.sample(batch_size))
        stored = {_reference_row(t) for t in self.reference}
        assert len(rows) == batch_size
        assert all(row in stored for row in rows)
        assert len({row[0] for row in rows}) == batch_size  # distinct transitions

    @invariant()
    def contents_equal_the_deque(self):
        if self.buffer is None:
            return
        assert len(self.buffer) == len(self.reference)
        assert _rows(self.buffer.transitions()) == [_reference_row(t) for t in self.reference]


class ReplayBufferSharedObservationsMachine(ReplayBufferMachine):
    """The same model check with each observation stored once."""

    store_next_observations = False


TestReplayBufferMatchesDeque = ReplayBufferMachine.TestCase
TestReplayBufferSharedObservationsMatchesDeque = ReplayBufferSharedObservationsMachine.TestCase


def _filled(size: int, capacity: int | None = None, seed: int = 0) -> ktk.rl.ReplayBuffer:
    buffer = ktk.rl.ReplayBuffer(capacity or size, (2,), seed=seed)
    for identifier in range(size):
        buffer.add(*_transition(identifier, identifier + 1000))
    return buffer


@pytest.mark.parametrize(
    "size, batch_size",
    [(6, 2), (4, 3)],
    ids=["rejection-path", "choice-path"],
)
def test_sample_is_uniform_over_ordered_distinct_selections(size, batch_size):
    # Chi-square goodness of fit of the counts of every ordered selection of distinct
    # transitions (30 cells for 2 of 6, 24 for 3 of 4) against equal probabilities.
    buffer = _filled(size, seed=1)
    cells = list(itertools.permutations(range(size), batch_size))
    index = {cell: i for i, cell in enumerate(cells)}
    counts = np.zeros(len(cells))
    draws = 400 * len(cells)
    for _ in range(draws):
        ids = tuple(int(v) for v in buffer.sample(batch_size).observations[:, 0])
        counts[index[ids]] += 1
    p_value = stats.chisquare(counts).pvalue
    assert p_value > P_VALUE_THRESHOLD, f"p={p_value:.2e}, counts={counts.tolist()}"


def test_sample_marginals_are_uniform_in_a_wrapped_buffer():
    # 50 transitions added to a capacity-20 buffer: only the last 20 may appear, each with
    # probability batch_size / 20 per draw. Counts from sampling without replacement have
    # smaller variance than the multinomial the test assumes, so it is conservative.
    buffer = _filled(50, capacity=20, seed=2)
    counts = collections.Counter()
    for _ in range(4000):
        counts.update(int(v) for v in buffer.sample(5).observations[:, 0])
    assert set(counts) == set(range(30, 50))
    p_value = stats.chisquare([counts[i] for i in range(30, 50)]).pvalue
    assert p_value > P_VALUE_THRESHOLD


def test_sample_draws_distinct_transitions_when_batch_is_large():
    buffer = _filled(64, seed=3)
    for _ in range(50):
        ids = buffer.sample(64).observations[:, 0]
        assert sorted(ids.tolist()) == list(range(64))


def test_same_seed_gives_same_samples():
    first, second = _filled(30, seed=7), _filled(30, seed=7)
    assert _rows(first.sample(8)) == _rows(second.sample(8))
    assert _rows(first.sample(8)) != _rows(_filled(30, seed=8).sample(8))


def test_keeps_terminated_and_truncated_apart():
    buffer = ktk.rl.ReplayBuffer(4, (2,), seed=0)
    buffer.add(*_transition(1, 2, terminated=True, truncated=False))
    buffer.add(*_transition(3, 4, terminated=False, truncated=True))
    rows = sorted(_rows(buffer.transitions()))
    assert [(row[4], row[5]) for row in rows] == [(True, False), (False, True)]


def test_extend_keeps_the_last_capacity_rows_of_a_long_batch():
    buffer = ktk.rl.ReplayBuffer(5, (2,), seed=0)
    transitions = [_transition(i, i + 100) for i in range(13)]
    buffer.extend(*[np.array(column) for column in zip(*transitions, strict=True)])
    assert _rows(buffer.transitions()) == [_reference_row(t) for t in transitions[-5:]]


def test_shared_observations_give_the_same_samples_as_stored_ones():
    full = ktk.rl.ReplayBuffer(7, (2,), seed=5)
    shared = ktk.rl.ReplayBuffer(7, (2,), seed=5, store_next_observations=False)
    current, next_id = 0, 1
    for step in range(19):
        ending = step % 5 == 4
        transition = _transition(current, next_id, truncated=ending)
        full.add(*transition)
        shared.add(*transition)
        current, next_id = (next_id + 1, next_id + 2) if ending else (next_id, next_id + 1)
    assert _rows(shared.transitions()) == _rows(full.transitions())
    assert _rows(shared.sample(7)) == _rows(full.sample(7))
    assert isinstance(shared._next, SharedNextObservations)  # no array of next observations


def test_shared_observations_reject_a_broken_episode():
    buffer = ktk.rl.ReplayBuffer(4, (2,), store_next_observations=False)
    buffer.add(*_transition(1, 2))
    with pytest.raises(ValueError, match="next_observation"):
        buffer.add(*_transition(5, 6))


def test_stores_images_as_uint8():
    buffer = ktk.rl.ReplayBuffer(3, (8, 8, 3), observation_dtype="uint8", seed=0)
    image = np.full((8, 8, 3), 200, np.uint8)
    buffer.add(image, 1, 0.5, image, False)
    batch = buffer.sample(1)
    assert batch.observations.dtype == np.uint8 and batch.observations.shape == (1, 8, 8, 3)
    assert int(batch.observations.max()) == 200


def test_continuous_actions():
    buffer = ktk.rl.ReplayBuffer(3, (2,), action_shape=(2,), action_dtype="float32", seed=0)
    buffer.add(np.zeros(2), np.array([0.5, -0.5]), 1.0, np.ones(2), False)
    assert buffer.sample(1).actions.tolist() == [[0.5, -0.5]]


def test_clear_empties_and_keeps_capacity():
    buffer = _filled(5)
    buffer.clear()
    assert len(buffer) == 0 and buffer.capacity == 5
    with pytest.raises(ValueError, match="batch_size"):
        buffer.sample(1)


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "buffer.npz"
    buffer = _filled(4)
    buffer.save(path)
    before = path.read_bytes()
    buffer.add(*_transition(99, 100))

    def crash(file, **arrays):
        file.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        buffer.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["buffer.npz"]  # no temporary file left behind
    assert len(ktk.rl.ReplayBuffer.load(path)) == 4


def test_saved_file_loads_without_pickle(tmp_path):
    path = _filled(6).save(tmp_path / "buffer.npz")
    with np.load(path, allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)


def test_load_rejects_another_class(tmp_path):
    path = ktk.rl.PrioritizedReplayBuffer(3, (2,)).save(tmp_path / "prioritized.npz")
    with pytest.raises(ValueError, match="path"):
        ktk.rl.ReplayBuffer.load(path)


@pytest.mark.parametrize("capacity", [0, -3, 2.5, True, "10"])
def test_rejects_bad_capacity(capacity):
    with pytest.raises(ValueError, match="capacity"):
        ktk.rl.ReplayBuffer(capacity, (2,))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"observation_shape": (2, -1)}, "observation_shape"),
        ({"observation_shape": "abc"}, "observation_shape"),
        ({"observation_dtype": "str"}, "observation_dtype"),
        ({"action_dtype": object}, "action_dtype"),
        ({"action_shape": (1.5,)}, "action_shape"),
        ({"seed": -1}, "seed"),
        ({"store_next_observations": 1}, "store_next_observations"),
    ],
)
def test_rejects_bad_constructor_arguments(kwargs, name):
    arguments = {"capacity": 4, "observation_shape": (2,), **kwargs}
    with pytest.raises(ValueError, match=name):
        ktk.rl.ReplayBuffer(**arguments)


def test_add_rejects_wrong_shapes_and_unsafe_dtypes():
    buffer = ktk.rl.ReplayBuffer(4, (2,), observation_dtype="uint8")
    good = np.zeros(2, np.uint8)
    with pytest.raises(ValueError, match="`observation`"):
        buffer.add(np.zeros(3, np.uint8), 0, 0.0, good, False)
    with pytest.raises(ValueError, match="`next_observation`"):
        buffer.add(good, 0, 0.0, np.zeros((2, 1), np.uint8), False)
    with pytest.raises(ValueError, match="`observation`"):
        buffer.add(np.zeros(2, np.float32), 0, 0.0, good, False)
    with pytest.raises(ValueError, match="`action`"):
        buffer.add(good, np.array([0, 1]), 0.0, good, False)
    with pytest.raises(ValueError, match="`action`"):
        buffer.add(good, 0.5, 0.0, good, False)
    assert len(buffer) == 0


def test_extend_rejects_mismatched_lengths():
    buffer = ktk.rl.ReplayBuffer(4, (2,))
    observations = np.zeros((3, 2), np.float32)
    with pytest.raises(ValueError, match="rewards"):
        buffer.extend(observations, np.zeros(3, int), np.zeros(2), observations, np.zeros(3, bool))
    with pytest.raises(ValueError, match="actions"):
        buffer.extend(observations, np.zeros(4, int), np.zeros(3), observations, np.zeros(3, bool))
    with pytest.raises(ValueError, match="observations"):
        buffer.extend(
            np.zeros((3, 5)), np.zeros(3, int), np.zeros(3), observations, np.zeros(3, bool)
        )


@pytest.mark.parametrize("batch_size", [0, -1, 1.0, 4])
def test_sample_rejects_bad_or_too_large_batch_size(batch_size):
    buffer = _filled(3)
    with pytest.raises(ValueError, match="batch_size"):
        buffer.sample(batch_size)


@settings(max_examples=20)
@given(
    priorities=st.lists(st.floats(0.0, 100.0, allow_nan=False), min_size=1, max_size=40),
    fractions=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=20),
)
def test_sum_tree_finds_the_prefix_sum_leaf(priorities, fractions):
    from keras_tutorial_kit.rl._sum_tree import SumTree

    priorities = np.array(priorities)
    if priorities.sum() <= 0:
        priorities[0] = 1.0
    tree = SumTree(len(priorities))
    tree.update(np.arange(len(priorities)), priorities)
    np.testing.assert_allclose(tree.total, priorities.sum(), rtol=1e-12)
    assert tree.minimum == priorities[priorities > 0].min()
    prefix = np.array(fractions) * priorities.sum()
    expected = np.searchsorted(np.cumsum(priorities), prefix, side="right")
    found = tree.find(prefix, len(priorities))
    # Rounding can only move a search across a boundary it is within 1e-9 of.
    cumulative = np.concatenate([[0.0], np.cumsum(priorities)])
    mismatched = found != np.minimum(expected, len(priorities) - 1)
    for f, u in zip(found[mismatched], prefix[mismatched], strict=True):
        assert min(abs(cumulative[f] - u), abs(cumulative[f + 1] - u)) < 1e-9 * priorities.sum()
    assert np.all(priorities[found] > 0)


@pytest.mark.parametrize("seed", [3, np.int64(3), np.uint8(3)], ids=["int", "int64", "uint8"])
def test_numpy_integer_seed_survives_save_and_load(tmp_path, seed):
    # Issue 9, defect 3: a NumPy integer seed made ``save`` fail (not JSON serializable).
    buffer = ktk.rl.ReplayBuffer(8, (2,), seed=seed)
    reference = ktk.rl.ReplayBuffer(8, (2,), seed=3)
    for identifier in range(6):
        buffer.add(*_transition(identifier, identifier + 1))
        reference.add(*_transition(identifier, identifier + 1))
    assert buffer.seed == 3 and type(buffer.seed) is int
    loaded = ktk.rl.ReplayBuffer.load(buffer.save(tmp_path / "buffer.npz"))
    assert loaded.seed == 3 and type(loaded.seed) is int
    assert _rows(loaded.sample(4)) == _rows(reference.sample(4))


def _bad_files(tmp_path, good: pathlib.Path):
    """Files that ``load`` must refuse, by name."""
    data = good.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    text = tmp_path / "notes.npz"
    text.write_text("not a buffer\n")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.zeros(3))
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    with np.load(good) as archive:
        arrays = {key: archive[key] for key in archive.files}
    import json

    metadata = json.loads(str(arrays["metadata"]))
    newer = tmp_path / "newer.npz"
    np.savez(
        newer, **{**arrays, "metadata": np.array(json.dumps({**metadata, "format_version": 3}))}
    )
    shapes = tmp_path / "shapes.npz"
    np.savez(shapes, **{**arrays, "rewards": arrays["rewards"][:1]})
    return {
        "truncated": truncated,
        "text": text,
        "foreign": foreign,
        "npy": npy,
        "newer": newer,
        "shapes": shapes,
    }


@pytest.mark.parametrize("kind", ["truncated", "text", "foreign", "npy", "newer", "shapes"])
@pytest.mark.parametrize("store_next_observations", [True, False])
def test_load_refuses_a_bad_file_naming_it(tmp_path, kind, store_next_observations):
    buffer = ktk.rl.ReplayBuffer(8, (2,), seed=0, store_next_observations=store_next_observations)
    for identifier in range(5):
        buffer.add(*_transition(identifier, identifier + 1))
    path = _bad_files(tmp_path, buffer.save(tmp_path / "good.npz"))[kind]
    with pytest.raises(ValueError) as error:
        ktk.rl.ReplayBuffer.load(path)
    assert str(path) in str(error.value)
    if kind == "newer":
        assert "newer" in str(error.value)


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ktk.rl.ReplayBuffer.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("store_next_observations", [True, False])
def test_round_trip_is_exact_in_a_wrapped_buffer(tmp_path, store_next_observations):
    buffer = ktk.rl.ReplayBuffer(5, (2,), seed=1, store_next_observations=store_next_observations)
    current = 0
    for identifier in range(1, 13):
        buffer.add(*_transition(current, identifier, terminated=identifier % 4 == 0))
        current = identifier
    buffer.sample(3)
    loaded = ktk.rl.ReplayBuffer.load(buffer.save(tmp_path / "buffer.npz"))
    assert (len(loaded), loaded.position) == (len(buffer), buffer.position)
    assert _rows(loaded.transitions()) == _rows(buffer.transitions())
    assert _rows(loaded.sample(4)) == _rows(buffer.sample(4))
    next_transition = _transition(current, 99)
    loaded.add(*next_transition)
    buffer.add(*next_transition)
    assert _rows(loaded.transitions()) == _rows(buffer.transitions())


@pytest.mark.parametrize(
    "method, kwargs, error, text",
    [
        ("sample", {"batch_size": "4"}, ValueError, "batch_size='4'"),
        ("add", {"action": "left"}, ValueError, "action"),
        ("extend", {"truncated": np.zeros(2, bool)}, ValueError, "truncated"),
    ],
)
def test_methods_name_the_bad_argument(method, kwargs, error, text):
    buffer = _filled(6)
    observation = np.zeros(2, np.float32)
    arguments = {
        "sample": {"batch_size": 2},
        "add": {
            "observation": observation,
            "action": 0,
            "reward": 0.0,
            "next_observation": observation,
            "terminated": False,
        },
        "extend": {
            "observations": np.zeros((3, 2), np.float32),
            "actions": np.zeros(3, int),
            "rewards": np.zeros(3),
            "next_observations": np.zeros((3, 2), np.float32),
            "terminated": np.zeros(3, bool),
        },
    }[method]
    with pytest.raises(error, match=text):
        getattr(buffer, method)(**{**arguments, **kwargs})
