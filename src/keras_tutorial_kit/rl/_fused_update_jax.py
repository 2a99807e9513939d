"""Private: DQN's fused training round on JAX (``jax.value_and_grad`` + ``lax.scan`` under ``jit``)."""

from __future__ import annotations

import jax

from keras_tutorial_kit.rl._fused_update import (
    UpdateFunction,
    assign_all,
    dqn_targets,
    huber_td_loss,
)


def make_update(q_network, target_network, optimizer, gamma: float) -> UpdateFunction:
    """See :func:`keras_tutorial_kit.rl._fused_update.make_fused_update`."""

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
        assign_all(q_network.trainable_variables, trainable)
        assign_all(q_network.non_trainable_variables, non_trainable)
        assign_all(optimizer.variables, optimizer_variables)
        return float(loss)

    return call
