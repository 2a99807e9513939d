"""``ReplayBuffer``: a preallocated NumPy ring buffer of transitions for off-policy RL."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, NamedTuple

import numpy as np

from keras_tutorial_kit._validation import check_bool, check_positive_int
from keras_tutorial_kit.rl._storage import (
    check_dtype,
    check_shape,
    load_npz,
    make_rng,
    rng_from_json,
    rng_state_to_json,
    save_npz_atomically,
    text_array,
)

_FORMAT_VERSION = 1


class ReplaySample(NamedTuple):
    """A batch of transitions drawn by :meth:`ReplayBuffer.sample`.

    Every field is a NumPy array whose first axis is the batch.
    """

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_observations: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray


class ReplayBuffer:
    """A fixed-size ring buffer of ``(s, a, r, s', terminated, truncated)`` transitions.

    The replacement for the ``collections.deque`` + ``random.sample`` buffer of the
    tutorial's "Deep reinforcement learning" section. Storage is preallocated NumPy
    arrays, one per field, so adding copies a transition into place and sampling is a
    handful of vectorized ``take`` calls instead of converting Python tuples. When the
    buffer is full the oldest transition is overwritten.

    ``terminated`` (the episode reached a terminal state: no bootstrap) and
    ``truncated`` (the episode was cut off, e.g. by gymnasium's ``TimeLimit``: the
    next state still has a value) are kept apart, as gymnasium reports them.

    ``sample(batch_size)`` draws ``batch_size`` **distinct** stored transitions
    uniformly at random (every ordered selection of distinct transitions is equally
    likely, as with ``random.sample``) from the buffer's private
    ``numpy.random.Generator``.

    With ``store_next_observations=False`` each observation is stored once: the next
    observation of a transition is read from the slot of the transition that follows
    it, which halves the memory for image observations. Transitions must then be added
    in episode order: a transition that follows one that did not end an episode must
    start from that transition's ``next_observation`` (checked). The final observation
    of each episode is kept aside.

    ``save(path)`` writes one uncompressed ``.npz`` file (no pickle) through a
    temporary file that is renamed over ``path``, so a crash mid-save leaves the
    previous file intact; ``ReplayBuffer.load(path)`` restores contents, write
    position and the random generator's state, so sampling continues exactly as if
    the buffer had never been saved.

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
        ValueError: If ``capacity`` is not a positive integer, a shape is not a
            tuple of non-negative integers, a dtype is not numeric, or ``seed`` is
            invalid. ``add``/``extend``/``sample`` raise ``ValueError`` naming the
            argument for wrong shapes, unsafe dtypes or too few stored
            transitions.

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
        self.seed = seed
        self.store_next_observations = check_bool(
            "store_next_observations", store_next_observations
        )
        self._rng = make_rng(seed)
        self._allocate()

    def _allocate(self) -> None:
        capacity = self.capacity
        self._observations = np.zeros((capacity, *self.observation_shape), self.observation_dtype)
        self._next_observations = (
            np.zeros((capacity, *self.observation_shape), self.observation_dtype)
            if self.store_next_observations
            else None
        )
        self._actions = np.zeros((capacity, *self.action_shape), self.action_dtype)
        self._rewards = np.zeros((capacity,), np.float32)
        self._terminated = np.zeros((capacity,), np.bool_)
        self._truncated = np.zeros((capacity,), np.bool_)
        self._position = 0
        self._size = 0
        # Only with store_next_observations=False: final observations of episodes, by
        # slot, and the next observation of the newest transition.
        self._final_observations: dict[int, np.ndarray] = {}
        self._pending_next: np.ndarray | None = None

    # ------------------------------------------------------------------ basics
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
        self._final_observations = {}
        self._pending_next = None

    # ---------------------------------------------------------------- checking
    def _as_observation(self, name: str, value: Any, batched: bool = False) -> np.ndarray:
        array = np.asarray(value)
        expected = self.observation_shape
        shape = array.shape[1:] if batched else array.shape
        if shape != expected or (batched and array.ndim == 0):
            wanted = f"(batch, {', '.join(map(str, expected))})" if batched else str(expected)
            raise ValueError(
                f"`{name}` must have shape {wanted}. Received: {name} with shape {array.shape}"
            )
        if array.dtype != self.observation_dtype and not np.can_cast(
            array.dtype, self.observation_dtype, "same_kind"
        ):
            raise ValueError(
                f"`{name}` of dtype {array.dtype} cannot be stored safely as "
                f"{self.observation_dtype}. Received: {name}.dtype={array.dtype}"
            )
        return array

    def _as_action(self, value: Any, batched: bool = False) -> np.ndarray:
        array = np.asarray(value)
        shape = array.shape[1:] if batched else array.shape
        if shape != self.action_shape or (batched and array.ndim == 0):
            name = "actions" if batched else "action"
            raise ValueError(
                f"`{name}` must have shape {'(batch, ...) with ... = ' if batched else ''}"
                f"{self.action_shape}. Received: {name} with shape {array.shape}"
            )
        if array.dtype != self.action_dtype and not np.can_cast(
            array.dtype, self.action_dtype, "same_kind"
        ):
            name = "actions" if batched else "action"
            raise ValueError(
                f"`{name}` of dtype {array.dtype} cannot be stored safely as "
                f"{self.action_dtype}. Received: {name}.dtype={array.dtype}"
            )
        return array

    # ------------------------------------------------------------------ adding
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
        """
        shape, dtype = self.observation_shape, self.observation_dtype
        # Fast path for the common case: arrays of the stored shape and dtype.
        if not (
            type(observation) is np.ndarray
            and observation.shape == shape
            and observation.dtype == dtype
        ):
            observation = self._as_observation("observation", observation)
        if not (
            type(next_observation) is np.ndarray
            and next_observation.shape == shape
            and next_observation.dtype == dtype
        ):
            next_observation = self._as_observation("next_observation", next_observation)
        if not (type(action) is int and not self.action_shape):
            action = self._as_action(action)
        position = self._position
        if not self.store_next_observations:
            self._check_continues(observation)
        self._observations[position] = observation
        self._actions[position] = action
        self._rewards[position] = reward
        self._terminated[position] = terminated
        self._truncated[position] = truncated
        if self.store_next_observations:
            self._next_observations[position] = next_observation
        else:
            self._final_observations.pop(position, None)
            if terminated or truncated:
                self._final_observations[position] = next_observation.astype(
                    self.observation_dtype, copy=True
                )
                self._pending_next = None
            else:
                self._pending_next = next_observation.astype(self.observation_dtype, copy=True)
        self._position = (position + 1) % self.capacity
        if self._size < self.capacity:
            self._size += 1

    def _check_continues(self, observation: np.ndarray) -> None:
        if self._pending_next is not None and not np.array_equal(observation, self._pending_next):
            raise ValueError(
                "With store_next_observations=False, a transition that follows one that did "
                "not end its episode must start from that transition's `next_observation`. "
                "Received: an `observation` that differs from it."
            )

    def extend(
        self,
        observations: Any,
        actions: Any,
        rewards: Any,
        next_observations: Any,
        terminated: Any,
        truncated: Any = None,
    ) -> None:
        """Stores a batch of transitions at once, in order (the first axis is the batch).

        Equivalent to calling :meth:`add` for each row, in one vectorized copy. If the
        batch is larger than ``capacity``, only its last ``capacity`` rows remain.

        Args:
            observations: Array of shape ``(n, *observation_shape)``.
            actions: Array of shape ``(n, *action_shape)``.
            rewards: Array of shape ``(n,)``.
            next_observations: Array of shape ``(n, *observation_shape)``.
            terminated: Bool array of shape ``(n,)``.
            truncated: Bool array of shape ``(n,)``; ``None`` means all ``False``.

        Raises:
            ValueError: On wrong shapes, unsafe dtypes or lengths that disagree,
                naming the argument.
        """
        observations = self._as_observation("observations", observations, batched=True)
        next_observations = self._as_observation(
            "next_observations", next_observations, batched=True
        )
        actions = self._as_action(actions, batched=True)
        count = len(observations)
        rewards = np.asarray(rewards, dtype=np.float32)
        terminated = np.asarray(terminated, dtype=np.bool_)
        truncated = (
            np.zeros(count, np.bool_) if truncated is None else np.asarray(truncated, np.bool_)
        )
        for name, array in (("actions", actions), ("next_observations", next_observations)):
            if len(array) != count:
                raise ValueError(
                    f"`{name}` must have {count} rows (as many as `observations`). "
                    f"Received: {name} with shape {array.shape}"
                )
        for name, array in (
            ("rewards", rewards),
            ("terminated", terminated),
            ("truncated", truncated),
        ):
            if array.shape != (count,):
                raise ValueError(
                    f"`{name}` must have shape ({count},). Received: {name} with shape {array.shape}"
                )
        if count == 0:
            return
        if not self.store_next_observations:
            for row in range(count):
                self.add(
                    observations[row],
                    actions[row],
                    rewards[row],
                    next_observations[row],
                    terminated[row],
                    truncated[row],
                )
            return
        if count > self.capacity:
            skip = count - self.capacity
            self._position = (self._position + skip) % self.capacity
            observations, actions, rewards = observations[skip:], actions[skip:], rewards[skip:]
            next_observations, terminated, truncated = (
                next_observations[skip:],
                terminated[skip:],
                truncated[skip:],
            )
            count = self.capacity
        start = self._position
        first = min(count, self.capacity - start)
        for target, source in (
            (self._observations, observations),
            (self._next_observations, next_observations),
            (self._actions, actions),
            (self._rewards, rewards),
            (self._terminated, terminated),
            (self._truncated, truncated),
        ):
            target[start : start + first] = source[:first]
            if first < count:
                target[: count - first] = source[first:]
        self._position = (start + count) % self.capacity
        self._size = min(self._size + count, self.capacity)

    # ---------------------------------------------------------------- sampling
    def _check_batch_size(self, batch_size: Any) -> int:
        if type(batch_size) is not int or batch_size < 1:
            batch_size = check_positive_int("batch_size", batch_size)
        if batch_size > self._size:
            raise ValueError(
                f"`batch_size` must be at most the number of stored transitions ({self._size}) "
                f"to draw distinct transitions. Received: batch_size={batch_size}"
            )
        return batch_size

    def _distinct_indices(self, batch_size: int) -> np.ndarray:
        """``batch_size`` distinct slots, every ordered selection equally likely."""
        size = self._size
        if batch_size * (batch_size - 1) > size:
            return self._rng.choice(size, size=batch_size, replace=False)
        # Rejection: draw with replacement and retry on a repeat. Accepted draws are
        # uniform over ordered distinct selections; at most ~40% of draws are rejected.
        while True:
            indices = (self._rng.random(batch_size) * size).astype(np.intp)
            if len(set(indices.tolist())) == batch_size:
                return indices

    def sample(self, batch_size: int) -> ReplaySample:
        """Draws ``batch_size`` distinct stored transitions uniformly at random.

        Args:
            batch_size: Positive integer, at most ``len(self)``.

        Returns:
            A :class:`ReplaySample` named tuple of arrays: ``observations``,
            ``actions``, ``rewards`` (float32), ``next_observations``,
            ``terminated`` and ``truncated`` (bool).

        Raises:
            ValueError: If ``batch_size`` is not a positive integer or exceeds the
                number of stored transitions.
        """
        batch_size = self._check_batch_size(batch_size)
        return self._gather(self._distinct_indices(batch_size))

    def _gather(self, indices: np.ndarray) -> ReplaySample:
        terminated = self._terminated.take(indices)
        truncated = self._truncated.take(indices)
        if self.store_next_observations:
            next_observations = self._next_observations.take(indices, axis=0)
        else:
            next_observations = self._observations.take((indices + 1) % self.capacity, axis=0)
            newest = (self._position - 1) % self.capacity
            for row, index in enumerate(indices.tolist()):
                final = self._final_observations.get(index)
                if final is not None:
                    next_observations[row] = final
                elif index == newest and self._pending_next is not None:
                    next_observations[row] = self._pending_next
        return ReplaySample(
            self._observations.take(indices, axis=0),
            self._actions.take(indices, axis=0),
            self._rewards.take(indices),
            next_observations,
            terminated,
            truncated,
        )

    def transitions(self) -> ReplaySample:
        """Every stored transition, oldest first (copies).

        Returns:
            A :class:`ReplaySample` with ``len(self)`` rows.
        """
        start = self._position if self._size == self.capacity else 0
        indices = (start + np.arange(self._size)) % self.capacity
        return self._gather(indices)

    # ------------------------------------------------------------ persistence
    def _metadata(self) -> dict[str, Any]:
        return {
            "format_version": _FORMAT_VERSION,
            "class_name": type(self).__name__,
            "capacity": self.capacity,
            "observation_shape": list(self.observation_shape),
            "observation_dtype": self.observation_dtype.str,
            "action_shape": list(self.action_shape),
            "action_dtype": self.action_dtype.str,
            "seed": self.seed,
            "store_next_observations": self.store_next_observations,
            "position": self._position,
            "size": self._size,
            "has_pending_next": self._pending_next is not None,
        }

    def _arrays(self) -> dict[str, np.ndarray]:
        size = self._size
        arrays = {
            "observations": self._observations[:size],
            "actions": self._actions[:size],
            "rewards": self._rewards[:size],
            "terminated": self._terminated[:size],
            "truncated": self._truncated[:size],
        }
        if self.store_next_observations:
            arrays["next_observations"] = self._next_observations[:size]
        else:
            slots = sorted(self._final_observations)
            arrays["final_slots"] = np.asarray(slots, dtype=np.int64)
            arrays["final_observations"] = (
                np.stack([self._final_observations[slot] for slot in slots])
                if slots
                else np.zeros((0, *self.observation_shape), self.observation_dtype)
            )
            arrays["pending_next"] = (
                self._pending_next
                if self._pending_next is not None
                else np.zeros(self.observation_shape, self.observation_dtype)
            )
        return arrays

    def save(self, path: str | os.PathLike) -> pathlib.Path:
        """Writes contents, write position and generator state to ``path`` atomically.

        The file is an uncompressed ``.npz`` (no pickle). It holds only the stored
        rows, so a nearly empty buffer makes a small file.

        Args:
            path: Destination file; ``.npz`` is the conventional suffix.

        Returns:
            The path written.
        """
        arrays = self._arrays()
        arrays["metadata"] = text_array(json.dumps(self._metadata()))
        arrays["rng_state"] = text_array(rng_state_to_json(self._rng))
        return save_npz_atomically(path, arrays)

    @classmethod
    def _constructor_arguments(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        return {
            "capacity": metadata["capacity"],
            "observation_shape": tuple(metadata["observation_shape"]),
            "observation_dtype": np.dtype(metadata["observation_dtype"]),
            "action_shape": tuple(metadata["action_shape"]),
            "action_dtype": np.dtype(metadata["action_dtype"]),
            "seed": metadata["seed"],
            "store_next_observations": metadata["store_next_observations"],
        }

    @classmethod
    def load(cls, path: str | os.PathLike) -> ReplayBuffer:
        """Restores a buffer written by :meth:`save`, generator state included.

        Args:
            path: A file written by ``save``.

        Returns:
            A buffer of the class that saved it, equal in contents, position and
            future samples.

        Raises:
            ValueError: If the file was written by another buffer class or format.
        """
        arrays = load_npz(path)
        metadata = json.loads(str(arrays.pop("metadata")))
        if (
            metadata.get("format_version") != _FORMAT_VERSION
            or metadata.get("class_name") != cls.__name__
        ):
            raise ValueError(
                f"`path` does not hold a {cls.__name__} (format {_FORMAT_VERSION}). "
                f"Received: path={str(path)!r} with class {metadata.get('class_name')!r}, "
                f"format {metadata.get('format_version')!r}"
            )
        buffer = cls(**cls._constructor_arguments(metadata))
        buffer._restore(metadata, arrays)
        return buffer

    def _restore(self, metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        size = metadata["size"]
        self._observations[:size] = arrays["observations"]
        self._actions[:size] = arrays["actions"]
        self._rewards[:size] = arrays["rewards"]
        self._terminated[:size] = arrays["terminated"]
        self._truncated[:size] = arrays["truncated"]
        if self.store_next_observations:
            self._next_observations[:size] = arrays["next_observations"]
        else:
            self._final_observations = {
                int(slot): observation.copy()
                for slot, observation in zip(
                    arrays["final_slots"], arrays["final_observations"], strict=False
                )
            }
            self._pending_next = (
                arrays["pending_next"].copy() if metadata["has_pending_next"] else None
            )
        self._position = metadata["position"]
        self._size = size
        self._rng = rng_from_json(str(arrays["rng_state"]))
