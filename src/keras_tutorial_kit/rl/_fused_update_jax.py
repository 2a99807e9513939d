"""Private: DQN's fused training round on JAX (``jax.value_and_grad`` + ``lax.scan`` under ``jit``)."""

from __future__ import annotations

import jax

from keras_tutorial_kit.rl._fused_update import (
    UpdateFunction,
    assign_all,
    dqn_targets,
    huber_td_loss,
)


def make_update(q_network, target_network, optimizer, double_q: bool) -> UpdateFunction:
    """See :func:`keras_tutorial_kit.rl._fused_update.make_fused_update`."""

    def loss_fn(trainable, non_trainable, observations, actions, targets):
        q_values, non_trainable = q_network.stateless_call(trainable, non_trainable, observations)
        return huber_td_loss(q_values, actions, targets), non_trainable

    gradient_fn = jax.value_and_grad(loss_fn, has_aux=True)

    def step_targets(trainable, non_trainable, data):
        """The targets of one gradient step: precomputed, or Double DQN's from ``trainable``."""
        if not double_q:
            return data
        observations, actions, next_q, rewards, next_observations, terminated, discounts = data
        online, _ = q_network.stateless_call(trainable, non_trainable, next_observations)
        online = jax.lax.stop_gradient(online)
        targets = dqn_targets(next_q, rewards, terminated, discounts, online)
        return observations, actions, targets

    @jax.jit
    def update(state, observations, actions, rewards, next_observations, terminated, discounts):
        trainable, non_trainable, optimizer_variables, target_trainable, target_non_trainable = (
            state
        )
        steps, batch = observations.shape[:2]
        flat_next = next_observations.reshape((steps * batch, *next_observations.shape[2:]))
        next_q, _ = target_network.stateless_call(target_trainable, target_non_trainable, flat_next)
        next_q = next_q.reshape((steps, batch, -1))
        if double_q:
            per_step = (observations, actions, next_q, rewards, next_observations, terminated)
            per_step = (*per_step, discounts)
        else:
            per_step = (observations, actions, dqn_targets(next_q, rewards, terminated, discounts))

        def step(carry, data):
            trainable, non_trainable, optimizer_variables = carry
            data = step_targets(trainable, non_trainable, data)
            (loss, non_trainable), gradients = gradient_fn(trainable, non_trainable, *data)
            trainable, optimizer_variables = optimizer.stateless_apply(
                optimizer_variables, gradients, trainable
            )
            return (trainable, non_trainable, optimizer_variables), loss

        (trainable, non_trainable, optimizer_variables), losses = jax.lax.scan(
            step, (trainable, non_trainable, optimizer_variables), per_step
        )
        return (trainable, non_trainable, optimizer_variables), losses.mean()

    def call(observations, actions, rewards, next_observations, terminated, discounts) -> float:
        state = (
            [v.value for v in q_network.trainable_variables],
            [v.value for v in q_network.non_trainable_variables],
            [v.value for v in optimizer.variables],
            [v.value for v in target_network.trainable_variables],
            [v.value for v in target_network.non_trainable_variables],
        )
        (trainable, non_trainable, optimizer_variables), loss = update(
            state, observations, actions, rewards, next_observations, terminated, discounts
        )
        assign_all(q_network.trainable_variables, trainable)
        assign_all(q_network.non_trainable_variables, non_trainable)
        assign_all(optimizer.variables, optimizer_variables)
        return float(loss)

    return call
