"""Tests of ``ktk.rl.StopWhenSolved``: the screen, the deciding evaluation, stopping, bad input."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import keras_tutorial_kit as ktk


class FakeAgent:
    """Stands in for a DQNAgent: fixed returns per evaluation size, records the calls."""

    def __init__(self, screen_mean, full_mean):
        self.num_timesteps = 0
        self.means = {3: screen_mean, 8: full_mean}
        self.calls = []

    def evaluate(self, env, episodes, seed=None):
        self.calls.append((episodes, seed))
        return np.full(episodes, self.means[episodes], dtype=np.float64)


def _callback(**kwargs):
    arguments = {"env": gym.make("CartPole-v1"), "threshold": 10.0, "episodes": 8}
    arguments.update({"eval_interval": 100, "screen_episodes": 3, "seed": 50, **kwargs})
    return ktk.rl.StopWhenSolved(**arguments)


def test_checks_only_after_each_interval():
    callback, agent = _callback(), FakeAgent(1.0, 1.0)
    for step, expected_calls in ((50, 0), (99, 0), (130, 1), (180, 1), (450, 2), (520, 3)):
        agent.num_timesteps = step
        assert callback(agent) is True
        assert len(agent.calls) == expected_calls, step
    assert [check["step"] for check in callback.checks] == [130, 450, 520]


def test_a_failed_screen_skips_the_deciding_evaluation():
    callback, agent = _callback(), FakeAgent(screen_mean=9.0, full_mean=100.0)
    agent.num_timesteps = 100
    assert callback(agent) is True
    assert agent.calls == [(3, 150)]
    assert callback.solved_at is None and callback.eval_returns.tolist() == [9.0] * 3


def test_a_passed_screen_then_deciding_evaluation_solves_and_stops():
    callback, agent = _callback(), FakeAgent(screen_mean=10.0, full_mean=10.0)
    agent.num_timesteps = 200
    assert callback(agent) is False
    assert agent.calls == [(3, 250), (8, 10_250)]
    assert callback.solved_at == 200 and len(callback.eval_returns) == 8
    assert callback.checks[0]["episodes"] == 8 and callback.checks[0]["mean"] == 10.0


def test_a_failed_deciding_evaluation_does_not_solve():
    callback, agent = _callback(), FakeAgent(screen_mean=20.0, full_mean=9.9)
    agent.num_timesteps = 100
    assert callback(agent) is True and callback.solved_at is None


def test_without_stop_training_goes_on_with_screens_only():
    callback, agent = _callback(stop=False), FakeAgent(screen_mean=20.0, full_mean=20.0)
    agent.num_timesteps = 100
    assert callback(agent) is True and callback.solved_at == 100
    agent.num_timesteps = 200
    assert callback(agent) is True
    assert agent.calls[-1] == (3, 250) and callback.solved_at == 100
    assert len(callback.eval_returns) == 8  # still the solving evaluation


def test_no_screen_decides_every_time():
    callback, agent = _callback(screen_episodes=0, seed=None), FakeAgent(0.0, 0.0)
    agent.num_timesteps = 100
    callback(agent)
    assert agent.calls == [(8, None)]


def test_stops_learn_once_solved():
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, hidden_units=(8,), learning_starts=50, seed=0)
    callback = _callback(threshold=1.0, eval_interval=150)
    agent.learn(env, 5_000, progress_bar=False, callback=callback)
    assert callback.solved_at is not None and agent.num_timesteps == callback.solved_at < 400
    assert callback.eval_seconds > 0


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"threshold": "high"}, ValueError, "threshold='high'"),
        ({"episodes": 0}, ValueError, "episodes=0"),
        ({"eval_interval": -5}, ValueError, "eval_interval=-5"),
        ({"screen_episodes": -1}, ValueError, "screen_episodes=-1"),
        ({"seed": 1.5}, ValueError, "seed=1.5"),
        ({"stop": "yes"}, ValueError, "stop='yes'"),
        ({"env": None}, TypeError, "env=None"),
    ],
)
def test_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        _callback(**kwargs)
