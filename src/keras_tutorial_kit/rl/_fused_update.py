"""Private: a training round of DQN (many gradient steps) as one compiled call.

Keras 3 has no backend-neutral gradient, so this is the one place in ``rl`` with
backend-specific code, imported lazily like Keras' own trainers do: ``tf.GradientTape``
inside a ``tf.function`` on TensorFlow, ``jax.value_and_grad`` + ``lax.scan`` under
``jax.jit`` on JAX. Both compute exactly the same thing:

1. targets for every batch of the round from the (fixed) target network:
   ``y = r + gamma * (1 - terminated) * max_a Q_target(s', a)`` (``truncated`` does not
   stop the bootstrap);
2. ``steps`` Adam steps on the mean Huber loss between ``Q(s, a)`` and ``y``, one per
   batch, in order, without returning to Python in between.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import ops

UpdateFunction = Callable[..., float]


def dqn_targets(next_q_values, rewards, terminated, gamma: float):
    """``r + gamma * (1 - terminated) * max_a Q_target(s', a)`` with Keras ops."""
    not_done = 1.0 - ops.cast(terminated, "float32")
    return rewards + gamma * not_done * ops.max(next_q_values, axis=-1)


def huber_td_loss(q_values, actions, targets, delta: float = 1.0):
    """Mean Huber loss between ``Q(s, a)`` of the actions taken and the targets."""
    chosen = ops.take_along_axis(q_values, ops.expand_dims(ops.cast(actions, "int32"), -1), axis=-1)
    error = ops.squeeze(chosen, -1) - ops.stop_gradient(targets)
    absolute = ops.abs(error)
    quadratic = ops.minimum(absolute, delta)
    return ops.mean(0.5 * quadratic * quadratic + delta * (absolute - quadratic))


def make_fused_update(
    q_network: keras.Model,
    target_network: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    gamma: float,
) -> UpdateFunction:
    """Returns ``update(observations, actions, rewards, next_observations, terminated)``.

    Each argument has a leading ``(steps, batch)``; the call runs ``steps`` gradient
    steps on ``q_network`` (its variables and the optimizer's are updated in place) and
    returns the mean loss as a float.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tensorflow_update(q_network, target_network, optimizer, gamma)
    if backend == "jax":
        return _jax_update(q_network, target_network, optimizer, gamma)
    raise ValueError(
        "DQNAgent's compiled training round supports the 'tensorflow' and 'jax' backends. "
        f"Received: backend={backend!r}"
    )


def _tensorflow_update(q_network, target_network, optimizer, gamma) -> UpdateFunction:
    import tensorflow as tf

    variables = q_network.trainable_variables

    @tf.function(jit_compile=True, reduce_retracing=True)
    def update(observations, actions, rewards, next_observations, terminated):
        steps, batch = tf.shape(observations)[0], tf.shape(observations)[1]
        flat_next = tf.reshape(
            next_observations, tf.concat([[-1], tf.shape(next_observations)[2:]], 0)
        )
        next_q = tf.reshape(target_network(flat_next), (steps, batch, -1))
        targets = dqn_targets(next_q, rewards, terminated, gamma)
        total = tf.constant(0.0)
        for step in tf.range(steps):
            with tf.GradientTape() as tape:
                q_values = q_network(observations[step])
                loss = huber_td_loss(q_values, actions[step], targets[step])
            gradients = tape.gradient(loss, variables)
            optimizer.apply(gradients, variables)
            total += loss
        return total / tf.cast(steps, "float32")

    def call(observations, actions, rewards, next_observations, terminated) -> float:
        return float(update(observations, actions, rewards, next_observations, terminated))

    return call


def _jax_update(q_network, target_network, optimizer, gamma) -> UpdateFunction:
    import jax

    def loss_fn(trainable, non_trainable, observations, actions, targets):
        q_values, non_trainable = q_network.stateless_call(trainable, non_trainable, observations)
        return huber_td_loss(q_values, actions, targets), non_trainable

    gradient_fn = jax.value_and_grad(loss_fn, has_aux=True)

    @jax.jit
    def update(state, observations, actions, rewards, next_observations, terminated):
        trainable, non_trainable, optimizer_variables, target_trainable, target_non_trainable = (
            state
        )
        steps, batch = observations.shape[:2]
        flat_next = next_observations.reshape((steps * batch, *next_observations.shape[2:]))
        next_q, _ = target_network.stateless_call(target_trainable, target_non_trainable, flat_next)
        targets = dqn_targets(next_q.reshape((steps, batch, -1)), rewards, terminated, gamma)

        def step(carry, data):
            trainable, non_trainable, optimizer_variables = carry
            (loss, non_trainable), gradients = gradient_fn(trainable, non_trainable, *data)
            trainable, optimizer_variables = optimizer.stateless_apply(
                optimizer_variables, gradients, trainable
            )
            return (trainable, non_trainable, optimizer_variables), loss

        (trainable, non_trainable, optimizer_variables), losses = jax.lax.scan(
            step, (trainable, non_trainable, optimizer_variables), (observations, actions, targets)
        )
        return (trainable, non_trainable, optimizer_variables), losses.mean()

    def call(observations, actions, rewards, next_observations, terminated) -> float:
        state = (
            [v.value for v in q_network.trainable_variables],
            [v.value for v in q_network.non_trainable_variables],
            [v.value for v in optimizer.variables],
            [v.value for v in target_network.trainable_variables],
            [v.value for v in target_network.non_trainable_variables],
        )
        (trainable, non_trainable, optimizer_variables), loss = update(
            state, observations, actions, rewards, next_observations, terminated
        )
        for variable, value in zip(q_network.trainable_variables, trainable, strict=False):
            variable.assign(value)
        for variable, value in zip(q_network.non_trainable_variables, non_trainable, strict=False):
            variable.assign(value)
        for variable, value in zip(optimizer.variables, optimizer_variables, strict=False):
            variable.assign(value)
        return float(loss)

    return call
