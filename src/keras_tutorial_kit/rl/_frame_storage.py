"""Private: stacked image observations kept as single frames (``ReplayBuffer(stack_size=k)``).

gymnasium's ``FrameStackObservation(env, stack_size=k)`` gives observations of shape
``(k, *frame_shape)``: the k newest frames, oldest first. Two consecutive observations of
one episode share ``k - 1`` frames, and a transition's next observation shares ``k - 1``
frames with its observation, so storing both stacks whole keeps each frame ``2k`` times.
This storage keeps each frame once (the memory goal of issue 12: at most 0.26x the bytes
of stacks stored twice for 84x84 uint8 frames, stacks of 4).

Layout. Frames live in one ring, ``frames``, and carry a running number ``seq`` (frame
``seq`` sits at row ``seq % len(frames)``). The frames of one episode are written
consecutively: its first observation whole (``k`` frames: the padding frames of
``FrameStackObservation`` are whatever the environment gave, nothing is assumed about
them), then, for each transition, the newest frame of its next observation. Each
transition slot records one number, ``first[slot]``: the ``seq`` of its observation's
oldest frame. Its observation is then frames ``first .. first + k - 1`` and its next
observation frames ``first + 1 .. first + k``: both rebuilt at sampling by one gather, for
any slot (n-step returns read the next observation of a later transition the same way).
An episode of ``L`` transitions takes ``L + k`` frames.

Eviction. A frame is never overwritten while a stored transition refers to it. Slots
are written in order and ``first`` only grows, so the frames in use are ``seq`` from
``first`` of the oldest stored transition up to the newest frame. If writing would
overwrite one of them (short episodes need up to ``k + 1`` frames per transition), the
ring first grows to the frames in use plus a headroom of ``capacity // 8 + k + 1``,
keeping them. It starts with ``capacity`` plus that headroom: enough, without growing,
for episodes of ``8k`` transitions or more on average. So it never holds more than the
headroom beyond the most frames ever in use (at most ``(k + 1) * capacity``, with
length-1 episodes only; ``capacity * (1 + k / L)`` for episodes of ``L`` transitions).

Checks. Each transition's next observation must be its observation shifted by one frame
(``next_observation[:-1] == observation[1:]``), and an observation that follows a
transition that did not end its episode must equal that transition's next observation;
otherwise ``ValueError`` naming the argument, before anything is stored. Transitions of
several environments (``env_index``) whose episodes interleave fail this check: one
environment's frames would break the other's runs of consecutive frames.

The buffer file gets the frames in use, oldest first (``frames``), each slot's ``first``
relative to them (``frame_starts``) and the open episode's ``pending_frame_start``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_tutorial_kit._validation import check_positive_int
from keras_tutorial_kit.rl._next_observations import make_next_observations
from keras_tutorial_kit.rl._storage import write_ring


class FrameStorage:
    """Observations and next observations of ``capacity`` transition slots, as single frames.

    The owner (``ReplayBuffer``) writes slots in ring order and tells whether each
    transition ended its episode (``terminated or truncated``).
    """

    def __init__(
        self, capacity: int, stack_size: int, frame_shape: tuple[int, ...], dtype: np.dtype
    ) -> None:
        self._capacity = capacity
        self._stack_size = stack_size
        self._frame_shape = tuple(frame_shape)
        self._dtype = np.dtype(dtype)
        self._headroom = capacity // 8 + stack_size + 1
        self._frames = np.zeros((capacity + self._headroom, *self._frame_shape), self._dtype)
        self._first = np.zeros(capacity, np.int64)
        self._offsets = np.arange(stack_size)
        self.clear()

    def clear(self) -> None:
        """Forgets every transition (the frame ring keeps its size)."""
        self._written = 0  # the seq of the next frame to write
        self._count = 0  # stored transitions, at most capacity
        self._pending: int | None = None  # first seq of the newest next observation, if
        # its episode goes on

    @property
    def nbytes(self) -> int:
        """Bytes held by the frame ring and the per-slot frame numbers."""
        return self._frames.nbytes + self._first.nbytes

    def _stack(self, first: int) -> np.ndarray:
        return self._frames.take((first + self._offsets) % len(self._frames), axis=0)

    def _check(self, observations: np.ndarray, next_observations: np.ndarray, ends: Any) -> None:
        """Raises unless rows ``(n, k, *frame_shape)`` can be stored after the newest transition."""
        if not np.array_equal(next_observations[:, :-1], observations[:, 1:]):
            raise ValueError(
                f"With stack_size={self._stack_size}, a transition's `next_observation` must "
                "be its `observation` shifted by one frame (next_observation[:-1] == "
                "observation[1:]), as gymnasium's FrameStackObservation gives. Received: a "
                "`next_observation` that is not."
            )
        follows = np.concatenate([[False], ~np.asarray(ends[:-1], bool)])
        continued = np.array_equal(observations[follows], next_observations[:-1][follows[1:]])
        if not continued or (
            self._pending is not None
            and not np.array_equal(observations[0], self._stack(self._pending))
        ):
            raise ValueError(
                f"With stack_size={self._stack_size}, a transition that follows one that did "
                "not end its episode must start from that transition's `next_observation` "
                "(episodes of several environments cannot interleave). Received: an "
                "`observation` that differs from it."
            )

    def check_rows(self, observations: np.ndarray, next_observations: Any, ends: Any) -> None:
        """Raises unless the rows continue the newest transition and each other (``extend``)."""
        if len(observations):
            self._check(observations, np.asarray(next_observations), ends)

    # -- writing ----------------------------------------------------------------------

    def put(self, slot: int, observation: Any, next_observation: Any, ends: bool) -> None:
        """Stores one transition in ``slot`` (the slot after the newest one), checked first."""
        observation = np.asarray(observation)[None]
        self._check(observation, np.asarray(next_observation)[None], [ends])
        self._put(slot, observation[0], np.asarray(next_observation), ends)

    def put_rows(
        self,
        start: int,
        observations: np.ndarray,
        next_observations: np.ndarray,
        ends: np.ndarray,
        continues: bool = True,
    ) -> None:
        """Stores checked rows (:meth:`check_rows`) in slots ``start, start + 1, ...``.

        ``continues=False`` when the rows before these were dropped (``extend`` of more
        than ``capacity`` rows): the first row then starts its frames afresh.
        """
        if not continues:
            self._pending = None
        for offset, row_ends in enumerate(np.asarray(ends, bool).tolist()):
            slot = (start + offset) % self._capacity
            self._put(slot, observations[offset], next_observations[offset], row_ends)

    def _put(self, slot: int, observation: Any, next_observation: Any, ends: bool) -> None:
        if self._pending is None:  # a new episode: its first observation, whole
            first, new_frames = self._written, (*observation, next_observation[-1])
        else:  # the episode goes on: only the newest frame is new
            first, new_frames = self._pending, (next_observation[-1],)
        count = min(self._count + 1, self._capacity)
        oldest = (slot - count + 1) % self._capacity  # the oldest slot after this write
        floor = first if oldest == slot else int(self._first[oldest])
        self._make_room(floor, self._written + len(new_frames))
        size = len(self._frames)
        for frame in new_frames:
            self._frames[self._written % size] = frame
            self._written += 1
        self._first[slot] = first
        self._count = count
        self._pending = None if ends else first + 1

    def _make_room(self, floor: int, end: int) -> None:
        """Grows the ring if frames ``floor .. end - 1`` do not fit; keeps those in use."""
        size = len(self._frames)
        if end - floor <= size:
            return
        grown = end - floor + self._headroom
        frames = np.zeros((grown, *self._frame_shape), self._dtype)
        for low in range(floor, self._written, 4096):  # in chunks: no full-size temporary
            kept = np.arange(low, min(low + 4096, self._written))
            frames[kept % grown] = self._frames[kept % size]
        self._frames = frames

    # -- reading ----------------------------------------------------------------------

    def observations(self, indices: np.ndarray) -> np.ndarray:
        """The observations of slots ``indices``: shape ``(len(indices), k, *frame_shape)``."""
        return self._gather(self._first.take(indices))

    def next_observations(self, indices: np.ndarray) -> np.ndarray:
        """The next observations of slots ``indices``, same shape."""
        return self._gather(self._first.take(indices) + 1)

    def take(self, indices: np.ndarray, axis: int = 0) -> np.ndarray:
        """:meth:`observations`, called as the buffer takes rows of its observation array."""
        return self.observations(indices)

    def gather(self, indices: np.ndarray, observations: Any, position: int) -> np.ndarray:
        """:meth:`next_observations`, called as the buffer calls its next-observation keeper."""
        return self.next_observations(indices)

    def _gather(self, firsts: np.ndarray) -> np.ndarray:
        rows = (firsts[:, None] + self._offsets) % len(self._frames)
        return self._frames.take(rows, axis=0)

    # -- the buffer file --------------------------------------------------------------

    def to_file(self, size: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Metadata and arrays for the buffer file: the frames in use, oldest first."""
        # The oldest frame in use: the first of the oldest stored transition (or of the
        # open episode's stack, in an empty buffer).
        if size:
            floor = int(self._first[:size].min())
        else:
            floor = self._written if self._pending is None else self._pending
        kept = np.arange(floor, self._written) % len(self._frames)
        pending = None if self._pending is None else self._pending - floor
        arrays = {
            "frames": self._frames[kept],
            "frame_starts": self._first[:size] - floor,
        }
        return {"pending_frame_start": pending}, arrays

    def expected_arrays(self, size: int, shape: tuple[int, ...], dtype: np.dtype) -> dict:
        """No arrays of fixed shape: :meth:`restore` checks its own."""
        return {}

    def restore(self, metadata: dict[str, Any], arrays: dict[str, np.ndarray], size: int) -> None:
        """Restores what :meth:`to_file` wrote; ``ValueError`` if the arrays do not fit."""
        frames, starts = arrays["frames"], arrays["frame_starts"]
        pending = metadata["pending_frame_start"]
        k = self._stack_size
        if (
            frames.shape[1:] != self._frame_shape
            or frames.dtype != self._dtype
            or starts.shape != (size,)
            or starts.dtype.kind not in "iu"
            or (size and (starts.min() < 0 or starts.max() + k + 1 > len(frames)))
            or not (
                pending is None or (isinstance(pending, int) and 0 <= pending <= len(frames) - k)
            )
        ):
            raise ValueError("arrays 'frames' and 'frame_starts' do not fit the buffer")
        self.clear()
        self._make_room(0, len(frames))
        self._frames[: len(frames)] = frames
        self._written = len(frames)
        self._first[:size] = starts
        self._count = size
        self._pending = pending


