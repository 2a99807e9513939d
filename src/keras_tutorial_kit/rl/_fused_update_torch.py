"""Private: DQN's fused training round on torch (``torch.autograd.grad`` in one call per round)."""

from __future__ import annotations

import torch

from keras_tutorial_kit.rl._fused_update import UpdateFunction, dqn_targets, huber_td_loss


def make_update(q_network, target_network, optimizer, gamma: float) -> UpdateFunction:
    """See :func:`keras_tutorial_kit.rl._fused_update.make_fused_update`.

    torch runs eagerly: the round is one Python call whose ``steps`` gradient steps
    run back to back on the variables' own tensors, without a NumPy round trip.
    """
    variables = q_network.trainable_variables

    def call(observations, actions, rewards, next_observations, terminated) -> float:
        device = variables[0].value.device
        observations, actions, rewards, next_observations, terminated = (
            torch.as_tensor(array, device=device)
            for array in (observations, actions, rewards, next_observations, terminated)
        )
        steps, batch = observations.shape[:2]
        with torch.no_grad():
            next_q = target_network(
                next_observations.reshape(steps * batch, *next_observations.shape[2:])
            )
            targets = dqn_targets(next_q.reshape(steps, batch, -1), rewards, terminated, gamma)
        total = 0.0
        for step in range(steps):
            with torch.enable_grad():
                q_values = q_network(observations[step])
                loss = huber_td_loss(q_values, actions[step], targets[step])
                gradients = torch.autograd.grad(loss, [v.value for v in variables])
            optimizer.apply(list(gradients), variables)
            total += loss.detach()
        return float(total / steps)

    return call
