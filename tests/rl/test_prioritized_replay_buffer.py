"""Tests of ``ktk.rl.PrioritizedReplayBuffer``: p**alpha sampling, importance weights, I/O."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import keras_tutorial_kit as ktk
from keras_tutorial_kit.rl._sum_tree import SumTree

# Rejection threshold of every statistical test here: a correct sampler fails with
# probability at most 1e-4 for a random seed (never, with the fixed seeds used).
P_VALUE_THRESHOLD = 1e-4


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides the shared Keras reset: these tests use NumPy only."""
    yield


def _filled(size, capacity=None, alpha=0.6, offset=0.0, seed=0):
    buffer = ktk.rl.PrioritizedReplayBuffer(
        capacity or size, (1,), alpha=alpha, priority_offset=offset, seed=seed
    )
    for identifier in range(size):
        buffer.add(np.array([identifier], np.float32), 0, 0.0, np.zeros(1, np.float32), False)
    return buffer


@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0])
def test_sampling_is_proportional_to_priority_to_the_alpha(alpha):
    # Independent draws: the counts over 12 transitions are multinomial with
    # probabilities p_i**alpha / sum p**alpha; chi-square goodness of fit.
    buffer = _filled(12, alpha=alpha, seed=11)
    priorities = np.linspace(0.1, 5.0, 12) ** 1.5
    buffer.update_priorities(np.arange(12), priorities)
    expected = priorities**alpha / np.sum(priorities**alpha)
    np.testing.assert_allclose(buffer.probabilities(), expected, rtol=1e-12)
    counts = collections.Counter()
    draws = 0
    for _ in range(2500):
        counts.update(int(v) for v in buffer.sample(12).observations[:, 0])
        draws += 12
    observed = np.array([counts[i] for i in range(12)])
    p_value = stats.chisquare(observed, expected * draws).pvalue
    assert p_value > P_VALUE_THRESHOLD, f"p={p_value:.2e}"


def test_importance_weights_match_the_formula():
    buffer = _filled(10, alpha=0.7, offset=0.01, seed=3)
    priorities = np.arange(1.0, 11.0)
    buffer.update_priorities(np.arange(10), priorities)
    probabilities = (priorities + 0.01) ** 0.7 / np.sum((priorities + 0.01) ** 0.7)
    for beta in (0.0, 0.4, 1.0):
        batch = buffer.sample(10, beta=beta)
        weights = (10 * probabilities[batch.indices]) ** -beta
        weights /= np.max((10 * probabilities) ** -beta)  # over every stored transition
        np.testing.assert_allclose(batch.weights, weights, rtol=1e-6)
        assert batch.weights.dtype == np.float32 and np.all(batch.weights <= 1.0)
    assert np.all(buffer.sample(10, beta=0.0).weights == 1.0)


def test_indices_point_at_the_sampled_transitions():
    buffer = _filled(8, seed=1)
    batch = buffer.sample(8)
    np.testing.assert_array_equal(batch.observations[:, 0], batch.indices.astype(np.float32))


def test_new_transitions_get_the_largest_priority():
    buffer = _filled(4, capacity=6)
    buffer.update_priorities(np.array([0, 1]), np.array([7.0, 0.5]))
    buffer.add(np.array([9.0]), 0, 0.0, np.zeros(1), False)
    assert buffer.max_priority == 7.0
    assert buffer._priorities[4] == 7.0
    buffer.extend(
        np.ones((3, 1)), np.zeros(3, int), np.zeros(3), np.ones((3, 1)), np.zeros(3, bool)
    )
    assert len(buffer) == 6
    np.testing.assert_array_equal(buffer._priorities[[5, 0, 1]], [7.0, 7.0, 7.0])


def test_zero_priority_is_never_sampled_without_an_offset():
    buffer = _filled(5, offset=0.0, seed=4)
    buffer.update_priorities(np.arange(5), np.array([0.0, 1.0, 0.0, 1.0, 0.0]))
    for _ in range(200):
        assert set(buffer.sample(5).indices.tolist()) <= {1, 3}


def test_save_and_load_restore_priorities_and_generator(tmp_path):
    buffer = _filled(9, alpha=0.5, offset=0.1, seed=8)
    buffer.update_priorities(np.arange(9), np.arange(9.0))
    path = buffer.save(tmp_path / "prioritized.npz")
    loaded = ktk.rl.PrioritizedReplayBuffer.load(path)
    assert (loaded.alpha, loaded.priority_offset, loaded.max_priority) == (0.5, 0.1, 8.0)
    np.testing.assert_allclose(loaded.probabilities(), buffer.probabilities())
    first, second = loaded.sample(5, beta=0.3), buffer.sample(5, beta=0.3)
    np.testing.assert_array_equal(first.indices, second.indices)
    np.testing.assert_array_equal(first.weights, second.weights)


def test_clear_resets_priorities():
    buffer = _filled(4)
    buffer.update_priorities(np.arange(4), np.full(4, 3.0))
    buffer.clear()
    assert len(buffer) == 0 and buffer.max_priority == 1.0
    buffer.add(np.zeros(1), 0, 0.0, np.zeros(1), False)
    assert buffer.sample(1).weights.tolist() == [1.0]


@pytest.mark.parametrize("alpha", [-0.1, 1.5, "0.6", None])
def test_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        ktk.rl.PrioritizedReplayBuffer(4, (1,), alpha=alpha)


