"""``TemperatureSampler``: a seeded, serializable sampler with temperature, top-k, top-p, min-p."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from keras_tutorial_kit._validation import check_seed
from keras_tutorial_kit.samplers._sampling import check_filters, sample


@keras.saving.register_keras_serializable(package="keras_tutorial_kit")
class TemperatureSampler:
    """Turns logits ``(batch, vocab)`` into token ids ``(batch,)``: temperature, top-k, top-p.

    The tutorial's sampler (chapter "Recurrent neural network", ``RNN.predict``) as
    a small object you can pass to any generation loop, such as
    :meth:`keras_tutorial_kit.models.CharRNN.generate`. Calling it draws id ``i``
    of a row with probability ``softmax(logits / temperature)[i]`` restricted to
    the ``top_k`` largest logits, then to the top-p nucleus (the smallest set of
    most likely ids whose probability reaches ``top_p``), then to the ids whose
    probability is at least ``min_p`` times the largest, renormalized. Everything
    is computed in float32; ``temperature=0`` is the exact argmax; ``-inf`` logits
    are never drawn. See :func:`~keras_tutorial_kit.samplers.sample_logits` for the
    NumPy and the ``keras.ops`` paths.

    The sampler owns its random state: a ``numpy.random.Generator`` for NumPy input
    and a ``keras.random.SeedGenerator`` (``seed_generator``) for tensors, both
    seeded from ``seed``, so two samplers built with the same seed draw the same
    sequence of ids on one backend. In compiled code:

    - ``tf.function`` (with or without ``jit_compile``) and torch: call it as usual;
      the seed generator advances with every call.
    - ``jax.jit`` cannot update state in place: either pass ``seed=`` a seed tensor
      that is an argument of the jitted function (for instance
      ``keras.random.SeedGenerator(0).next()`` drawn outside), or carry the
      generator's state through the function yourself::

          def step(logits, state):
              mapping = [(sampler.seed_generator.state, state)]
              with keras.StatelessScope(state_mapping=mapping) as scope:
                  ids = sampler(logits)
              return ids, scope.get_current_value(sampler.seed_generator.state)

      and start from ``sampler.seed_generator.state.value``.

    Args:
        temperature: Finite number >= 0. Below 1 sharpens, above 1 flattens, 0 is
            greedy.
        top_k: ``None`` or an integer >= 1.
        top_p: ``None`` or a number in (0, 1].
        seed: ``None`` or an integer >= 0 (a NumPy integer too).
        min_p: ``None`` or a number in [0, 1].

    Call arguments:
        logits: Array or tensor of shape ``(batch, vocab)``, any float dtype.
        seed: Optional per-call seed that replaces the sampler's own random state
            for this call; the kinds :func:`~keras_tutorial_kit.samplers.sample_logits`
            accepts.

    Returns:
        ``int32`` ids of shape ``(batch,)``: NumPy for NumPy input, else a tensor.

    Raises:
        ValueError: If ``temperature`` is negative or not finite, ``top_k`` < 1,
            ``top_p`` is outside (0, 1], ``min_p`` outside [0, 1] or ``seed`` is not
            ``None`` or an integer >= 0; at call time if ``logits`` is not 2-D.
        TypeError: At call time, if ``logits`` are not numbers or the call's
            ``seed`` does not fit the path.

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
    >>> ktk.samplers.TemperatureSampler(min_p=0.5, seed=0)(logits).tolist()
    [0, 0, 0, 0, 0]
    """

    def __init__(
        self,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
        min_p: float | None = None,
    ) -> None:
        self.temperature, self.top_k, self.top_p, self.min_p = check_filters(
            temperature, top_k, top_p, min_p
        )
        self.seed = check_seed("seed", seed)
        self._rng = np.random.default_rng(self.seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def __call__(self, logits: Any, seed: Any = None) -> Any:
        filters = (self.temperature, self.top_k, self.top_p, self.min_p)
        return sample(logits, filters, seed, rng=self._rng, seed_generator=self.seed_generator)

    def __repr__(self) -> str:
        return (
            f"TemperatureSampler(temperature={self.temperature}, top_k={self.top_k}, "
            f"top_p={self.top_p}, seed={self.seed}, min_p={self.min_p})"
        )

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments."""
        return {
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "seed": self.seed,
            "min_p": self.min_p,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TemperatureSampler:
        """Builds a sampler from :meth:`get_config`'s output."""
        return cls(**config)
