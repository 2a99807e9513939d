"""Private: DQN's fused training round on torch (``torch.autograd.grad`` in one call per round)."""

from __future__ import annotations

import torch

from keras_tutorial_kit.rl._fused_update import UpdateFunction, dqn_targets, huber_td_loss


def make_update(q_network, target_network, optimizer, double_q: bool) -> UpdateFunction:
    """See :func:`keras_tutorial_kit.rl._fused_update.make_fused_update`.

    torch runs eagerly: the round is one Python call whose ``steps`` gradient steps
    run back to back on the variables' own tensors, without a NumPy round trip.
    """
    variables = q_network.trainable_variables

    def call(observations, actions, rewards, next_observations, terminated, discounts) -> float:
        device = variables[0].value.device
        arrays = (observations, actions, rewards, next_observations, terminated, discounts)
        observations, actions, rewards, next_observations, terminated, discounts = (
            torch.as_tensor(array, device=device) for array in arrays
        )
        steps, batch = observations.shape[:2]
        with torch.no_grad():
            next_q = target_network(
                next_observations.reshape(steps * batch, *next_observations.shape[2:])
            ).reshape(steps, batch, -1)
            targets = None if double_q else dqn_targets(next_q, rewards, terminated, discounts)
        total = 0.0
        for step in range(steps):
            if double_q:
                with torch.no_grad():
                    online = q_network(next_observations[step])
                    step_targets = dqn_targets(
                        next_q[step], rewards[step], terminated[step], discounts[step], online
                    )
            else:
                step_targets = targets[step]
            with torch.enable_grad():
                q_values = q_network(observations[step])
                loss = huber_td_loss(q_values, actions[step], step_targets)
                gradients = torch.autograd.grad(loss, [v.value for v in variables])
            optimizer.apply(list(gradients), variables)
            total += loss.detach()
        return float(total / steps)

    return call
