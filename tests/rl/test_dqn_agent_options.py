"""Tests of ``DQNAgent``'s stability options: Double DQN, the learning-rate decay, old checkpoints."""

from __future__ import annotations

import json
import pathlib

import gymnasium as gym
import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.rl._fused_update import dqn_targets

GOLDEN = pathlib.Path(__file__).parents[1] / "golden" / "0.1.0" / "dqn_agent"


def _numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _huber(error):
    absolute = np.abs(error)
    return np.where(absolute <= 1.0, 0.5 * error**2, absolute - 0.5)


def test_double_q_targets_evaluate_the_online_argmax_with_the_target_network():
    next_q = np.array([[1.0, 3.0], [2.0, -1.0], [0.5, 4.0]], np.float32)
    online = np.array([[5.0, 0.0], [0.0, 1.0], [0.0, 2.0]], np.float32)
    rewards = np.array([1.0, 0.5, 2.0], np.float32)
    terminated = np.array([0.0, 0.0, 1.0], np.float32)
    discounts = np.array([0.5, 0.25, 0.5], np.float32)
    targets = _numpy(dqn_targets(next_q, rewards, terminated, discounts, online))
    np.testing.assert_allclose(targets, [1.0 + 0.5 * 1.0, 0.5 + 0.25 * -1.0, 2.0])


@pytest.mark.parametrize("double_q", [False, True])
def test_round_bootstraps_from_the_argmax_of_the_chosen_network(double_q):
    # The target network differs from the online one, so the two rules pick different
    # next actions; a one-step round's loss is Huber(Q(s, a) - y) at the initial weights.
    agent = ktk.rl.DQNAgent(
        (3,),
        2,
        hidden_units=(8,),
        gradient_steps=1,
        batch_size=4,
        n_steps=1,
        double_q=double_q,
        seed=2,
    )
    rng = np.random.default_rng(0)
    agent.target_network.set_weights(
        [rng.normal(size=w.shape).astype("float32") for w in agent.target_network.get_weights()]
    )
    observation = np.array([0.5, -1.0, 2.0], np.float32)
    next_observation = np.array([1.5, 0.3, -0.7], np.float32)
    online = _numpy(agent.q_network(next_observation[None]))[0]
    target = _numpy(agent.target_network(next_observation[None]))[0]
    assert online.argmax() != target.argmax(), "pick weights where the two rules differ"
    for _ in range(4):
        agent.replay_buffer.add(observation, 1, 2.0, next_observation, False, False)
    q = _numpy(agent.q_network(observation[None]))[0, 1]
    double = 2.0 + 0.99 * target[online.argmax()]
    plain = 2.0 + 0.99 * target.max()
    expected, other = (double, plain) if double_q else (plain, double)
    loss = agent.train_round()
    np.testing.assert_allclose(loss, _huber(q - expected), rtol=1e-5)
    assert abs(loss - _huber(q - other)) > 1e-4


def test_double_q_round_equals_a_numpy_reference_step_by_step():
    # Each gradient step takes its argmax from the online weights of that step.
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(8,), double_q=True, seed=3)
    rng = np.random.default_rng(1)
    agent.target_network.set_weights(
        [rng.normal(size=w.shape).astype("float32") for w in agent.target_network.get_weights()]
    )
    steps, batch = 3, 16
    observations = rng.normal(size=(steps, batch, 4)).astype("float32")
    next_observations = rng.normal(size=(steps, batch, 4)).astype("float32")
    actions = rng.integers(0, 2, (steps, batch)).astype("int32")
    rewards = rng.normal(size=(steps, batch)).astype("float32")
    terminated = (rng.random((steps, batch)) < 0.3).astype("float32")
    discounts = np.full((steps, batch), 0.9, np.float32)
    expected = []
    probe = ktk.rl.DQNAgent((4,), 2, hidden_units=(8,), double_q=True, seed=3)
    probe.target_network.set_weights(agent.target_network.get_weights())
    for step in range(steps):
        online = _numpy(probe.q_network(next_observations[step]))
        target = _numpy(probe.target_network(next_observations[step]))
        y = (
            rewards[step]
            + 0.9 * (1 - terminated[step]) * target[np.arange(batch), online.argmax(1)]
        )
        q = _numpy(probe.q_network(observations[step]))[np.arange(batch), actions[step]]
        expected.append(_huber(q - y).mean())
        probe._update(
            observations[step : step + 1],
            actions[step : step + 1],
            rewards[step : step + 1],
            next_observations[step : step + 1],
            terminated[step : step + 1],
            discounts[step : step + 1],
        )
    loss = agent._update(observations, actions, rewards, next_observations, terminated, discounts)
    np.testing.assert_allclose(loss, np.mean(expected), rtol=1e-5)
    for actual, reference in zip(
        agent.q_network.get_weights(), probe.q_network.get_weights(), strict=True
    ):
        np.testing.assert_allclose(actual, reference, rtol=1e-4, atol=1e-6)


