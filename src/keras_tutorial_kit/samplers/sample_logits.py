"""``sample_logits``: draw one token id per row from logits with temperature, top-k and top-p."""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_tutorial_kit.samplers._sampling import (
    check_temperature,
    check_top_k,
    check_top_p,
    is_numpy_input,
    sample_numpy,
    sample_tensor,
)


def sample_logits(
    logits: Any,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: Any = None,
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
    - otherwise id ``i`` of a row is drawn with probability
      ``exp(z_i / T) / sum_j exp(z_j / T)`` over the ids left. ``-inf`` logits have
      probability 0 and are never drawn.

    NumPy input (arrays or lists) takes a vectorized NumPy path that needs no backend
    call at all and returns a NumPy ``int32`` array; this is the fast path for
    generation loops on a CPU. Backend tensors, including symbolic ones inside
    ``tf.function``, ``jax.jit`` or a Keras ``call``, take a ``keras.ops`` path
    (``keras.random.categorical``) and return an ``int32`` tensor. The two paths draw
    from the same distribution but not the same numbers for the same seed.

    Args:
        logits: Array or tensor of shape ``(batch, vocab)``, any float dtype,
            finite or ``-inf`` (each row needs one finite value).
        temperature: Finite number >= 0; 0 means greedy argmax.
        top_k: ``None`` or an integer >= 1 (values above ``vocab`` keep everything).
        top_p: ``None`` or a number in (0, 1]; applied after ``top_k``.
        seed: For NumPy input, ``None``, an integer or a ``numpy.random.Generator``;
            for tensors, ``None``, an integer, a seed tensor of shape ``(2,)`` or a
            ``keras.random.SeedGenerator``. An integer gives the same draws every
            call. Inside ``jax.jit`` pass an integer or a seed tensor.

    Returns:
        ``int32`` ids of shape ``(batch,)``: a NumPy array for NumPy input, else a
        tensor.

    Raises:
        ValueError: If ``temperature`` is negative or not finite, ``top_k`` < 1,
            ``top_p`` is outside (0, 1], ``logits`` is not 2-D, or (NumPy input) a
            row has no finite logit or a NaN.

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> logits = np.array([[0.1, 2.0, 1.0], [3.0, -np.inf, 0.5]])
    >>> ktk.samplers.sample_logits(logits, temperature=0.0).tolist()
    [1, 0]
    >>> ktk.samplers.sample_logits(logits, top_k=1, seed=0).tolist()
    [1, 0]
    >>> ids = ktk.samplers.sample_logits(logits, temperature=0.8, top_p=0.9, seed=0)
    >>> ids.shape, ids.dtype.name
    ((2,), 'int32')
    """
    temperature = check_temperature(temperature)
    top_k = check_top_k(top_k)
    top_p = check_top_p(top_p)
    if is_numpy_input(logits):
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return sample_numpy(logits, temperature, top_k, top_p, rng)
    return sample_tensor(logits, temperature, top_k, top_p, seed)
