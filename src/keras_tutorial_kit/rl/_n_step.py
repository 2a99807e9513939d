"""Private: n-step windows of a ``ReplayBuffer``, over one or several environment streams.

A transition's window follows the *same* environment's next transitions. With one stream
(every ``env_index`` 0, the common case) that is the next slot of the ring; once several
streams interleave, ``EnvStreams`` keeps a per-slot link to the stream's next slot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from keras_tutorial_kit.rl._replay_samples import NStepReplaySample, gather_transitions
from keras_tutorial_kit.rl._transition_checks import check_env_index


class EnvStreams:
    """Links each stored transition to the next transition of its environment's episode.

    ``links[slot]`` is that next transition's slot, or -1 when there is none yet or the
    episode ended there. The ring only ever overwrites the oldest transitions, so a link
    (always to a newer one) stays valid; a slot being overwritten is unlinked first.
    """

    def __init__(self, capacity: int) -> None:
        self.links = np.full(capacity, -1, np.int64)
        self.envs = np.zeros(capacity, np.int64)
        self.last: dict[int, int] = {}  # env -> its newest slot, while its episode goes on

    def put(self, slot: int, env: int, ends: bool) -> None:
        """Records that ``env``'s newest transition is stored at ``slot``."""
        previous = self.last.get(env, -1)
        if previous >= 0 and self.envs[previous] == env:  # not overwritten by another env
            self.links[previous] = slot
        self.links[slot] = -1
        self.envs[slot] = env
        if ends:
            self.last.pop(env, None)
        else:
            self.last[env] = slot

    def put_rows(self, slots: np.ndarray, envs: np.ndarray, ends: np.ndarray) -> None:
        """:meth:`put` for each row, in order (a loop: vector envs add a few rows at a time)."""
        for slot, env, row_ends in zip(slots.tolist(), envs.tolist(), ends.tolist(), strict=True):
            self.put(slot, env, row_ends)


class NStepWindows:
    """The n-step windows of a buffer's stored transitions (its reward and flag arrays).

    One environment stream needs no state: the next transition of slot ``s`` is slot
    ``s + 1`` (mod capacity) unless ``s`` ends an episode or is the newest. Streams
    (``EnvStreams``) start when a second environment shows up with ``n_steps > 1``.
    """

    def __init__(self, buffer: Any) -> None:
        self._buffer = buffer
        self.streams: EnvStreams | None = None

    def record_one(self, slot: int, env_index: Any, ends: bool) -> None:
        """:meth:`record` for one transition, from environment ``env_index`` (checked)."""
        self.record(slot, np.array([check_env_index("env_index", env_index)]), ends)

    def record(self, start: int, envs: np.ndarray | None, ends: Any, skip: int = 0) -> None:
        """Records the environments ``envs[skip:]`` (``None``: 0) of transitions about to
        be stored from slot ``start`` on (``ends[skip:]``: whether each ends its episode)."""
        ends = np.asarray(ends, bool).reshape(-1)[skip:]
        envs = np.zeros(len(ends), np.int64) if envs is None else envs[skip:]
        buffer = self._buffer
        if not buffer.store_next_observations and envs.any():
            raise ValueError(
                "With store_next_observations=False, transitions must come from one "
                "environment (`env_index`/`env_indices` 0): a next observation is read "
                f"from the following slot. Received: env_index={int(envs.max())}"
            )
        if buffer.n_steps == 1 or (self.streams is None and not envs.any()):
            return  # one-step samples and a single stream need no links
        if self.streams is None:  # what is stored so far came from environment 0
            stored = buffer._slots_oldest_first()
            self.restore(np.zeros(len(stored), np.int64), stored)
        slots = (start + np.arange(len(envs))) % buffer.capacity
        self.streams.put_rows(slots, envs, ends)

    def restore(self, envs: np.ndarray, slots: np.ndarray) -> None:
        """Streams of transitions in ``slots`` (oldest first) from environments ``envs``."""
        buffer = self._buffer
        if self.streams is None:
            self.streams = EnvStreams(buffer.capacity)
        ends = buffer._terminated[slots] | buffer._truncated[slots]
        self.streams.put_rows(slots, envs, ends)

    def sample(self, indices: np.ndarray) -> NStepReplaySample:
        """The n-step transitions starting at slots ``indices``."""
        last, returns, discounts = self.windows(indices)
        fields = gather_transitions(self._buffer, indices, last)._replace(rewards=returns)
        return NStepReplaySample(*fields, discounts)

    def windows(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The windows starting at ``indices``: ``(last slots, returns, discounts)``.

        Each sums ``m <= n_steps`` rewards, ``returns = sum_k gamma**k r_k`` (float32),
        stopping after a transition that ends its episode or at its stream's newest one;
        ``discounts = gamma**m`` (float32).
        """
        buffer = self._buffer
        rewards, gamma = buffer._rewards, buffer.gamma
        if self.streams is None:
            newest = (buffer.position - 1) % buffer.capacity
            following = single_stream_following(buffer._terminated, buffer._truncated, newest)
        else:
            following = self.streams.links.take
        last = indices
        returns = rewards.take(indices).astype(np.float64)
        steps = np.ones(len(indices), np.int64)
        for k in range(1, buffer.n_steps):
            step = following(last)
            going = step >= 0
            if not going.any():
                break
            last = np.where(going, step, last)
            returns += np.where(going, gamma**k * rewards.take(last), 0.0)
            steps += going
        discounts = np.power(gamma, steps, dtype=np.float64).astype(np.float32)
        return last, returns.astype(np.float32), discounts


def single_stream_following(
    terminated: np.ndarray, truncated: np.ndarray, newest: int
) -> Callable[[np.ndarray], np.ndarray]:
    """For one stream: the slot after each of ``slots`` in its episode, or -1."""
    capacity = len(terminated)

    def following(slots: np.ndarray) -> np.ndarray:
        stop = terminated[slots] | truncated[slots] | (slots == newest)
        return np.where(stop, -1, (slots + 1) % capacity)

    return following
