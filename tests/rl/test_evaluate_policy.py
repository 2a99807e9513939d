"""Tests of ``ktk.rl.evaluate_policy``: returns per episode, seeding, bad input."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import keras_tutorial_kit as ktk


def _reference_returns(policy, env, episodes, seed):
    returns = []
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed if episode == 0 else None)
        total, done = 0.0, False
        while not done:
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            total += reward
            done = terminated or truncated
        returns.append(total)
    return returns


def test_returns_the_sum_of_rewards_of_each_episode():
    def policy(observation):
        return int(observation[2] > 0)  # push towards the pole's lean

    returns = ktk.rl.evaluate_policy(policy, gym.make("CartPole-v1"), episodes=4, seed=3)
    assert returns.shape == (4,) and returns.dtype == np.float64
    expected = _reference_returns(policy, gym.make("CartPole-v1"), 4, 3)
    np.testing.assert_array_equal(returns, expected)
    assert returns.mean() > 20  # better than a constant action


def test_same_seed_same_returns():
    env = gym.make("CartPole-v1")
    first = ktk.rl.evaluate_policy(lambda observation: 1, env, episodes=3, seed=7)
    np.testing.assert_array_equal(first, ktk.rl.evaluate_policy(lambda o: 1, env, 3, seed=7))


def test_agent_evaluate_is_its_greedy_policy():
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, hidden_units=(8,), seed=0)
    expected = ktk.rl.evaluate_policy(lambda o: agent.act(o), env, episodes=2, seed=1)
    np.testing.assert_array_equal(agent.evaluate(env, episodes=2, seed=1), expected)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"episodes": 0}, ValueError, "episodes=0"),
        ({"episodes": 1.5}, ValueError, "episodes=1.5"),
        ({"seed": -1}, ValueError, "seed=-1"),
        ({"policy": "left"}, TypeError, "policy='left'"),
    ],
)
def test_rejects_bad_arguments(kwargs, error, name):
    arguments = {"policy": lambda observation: 0, "env": gym.make("CartPole-v1"), **kwargs}
    with pytest.raises(error, match=name):
        ktk.rl.evaluate_policy(**arguments)
