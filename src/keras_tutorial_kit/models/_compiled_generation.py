"""Private: ``CharRNN.generate`` as one compiled ``keras.ops`` loop, the sampler inside.

Serves the goal "generation at large batch, on a GPU or inside a compiled function":
the prompt, every LSTM step and every draw run in one ``tf.function(jit_compile=True)``
on TensorFlow (XLA: it serves batch 256 >= 1x the NumPy loop at equal threads) and one
``jax.jit`` on JAX, traced once per settings and input shapes. Keras' torch backend
has no graph to trace: there the same ``keras.ops`` loop runs eagerly (``fori_loop``
is a Python loop). This is the one place in ``models`` that imports a backend, lazily.

Randomness: a :class:`~keras_tutorial_kit.samplers.TemperatureSampler` gives one seed
per call (``sampler.seed_generator.next()``, so its state advances as in the NumPy
path). JAX derives each step's seed from it inside the trace; TensorFlow and torch,
whose ``keras.random`` takes no seed tensors, load it into a ``SeedGenerator`` owned by
the compiled loop, which advances once per step inside the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from keras_tutorial_kit.models._numpy_generation import PAD_ID
from keras_tutorial_kit.samplers import TemperatureSampler


class CompiledLoops:
    """The compiled generation loops of one model, one per sampler and settings."""

    def __init__(self) -> None:
        self._loops: dict[tuple, _Loop] = {}

    def run(
        self,
        weights: list[Any],
        prompt: Any,
        length: int,
        sampler: Callable[[Any], Any],
        stop_ids: tuple[int, ...] | None,
        return_logits: bool,
    ) -> tuple[Any, Any, Any]:
        """Returns ``(ids, lengths, logits)`` tensors as ``numpy_generate`` does."""
        if isinstance(sampler, TemperatureSampler):
            # Same settings, same loop: a new sampler per call does not retrace.
            settings = {k: v for k, v in sampler.get_config().items() if k != "seed"}
            key = ("temperature", tuple(sorted(settings.items())))
        else:
            key = ("callable", id(sampler))
        key += (length, stop_ids, return_logits)
        loop = self._loops.get(key)
        if loop is None or (key[0] == "callable" and loop.sampler is not sampler):
            loop = self._loops[key] = _Loop(sampler, length, stop_ids, return_logits)
        return loop(weights, prompt, sampler)


class _Loop:
    """One compiled loop: fixed sampler settings, length, stop ids and outputs."""

    def __init__(self, sampler, length, stop_ids, return_logits) -> None:
        self.sampler = sampler
        self.backend = keras.backend.backend()
        self.seeded = isinstance(sampler, TemperatureSampler)
        self.seed_generator = (
            keras.random.SeedGenerator(0) if self.seeded and self.backend != "jax" else None
        )

        def draw(logits, step, seed):
            if not self.seeded:
                return sampler(logits)
            if self.seed_generator is not None:
                return sampler(logits, seed=self.seed_generator)
            step_seed = ops.stack([seed[0], seed[1] + ops.cast(step, seed.dtype)])
            return sampler(logits, seed=step_seed)

        def generate(weights, prompt, seed):
            return _generation_loop(weights, prompt, seed, draw, length, stop_ids, return_logits)

        if self.backend == "tensorflow":
            import tensorflow as tf

            self.function = tf.function(generate, jit_compile=True)
        elif self.backend == "jax":
            import jax

            self.function = jax.jit(generate)
        else:
            self.function = generate

    def __call__(self, weights, prompt, sampler):
        seed = ops.zeros((2,), "int32")
        if self.seeded:
            seed = sampler.seed_generator.next()
            if self.seed_generator is not None:
                self.seed_generator.state.assign(seed)
        return self.function(weights, prompt, seed)


def _generation_loop(weights, prompt, seed, draw, length, stop_ids, return_logits):
    """The prompt, then ``length`` draws, in ``keras.ops``; returns ``(ids, lengths, logits)``."""
    kernel, recurrent_kernel, bias, dense_kernel, dense_bias = weights
    input_rows = kernel + bias  # One-hot input times the kernel is a row lookup.
    batch, units, vocab_size = ops.shape(prompt)[0], recurrent_kernel.shape[0], kernel.shape[0]

    def lstm_step(x_ids, h, c):
        z = ops.matmul(h, recurrent_kernel) + ops.take(input_rows, x_ids, axis=0)
        i, f, g, o = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        return ops.sigmoid(o) * ops.tanh(c), c

    def read(t, state):
        return lstm_step(ops.take(prompt, t, axis=1), *state)

    zeros = ops.zeros((batch, units), "float32")
    h, c = ops.fori_loop(0, ops.shape(prompt)[1], read, (zeros, zeros))
    stops = ops.convert_to_tensor(stop_ids if stop_ids else [-1], "int32")
    # Time-major buffers, one row written per step (``scatter_update`` needs no XLA).
    ids = ops.full((length, batch), PAD_ID, "int32")
    logits_buffer = ops.zeros((length if return_logits else 1, batch, vocab_size), "float32")
    done = ops.zeros((batch,), "bool")
    lengths = ops.full((batch,), length, "int32")

    def write(buffer, step, row):
        return ops.scatter_update(buffer, ops.reshape(step, (1, 1)), row[None])

    def step(j, carry):
        h, c, ids, logits_buffer, done, lengths = carry
        logits = ops.matmul(h, dense_kernel) + dense_bias
        drawn = ops.cast(draw(logits, j, seed), "int32")
        ids = write(ids, j, ops.where(done, PAD_ID, drawn))
        if return_logits:
            logits_buffer = write(
                logits_buffer, j, ops.where(done[:, None], ops.zeros_like(logits), logits)
            )
        if stop_ids:
            stopped = ops.logical_and(
                ops.logical_not(done), ops.any(ops.equal(drawn[:, None], stops[None]), axis=1)
            )
            lengths = ops.where(stopped, ops.cast(j, "int32") + 1, lengths)
            done = ops.logical_or(done, stopped)
        h, c = lstm_step(drawn, h, c)
        return h, c, ids, logits_buffer, done, lengths

    carry = ops.fori_loop(0, length, step, (h, c, ids, logits_buffer, done, lengths))
    _, _, ids, logits_buffer, _, lengths = carry
    logits = ops.transpose(logits_buffer, (1, 0, 2)) if return_logits else None
    return ops.transpose(ids), (lengths if stop_ids else None), logits
