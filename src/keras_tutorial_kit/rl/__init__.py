"""Reinforcement learning: replay buffers and a DQN agent for gymnasium."""

from keras_tutorial_kit.rl.dqn_agent import DQNAgent
from keras_tutorial_kit.rl.evaluate_policy import evaluate_policy
from keras_tutorial_kit.rl.linear_schedule import LinearSchedule
from keras_tutorial_kit.rl.prioritized_replay_buffer import PrioritizedReplayBuffer
from keras_tutorial_kit.rl.replay_buffer import ReplayBuffer
from keras_tutorial_kit.rl.stop_when_solved import StopWhenSolved

__all__ = [
    "DQNAgent",
    "LinearSchedule",
    "PrioritizedReplayBuffer",
    "ReplayBuffer",
    "StopWhenSolved",
    "evaluate_policy",
]
