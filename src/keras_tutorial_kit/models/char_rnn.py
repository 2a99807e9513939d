"""``CharRNN``: the tutorial's character-level LSTM, batch-size free, with stateful generation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_tutorial_kit._validation import check_bool, check_positive_int, get_activation
from keras_tutorial_kit.samplers import TemperatureSampler


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class CharRNN(keras.Model):
    """One-hot character ids, an LSTM, and a ``Dense`` layer on the last step: the tutorial's RNN.

    The model of the tutorial's chapter "Recurrent neural network": the ids are
    one-hot encoded, run through an LSTM of ``units`` units, and the last step's
    output goes through ``Dense(vocab_size)`` and a softmax, giving the
    probabilities of the next character. The tutorial loops over an ``LSTMCell``
    in Python with a batch size fixed at construction (so batch 1 silently
    computes 50 rows and other sizes crash); this model uses the fused
    ``keras.layers.LSTM`` (cuDNN-eligible on a GPU) and takes the batch size and
    the sequence length from its input, with the same numbers as the tutorial's
    loop for the same weights.

    :meth:`generate` writes text one character at a time, carrying the LSTM state
    from step to step instead of re-running a whole window per character.

    Args:
        vocab_size: Positive integer, the number of distinct characters (ids are
            in ``[0, vocab_size)``).
        units: Positive integer, the LSTM width (the tutorial's is 256).
        output_activation: ``"softmax"`` (the tutorial's) for probabilities,
            ``None`` for logits (then compile with ``from_logits=True``).
        **kwargs: Base model arguments such as ``name`` and ``dtype``.

    Call arguments:
        inputs: Integer ids of shape ``(batch, time)``. Ids outside
            ``[0, vocab_size)`` one-hot encode to zeros, as ``one_hot`` does.

    Returns:
        A tensor of shape ``(batch, vocab_size)``: next-character probabilities
        (or logits).

    Raises:
        ValueError: If ``vocab_size`` or ``units`` is not a positive integer, the
            activation is unknown, or the input is not 2-D.

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> model = ktk.models.CharRNN(vocab_size=5, units=8)
    >>> probabilities = model(np.array([[0, 1, 2], [4, 3, 2]]))
    >>> tuple(probabilities.shape)
    (2, 5)
    >>> new_ids = model.generate([0, 1, 2], length=4, seed=0)
    >>> new_ids.shape, bool(((new_ids >= 0) & (new_ids < 5)).all())
    ((1, 4), True)
    """

    def __init__(
        self,
        vocab_size: int,
        units: int = 256,
        output_activation: Any = "softmax",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.vocab_size = check_positive_int("vocab_size", vocab_size)
        self.units = check_positive_int("units", units)
        self.output_activation = get_activation("output_activation", output_activation)
        policy = self.dtype_policy
        self.lstm = keras.layers.LSTM(self.units, dtype=policy, name="lstm")
        self.output_layer = keras.layers.Dense(
            self.vocab_size, activation=self.output_activation, dtype=policy, name="output"
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        input_shape = tuple(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                "`CharRNN` needs integer ids of shape (batch, time). "
                f"Received: input_shape={input_shape}"
            )
        self.lstm.build((input_shape[0], input_shape[1], self.vocab_size))
        self.output_layer.build((input_shape[0], self.units))

    def call(self, inputs):
        one_hot = ops.one_hot(ops.cast(inputs, "int32"), self.vocab_size, dtype=self.compute_dtype)
        return self.output_layer(self.lstm(one_hot))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (input_shape[0], self.vocab_size)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "vocab_size": self.vocab_size,
                "units": self.units,
                "output_activation": keras.activations.serialize(self.output_activation),
            }
        )
        return config

    def generate(
        self,
        prompt: Any,
        length: int,
        sampler: Callable[[np.ndarray], Any] | None = None,
        seed: int | None = None,
        return_logits: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Writes ``length`` new characters after ``prompt``, one LSTM step per character.

        The prompt is read one step at a time and the LSTM state ``(h, c)`` is
        carried on; each new character costs one LSTM step and one ``Dense``
        product, computed in float32 NumPy from the model's current weights
        (the same equations as ``keras.layers.LSTMCell``), so the logits of step
        ``j`` equal those of a full forward pass over the prompt and the first
        ``j`` new ids. The sampler always receives logits, whatever
        ``output_activation`` is.

        Args:
            prompt: Integer ids of shape ``(batch, time)`` or ``(time,)`` (one
                sequence), ``time >= 1``.
            length: Positive integer, the number of new ids per sequence.
            sampler: Any callable from NumPy float32 logits ``(batch, vocab_size)``
                to ids ``(batch,)``, such as
                :class:`~keras_tutorial_kit.samplers.TemperatureSampler` or a
                lambda. Default: ``TemperatureSampler(temperature=1.0, seed=seed)``,
                plain sampling from the model's distribution.
            seed: Seed of the default sampler; only valid when ``sampler`` is
                ``None``.
            return_logits: Whether to also return the logits each new id was drawn
                from.

        Returns:
            ``int32`` NumPy array of shape ``(batch, length)`` with the new ids only
            (batch 1 for a 1-D prompt); with ``return_logits``, also a float32 array
            of shape ``(batch, length, vocab_size)``.

        Raises:
            ValueError: If ``prompt`` is not 1-D or 2-D integer ids in
                ``[0, vocab_size)`` with at least one step, ``length`` is not a
                positive integer, ``seed`` is given with a ``sampler``, or the
                sampler returns ids of the wrong shape or range.
        """
        ids = np.asarray(prompt)
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
                f"Received: prompt with shape {np.shape(prompt)} and dtype "
                f"{np.asarray(prompt).dtype}"
            )
        if ids.min() < 0 or ids.max() >= self.vocab_size:
            raise ValueError(
                f"`prompt` ids must lie in [0, {self.vocab_size}). Received: min={ids.min()}, "
                f"max={ids.max()}"
            )
        length = check_positive_int("length", length)
        return_logits = check_bool("return_logits", return_logits)
        if sampler is None:
            sampler = TemperatureSampler(temperature=1.0, seed=seed)
        elif seed is not None:
            raise ValueError(
                "`seed` only seeds the default sampler; seed your own sampler instead. "
                f"Received: seed={seed!r} with sampler={sampler!r}"
            )
        elif not callable(sampler):
            raise ValueError(f"`sampler` must be callable. Received: sampler={sampler!r}")
        if not self.built:
            self.build((None, None))

        def numpy(variable):
            return np.asarray(ops.convert_to_numpy(variable), dtype=np.float32)

        cell = self.lstm.cell
        kernel, recurrent_kernel = numpy(cell.kernel), numpy(cell.recurrent_kernel)
        bias = numpy(cell.bias) if cell.use_bias else np.zeros(4 * self.units, np.float32)
        dense_kernel = numpy(self.output_layer.kernel)
        dense_bias = numpy(self.output_layer.bias)
        # One-hot input times the kernel is a row lookup; fold the bias in once.
        input_rows = kernel + bias

        batch = ids.shape[0]
        h = np.zeros((batch, self.units), np.float32)
        c = np.zeros((batch, self.units), np.float32)
        step = _lstm_step
        for t in range(ids.shape[1]):
            h, c = step(input_rows[ids[:, t]], h, c, recurrent_kernel, self.units)
        new_ids = np.empty((batch, length), np.int32)
        all_logits = (
            np.empty((batch, length, self.vocab_size), np.float32) if return_logits else None
        )
        for j in range(length):
            logits = h @ dense_kernel
            logits += dense_bias
            if all_logits is not None:
                all_logits[:, j] = logits
            drawn = np.asarray(ops.convert_to_numpy(sampler(logits)))
            if drawn.shape != (batch,) or not np.issubdtype(drawn.dtype, np.integer):
                raise ValueError(
                    f"`sampler` must return integer ids of shape ({batch},). "
                    f"Received: shape {drawn.shape}, dtype {drawn.dtype}"
                )
            if drawn.min() < 0 or drawn.max() >= self.vocab_size:
                raise ValueError(
                    f"`sampler` returned ids outside [0, {self.vocab_size}): {drawn.tolist()}"
                )
            new_ids[:, j] = drawn
            if j + 1 < length:
                h, c = step(input_rows[drawn], h, c, recurrent_kernel, self.units)
        if return_logits:
            return new_ids, all_logits
        return new_ids


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
