"""``sample_logits``: draw one token id per row from logits with temperature, top-k, top-p, min-p."""

from __future__ import annotations

from typing import Any

from keras_tutorial_kit.samplers._sampling import check_filters, sample


def sample_logits(
    logits: Any,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: Any = None,
    min_p: float | None = None,
) -> Any:
    """Draws one token id per row from ``softmax(logits / temperature)``, optionally truncated.

    The functional form of :class:`~keras_tutorial_kit.samplers.TemperatureSampler`
    and the fixed version of the tutorial's ``RNN.predict`` (chapter "Recurrent neural
    network"), which divides by the temperature inside a float32 softmax, returns NaN
    at ``temperature=0`` and calls ``np.random.choice`` once per row. Here the
    logits are cast to float32 first (float16 logits at ``temperature=0.05`` do not
    overflow), the row maximum is subtracted, and then:

    - ``temperature == 0``: the exact argmax (greedy decoding);
    - ``top_k``: only the ``top_k`` largest logits of a row can be drawn;
    - ``top_p``: only the smallest set of most likely ids whose probability (after
      temperature and top-k) reaches ``top_p`` can be drawn (the nucleus);
    - ``min_p``: only ids whose probability is at least ``min_p`` times the row's
      largest probability can be drawn;
    - otherwise id ``i`` of a row is drawn with probability
      ``exp(z_i / T) / sum_j exp(z_j / T)`` over the ids left. ``-inf`` logits have
      probability 0 and are never drawn. Ids tied at the top-p boundary are all
      kept; with ties at the top-k boundary the NumPy path keeps every tied id, the
      tensor path ``top_k`` of them.

    NumPy input (arrays or lists) takes a NumPy path that needs no backend call and
    returns a NumPy ``int32`` array: the fast path for generation loops on a CPU.
    Backend tensors, including symbolic ones inside ``tf.function``, ``jax.jit`` or a
    Keras ``call``, take a ``keras.ops`` path (an inverse-CDF draw from
    ``keras.random.uniform``; top-p without sorting the row) and return an ``int32``
    tensor. The two paths draw from the same distribution but
    not the same numbers for the same seed.

    Args:
        logits: Array or tensor of shape ``(batch, vocab)``, any float dtype,
            finite or ``-inf`` (each row needs one finite value).
        temperature: Finite number >= 0; 0 means greedy argmax.
        top_k: ``None`` or an integer >= 1 (values above ``vocab`` keep everything).
        top_p: ``None`` or a number in (0, 1]; applied after ``top_k``.
        seed: ``None`` or an integer >= 0 (a NumPy integer too): the same integer
            gives the same draws. Also, for NumPy input, a ``numpy.random.Generator``;
            for tensors, a ``keras.random.SeedGenerator`` (advanced by each call, also
            inside ``tf.function``) or, on JAX, a seed tensor of shape ``(2,)``. Inside
            ``jax.jit`` pass a seed tensor that is an argument of the jitted function,
            or call inside ``keras.StatelessScope`` (see ``TemperatureSampler``).
        min_p: ``None`` or a number in [0, 1].

    Returns:
        ``int32`` ids of shape ``(batch,)``: a NumPy array for NumPy input, else a
        tensor.

    Raises:
        ValueError: If ``temperature`` is negative or not finite, ``top_k`` < 1,
            ``top_p`` is outside (0, 1], ``min_p`` outside [0, 1], ``seed`` a
            negative or non-integer number, ``logits`` is not 2-D, or (NumPy input)
            a row has no finite logit or a NaN.
        TypeError: If ``logits`` are not numbers, or ``seed`` is of a kind the path
            cannot use (a ``SeedGenerator`` for NumPy input, a NumPy generator for
            tensors).

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> logits = np.array([[0.1, 2.0, 1.0], [3.0, -np.inf, 0.5]])
    >>> ktk.samplers.sample_logits(logits, temperature=0.0).tolist()
    [1, 0]
    >>> ktk.samplers.sample_logits(logits, top_k=1, seed=0).tolist()
    [1, 0]
    >>> ktk.samplers.sample_logits(logits, min_p=0.5, seed=0).tolist()
    [1, 0]
    >>> ids = ktk.samplers.sample_logits(logits, temperature=0.8, top_p=0.9, seed=0)
    >>> ids.shape, ids.dtype.name
    ((2,), 'int32')
    """
    return sample(logits, check_filters(temperature, top_k, top_p, min_p), seed)
