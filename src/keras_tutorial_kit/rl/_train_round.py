"""Private: one DQN training round (``DQNAgent.train_round``): sample, then one fused update."""

from __future__ import annotations

from typing import Any

import numpy as np


def train_round(agent: Any) -> float:
    """``gradient_steps`` minibatch steps from the agent's buffer in one fused call."""
    steps, batch_size = agent.gradient_steps, agent.batch_size
    samples = [agent.replay_buffer.sample(batch_size) for _ in range(steps)]
    stacked = [np.stack(field) for field in zip(*samples, strict=True)]
    observations, actions, rewards, next_observations, terminated, _ = stacked
    loss = agent._update(
        observations.astype(np.float32, copy=False),
        actions.astype(np.int32),
        rewards,
        next_observations.astype(np.float32, copy=False),
        terminated.astype(np.float32),
    )
    agent.num_updates += steps
    agent._acting_weights = agent.q_network.numpy_weights()
    agent._target_is_stale = True
    return loss
