"""``PrioritizedReplayBuffer``: proportional prioritized experience replay on a sum tree."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from keras_tutorial_kit._deprecation import renamed_arguments
from keras_tutorial_kit._validation import check_non_negative_number
from keras_tutorial_kit.rl._replay_samples import (
    NStepPrioritizedReplaySample,
    PrioritizedReplaySample,
)
from keras_tutorial_kit.rl._storage import check_probability
from keras_tutorial_kit.rl._sum_tree import SumTree
from keras_tutorial_kit.rl._transition_checks import check_batch_size
from keras_tutorial_kit.rl.replay_buffer import ReplayBuffer


class PrioritizedReplayBuffer(ReplayBuffer):
    """A :class:`ReplayBuffer` that samples transitions in proportion to ``priority**alpha``.

    Proportional prioritized experience replay (Schaul et al., 2016). Transition ``i``
    with priority ``p_i`` is drawn with probability
    ``P(i) = (p_i + c)**alpha / sum_k (p_k + c)**alpha`` with ``c = priority_offset``; the ``batch_size``
    draws of one ``sample`` call are independent (with replacement), each found by a
    prefix-sum search of a sum tree in ``O(log capacity)``, vectorized over the batch.
    New transitions get the largest priority given so far (1.0 at first), so each is
    likely to be replayed at least once.

    ``sample(batch_size, beta)`` also returns the importance-sampling weights
    ``w_i = (N * P(i))**(-beta) / max_k (N * P(k))**(-beta)`` (``N`` = transitions
    stored; the maximum runs over every stored transition with a non-zero
    probability, so weights are in ``(0, 1]``) and the slot ``indices`` to pass back to
    ``update_priorities(indices, priorities)``, typically with ``|TD error|``.

    Args:
        capacity: Positive integer, the most transitions kept.
        observation_shape: Shape of one observation.
        observation_dtype: NumPy dtype of the stored observations.
        action_shape: Shape of one action: ``()`` for discrete actions.
        action_dtype: NumPy dtype of the actions.
        seed: ``None`` or a non-negative integer seeding the sampling generator.
        store_next_observations: See :class:`ReplayBuffer`.
        n_steps: See :class:`ReplayBuffer`; the priorities belong to the drawn
            (first) transitions.
        gamma: See :class:`ReplayBuffer`.
        stack_size: See :class:`ReplayBuffer`.
        alpha: How much prioritization is used, in ``[0, 1]``: 0 is uniform.
        priority_offset: Non-negative number added to each priority so that no
            transition has zero probability (formerly ``epsilon``, deprecated, removed
            in 0.4.0).

    Raises:
        ValueError: As :class:`ReplayBuffer`, and if ``alpha`` is outside
            ``[0, 1]``, ``priority_offset`` is negative, or ``beta``/``priorities`` are
            invalid.

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> buffer = ktk.rl.PrioritizedReplayBuffer(100, observation_shape=(2,), alpha=0.6, seed=0)
    >>> for step in range(8):
    ...     buffer.add(np.zeros(2), 0, 1.0, np.ones(2), terminated=False)
    >>> batch = buffer.sample(4, beta=0.4)
    >>> batch.weights.shape, batch.indices.shape
    ((4,), (4,))
    >>> buffer.update_priorities(batch.indices, np.full(4, 2.0))
    >>> float(buffer.max_priority)
    2.0
    """

    @renamed_arguments("0.4.0", epsilon="priority_offset")
    def __init__(
        self,
        capacity: int,
        observation_shape: tuple[int, ...],
        observation_dtype: Any = "float32",
        action_shape: tuple[int, ...] = (),
        action_dtype: Any = "int64",
        seed: int | None = None,
        store_next_observations: bool = True,
        alpha: float = 0.6,
        priority_offset: float = 1e-6,
        *,
        n_steps: int = 1,
        gamma: float = 0.99,
        stack_size: int = 1,
    ) -> None:
        self.alpha = check_probability("alpha", alpha)
        self.priority_offset = check_non_negative_number("priority_offset", priority_offset)
        arguments = (capacity, observation_shape, observation_dtype, action_shape, action_dtype)
        options = {"n_steps": n_steps, "gamma": gamma, "stack_size": stack_size}
        super().__init__(*arguments, seed, store_next_observations, **options)

    def _allocate(self) -> None:
        super()._allocate()
        self._tree = SumTree(self.capacity)
        self._priorities = np.zeros(self.capacity, np.float64)
        self.max_priority = 1.0

    def clear(self) -> None:
        """Removes every transition and resets the largest priority to 1.0."""
        super().clear()
        self._tree.clear()
        self._priorities[:] = 0.0
        self.max_priority = 1.0

    def _set_priorities(self, slots: np.ndarray, priorities: np.ndarray) -> None:
        self._priorities[slots] = priorities
        self._tree.update(slots, (priorities + self.priority_offset) ** self.alpha)

    def _on_stored(self, start: int, count: int) -> None:
        slots = (start + np.arange(count)) % self.capacity  # the largest priority so far
        self._set_priorities(slots, np.full(count, self.max_priority))

    def probabilities(self) -> np.ndarray:
        """``P(i)`` of every slot ``0 .. len(self) - 1`` (not oldest-first order)."""
        weights = self._tree.values(np.arange(self._size))
        return weights / weights.sum()

    def sample(
        self, batch_size: int, beta: float = 0.4
    ) -> PrioritizedReplaySample | NStepPrioritizedReplaySample:
        """Draws ``batch_size`` transitions with probability ``P(i)``, independently.

        Args:
            batch_size: Positive integer, at most ``len(self)``.
            beta: Importance-sampling exponent in ``[0, 1]``: 0 gives weights of 1,
                1 fully compensates the non-uniform sampling.

        Returns:
            A :class:`PrioritizedReplaySample`: the fields of :class:`ReplaySample`
            plus ``weights`` (float32, in ``(0, 1]``) and ``indices`` (the slots
            drawn); with ``n_steps > 1`` an :class:`NStepPrioritizedReplaySample`, which
            adds ``discounts`` (see :class:`ReplayBuffer`).

        Raises:
            ValueError: If ``batch_size`` is invalid or exceeds the stored
                transitions, or ``beta`` is outside ``[0, 1]``.
        """
        batch_size = check_batch_size(batch_size, self._size)
        beta = check_probability("beta", beta)
        indices = self._tree.find(self._rng.random(batch_size) * self._tree.total, self._size)
        # (N P(i))**-beta / max_k (N P(k))**-beta = (p_i / smallest p)**-beta: N and the
        # sum of priorities cancel.
        weights = (self._tree.values(indices) / self._tree.minimum) ** (-beta)
        transitions = self._sample_at(indices)
        weights = weights.astype(np.float32)
        if self.n_steps == 1:
            return PrioritizedReplaySample(*transitions, weights, indices)
        return NStepPrioritizedReplaySample(*transitions[:6], weights, indices, transitions[6])

    def update_priorities(self, indices: Any, priorities: Any) -> None:
        """Sets the priorities of the transitions in slots ``indices``.

        Args:
            indices: Integer array of slots, as returned by :meth:`sample`.
            priorities: Non-negative finite numbers, one per index (e.g.
                ``|TD error|``).

        Raises:
            ValueError: If the lengths differ, an index is not a stored slot, or a
                priority is negative or not finite.
        """
        indices = np.asarray(indices)
        priorities = np.asarray(priorities, dtype=np.float64)
        if indices.ndim != 1 or indices.dtype.kind not in "iu":
            raise ValueError(
                f"`indices` must be a 1-D integer array. Received: indices with shape "
                f"{indices.shape} and dtype {indices.dtype}"
            )
        if priorities.shape != indices.shape:
            raise ValueError(
                f"`priorities` must have shape {indices.shape} (one per index). "
                f"Received: priorities with shape {priorities.shape}"
            )
        if len(indices) == 0:
            return
        if indices.min() < 0 or indices.max() >= self._size:
            raise ValueError(
                f"`indices` must be stored slots in [0, {self._size}). "
                f"Received: indices={indices.tolist()}"
            )
        # min and max are NaN if any priority is: both comparisons fail then.
        smallest, largest = float(priorities.min()), float(priorities.max())
        if not (smallest >= 0.0 and largest < np.inf):
            raise ValueError(
                "`priorities` must be finite and non-negative. "
                f"Received: priorities={priorities.tolist()}"
            )
        self._set_priorities(indices, priorities)
        self.max_priority = max(self.max_priority, largest)

    @property
    def epsilon(self) -> float:
        """Deprecated alias of ``priority_offset`` (removed in 0.4.0)."""
        warnings.warn(
            "`epsilon` is deprecated and will be removed in 0.4.0; use `priority_offset` instead.",
            FutureWarning,
            stacklevel=2,
        )
        return self.priority_offset

    # The file format (``_buffer_file``, version 1) names the priority offset "epsilon".
    def _file_extras(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        metadata = {
            "alpha": self.alpha,
            "epsilon": self.priority_offset,
            "max_priority": self.max_priority,
        }
        return metadata, {"priorities": self._priorities[: self._size]}

    @classmethod
    def _arguments_from_file(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        return {"alpha": metadata["alpha"], "priority_offset": metadata["epsilon"]}

    def _restore_extras(self, metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        priorities = arrays["priorities"]
        if priorities.shape != (self._size,) or not np.all(priorities >= 0):
            raise ValueError(f"array 'priorities' has shape {priorities.shape} or negative values")
        if self._size:
            self._set_priorities(np.arange(self._size), priorities)
        self.max_priority = float(metadata["max_priority"])
