"""``ReplayBuffer``: a preallocated NumPy ring buffer of transitions for off-policy RL."""

from __future__ import annotations

import os
import pathlib
from typing import Any

import numpy as np

from keras_tutorial_kit._validation import check_bool, check_positive_int, check_seed
from keras_tutorial_kit.rl._buffer_file import BufferFileHooks, load_buffer, save_buffer
from keras_tutorial_kit.rl._n_step import NStepWindows
from keras_tutorial_kit.rl._next_observations import make_next_observations
from keras_tutorial_kit.rl._replay_samples import NStepReplaySample, ReplaySample
from keras_tutorial_kit.rl._storage import (
    check_dtype,
    check_probability,
    check_shape,
    sample_distinct,
    write_ring,
)
from keras_tutorial_kit.rl._transition_checks import (
    check_batch,
    check_batch_size,
    check_transition,
)


class ReplayBuffer(BufferFileHooks):
    """A fixed-size ring buffer of ``(s, a, r, s', terminated, truncated)`` transitions.

    The replacement for the ``collections.deque`` + ``random.sample`` buffer of the
    tutorial's "Deep reinforcement learning" section: preallocated NumPy arrays, one
    per field; when the buffer is full the oldest transition is overwritten.

    ``terminated`` (the episode reached a terminal state: no bootstrap) and
    ``truncated`` (the episode was cut off, e.g. by gymnasium's ``TimeLimit``: the
    next state still has a value) are kept apart, as gymnasium reports them.

    ``sample(batch_size)`` draws ``batch_size`` **distinct** stored transitions uniformly
    at random (as ``random.sample`` does) with the buffer's own NumPy generator.

    With ``n_steps > 1`` a drawn transition starts a window of up to ``n_steps``
    transitions of its episode (see :class:`NStepReplaySample`). Transitions of several
    environments (a vector env) may interleave: give each its ``env_index``; windows
    follow each environment's own stream.

    With ``store_next_observations=False`` each observation is stored once (half the
    memory for images): a transition's next observation is read from the slot that
    follows it, so transitions must be added in episode order (checked) from one
    environment; the final observation of each episode is kept aside.

    ``save(path)`` writes one ``.npz`` file (no pickle); ``ReplayBuffer.load(path)``
    restores it, and sampling continues exactly as if the buffer had never been saved.

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

    Raises:
        ValueError: Naming the argument, if ``capacity`` or ``n_steps`` is not a
            positive integer, a shape or dtype is invalid, ``gamma`` is outside
            ``[0, 1]``, or ``seed`` is not ``None`` or an integer >= 0.

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
        self._position, self._size = 0, 0
        self._windows = NStepWindows(self)

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
        observation, action, reward, next_observation, terminated, truncated = check_transition(
            self, observation, action, reward, next_observation, terminated, truncated
        )
        position = self._position
        if env_index.__class__ is not int or env_index or self._windows.streams is not None:
            self._windows.record_one(position, env_index, terminated or truncated)
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
        self._next.put_rows(start, next_observations[skip:], ends[skip:])
        for target, source in (
            (self._observations, observations),
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
            A :class:`ReplaySample` named tuple of arrays; with ``n_steps > 1`` an
            :class:`NStepReplaySample`, which adds ``discounts``.

        Raises:
            ValueError: If ``batch_size`` is not a positive integer or exceeds ``len(self)``.
        """
        batch_size = check_batch_size(batch_size, self._size)
        return self._sample_at(sample_distinct(self._rng, self._size, batch_size))

    def _sample_at(self, indices: np.ndarray) -> ReplaySample | NStepReplaySample:
        return self._gather(indices) if self.n_steps == 1 else self._windows.sample(indices)

    def _gather(self, indices: np.ndarray, last: np.ndarray | None = None) -> ReplaySample:
        # ``last``: the slots whose next observations and flags to take (n-step windows).
        last = indices if last is None else last
        return ReplaySample(
            self._observations.take(indices, axis=0),
            self._actions.take(indices, axis=0),
            self._rewards.take(indices),
            self._next.gather(last, self._observations, self._position),
            self._terminated.take(last),
            self._truncated.take(last),
        )

    def transitions(self) -> ReplaySample:
        """Every stored transition, oldest first, as a :class:`ReplaySample` of copies."""
        return self._gather(self._slots_oldest_first())

    def _slots_oldest_first(self) -> np.ndarray:
        start = self._position if self._size == self.capacity else 0
        return (start + np.arange(self._size)) % self.capacity

    def save(self, path: str | os.PathLike) -> pathlib.Path:
        """Writes contents, position and generator state to one ``.npz`` atomically;
        returns the path written (``path``; ``.npz`` is the conventional suffix)."""
        return save_buffer(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> ReplayBuffer:
        """Restores a buffer written by :meth:`save`: equal contents, position and future samples.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            ValueError: Naming ``path``, for a damaged or foreign file, or a newer format.
        """
        return load_buffer(cls, path)
