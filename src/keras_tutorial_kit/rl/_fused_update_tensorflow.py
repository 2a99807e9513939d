"""Private: DQN's fused training round on TensorFlow (``tf.GradientTape`` in an XLA ``tf.function``)."""

from __future__ import annotations

import tensorflow as tf

from keras_tutorial_kit.rl._fused_update import UpdateFunction, dqn_targets, huber_td_loss


def make_update(q_network, target_network, optimizer, double_q: bool) -> UpdateFunction:
    """See :func:`keras_tutorial_kit.rl._fused_update.make_fused_update`."""
    variables = q_network.trainable_variables

    @tf.function(jit_compile=True, reduce_retracing=True)
    def update(observations, actions, rewards, next_observations, terminated, discounts):
        steps, batch = tf.shape(observations)[0], tf.shape(observations)[1]
        flat_next = tf.reshape(
            next_observations, tf.concat([[-1], tf.shape(next_observations)[2:]], 0)
        )
        next_q = tf.reshape(target_network(flat_next), (steps, batch, -1))
        if not double_q:
            targets = dqn_targets(next_q, rewards, terminated, discounts)
        total = tf.constant(0.0)
        for step in tf.range(steps):
            if double_q:
                online = tf.stop_gradient(q_network(next_observations[step]))
                step_targets = dqn_targets(
                    next_q[step], rewards[step], terminated[step], discounts[step], online
                )
            else:
                step_targets = targets[step]
            with tf.GradientTape() as tape:
                q_values = q_network(observations[step])
                loss = huber_td_loss(q_values, actions[step], step_targets)
            gradients = tape.gradient(loss, variables)
            optimizer.apply(gradients, variables)
            total += loss
        return total / tf.cast(steps, "float32")

    def call(observations, actions, rewards, next_observations, terminated, discounts) -> float:
        return float(
            update(observations, actions, rewards, next_observations, terminated, discounts)
        )

    return call