def test_soft_target_update_moves_the_target_a_fraction_tau_of_the_way():
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(8,), tau=0.25, seed=0)
    online = agent.q_network.get_weights()
    np.testing.assert_array_equal(agent.target_network.get_weights()[0], online[0])
    rng = np.random.default_rng(0)
    old = [rng.normal(size=w.shape).astype("float32") for w in online]
    agent.target_network.set_weights(old)
    agent._sync_target()
    for target, before, source in zip(agent.target_network.get_weights(), old, online, strict=True):
        np.testing.assert_allclose(target, 0.25 * source + 0.75 * before, rtol=1e-6, atol=1e-7)


def test_learning_rate_decays_linearly_over_environment_steps():
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(
        env,
        hidden_units=(8,),
        learning_rate=1e-2,
        learning_rate_final=1e-3,
        learning_rate_decay_steps=400,
        learning_starts=50,
        train_freq=50,
        gradient_steps=1,
        batch_size=8,
        seed=0,
    )
    seen = {}
    for _ in range(12):
        agent.learn(env, agent.num_timesteps + 50, progress_bar=False)
        seen[agent.num_timesteps] = float(_numpy(agent.optimizer.learning_rate))
    expected = {step: 1e-2 + (1e-3 - 1e-2) * min(step, 400) / 400 for step in seen}
    trained = {step: rate for step, rate in seen.items() if step > 50}
    np.testing.assert_allclose(
        list(trained.values()), [expected[step] for step in trained], rtol=1e-6
    )
    assert trained[600] == pytest.approx(1e-3) and trained[100] > trained[300]


def test_equal_rates_keep_the_learning_rate_constant():
    agent = ktk.rl.DQNAgent(
        (4,), 2, learning_rate=1e-3, learning_rate_final=1e-3, learning_rate_decay_steps=5
    )
    assert {agent.learning_rate_schedule(step) for step in (0, 3, 5, 10**6)} == {1e-3}


def test_new_arguments_are_in_the_config_and_survive_a_checkpoint(tmp_path):
    arguments = {
        "learning_rate_final": 1e-4,
        "learning_rate_decay_steps": 123,
        "double_q": True,
        "tau": 0.5,
        "n_steps": 2,
    }
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(8,), seed=0, **arguments)
    config = agent.get_config()
    assert {name: config[name] for name in arguments} == arguments
    agent.save(tmp_path)
    restored = ktk.rl.DQNAgent.load(tmp_path)
    assert restored.get_config() == config


def test_a_0_1_0_checkpoint_keeps_its_behaviour():
    # 0.1.0 wrote no learning-rate decay and no double_q: a key missing from an old
    # checkpoint means the old behaviour (constant rate, plain targets), not today's default.
    saved = json.loads((GOLDEN / "manifest.json").read_text(encoding="utf-8"))["config"]
    agent = ktk.rl.DQNAgent.load(GOLDEN / "checkpoint")
    config = agent.get_config()
    assert config["double_q"] is False and config["tau"] == 1.0 and config["n_steps"] == 1
    assert config["learning_rate_final"] == config["learning_rate"] == saved["learning_rate"]
    agent.learn(gym.make("CartPole-v1"), 300, progress_bar=False)
    assert agent.num_updates > 0
    assert float(_numpy(agent.optimizer.learning_rate)) == np.float32(saved["learning_rate"])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"learning_rate_final": -1e-3}, "learning_rate_final"),
        ({"learning_rate_final": float("nan")}, "learning_rate_final"),
        ({"learning_rate_decay_steps": 0}, "learning_rate_decay_steps"),
        ({"learning_rate_decay_steps": 2.5}, "learning_rate_decay_steps"),
        ({"double_q": 1}, "double_q"),
        ({"tau": 0.0}, "tau"),
        ({"tau": 1.5}, "tau"),
        ({"n_steps": 0}, "n_steps"),
    ],
)
def test_rejects_bad_stability_arguments_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"{name}=") as error:
        ktk.rl.DQNAgent((4,), 2, **kwargs)
    assert name in str(error.value)