def test_rejects_negative_priority_offset():
    with pytest.raises(ValueError, match=r"priority_offset=-1\.0"):
        ktk.rl.PrioritizedReplayBuffer(4, (1,), priority_offset=-1.0)


def test_epsilon_is_a_deprecated_name_of_priority_offset():
    with pytest.warns(FutureWarning, match="0.4.0"):
        buffer = ktk.rl.PrioritizedReplayBuffer(4, (1,), epsilon=0.25)
    assert buffer.priority_offset == 0.25
    with pytest.warns(FutureWarning, match="priority_offset"):
        assert buffer.epsilon == 0.25
    with pytest.raises(TypeError, match="epsilon"):
        ktk.rl.PrioritizedReplayBuffer(4, (1,), epsilon=0.25, priority_offset=0.5)


@pytest.mark.parametrize("beta", [-0.5, 2.0, "x"])
def test_sample_rejects_bad_beta(beta):
    with pytest.raises(ValueError, match="beta"):
        _filled(3).sample(2, beta=beta)


@pytest.mark.parametrize(
    "indices, priorities, name",
    [
        (np.array([0, 1]), np.array([1.0]), "priorities"),
        (np.array([0, 5]), np.array([1.0, 1.0]), "indices"),
        (np.array([0.5]), np.array([1.0]), "indices"),
        (np.array([0]), np.array([-1.0]), "priorities"),
        (np.array([0]), np.array([np.nan]), "priorities"),
    ],
)
def test_update_priorities_rejects_bad_input(indices, priorities, name):
    with pytest.raises(ValueError, match=name):
        _filled(3).update_priorities(indices, priorities)


def test_load_refuses_damaged_priorities_naming_the_file(tmp_path):
    path = _filled(6, seed=1).save(tmp_path / "good.npz")
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{**arrays, "priorities": arrays["priorities"][:2]})
    with pytest.raises(ValueError, match=r"bad\.npz"):
        ktk.rl.PrioritizedReplayBuffer.load(bad)


def _reference_tree(leaves: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A binary tree's sums and minimums, level by level: node i = f(node 2i, node 2i + 1)."""
    sums = np.zeros(2 * size)
    mins = np.full(2 * size, np.inf)
    sums[size : size + len(leaves)] = leaves
    mins[size : size + len(leaves)] = np.where(leaves > 0, leaves, np.inf)
    for node in range(size - 1, 0, -1):
        sums[node] = sums[2 * node] + sums[2 * node + 1]
        mins[node] = min(mins[2 * node], mins[2 * node + 1])
    return sums, mins


def _reference_find(sums: np.ndarray, size: int, value: float) -> int:
    """The binary tree's prefix-sum search (the sum tree of release 0.1.0)."""
    node = 1
    while node < size:
        if value >= sums[2 * node]:
            value -= sums[2 * node]
            node = 2 * node + 1
        else:
            node = 2 * node
    return node - size


def _check_levels(tree: SumTree, leaves: np.ndarray) -> None:
    """Every entry of every level against the exact sum and the minimum of its leaves."""
    width = 1  # leaves under one entry of the level
    for level, (sums, mins) in enumerate(zip(tree._sums, tree._mins, strict=True)):
        for entry in range(sums.size):
            under = leaves[entry * width : (entry + 1) * width]
            expected = math.fsum(under)
            assert math.isclose(sums.flat[entry], expected, rel_tol=1e-12, abs_tol=0.0)
            if level > 0:
                positive = under[under > 0]
                assert mins.flat[entry] == (positive.min() if len(positive) else np.inf)
        width *= len(sums[0])


@settings(max_examples=40, deadline=None)
@given(
    capacity=st.integers(1, 700),
    updates=st.lists(
        st.lists(
            st.tuples(st.integers(0, 699), st.sampled_from([0.0, 0.5, 1.0, 2.5, 1e-3])),
            max_size=300,
        ),
        min_size=1,
        max_size=6,
    ),
    draws=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=20),
)
def test_sum_tree_matches_a_node_by_node_reference(capacity, updates, draws):
    tree = SumTree(capacity)
    leaves = np.zeros(capacity)
    for batch in updates:
        batch = [(index % capacity, value) for index, value in batch]
        if not batch:
            continue
        indices, values = (np.array(column) for column in zip(*batch, strict=True))
        tree.update(indices, values)
        for index, value in batch:  # the last write wins
            leaves[index] = value
        np.testing.assert_array_equal(tree.values(np.arange(capacity)), leaves)
        _check_levels(tree, leaves)
    positive = leaves[leaves > 0]
    assert math.isclose(tree.total, math.fsum(leaves), rel_tol=1e-12, abs_tol=0.0)
    assert tree.minimum == (positive.min() if len(positive) else np.inf)
    if tree.total > 0:
        size = 1 << max(capacity - 1, 0).bit_length()
        sums, _ = _reference_tree(leaves, size)
        found = tree.find(np.array(draws) * tree.total, capacity)
        # The same leaf as the binary search of 0.1.0, except where u lies within
        # rounding of a boundary between two leaves (a tie).
        bounds = np.cumsum(np.concatenate([[0.0], leaves]))
        for u, leaf in zip(np.array(draws) * tree.total, found.tolist(), strict=True):
            binary = min(_reference_find(sums, size, u), capacity - 1)
            tie = np.min(np.abs(bounds - u)) <= 1e-9 * tree.total
            assert leaf == binary or tie, (u, leaf, binary)
            if leaves[leaf] == 0:  # only past the last positive leaf, by rounding
                assert tie and not np.any(leaves[leaf:] > 0)
