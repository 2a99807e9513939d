"""Private: the replay buffers' file format (one uncompressed ``.npz``, no pickle), version 2.

The archive holds the stored rows (``observations``, ``actions``, ``rewards``,
``terminated``, ``truncated`` and the next-observation arrays of the buffer's mode), a
JSON ``metadata`` text (format version, class name, constructor arguments, position,
size) and the sampling generator's state as JSON text (``rng_state``). Subclasses add
their own metadata and arrays through ``_file_extras``/``_arguments_from_file``/
``_restore_extras``. Version 2 (0.2.0) added ``n_steps`` and ``gamma`` to the metadata and,
while several environment streams interleave, an ``env_indices`` array; version 1 files
(0.1.0) load with ``n_steps=1``.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

import numpy as np

from keras_tutorial_kit._validation import check_path
from keras_tutorial_kit.rl._storage import (
    load_npz,
    rng_from_json,
    rng_state_to_json,
    save_npz_atomically,
    text_array,
)

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


class BufferFileHooks:
    """The hooks through which a buffer subclass with more state (``PrioritizedReplayBuffer``)
    takes part in storing transitions and in the file format; these defaults do nothing."""

    def _on_stored(self, start: int, count: int) -> None:
        """Called after ``count`` transitions were stored from slot ``start`` on."""

    def _file_extras(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Extra metadata and arrays to save."""
        return {}, {}

    @classmethod
    def _arguments_from_file(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        """Extra constructor arguments read from the saved metadata."""
        return {}

    def _restore_extras(self, metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Restores what ``_file_extras`` saved."""


def save_buffer(buffer: Any, path: str | os.PathLike) -> pathlib.Path:
    """Writes ``buffer`` to ``path`` atomically."""
    path = check_path("path", path)
    size = len(buffer)
    next_metadata, next_arrays = buffer._next.to_file(size)
    extra_metadata, extra_arrays = buffer._file_extras()
    streams = buffer._windows.streams
    metadata = {
        "format_version": FORMAT_VERSION,
        "class_name": type(buffer).__name__,
        "capacity": buffer.capacity,
        "observation_shape": list(buffer.observation_shape),
        "observation_dtype": buffer.observation_dtype.str,
        "action_shape": list(buffer.action_shape),
        "action_dtype": buffer.action_dtype.str,
        "seed": buffer.seed,
        "store_next_observations": buffer.store_next_observations,
        "n_steps": buffer.n_steps,
        "gamma": buffer.gamma,
        "position": buffer.position,
        "size": size,
        **next_metadata,
        **extra_metadata,
    }
    arrays = {
        "observations": buffer._observations[:size],
        "actions": buffer._actions[:size],
        "rewards": buffer._rewards[:size],
        "terminated": buffer._terminated[:size],
        "truncated": buffer._truncated[:size],
        **next_arrays,
        **extra_arrays,
        **({} if streams is None else {"env_indices": streams.envs[:size]}),
        "metadata": text_array(json.dumps(metadata)),
        "rng_state": text_array(rng_state_to_json(buffer._rng)),
    }
    return save_npz_atomically(path, arrays)


def load_buffer(cls: type, path: str | os.PathLike) -> Any:
    """A ``cls`` restored from ``path``; ``ValueError`` naming the file if it holds none."""
    path = check_path("path", path)
    arrays = load_npz(path, cls.__name__)
    name = cls.__name__
    try:
        metadata = json.loads(str(arrays.pop("metadata")))
        version = metadata.get("format_version")
        kind = metadata.get("class_name")
    except (KeyError, ValueError, AttributeError) as error:
        raise ValueError(
            f"`path` does not hold a {name}: no readable metadata. Received: path={str(path)!r}"
        ) from error
    if kind != name or version not in READABLE_VERSIONS:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise ValueError(
            f"`path` does not hold a {name} of format {FORMAT_VERSION}"
            f"{' (it was written by a newer release)' if newer else ''}. "
            f"Received: path={str(path)!r} with class {kind!r}, format {version!r}"
        )
    try:
        buffer = cls(
            capacity=metadata["capacity"],
            observation_shape=tuple(metadata["observation_shape"]),
            observation_dtype=np.dtype(metadata["observation_dtype"]),
            action_shape=tuple(metadata["action_shape"]),
            action_dtype=np.dtype(metadata["action_dtype"]),
            seed=metadata["seed"],
            store_next_observations=metadata["store_next_observations"],
            n_steps=metadata.get("n_steps", 1),
            gamma=metadata.get("gamma", 0.99),
            **cls._arguments_from_file(metadata),
        )
        _restore(buffer, metadata, arrays)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as error:
        raise ValueError(
            f"`path` holds a damaged {name} file ({type(error).__name__}: {error}). "
            f"Received: path={str(path)!r}"
        ) from error
    return buffer


def _restore(buffer: Any, metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    size, position, capacity = metadata["size"], metadata["position"], buffer.capacity
    if not (
        isinstance(size, int)
        and isinstance(position, int)
        and 0 <= size <= capacity
        and 0 <= position < capacity
        and (size == capacity or position == size)
    ):
        raise ValueError(f"size={size!r} and position={position!r} do not fit capacity={capacity}")
    observation = (buffer.observation_shape, buffer.observation_dtype)
    expected = {
        "observations": ((size, *observation[0]), observation[1]),
        "actions": ((size, *buffer.action_shape), buffer.action_dtype),
        "rewards": ((size,), np.dtype(np.float32)),
        "terminated": ((size,), np.dtype(np.bool_)),
        "truncated": ((size,), np.dtype(np.bool_)),
        **buffer._next.expected_arrays(size, *observation),
    }
    for key, (shape, dtype) in expected.items():
        if arrays[key].shape != shape or arrays[key].dtype != dtype:
            raise ValueError(
                f"array {key!r} has shape {arrays[key].shape} and dtype {arrays[key].dtype}, "
                f"expected {shape} and {dtype}"
            )
    buffer._observations[:size] = arrays["observations"]
    buffer._actions[:size] = arrays["actions"]
    buffer._rewards[:size] = arrays["rewards"]
    buffer._terminated[:size] = arrays["terminated"]
    buffer._truncated[:size] = arrays["truncated"]
    buffer._next.restore(metadata, arrays, size)
    buffer._position = position
    buffer._size = size
    if "env_indices" in arrays:
        envs = arrays["env_indices"]
        if envs.shape != (size,) or envs.dtype.kind not in "iu" or (size and envs.min() < 0):
            raise ValueError(f"array 'env_indices' has shape {envs.shape} or negative values")
        slots = buffer._slots_oldest_first()
        buffer._windows.restore(envs[slots].astype(np.int64), slots)
    buffer._restore_extras(metadata, arrays)
    buffer._rng = rng_from_json(str(arrays["rng_state"]))
