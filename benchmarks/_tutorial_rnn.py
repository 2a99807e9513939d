"""The tutorial's character RNN, the reference the text benchmarks time against.

Its one change from tf.wiki's code: ``LSTMCell.get_initial_state(batch_size=...)``
without ``dtype``, which Keras 3 no longer accepts. The batch size stays baked in, as in
the tutorial.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


class TutorialRNN(keras.Model):
    """One-hot input, an ``LSTMCell`` looped in Python over ``seq_length`` steps, a ``Dense`` head."""

    def __init__(self, num_chars: int, batch_size: int, seq_length: int, units: int = 256) -> None:
        super().__init__()
        self.num_chars = num_chars
        self.seq_length = seq_length
        self.batch_size = batch_size
        self.cell = keras.layers.LSTMCell(units=units)
        self.dense = keras.layers.Dense(units=self.num_chars)

    def call(self, inputs, from_logits=False):
        inputs = ops.one_hot(inputs, self.num_chars)
        state = self.cell.get_initial_state(batch_size=self.batch_size)
        for t in range(self.seq_length):
            output, state = self.cell(inputs[:, t, :], state)
        logits = self.dense(output)
        return logits if from_logits else ops.softmax(logits)

    def sample(self, inputs, temperature=1.0):
        """The tutorial's ``predict``: softmax of ``logits / T``, then ``np.random.choice`` row by row."""
        logits = self(inputs, from_logits=True)
        prob = ops.convert_to_numpy(ops.softmax(logits / temperature))
        return np.array(
            [np.random.choice(self.num_chars, p=prob[i, :]) for i in range(inputs.shape[0])]  # noqa: NPY002
        )
