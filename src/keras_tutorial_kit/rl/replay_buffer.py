"""``ReplayBuffer``: a preallocated NumPy ring buffer of transitions for off-policy RL."""

from __future__ import annotations

import os
import pathlib
from typing import Any

import numpy as np

from keras_tutorial_kit._validation import check_bool, check_positive_int, check_seed
from keras_tutorial_kit.rl._buffer_file import BufferFileHooks, load_buffer, save_buffer
from keras_tutorial_kit.rl._frame_storage import (
    allocate_observations,
    check_stack_size,
    held_bytes,
    put_observation_rows,
)
from keras_tutorial_kit.rl._n_step import NStepWindows
from keras_tutorial_kit.rl._replay_samples import (
    NStepReplaySample,
    ReplaySample,
    gather_transitions,
)
from keras_tutorial_kit.rl._storage import (
    DistinctIndices,
    check_dtype,
    check_probability,
    check_shape,
    write_ring,
)
from keras_tutorial_kit.rl._transition_checks import (
    check_batch,
    check_batch_size,
    check_transition,
)


class ReplayBuffer(BufferFileHooks):
    """A fixed-size ring buffer of ``(s, a, r, s', terminated, truncated)`` transitions.

    The tutorial's ``deque`` + ``random.sample`` buffer as preallocated NumPy arrays;
    when full, the oldest transition is overwritten. ``terminated`` (no bootstrap) and
    ``truncated`` (cut off, e.g. by ``TimeLimit``) are kept apart, as gymnasium reports
    them. ``sample`` draws **distinct** transitions uniformly with the buffer's own
    generator. With ``n_steps > 1`` a drawn transition starts a window of up to
    ``n_steps`` transitions of its episode (:class:`NStepReplaySample`); transitions of
    several environments may interleave, each with its ``env_index``. With
    ``store_next_observations=False`` (one environment, episode order, checked) or
    ``stack_size > 1`` each observation or frame is stored once. ``save``/``load``
    round-trip everything, so sampling continues exactly as if never saved.

    Args:
        capacity: Positive integer, the most transitions kept.
        observation_shape: Shape of one observation, e.g. ``(4,)`` for CartPole.
        observation_dtype: NumPy dtype the observations are stored in, e.g.
            ``"uint8"`` for images.
        action_shape: Shape of one action: ``()`` for discrete actions.
        action_dtype: NumPy dtype of the actions.
        seed: ``None`` or a non-negative integer seeding the sampling generator.
        store_next_observations: If ``False``, store each observation once (see
            above).
        n_steps: Positive integer, the most rewards summed per sampled transition.
        gamma: Discount factor in ``[0, 1]`` of the n-step returns.
        stack_size: 1, or ``k`` for stacks of ``k`` frames (``observation_shape[0]``, as
            gymnasium's ``FrameStackObservation`` gives them): each frame is then stored
            once (about ``1/(2k)`` of the bytes, see ``nbytes``), transitions must come
            in episode order from one environment (checked), ``store_next_observations``
            has no effect.

    Raises:
        ValueError: Naming the argument, if ``capacity`` or ``n_steps`` is not a
            positive integer, a shape, dtype or ``stack_size`` is invalid, ``gamma`` is
            outside ``[0, 1]``, or ``seed`` is not ``None`` or an integer >= 0.

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> buffer = ktk.rl.ReplayBuffer(capacity=100, observation_shape=(4,), seed=0)
    >>> for step in range(10):
    ...     observation = np.full(4, step, dtype="float32")
    ...     buffer.add(observation, 1, 1.0, observation + 1, terminated=step == 9)
    >>> len(buffer)
    10
    >>> batch = buffer.sample(3)
    >>> batch.observations.shape, batch.actions.dtype.name
    ((3, 4), 'int64')
    >>> bool(np.all(batch.next_observations == batch.observations + 1))
    True
    """

    def __init__(
        self,
        capacity: int,
        observation_shape: tuple[int, ...],
        observation_dtype: Any = "float32",
        action_shape: tuple[int, ...] = (),
        action_dtype: Any = "int64",
        seed: int | None = None,
        store_next_observations: bool = True,
        *,
        n_steps: int = 1,
        gamma: float = 0.99,
        stack_size: int = 1,
    ) -> None:
        self.capacity = check_positive_int("capacity", capacity)
        self.observation_shape = check_shape("observation_shape", observation_shape)
        self.observation_dtype = check_dtype("observation_dtype", observation_dtype)
        self.action_shape = check_shape("action_shape", action_shape)
        self.action_dtype = check_dtype("action_dtype", action_dtype)
        self.seed = check_seed("seed", seed)
        store_next_observations = check_bool("store_next_observations", store_next_observations)
        self.store_next_observations = store_next_observations
        self.n_steps = check_positive_int("n_steps", n_steps)
        self.gamma = check_probability("gamma", gamma)
        self.stack_size = check_stack_size(stack_size, self.observation_shape)
        self._rng = np.random.default_rng(self.seed)
        self._allocate()

    def _allocate(self) -> None:
        capacity = self.capacity
        self._observations, self._next = allocate_observations(self)
        self._actions = np.zeros((capacity, *self.action_shape), self.action_dtype)
        self._rewards = np.zeros((capacity,), np.float32)
        self._terminated, self._truncated = np.zeros((2, capacity), np.bool_)
        self._position, self._size = 0, 0
        self._windows = NStepWindows(self)
        self._distinct = DistinctIndices(capacity)

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        shape, dtype = self.observation_shape, self.observation_dtype.name
        return (
            f"{type(self).__name__}(capacity={self.capacity}, size={self._size}, "
            f"observation_shape={shape}, observation_dtype={dtype!r})"
        )

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays the buffer holds (observations or frames, actions, ...)."""
        return held_bytes(self)

    @property
    def position(self) -> int:
        """The slot the next transition is written to."""
        return self._position

    def clear(self) -> None:
        """Removes every transition; the sampling generator keeps its state."""
        self._position, self._size = 0, 0
        self._next.clear()
        self._windows.streams = None

    def add(
        self,
        observation: Any,
        action: Any,
        reward: float,
        next_observation: Any,
        terminated: bool,
        truncated: bool = False,
        env_index: int = 0,
    ) -> None:
        """Stores one transition, overwriting the oldest one when the buffer is full.

        Args:
            observation: The observation the action was taken in.
            action: The action taken.
            reward: The reward received.
            next_observation: The observation that followed.
            terminated: Whether ``next_observation`` is terminal (no bootstrap).
            truncated: Whether the episode was cut off after this transition.
            env_index: Integer >= 0, the environment (of a vector env) it comes from.

        Raises:
            ValueError: Naming the argument, on a wrong shape, an unsafe dtype or a
                negative ``env_index``; with ``store_next_observations=False``, if
                ``observation`` does not continue the last episode or ``env_index`` > 0.
            TypeError: If ``reward`` is not a number or a flag is not a bool.
        """
        # Arguments of the stored types skip the checks (bench_replay_buffer's `add` goal).
        if not (
            type(observation) is type(next_observation) is np.ndarray
            and observation.dtype is next_observation.dtype is self.observation_dtype
            and observation.shape == next_observation.shape == self.observation_shape
            and (type(action) is int and not self.action_shape)
            and (type(reward) is float and type(terminated) is type(truncated) is bool)
        ):
            observation, action, reward, next_observation, terminated, truncated = check_transition(
                self, observation, action, reward, next_observation, terminated, truncated
            )
        position = self._position
        if env_index.__class__ is not int or env_index or self._windows.streams is not None:
            self._windows.record_one(position, env_index, terminated or truncated)
        self._next.put(position, observation, next_observation, terminated or truncated)
        if self.stack_size == 1:  # else the frame storage (``_next``) keeps both
            self._observations[position] = observation
        self._actions[position] = action
        self._rewards[position] = reward
        self._terminated[position] = terminated
        self._truncated[position] = truncated
        self._position = (position + 1) % self.capacity
        if self._size < self.capacity:
            self._size += 1
        self._on_stored(position, 1)

    def extend(
        self,
        observations: Any,
        actions: Any,
        rewards: Any,
        next_observations: Any,
        terminated: Any,
        truncated: Any = None,
        env_indices: Any = None,
    ) -> None:
        """Stores a batch of transitions in order, as :meth:`add` for each row would
        (of a batch longer than ``capacity``, the last rows remain).

        Args:
            observations: Array of shape ``(n, *observation_shape)``.
            actions: Array of shape ``(n, *action_shape)``.
            rewards: Array of shape ``(n,)``.
            next_observations: Array of shape ``(n, *observation_shape)``.
            terminated: Bool array of shape ``(n,)``.
            truncated: Bool array of shape ``(n,)``; ``None`` means all ``False``.
            env_indices: Integer array of shape ``(n,)``, each row's ``env_index``
                (see :meth:`add`); ``None`` means all 0.

        Raises:
            ValueError: Naming the argument, on wrong shapes, unsafe dtypes or lengths.
        """
        arrays = (observations, actions, rewards, next_observations, terminated, truncated)
        observations, actions, rewards, next_observations, terminated, truncated, envs = (
            check_batch(self, *arrays, env_indices)
        )
        count, ends = len(observations), terminated | truncated
        if count == 0:
            return
        self._next.check_rows(observations, next_observations, ends)
        # Only the last ``capacity`` rows of a longer batch remain: skip the others.
        skip = max(count - self.capacity, 0)
        start = (self._position + skip) % self.capacity
        count -= skip
        if envs is not None or self._windows.streams is not None:
            self._windows.record(start, envs, ends, skip)
        put_observation_rows(self, start, observations, next_observations, ends, skip)
        for target, source in (
            (self._actions, actions),
            (self._rewards, rewards),
            (self._terminated, terminated),
            (self._truncated, truncated),
        ):
            write_ring(target, start, source[skip:])
        self._position = (start + count) % self.capacity
        self._size = min(self._size + count, self.capacity)
        self._on_stored(start, count)

    def sample(self, batch_size: int) -> ReplaySample | NStepReplaySample:
        """Draws ``batch_size`` distinct stored transitions uniformly at random.

        Args:
            batch_size: Positive integer, at most ``len(self)``.

        Returns:
            A :class:`ReplaySample`; an :class:`NStepReplaySample` if ``n_steps > 1``.

        Raises:
            ValueError: If ``batch_size`` is not a positive integer or exceeds ``len(self)``.
        """
        batch_size = check_batch_size(batch_size, self._size)
        return self._sample_at(self._distinct.draw(self._rng, self._size, batch_size))

    def _sample_at(self, slots: np.ndarray) -> ReplaySample | NStepReplaySample:
        return gather_transitions(self, slots) if self.n_steps == 1 else self._windows.sample(slots)

    def transitions(self) -> ReplaySample:
        """Every stored transition, oldest first, as a :class:`ReplaySample` of copies."""
        return gather_transitions(self, self._slots_oldest_first())

    def _slots_oldest_first(self) -> np.ndarray:
        start = self._position if self._size == self.capacity else 0
        return (start + np.arange(self._size)) % self.capacity

    def save(self, path: str | os.PathLike) -> pathlib.Path:
        """Writes everything, generator state included, to one ``.npz`` atomically; returns ``path``."""
        return save_buffer(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> ReplayBuffer:
        """Restores a buffer written by :meth:`save`: equal contents, position and future samples.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            ValueError: Naming ``path``, for a damaged or foreign file, or a newer format.
        """
        return load_buffer(cls, path)