def check_stack_size(stack_size: Any, observation_shape: tuple[int, ...]) -> int:
    """``stack_size`` if it is a positive integer and, above 1, ``observation_shape[0]``."""
    stack_size = check_positive_int("stack_size", stack_size)
    if stack_size > 1 and observation_shape[:1] != (stack_size,):
        raise ValueError(
            "`stack_size` must be 1 or the length of the observations' first (stack) axis, "
            "as gymnasium's FrameStackObservation gives them. Received: "
            f"stack_size={stack_size} with observation_shape={observation_shape}"
        )
    return stack_size


def allocate_observations(buffer: Any) -> tuple[Any, Any]:
    """A ``ReplayBuffer``'s ``(observations, next-observation keeper)``: an array and a
    keeper of ``store_next_observations``'s mode, or, with ``stack_size > 1``, one
    :class:`FrameStorage` for both (it has the array's ``take`` and the keeper's methods)."""
    capacity, shape, dtype = buffer.capacity, buffer.observation_shape, buffer.observation_dtype
    if buffer.stack_size > 1:
        frames = FrameStorage(capacity, buffer.stack_size, shape[1:], dtype)
        return frames, frames
    keeper = make_next_observations(buffer.store_next_observations, capacity, shape, dtype)
    return np.zeros((capacity, *shape), dtype), keeper


def put_observation_rows(
    buffer: Any, start: int, observations: Any, next_observations: Any, ends: Any, skip: int
) -> None:
    """Stores rows ``skip:`` of a checked ``extend`` batch's observations from slot ``start``."""
    rows = (observations[skip:], next_observations[skip:], ends[skip:])
    if buffer.stack_size > 1:
        buffer._next.put_rows(start, *rows, continues=skip == 0)
    else:
        buffer._next.put_rows(start, *rows[1:])
        write_ring(buffer._observations, start, rows[0])


def held_bytes(buffer: Any) -> int:
    """Bytes of the NumPy arrays a buffer holds: its own and, through its attributes, those
    of the ``keras_tutorial_kit.rl`` objects it keeps (frame storage, next observations,
    sum tree, environment streams), dict values included; each array counted once."""
    total, seen, todo = 0, set(), [buffer]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            total += item.nbytes
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif type(item).__module__.startswith("keras_tutorial_kit.rl."):
            todo.extend(vars(item).values())
    return total
