"""Private: one DQN training round (``DQNAgent.train_round``): sample, then one fused update."""

from __future__ import annotations

from typing import Any

import numpy as np


def train_round(agent: Any) -> float:
    """``gradient_steps`` minibatch steps from the agent's buffer in one fused call.

    The learning rate of the round is the agent's schedule at its current step.
    """
    steps, batch_size = agent.gradient_steps, agent.batch_size
    samples = [agent.replay_buffer.sample(batch_size) for _ in range(steps)]
    fields = samples[0]._fields
    stacked = {name: np.stack([getattr(s, name) for s in samples]) for name in fields}
    if "discounts" in stacked:  # n-step samples: gamma ** m per row
        discounts = stacked["discounts"].astype(np.float32)
    else:
        discounts = np.full(stacked["rewards"].shape, agent.gamma, np.float32)
    agent.optimizer.learning_rate = agent.learning_rate_schedule(agent.num_timesteps)
    loss = agent._update(
        stacked["observations"].astype(np.float32, copy=False),
        stacked["actions"].astype(np.int32),
        stacked["rewards"],
        stacked["next_observations"].astype(np.float32, copy=False),
        stacked["terminated"].astype(np.float32),
        discounts,
    )
    agent.num_updates += steps
    agent._acting_weights = agent.q_network.numpy_weights()
    agent._target_is_stale = True
    return loss


def train_and_sync(agent: Any, first: int, last: int, loss: float) -> float:
    """The target syncs and training rounds due at environment steps ``first + 1 .. last``
    (``learn`` calls it after each step, or each vector step); returns the last loss."""
    history = agent.history
    for step in range(first + 1, last + 1):
        if agent._target_is_stale and step % agent.target_update_interval == 0:
            agent._sync_target()
        if step > agent.learning_starts and step % agent.train_freq == 0:
            loss = train_round(agent)
            history.losses.append(loss)
            history.loss_steps.append(step)
    return loss
