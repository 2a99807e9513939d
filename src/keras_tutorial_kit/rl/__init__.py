"""Reinforcement learning: replay buffers and a DQN agent for gymnasium."""

__all__: list[str] = []
