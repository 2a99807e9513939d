"""``ReplayBuffer``: a preallocated NumPy ring buffer of transitions for off-policy RL."""

from __future__ import annotations

import os
import pathlib
from typing import Any, NamedTuple

import numpy as np

from keras_tutorial_kit._validation import check_bool, check_positive_int, check_seed
from keras_tutorial_kit.rl._buffer_file import load_buffer, save_buffer
from keras_tutorial_kit.rl._next_observations import make_next_observations
from keras_tutorial_kit.rl._storage import check_dtype, check_shape, sample_distinct
from keras_tutorial_kit.rl._transition_checks import (
    check_array,
    check_batch,
    check_batch_size,
    check_scalars,
)


class ReplaySample(NamedTuple):
    """A batch of transitions drawn by :meth:`ReplayBuffer.sample`: arrays, batch first."""

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_observations: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray


class ReplayBuffer:
    """A fixed-size ring buffer of ``(s, a, r, s', terminated, truncated)`` transitions.

    The replacement for the ``collections.deque`` + ``random.sample`` buffer of the
    tutorial's "Deep reinforcement learning" section: preallocated NumPy arrays, one
    per field; when the buffer is full the oldest transition is overwritten.

    ``terminated`` (the episode reached a terminal state: no bootstrap) and
    ``truncated`` (the episode was cut off, e.g. by gymnasium's ``TimeLimit``: the
    next state still has a value) are kept apart, as gymnasium reports them.

    ``sample(batch_size)`` draws ``batch_size`` **distinct** stored transitions
    uniformly at random (as ``random.sample`` does) from the buffer's private
    ``numpy.random.Generator``.

    With ``store_next_observations=False`` each observation is stored once (half the
    memory for images): a transition's next observation is read from the slot that
    follows it, so transitions must be added in episode order (checked); the final
    observation of each episode is kept aside.

    ``save(path)`` writes one ``.npz`` file (no pickle) atomically;
    ``ReplayBuffer.load(path)`` restores contents, write position and the generator's
    state, so sampling continues exactly as if the buffer had never been saved.

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

    Raises:
        ValueError: Naming the argument, if ``capacity`` is not a positive integer, a
            shape or dtype is invalid, or ``seed`` is not ``None`` or an integer >= 0.

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
    ) -> None:
        self.capacity = check_positive_int("capacity", capacity)
        self.observation_shape = check_shape("observation_shape", observation_shape)
        self.observation_dtype = check_dtype("observation_dtype", observation_dtype)
        self.action_shape = check_shape("action_shape", action_shape)
        self.action_dtype = check_dtype("action_dtype", action_dtype)
        self.seed = check_seed("seed", seed)
        self.store_next_observations = check_bool(
            "store_next_observations", store_next_observations
        )
        self._rng = np.random.default_rng(self.seed)
        self._allocate()

    def _allocate(self) -> None:
        capacity, shape, dtype = self.capacity, self.observation_shape, self.observation_dtype
        self._observations = np.zeros((capacity, *shape), dtype)
        self._next = make_next_observations(self.store_next_observations, capacity, shape, dtype)
        self._actions = np.zeros((capacity, *self.action_shape), self.action_dtype)
        self._rewards = np.zeros((capacity,), np.float32)
        self._terminated = np.zeros((capacity,), np.bool_)
        self._truncated = np.zeros((capacity,), np.bool_)
        self._position = 0
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(capacity={self.capacity}, size={self._size}, "
            f"observation_shape={self.observation_shape}, "
            f"observation_dtype={self.observation_dtype.name!r})"
        )

    @property
    def position(self) -> int:
        """The slot the next transition is written to."""
        return self._position

    def clear(self) -> None:
        """Removes every transition; the sampling generator keeps its state."""
        self._position = 0
        self._size = 0
        self._next.clear()

    def add(
        self,
        observation: Any,
        action: Any,
        reward: float,
        next_observation: Any,
        terminated: bool,
        truncated: bool = False,
    ) -> None:
        """Stores one transition, overwriting the oldest one when the buffer is full.

        Args:
            observation: The observation the action was taken in.
            action: The action taken.
            reward: The reward received.
            next_observation: The observation that followed.
            terminated: Whether ``next_observation`` is terminal (no bootstrap).
            truncated: Whether the episode was cut off after this transition.

        Raises:
            ValueError: On a wrong shape or an unsafe dtype, naming the argument; with
                ``store_next_observations=False``, if ``observation`` does not continue
                the previous transition's episode.
            TypeError: If ``reward`` is not a number or a flag is not a bool.
        """
        reward, terminated, truncated = check_scalars(reward, terminated, truncated)
        shape, dtype = self.observation_shape, self.observation_dtype
        observation = check_array("observation", observation, shape, dtype)
        next_observation = check_array("next_observation", next_observation, shape, dtype)
        if not (type(action) is int and not self.action_shape):
            action = check_array("action", action, self.action_shape, self.action_dtype)
        position = self._position
        self._next.put(position, observation, next_observation, terminated or truncated)
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
    ) -> None:
        """Stores a batch of transitions in order, as :meth:`add` for each row would.

        One vectorized copy; of a batch longer than ``capacity``, the last rows remain.

        Args:
            observations: Array of shape ``(n, *observation_shape)``.
            actions: Array of shape ``(n, *action_shape)``.
            rewards: Array of shape ``(n,)``.
            next_observations: Array of shape ``(n, *observation_shape)``.
            terminated: Bool array of shape ``(n,)``.
            truncated: Bool array of shape ``(n,)``; ``None`` means all ``False``.

        Raises:
            ValueError: Naming the argument, on wrong shapes, unsafe dtypes or lengths.
        """
        observations, actions, rewards, next_observations, terminated, truncated = check_batch(
            self, observations, actions, rewards, next_observations, terminated, truncated
        )
        count = len(observations)
        if count == 0:
            return
        self._next.check_rows(observations, next_observations, terminated | truncated)
        # Only the last ``capacity`` rows of a longer batch remain: skip the others.
        skip = max(count - self.capacity, 0)
        start = (self._position + skip) % self.capacity
        count -= skip
        self._next.put_rows(start, next_observations[skip:], (terminated | truncated)[skip:])
        first = min(count, self.capacity - start)  # the rest wraps to slot 0
        for target, source in (
            (self._observations, observations),
            (self._actions, actions),
            (self._rewards, rewards),
            (self._terminated, terminated),
            (self._truncated, truncated),
        ):
            target[start : start + first] = source[skip : skip + first]  # (inline: 3x faster)
            if first < count:
                target[: count - first] = source[skip + first :]
        self._position = (start + count) % self.capacity
        self._size = min(self._size + count, self.capacity)
        self._on_stored(start, count)

    def sample(self, batch_size: int) -> ReplaySample:
        """Draws ``batch_size`` distinct stored transitions uniformly at random.

        Args:
            batch_size: Positive integer, at most ``len(self)``.

        Returns:
            A :class:`ReplaySample` named tuple of arrays: ``observations``,
            ``actions``, ``rewards`` (float32), ``next_observations``,
            ``terminated`` and ``truncated`` (bool).

        Raises:
            ValueError: If ``batch_size`` is not a positive integer or exceeds ``len(self)``.
        """
        batch_size = check_batch_size(batch_size, self._size)
        return self._gather(sample_distinct(self._rng, self._size, batch_size))

    def _gather(self, indices: np.ndarray) -> ReplaySample:
        return ReplaySample(
            self._observations.take(indices, axis=0),
            self._actions.take(indices, axis=0),
            self._rewards.take(indices),
            self._next.gather(indices, self._observations, self._position),
            self._terminated.take(indices),
            self._truncated.take(indices),
        )

    def transitions(self) -> ReplaySample:
        """Every stored transition, oldest first, as a :class:`ReplaySample` of copies."""
        start = self._position if self._size == self.capacity else 0
        indices = (start + np.arange(self._size)) % self.capacity
        return self._gather(indices)

    def save(self, path: str | os.PathLike) -> pathlib.Path:
        """Writes contents, position and generator state to one ``.npz`` atomically.

        Returns the path written (``path``; ``.npz`` is the conventional suffix).
        """
        return save_buffer(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> ReplayBuffer:
        """Restores a buffer written by :meth:`save`: equal contents, position and future samples.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            ValueError: Naming ``path``, for a truncated, damaged or foreign file, or a
                file of another buffer class or format version.
        """
        return load_buffer(cls, path)

    def _on_stored(self, start: int, count: int) -> None:
        """Hook for subclasses with more state, as the three of the file format below."""

    def _file_extras(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {}

    @classmethod
    def _arguments_from_file(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _restore_extras(self, metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        pass
