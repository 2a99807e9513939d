"""Private: ``CharRNN.generate``'s NumPy loop, one float32 LSTM step per character."""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from typing import Any

import numpy as np
from keras import ops

#: What ``generate`` writes after a row's stop id: no character has this id.
PAD_ID = -1


def check_prompt(prompt: Any, vocab_size: int) -> np.ndarray:
    """Returns the prompt (NumPy, a list or a tensor) as 2-D NumPy ids, else raises."""
    ids = np.asarray(ops.convert_to_numpy(prompt) if ops.is_tensor(prompt) else prompt)
    if ids.ndim == 1:
        ids = ids[None, :]
    if (
        ids.ndim != 2
        or ids.shape[0] < 1
        or ids.shape[1] < 1
        or not np.issubdtype(ids.dtype, np.integer)
    ):
        raise ValueError(
            "`prompt` must be integer ids of shape (batch, time) or (time,) with time >= 1. "
            f"Received: prompt={reprlib.repr(prompt)} with shape {np.shape(prompt)} and "
            f"dtype {ids.dtype}"
        )
    if ids.min() < 0 or ids.max() >= vocab_size:
        raise ValueError(
            f"`prompt` ids must lie in [0, {vocab_size}). Received: min={ids.min()}, "
            f"max={ids.max()}"
        )
    return ids


def check_stop_ids(stop_ids: Any, vocab_size: int) -> tuple[int, ...] | None:
    """Returns ``None`` or the stop ids as a tuple of ints in ``[0, vocab_size)``."""
    if stop_ids is None:
        return None
    values = np.asarray(stop_ids)
    if values.ndim == 0:
        values = values[None]
    if (
        values.ndim != 1
        or values.size == 0
        or not np.issubdtype(values.dtype, np.integer)
        or values.min() < 0
        or values.max() >= vocab_size
    ):
        raise ValueError(
            "`stop_ids` must be None, an id or a non-empty sequence of ids in "
            f"[0, {vocab_size}). Received: stop_ids={stop_ids!r}"
        )
    return tuple(int(v) for v in values)


def numpy_generate(
    weights: list[np.ndarray],
    ids: np.ndarray,
    length: int,
    sampler: Callable[[np.ndarray], Any],
    stop_ids: tuple[int, ...] | None,
    return_logits: bool,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Runs the prompt ``ids`` then writes ``length`` ids; returns ``(ids, lengths, logits)``.

    ``weights`` are the LSTM cell's kernel, recurrent kernel and bias and the output
    layer's kernel and bias, float32. ``lengths`` is ``None`` without ``stop_ids``,
    ``logits`` without ``return_logits``. Stops early once every row has stopped.
    """
    kernel, recurrent_kernel, bias, dense_kernel, dense_bias = weights
    units, vocab_size = recurrent_kernel.shape[0], dense_kernel.shape[1]
    # One-hot input times the kernel is a row lookup; fold the bias in once.
    input_rows = kernel + bias
    batch = ids.shape[0]
    h = np.zeros((batch, units), np.float32)
    c = np.zeros((batch, units), np.float32)
    for t in range(ids.shape[1]):
        h, c = _lstm_step(input_rows[ids[:, t]], h, c, recurrent_kernel, units)
    new_ids = np.full((batch, length), PAD_ID, np.int32)
    all_logits = np.zeros((batch, length, vocab_size), np.float32) if return_logits else None
    done = np.zeros(batch, bool)
    lengths = np.full(batch, length, np.int32)
    stops = None if stop_ids is None else np.asarray(stop_ids)
    for j in range(length):
        logits = h @ dense_kernel
        logits += dense_bias
        drawn = np.asarray(ops.convert_to_numpy(sampler(logits)))
        if drawn.shape != (batch,) or not np.issubdtype(drawn.dtype, np.integer):
            raise ValueError(
                f"`sampler` must return integer ids of shape ({batch},). "
                f"Received: shape {drawn.shape}, dtype {drawn.dtype}"
            )
        if drawn.min() < 0 or drawn.max() >= vocab_size:
            raise ValueError(f"`sampler` returned ids outside [0, {vocab_size}): {drawn.tolist()}")
        live = ~done
        new_ids[live, j] = drawn[live]
        if all_logits is not None:
            all_logits[live, j] = logits[live]
        if stops is not None:
            stopped = live & np.isin(drawn, stops)
            lengths[stopped] = j + 1
            done |= stopped
            if done.all():
                break
        if j + 1 < length:
            h, c = _lstm_step(input_rows[drawn], h, c, recurrent_kernel, units)
    return new_ids, (None if stops is None else lengths), all_logits


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function in place, written as ``0.5 * tanh(x / 2) + 0.5`` (no overflow)."""
    x *= np.float32(0.5)
    np.tanh(x, out=x)
    x *= np.float32(0.5)
    x += np.float32(0.5)
    return x


def _lstm_step(
    x_rows: np.ndarray, h: np.ndarray, c: np.ndarray, recurrent_kernel: np.ndarray, units: int
) -> tuple[np.ndarray, np.ndarray]:
    """One ``LSTMCell`` step (gates i, f, c, o; sigmoid and tanh) in float32 NumPy."""
    z = h @ recurrent_kernel
    z += x_rows
    i = _sigmoid(z[:, :units])
    f = _sigmoid(z[:, units : 2 * units])
    g = np.tanh(z[:, 2 * units : 3 * units])
    o = _sigmoid(z[:, 3 * units :])
    c = f * c
    c += i * g
    h = o * np.tanh(c)
    return h, c
