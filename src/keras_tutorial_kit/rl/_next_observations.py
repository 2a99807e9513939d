"""Private: the two ways a ``ReplayBuffer`` keeps next observations (``store_next_observations``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_tutorial_kit.rl._storage import write_ring


class StoredNextObservations:
    """``store_next_observations=True``: each transition's next observation in its own slot."""

    def __init__(self, capacity: int, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self._array = np.zeros((capacity, *shape), dtype)

    def check_rows(self, observations: np.ndarray, next_observations: Any, ends: Any) -> None:
        """Any rows may be stored: nothing to check."""

    def put(self, slot: int, observation: Any, next_observation: Any, ends: bool) -> None:
        self._array[slot] = next_observation

    def put_rows(self, start: int, next_observations: np.ndarray, ends: np.ndarray) -> None:
        write_ring(self._array, start, next_observations)

    def gather(self, indices: np.ndarray, observations: np.ndarray, position: int) -> np.ndarray:
        return self._array.take(indices, axis=0)

    def clear(self) -> None:
        """Nothing to forget: slots past the buffer's size are never read."""

    def to_file(self, size: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"has_pending_next": False}, {"next_observations": self._array[:size]}

    def expected_arrays(self, size: int, shape: tuple[int, ...], dtype: np.dtype) -> dict:
        return {"next_observations": ((size, *shape), dtype)}

    def restore(self, metadata: dict[str, Any], arrays: dict[str, np.ndarray], size: int) -> None:
        self._array[:size] = arrays["next_observations"]


class SharedNextObservations:
    """``store_next_observations=False``: a transition's next observation is the observation
    of the slot that follows it; the final observation of each episode is kept aside, by
    slot, and so is the next observation of the newest transition (``pending``)."""

    def __init__(self, capacity: int, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self._capacity = capacity
        self._shape = shape
        self._dtype = dtype
        self.clear()

    def clear(self) -> None:
        self._finals: dict[int, np.ndarray] = {}
        self._pending: np.ndarray | None = None

    def _check(self, observation: Any, expected: np.ndarray | None) -> None:
        if expected is not None and not np.array_equal(observation, expected):
            raise ValueError(
                "With store_next_observations=False, a transition that follows one that did "
                "not end its episode must start from that transition's `next_observation`. "
                "Received: an `observation` that differs from it."
            )

    def check_rows(self, observations: np.ndarray, next_observations: Any, ends: Any) -> None:
        """Raises unless every row continues the episode of the row (or transition) before."""
        if len(observations) == 0:
            return
        self._check(observations[0], self._pending)
        follows = ~np.asarray(ends[:-1], bool)
        if not np.array_equal(observations[1:][follows], next_observations[:-1][follows]):
            self._check(observations[1:][follows], next_observations[:-1][follows])

    def put(self, slot: int, observation: Any, next_observation: Any, ends: bool) -> None:
        self._check(observation, self._pending)
        self._finals.pop(slot, None)
        copy = np.array(next_observation, dtype=self._dtype)
        if ends:
            self._finals[slot] = copy
            self._pending = None
        else:
            self._pending = copy

    def put_rows(self, start: int, next_observations: np.ndarray, ends: np.ndarray) -> None:
        slots = (start + np.arange(len(next_observations))) % self._capacity
        for slot, next_observation, row_ends in zip(
            slots.tolist(), next_observations, ends.tolist(), strict=True
        ):
            self._finals.pop(slot, None)
            if row_ends:
                self._finals[slot] = np.array(next_observation, dtype=self._dtype)
        last = len(slots) - 1
        self._pending = None if ends[last] else np.array(next_observations[last], self._dtype)

    def gather(self, indices: np.ndarray, observations: np.ndarray, position: int) -> np.ndarray:
        next_observations = observations.take((indices + 1) % self._capacity, axis=0)
        newest = (position - 1) % self._capacity
        for row, index in enumerate(indices.tolist()):
            final = self._finals.get(index)
            if final is not None:
                next_observations[row] = final
            elif index == newest and self._pending is not None:
                next_observations[row] = self._pending
        return next_observations

    def to_file(self, size: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        slots = sorted(self._finals)
        finals = (
            np.stack([self._finals[slot] for slot in slots])
            if slots
            else np.zeros((0, *self._shape), self._dtype)
        )
        pending = self._pending
        arrays = {
            "final_slots": np.asarray(slots, dtype=np.int64),
            "final_observations": finals,
            "pending_next": np.zeros(self._shape, self._dtype) if pending is None else pending,
        }
        return {"has_pending_next": pending is not None}, arrays

    def expected_arrays(self, size: int, shape: tuple[int, ...], dtype: np.dtype) -> dict:
        return {"pending_next": (shape, dtype)}

    def restore(self, metadata: dict[str, Any], arrays: dict[str, np.ndarray], size: int) -> None:
        slots, finals = arrays["final_slots"], arrays["final_observations"]
        if (
            slots.ndim != 1
            or finals.shape != (len(slots), *self._shape)
            or (len(slots) and (slots.min() < 0 or slots.max() >= size))
        ):
            raise ValueError("final_slots and final_observations do not match")
        self._finals = {
            int(slot): observation.astype(self._dtype)
            for slot, observation in zip(slots, finals, strict=True)
        }
        pending = arrays["pending_next"]
        self._pending = pending.copy() if bool(metadata["has_pending_next"]) else None


def make_next_observations(
    store_next_observations: bool, capacity: int, shape: tuple[int, ...], dtype: np.dtype
) -> StoredNextObservations | SharedNextObservations:
    """The keeper of next observations for the buffer's mode."""
    kind = StoredNextObservations if store_next_observations else SharedNextObservations
    return kind(capacity, shape, dtype)
