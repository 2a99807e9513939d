"""``TemperatureSampler``: a seeded, serializable sampler with temperature, top-k and top-p."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._validation import check_seed
from keras_tutorial_kit.samplers._sampling import (
    check_temperature,
    check_top_k,
    check_top_p,
    is_numpy_input,
    sample_numpy,
    sample_tensor,
)


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class TemperatureSampler:
    """Turns logits ``(batch, vocab)`` into token ids ``(batch,)``: temperature, top-k, top-p.

    The tutorial's sampler (chapter "Recurrent neural network", ``RNN.predict``) as
    a small object you can pass to any generation loop, such as
    :meth:`keras_tutorial_kit.models.CharRNN.generate`. Calling it draws id ``i``
    of a row with probability ``softmax(logits / temperature)[i]`` restricted to
    the ``top_k`` largest logits and then to the top-p nucleus (the smallest set of
    most likely ids whose probability reaches ``top_p``), renormalized. Everything
    is computed in float32; ``temperature=0`` is the exact argmax; ``-inf`` logits
    are never drawn. See :func:`~keras_tutorial_kit.samplers.sample_logits` for the
    details of the NumPy and the ``keras.ops`` paths.

    The sampler owns its random state: a ``numpy.random.Generator`` for NumPy input
    and a ``keras.random.SeedGenerator`` for tensors, both seeded from ``seed``, so
    two samplers built with the same seed draw the same sequence of ids on one
    backend. Inside ``tf.function`` the seed generator advances as usual; inside
    ``jax.jit`` (which cannot update it) pass ``seed=`` to the call instead.

    Args:
        temperature: Finite number >= 0. Below 1 sharpens, above 1 flattens, 0 is
            greedy.
        top_k: ``None`` or an integer >= 1.
        top_p: ``None`` or a number in (0, 1].
        seed: ``None`` or an integer.

    Call arguments:
        logits: Array or tensor of shape ``(batch, vocab)``, any float dtype.
        seed: Optional per-call seed (an integer or a seed tensor of shape
            ``(2,)``) that replaces the sampler's own random state for this call.

    Returns:
        ``int32`` ids of shape ``(batch,)``: NumPy for NumPy input, else a tensor.

    Raises:
        ValueError: If ``temperature`` is negative or not finite, ``top_k`` < 1 or
            ``top_p`` is outside (0, 1]; at call time if ``logits`` is not 2-D.

    Example:

    >>> import numpy as np
    >>> import keras_tutorial_kit as ktk
    >>> sampler = ktk.samplers.TemperatureSampler(temperature=0.7, top_k=2, seed=1)
    >>> logits = np.array([[2.0, 1.0, -np.inf, 0.5]] * 5, dtype="float32")
    >>> ids = sampler(logits)
    >>> ids.shape, set(ids.tolist()) <= {0, 1}
    ((5,), True)
    >>> ktk.samplers.TemperatureSampler(temperature=0.0)(logits).tolist()
    [0, 0, 0, 0, 0]
    """

    def __init__(
        self,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
    ) -> None:
        self.temperature = check_temperature(temperature)
        self.top_k = check_top_k(top_k)
        self.top_p = check_top_p(top_p)
        seed = check_seed("seed", seed)
        self.seed = None if seed is None else int(seed)
        self._rng = np.random.default_rng(self.seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def __call__(self, logits: Any, seed: Any = None) -> Any:
        if is_numpy_input(logits):
            rng = self._rng if seed is None else np.random.default_rng(seed)
            return sample_numpy(logits, self.temperature, self.top_k, self.top_p, rng)
        return sample_tensor(
            logits,
            self.temperature,
            self.top_k,
            self.top_p,
            self.seed_generator if seed is None else seed,
        )

    def __repr__(self) -> str:
        return (
            f"TemperatureSampler(temperature={self.temperature}, top_k={self.top_k}, "
            f"top_p={self.top_p}, seed={self.seed})"
        )

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments."""
        return {
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TemperatureSampler:
        """Builds a sampler from :meth:`get_config`'s output."""
        return cls(**config)
