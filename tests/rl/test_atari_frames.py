"""Frame storage on real Atari frames: Pong through gymnasium's ``FrameStackObservation``.

A buffer that keeps single frames (``stack_size=4``) and a naive one that stores both
stacks of every transition whole are given the same transitions and seed and must give
identical samples: plain, n-step and prioritized. Storing and sampling only, no training.
Skipped where ``ale_py`` (which ships the Atari ROMs) cannot be imported.
"""

from __future__ import annotations

import numpy as np
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.rl._frame_storage import FrameStorage

gymnasium = pytest.importorskip("gymnasium")
ale_py = pytest.importorskip("ale_py")

STACK_SIZE = 4
FRAME_SHAPE = (84, 84)


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides the shared Keras reset: these tests use NumPy only."""
    yield


def _pong(max_episode_steps):
    """Pong as a DQN sees it: 84x84 grayscale frames, every 4th, stacks of 4.

    ``AtariPreprocessing`` needs OpenCV; the same 84x84 grayscale frames come here from
    ALE's own grayscale screen and a nearest-neighbour resize in NumPy.
    """
    from gymnasium.spaces import Box
    from gymnasium.wrappers import FrameStackObservation, TransformObservation

    gymnasium.register_envs(ale_py)
    env = gymnasium.make(
        "ALE/Pong-v5",
        obs_type="grayscale",
        frameskip=4,
        repeat_action_probability=0.0,
        max_episode_steps=max_episode_steps,
    )
    rows = np.linspace(0, 209, FRAME_SHAPE[0]).round().astype(np.intp)
    columns = np.linspace(0, 159, FRAME_SHAPE[1]).round().astype(np.intp)
    env = TransformObservation(
        env, lambda frame: frame[rows][:, columns], Box(0, 255, FRAME_SHAPE, np.uint8)
    )
    return FrameStackObservation(env, STACK_SIZE)


def _draw_cut(rng, max_episode_steps):
    """After how many steps ``collect_pong`` ends an episode: 1 a quarter of the time."""
    return 1 if rng.random() < 0.25 else int(rng.integers(2, 2 * max_episode_steps))


def collect_pong(count, seed=0, max_episode_steps=40):
    """``count`` transitions of random play: ``(observation, action, reward,
    next_observation, terminated, truncated)``.

    Episodes end by the environment's ``TimeLimit`` (truncated) or are cut earlier by
    this function after a random number of steps, 1 included: half of those cuts are
    marked terminated (as ``terminal_on_life_loss`` would), half truncated.
    """
    env = _pong(max_episode_steps)
    rng = np.random.default_rng(seed)
    env.action_space.seed(seed)
    transitions = []
    observation, _ = env.reset(seed=seed)
    cut, steps = _draw_cut(rng, max_episode_steps), 0
    while len(transitions) < count:
        action = int(env.action_space.sample())
        next_observation, reward, terminated, truncated, _ = env.step(action)
        steps += 1
        if steps == cut and not (terminated or truncated):
            terminated, truncated = (True, False) if rng.random() < 0.5 else (False, True)
        transitions.append(
            (observation, action, float(reward), next_observation, terminated, truncated)
        )
        observation = next_observation
        if terminated or truncated:
            observation, _ = env.reset()
            cut, steps = _draw_cut(rng, max_episode_steps), 0
    env.close()
    return transitions


@pytest.fixture(scope="module")
def pong_transitions():
    transitions = collect_pong(500)
    ends = [terminated or truncated for *_, terminated, truncated in transitions]
    lengths = np.diff(np.flatnonzero([True, *ends]))
    # The data cover what the tests are about: both ends, and length-1 episodes.
    assert any(t[4] for t in transitions) and any(t[5] for t in transitions)
    assert lengths.min() == 1 and lengths.max() > 20
    assert transitions[0][0].shape == (STACK_SIZE, *FRAME_SHAPE)
    assert len(np.unique(transitions[100][0])) > 1  # real screens, not blank frames
    return transitions


def test_frame_storage_keeps_real_pong_stacks(pong_transitions):
    capacity = 300  # smaller than the data: the rings wrap
    storage = FrameStorage(capacity, STACK_SIZE, FRAME_SHAPE, np.dtype(np.uint8))
    expected = {}
    for step, (observation, _, _, next_observation, terminated, truncated) in enumerate(
        pong_transitions
    ):
        slot = step % capacity
        storage.put(slot, observation, next_observation, terminated or truncated)
        expected[slot] = (observation, next_observation)
    slots = np.arange(capacity)
    np.testing.assert_array_equal(
        storage.observations(slots), np.stack([expected[s][0] for s in range(capacity)])
    )
    np.testing.assert_array_equal(
        storage.next_observations(slots), np.stack([expected[s][1] for s in range(capacity)])
    )


def _both(buffer_class, capacity, **options):
    shape = (STACK_SIZE, *FRAME_SHAPE)
    lean = buffer_class(capacity, shape, "uint8", stack_size=STACK_SIZE, seed=7, **options)
    naive = buffer_class(capacity, shape, "uint8", seed=7, **options)
    return lean, naive


def _assert_same(lean, naive):
    for field, left, right in zip(lean._fields, lean, naive, strict=True):
        np.testing.assert_array_equal(left, right, err_msg=field)


@pytest.mark.parametrize(
    ("buffer_class", "options"),
    [
        (ktk.rl.ReplayBuffer, {}),
        (ktk.rl.PrioritizedReplayBuffer, {"alpha": 0.6}),
        (ktk.rl.ReplayBuffer, {"n_steps": 3, "gamma": 0.9}),
        (ktk.rl.PrioritizedReplayBuffer, {"alpha": 0.6, "n_steps": 3, "gamma": 0.9}),
    ],
    ids=["plain", "prioritized", "n-step", "n-step-prioritized"],
)
def test_lean_and_naive_buffers_sample_the_same_pong_transitions(
    pong_transitions, buffer_class, options, tmp_path
):
    lean, naive = _both(buffer_class, 256, **options)  # the ring wraps
    columns = [np.array(column) for column in zip(*pong_transitions[:150], strict=True)]
    for buffer in (lean, naive):
        buffer.extend(*columns)
        for transition in pong_transitions[150:]:
            buffer.add(*transition)
    assert lean.nbytes < 0.4 * naive.nbytes
    rng = np.random.default_rng(0)
    discounts = set()
    for _ in range(5):
        batch = lean.sample(32)
        _assert_same(batch, naive.sample(32))
        discounts.update(getattr(batch, "discounts", np.zeros(0)).tolist())
        if hasattr(batch, "indices"):
            priorities = rng.random(32) * 2
            lean.update_priorities(batch.indices, priorities)
            naive.update_priorities(batch.indices, priorities)
    if "n_steps" in options:  # windows cut short by episode ends, and full ones
        assert len(discounts) > 1
    _assert_same(lean.transitions(), naive.transitions())
    # Saved and reloaded, they still agree; the lean file holds each frame once.
    lean_file, naive_file = lean.save(tmp_path / "lean.npz"), naive.save(tmp_path / "naive.npz")
    assert lean_file.stat().st_size < 0.4 * naive_file.stat().st_size
    lean, naive = buffer_class.load(lean_file), buffer_class.load(naive_file)
    _assert_same(lean.sample(64), naive.sample(64))
