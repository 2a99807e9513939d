"""Private: checks of the transitions given to ``ReplayBuffer.add`` and ``extend``."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from keras_tutorial_kit._validation import check_positive_int


def check_array(
    name: str, value: Any, shape: tuple[int, ...], dtype: np.dtype, batched: bool = False
) -> np.ndarray:
    """``value`` as an array of ``shape`` (after a batch axis if ``batched``) that ``dtype``
    can hold, else ``ValueError`` naming ``name``."""
    if type(value) is np.ndarray and value.shape == shape and value.dtype == dtype:
        return value  # the common case, first: ``add`` runs once per environment step
    array = np.asarray(value)
    found = array.shape[1:] if batched else array.shape
    if found != shape or (batched and array.ndim == 0):
        wanted = f"(batch, *{shape})" if batched else str(shape)
        raise ValueError(
            f"`{name}` must have shape {wanted}. Received: {name} with shape {array.shape}"
        )
    if array.dtype != dtype and not np.can_cast(array.dtype, dtype, "same_kind"):
        raise ValueError(
            f"`{name}` of dtype {array.dtype} cannot be stored safely as {dtype}. "
            f"Received: {name}.dtype={array.dtype}"
        )
    return array


def check_batch(
    buffer: Any,
    observations: Any,
    actions: Any,
    rewards: Any,
    next_observations: Any,
    terminated: Any,
    truncated: Any,
    env_indices: Any = None,
) -> tuple[Any, ...]:
    """The arguments of ``buffer.extend`` as arrays with one row per transition
    (``env_indices`` stays ``None`` if it is)."""
    shape, dtype = buffer.observation_shape, buffer.observation_dtype
    observations = check_array("observations", observations, shape, dtype, batched=True)
    next_observations = check_array(
        "next_observations", next_observations, shape, dtype, batched=True
    )
    actions = check_array(
        "actions", actions, buffer.action_shape, buffer.action_dtype, batched=True
    )
    count = len(observations)
    rewards = np.asarray(rewards, dtype=np.float32)
    terminated = np.asarray(terminated, dtype=np.bool_)
    truncated = np.zeros(count, np.bool_) if truncated is None else np.asarray(truncated, np.bool_)
    for name, array in (("actions", actions), ("next_observations", next_observations)):
        if len(array) != count:
            raise ValueError(
                f"`{name}` must have {count} rows (as many as `observations`). "
                f"Received: {name} with shape {array.shape}"
            )
    for name, array in (("rewards", rewards), ("terminated", terminated), ("truncated", truncated)):
        if array.shape != (count,):
            raise ValueError(
                f"`{name}` must have shape ({count},). Received: {name} with shape {array.shape}"
            )
    if env_indices is not None:
        env_indices = check_env_indices(env_indices, count)
    return observations, actions, rewards, next_observations, terminated, truncated, env_indices


def check_transition(
    buffer: Any,
    observation: Any,
    action: Any,
    reward: Any,
    next_observation: Any,
    terminated: Any,
    truncated: Any,
) -> tuple[Any, ...]:
    """The arguments of ``buffer.add``: arrays of the buffer's shapes, a float, two bools.

    ``ReplayBuffer.add`` skips this call when every argument already has its stored type
    (the `add` goal of benchmarks/bench_replay_buffer.py), so here the checks run plainly.
    """
    reward, terminated, truncated = check_scalars(reward, terminated, truncated)
    shape, dtype = buffer.observation_shape, buffer.observation_dtype
    observation = check_array("observation", observation, shape, dtype)
    next_observation = check_array("next_observation", next_observation, shape, dtype)
    action = check_array("action", action, buffer.action_shape, buffer.action_dtype)
    return observation, action, reward, next_observation, terminated, truncated


def check_scalars(reward: Any, terminated: Any, truncated: Any) -> tuple[float, bool, bool]:
    """``(reward, terminated, truncated)`` of one transition as a real number and two flags."""
    # The common case first, without NumPy calls: ``add`` runs once per environment step
    # (the `add` goal of benchmarks/bench_replay_buffer.py).
    if type(reward) in (float, int) and type(terminated) is bool and type(truncated) is bool:
        return float(reward), terminated, truncated
    if np.ndim(reward) != 0 or np.asarray(reward).dtype.kind not in "iuf":
        raise TypeError(f"`reward` must be a real number. Received: reward={reward!r}")
    for name, flag in (("terminated", terminated), ("truncated", truncated)):
        if np.ndim(flag) != 0 or np.asarray(flag).dtype.kind != "b":
            raise TypeError(f"`{name}` must be True or False. Received: {name}={flag!r}")
    return float(reward), bool(terminated), bool(truncated)


def check_batch_size(batch_size: Any, size: int) -> int:
    """``batch_size`` if it is a positive integer <= ``size`` (the stored transitions)."""
    if type(batch_size) is not int or batch_size < 1:
        batch_size = check_positive_int("batch_size", batch_size)
    if batch_size > size:
        raise ValueError(
            f"`batch_size` must be at most the number of stored transitions ({size}) "
            f"to draw distinct transitions. Received: batch_size={batch_size}"
        )
    return batch_size


def check_env_index(name: str, value: Any) -> int:
    """``value`` as a non-negative int (an environment's index in a vector env), else raises."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"`{name}` must be an integer >= 0. Received: {name}={value!r}")
    return int(value)


def check_env_indices(value: Any, count: int) -> np.ndarray:
    """``value`` as an int64 array of shape ``(count,)`` of indices >= 0, else raises."""
    array = np.asarray(value)
    if array.shape != (count,) or (count and (array.dtype.kind not in "iu" or array.min() < 0)):
        raise ValueError(
            f"`env_indices` must be None or integers >= 0 of shape ({count},). "
            f"Received: env_indices={value!r}"
        )
    return array.astype(np.int64)
