"""``CharRNN``: the tutorial's character-level LSTM, batch-size free, with stateful generation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_tutorial_kit._config import with_arguments
from keras_tutorial_kit._validation import check_bool, check_positive_int, get_activation
from keras_tutorial_kit.models._compiled_generation import CompiledLoops
from keras_tutorial_kit.models._numpy_generation import (
    check_prompt,
    check_stop_ids,
    numpy_generate,
)
from keras_tutorial_kit.samplers import TemperatureSampler


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class CharRNN(keras.Model):
    """One-hot character ids, an LSTM and a ``Dense`` layer: the tutorial's RNN, or every step.

    The model of the tutorial's chapter "Recurrent neural network": the ids are
    one-hot encoded, run through an LSTM of ``units`` units, and the last step's
    output goes through ``Dense(vocab_size)`` and a softmax, giving the
    probabilities of the next character. The tutorial loops over an ``LSTMCell``
    in Python with a batch size fixed at construction (so batch 1 silently
    computes 50 rows and other sizes crash); this model uses the fused
    ``keras.layers.LSTM`` (cuDNN-eligible on a GPU) and takes the batch size and
    the sequence length from its input, with the same numbers as the tutorial's
    loop for the same weights.

    With ``return_sequences=True`` the ``Dense`` layer reads every step and the
    model predicts the next character after each prefix of the input (the way
    character models have been trained since Karpathy's char-rnn): train it on
    :meth:`~keras_tutorial_kit.data.CharCorpus.as_dataset` windows with
    ``return_sequences=True``, whose targets are the inputs shifted by one. The
    weights are the same in both modes, so a model trained on every step can be
    rebuilt with the default mode (``set_weights``) to predict the last step only.

    :meth:`generate` writes text one character at a time, carrying the LSTM state
    from step to step instead of re-running a whole window per character.
    :meth:`export` writes an artifact whose input is integer ids of any batch size
    and length.

    Args:
        vocab_size: Positive integer, the number of distinct characters (ids are
            in ``[0, vocab_size)``).
        units: Positive integer, the LSTM width (the tutorial's is 256).
        output_activation: ``"softmax"`` (the tutorial's) for probabilities,
            ``None`` for logits (then compile with ``from_logits=True``).
        return_sequences: Whether to return the prediction after every step
            (``True``) or after the last step only (``False``, the tutorial's).
        **kwargs: Base model arguments such as ``name`` and ``dtype``.

    Call arguments:
        inputs: Integer ids of shape ``(batch, time)``. Ids outside
            ``[0, vocab_size)`` one-hot encode to zeros, as ``one_hot`` does.

    Returns:
        A tensor of shape ``(batch, vocab_size)``, or ``(batch, time, vocab_size)``
        with ``return_sequences``: next-character probabilities (or logits).

    Raises:
        ValueError: If ``vocab_size`` or ``units`` is not a positive integer, the
            activation is unknown, ``return_sequences`` is not a boolean, or the
            input is not 2-D.

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
    >>> every_step = ktk.models.CharRNN(vocab_size=5, units=8, return_sequences=True)
    >>> tuple(every_step(np.array([[0, 1, 2], [4, 3, 2]])).shape)
    (2, 3, 5)
    """

    def __init__(
        self,
        vocab_size: int,
        units: int = 256,
        output_activation: Any = "softmax",
        return_sequences: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.vocab_size = check_positive_int("vocab_size", vocab_size)
        self.units = check_positive_int("units", units)
        self.output_activation = get_activation("output_activation", output_activation)
        self.return_sequences = check_bool("return_sequences", return_sequences)
        policy = self.dtype_policy
        self.lstm = keras.layers.LSTM(
            self.units, return_sequences=self.return_sequences, dtype=policy, name="lstm"
        )
        self.output_layer = keras.layers.Dense(
            self.vocab_size, activation=self.output_activation, dtype=policy, name="output"
        )
        self._compiled_loops = CompiledLoops()

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
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.vocab_size)
        return (input_shape[0], self.vocab_size)

    def get_config(self) -> dict[str, Any]:
        names = ("vocab_size", "units", "output_activation", "return_sequences")
        return with_arguments(super().get_config(), self, names)

    def export(
        self,
        filepath: Any,
        format: str = "tf_saved_model",
        verbose: bool | None = None,
        input_signature: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Exports for inference, as ``keras.Model.export``, with integer ids as the input.

        Without an ``input_signature`` the artifact takes ``int32`` ids of shape
        ``(batch, time)``, both dimensions free (Keras alone would declare the
        float input and the time length of the model's first call). Arguments
        and formats are those of ``keras.Model.export``.

        On the torch backend Keras traces the LSTM's time loop at one length, so
        an artifact with a free time axis would silently compute the wrong number
        of steps: there ``input_signature`` must fix the time length, such as
        ``[keras.InputSpec(shape=(None, 40), dtype="int32")]``.

        Raises:
            ValueError: On torch, if ``input_signature`` does not fix the time length.
        """
        if keras.backend.backend() == "torch":
            shape = getattr(input_signature[0], "shape", None) if input_signature else None
            if shape is None or len(shape) != 2 or shape[1] is None:
                raise ValueError(
                    "On the torch backend, `CharRNN.export` needs an `input_signature` with a "
                    "fixed time length, e.g. [keras.InputSpec(shape=(None, 40), "
                    f'dtype="int32")]. Received: input_signature={input_signature!r}'
                )
        if input_signature is None:
            input_signature = [keras.InputSpec(shape=(None, None), dtype="int32")]
        return super().export(
            filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )

    def generate(
        self,
        prompt: Any,
        length: int,
        sampler: Callable[[Any], Any] | None = None,
        seed: int | None = None,
        return_logits: bool = False,
        stop_ids: Any = None,
        compiled: bool | None = None,
    ) -> Any:
        """Writes ``length`` new characters after ``prompt``, one LSTM step per character.

        The prompt is read one step at a time and the LSTM state ``(h, c)`` is
        carried on; each new character costs one LSTM step and one ``Dense``
        product (the same equations as ``keras.layers.LSTMCell``), so the logits of
        step ``j`` equal those of a full forward pass over the prompt and the first
        ``j`` new ids. The sampler always receives logits, whatever
        ``output_activation`` is; the mode (``return_sequences``) does not matter.

        Two loops compute the same thing. The NumPy loop (float32) is the fastest
        at batch 1 on a CPU and the default for NumPy prompts. The compiled loop
        (``compiled=True``, the default for backend-tensor prompts) is ``keras.ops``
        with the sampler inside: one ``tf.function`` on TensorFlow, one ``jax.jit``
        on JAX (traced once per sampler settings, ``length``, ``stop_ids`` and
        prompt shape), eager on torch; it is the one for large batches and GPUs.
        A :class:`~keras_tutorial_kit.samplers.TemperatureSampler` then draws
        with its ``keras.ops`` path from its ``seed_generator`` (other numbers
        than its NumPy path, same distribution); any other sampler must be a
        traceable function of tensors (on JAX, without random state of its own).

        Args:
            prompt: Integer ids of shape ``(batch, time)`` or ``(time,)`` (one
                sequence), ``time >= 1``: NumPy, a list or a backend tensor.
            length: Positive integer, the number of new ids per sequence.
            sampler: Callable from float32 logits ``(batch, vocab_size)`` to ids
                ``(batch,)``, such as a ``TemperatureSampler`` or a lambda.
                Default: ``TemperatureSampler(temperature=1.0, seed=seed)``,
                plain sampling from the model's distribution.
            seed: Seed of the default sampler; only valid when ``sampler`` is
                ``None``.
            return_logits: Whether to also return the logits each new id was drawn
                from.
            stop_ids: ``None``, an id or a sequence of ids. Each row stops at its
                first stop id (which it keeps); after it the row holds ``-1``
                (no character's id) and its logits are zeros.
            compiled: ``True`` for the compiled loop, ``False`` for NumPy;
                ``None`` chooses the compiled loop for a backend-tensor prompt.

        Returns:
            The new ids, ``int32`` of shape ``(batch, length)`` (batch 1 for a 1-D
            prompt); with ``stop_ids`` also the lengths, ``int32`` of shape
            ``(batch,)``: the number of ids up to and including the stop id (or
            ``length``); with ``return_logits`` last the logits, float32 of shape
            ``(batch, length, vocab_size)``. So ``ids``, ``(ids, logits)``,
            ``(ids, lengths)`` or ``(ids, lengths, logits)``. Backend tensors
            for a backend-tensor prompt on the compiled loop, NumPy otherwise.

        Raises:
            ValueError: If ``prompt`` is not 1-D or 2-D integer ids in
                ``[0, vocab_size)`` with at least one step, ``length`` is not a
                positive integer, ``stop_ids`` holds an id outside the vocabulary,
                ``seed`` is given with a ``sampler``, or the sampler returns ids
                of the wrong shape or range (NumPy loop).

        Example:

        >>> import numpy as np
        >>> import keras_tutorial_kit as ktk
        >>> model = ktk.models.CharRNN(vocab_size=5, units=8)
        >>> ids, lengths = model.generate([[0, 1], [2, 3]], length=6, stop_ids=[4], seed=0)
        >>> ids.shape, lengths.shape, bool((ids[0, lengths[0]:] == -1).all())
        ((2, 6), (2,), True)
        >>> compiled = model.generate(np.array([[0, 1]]), 6, seed=0, compiled=True)
        >>> compiled.shape, compiled.dtype.name
        ((1, 6), 'int32')
        """
        is_tensor = ops.is_tensor(prompt)
        ids = check_prompt(prompt, self.vocab_size)
        length = check_positive_int("length", length)
        return_logits = check_bool("return_logits", return_logits)
        stop_ids = check_stop_ids(stop_ids, self.vocab_size)
        compiled = is_tensor if compiled is None else check_bool("compiled", compiled)
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
        cell = self.lstm.cell
        variables = [cell.kernel, cell.recurrent_kernel, cell.bias]
        variables += [self.output_layer.kernel, self.output_layer.bias]
        if compiled:
            weights = [ops.stop_gradient(ops.cast(v, "float32")) for v in variables]
            prompt = ops.convert_to_tensor(ids, "int32")
            settings = (length, sampler, stop_ids, return_logits)
            outputs = self._compiled_loops.run(weights, prompt, *settings)
            if not is_tensor:
                outputs = [None if x is None else ops.convert_to_numpy(x) for x in outputs]
        else:
            weights = [np.asarray(ops.convert_to_numpy(v), np.float32) for v in variables]
            outputs = numpy_generate(weights, ids, length, sampler, stop_ids, return_logits)
        new_ids, lengths, logits = outputs
        returned = (
            (new_ids,) + ((lengths,) if stop_ids else ()) + ((logits,) if return_logits else ())
        )
        return returned[0] if len(returned) == 1 else returned