def _scripted_transitions():
    """Three episodes: 5 steps ending terminated, 4 ending truncated, 3 still running."""
    rows, t = [], 0
    for length, end in ((5, "terminated"), (4, "truncated"), (3, None)):
        for k in range(length):
            observation = np.array([t, 0.1 * t, -0.05 * t, 1.0], np.float32)
            next_observation = np.array([t + 1, 0.1 * t + 0.1, -0.05 * t - 0.05, 1.0], np.float32)
            last = k == length - 1
            rows.append(
                (
                    observation,
                    t % 2,
                    1.0 + 0.25 * t,
                    next_observation,
                    last and end == "terminated",
                    last and end == "truncated",
                )
            )
            t += 1
    return rows


def _n_step_reference(rows, n, gamma):
    """Per stored transition: its n-step return, discount, last next observation, flag."""
    out = []
    for start in range(len(rows)):
        total, m = 0.0, 0
        for k in range(n):
            if start + k >= len(rows):
                break
            _, _, reward, next_observation, terminated, truncated = rows[start + k]
            total += gamma**k * reward
            m = k + 1
            if terminated or truncated:
                break
        out.append((total, gamma**m, next_observation, terminated))
    return out


def test_n_step_round_targets_equal_a_numpy_reference():
    # A one-step round over every stored transition: its loss is the mean Huber error
    # against y = R_n + gamma**m * (1 - terminated) * max_a Q_target(s_m, a), computed
    # here from the raw transitions (cut at terminated, truncated and the newest one).
    rows = _scripted_transitions()
    gamma, n = 0.9, 3
    agent = ktk.rl.DQNAgent(
        (4,),
        2,
        hidden_units=(8,),
        n_steps=n,
        gamma=gamma,
        gradient_steps=1,
        batch_size=len(rows),
        seed=4,
    )
    for row in rows:
        agent.replay_buffer.add(*row)
    errors = []
    for row, (total, discount, next_observation, terminated) in zip(
        rows, _n_step_reference(rows, n, gamma), strict=True
    ):
        bootstrap = _numpy(agent.target_network(next_observation[None]))[0].max()
        y = total + discount * (1.0 - terminated) * bootstrap
        q = _numpy(agent.q_network(row[0][None]))[0, row[1]]
        errors.append(q - y)
    assert {round(d, 6) for _, d, _, _ in _n_step_reference(rows, n, gamma)} == {
        round(gamma**m, 6) for m in (1, 2, 3)
    }
    loss = agent.train_round()
    np.testing.assert_allclose(loss, np.mean(_huber(np.array(errors))), rtol=1e-5)


def test_one_step_targets_differ_from_the_n_step_reference():
    # The same round with n_steps=1 does not match the 3-step reference: the test above
    # can fail.
    rows = _scripted_transitions()
    agent = ktk.rl.DQNAgent(
        (4,), 2, hidden_units=(8,), gamma=0.9, gradient_steps=1, batch_size=len(rows), seed=4
    )
    for row in rows:
        agent.replay_buffer.add(*row)
    errors = []
    for row, (total, discount, next_observation, terminated) in zip(
        rows, _n_step_reference(rows, 3, 0.9), strict=True
    ):
        bootstrap = _numpy(agent.target_network(next_observation[None]))[0].max()
        errors.append(
            _numpy(agent.q_network(row[0][None]))[0, row[1]]
            - (total + discount * (1.0 - terminated) * bootstrap)
        )
    assert abs(agent.train_round() - np.mean(_huber(np.array(errors)))) > 1e-3


def test_n_step_agent_trains_and_survives_a_checkpoint(tmp_path):
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(
        env,
        hidden_units=(16,),
        n_steps=3,
        learning_starts=100,
        train_freq=50,
        gradient_steps=4,
        batch_size=16,
        exploration_steps=300,
        seed=0,
    )
    history = agent.learn(env, 600, progress_bar=False)
    assert agent.num_updates == 4 * 10 and np.isfinite(history.losses).all()
    assert agent.replay_buffer.n_steps == 3
    assert agent.replay_buffer.sample(8).discounts.dtype == np.float32
    agent.save(tmp_path)
    restored = ktk.rl.DQNAgent.load(tmp_path)
    assert restored.get_config()["n_steps"] == 3 and restored.replay_buffer.n_steps == 3
    assert restored.train_round() == pytest.approx(agent.train_round(), rel=1e-5)
