"""Tests of ``ktk.rl.DQNAgent``: the target, the compiled round, checkpoint/resume, CartPole."""

from __future__ import annotations

import json

import gymnasium as gym
import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.rl._fused_update import dqn_targets

SMALL = {
    "hidden_units": (32,),
    "learning_starts": 100,
    "train_freq": 50,
    "gradient_steps": 8,
    "batch_size": 16,
    "buffer_capacity": 5_000,
    "exploration_steps": 500,
    "target_update_interval": 100,
}


def _numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _huber(error):
    absolute = np.abs(error)
    return np.where(absolute <= 1.0, 0.5 * error**2, absolute - 0.5)


def test_targets_bootstrap_unless_terminated():
    next_q = np.array([[1.0, 3.0], [2.0, -1.0]], np.float32)
    rewards = np.array([1.0, 1.0], np.float32)
    terminated = np.array([0.0, 1.0], np.float32)
    targets = _numpy(dqn_targets(next_q, rewards, terminated, 0.5))
    np.testing.assert_allclose(targets, [1.0 + 0.5 * 3.0, 1.0])


@pytest.mark.parametrize(
    "terminated, truncated, bootstraps",
    [(False, True, True), (True, False, False), (True, True, False), (False, False, True)],
    ids=["truncated", "terminated", "both", "neither"],
)
def test_training_round_masks_the_bootstrap_by_terminated_only(terminated, truncated, bootstraps):
    # Four copies of one transition; the first step's loss is computed from the initial
    # weights, so it must equal Huber(Q(s, a) - y) with the one-step y (n_steps=1: four
    # copies would otherwise make 4-step windows) bootstrapped unless terminated.
    agent = ktk.rl.DQNAgent(
        (3,), 2, hidden_units=(8,), gradient_steps=1, batch_size=4, gamma=0.9, n_steps=1, seed=1
    )
    observation = np.array([0.5, -1.0, 2.0], np.float32)
    next_observation = np.array([1.5, 0.3, -0.7], np.float32)
    for _ in range(4):
        agent.replay_buffer.add(observation, 1, 2.0, next_observation, terminated, truncated)
    q = _numpy(agent.q_network(observation[None]))[0, 1]
    next_q = _numpy(agent.target_network(next_observation[None]))[0].max()
    target = 2.0 + 0.9 * next_q if bootstraps else 2.0
    other = 2.0 if bootstraps else 2.0 + 0.9 * next_q
    loss = agent.train_round()
    np.testing.assert_allclose(loss, _huber(q - target), rtol=1e-5)
    assert abs(loss - _huber(q - other)) > 1e-4


def test_training_round_equals_separate_gradient_steps():
    # One compiled call of 5 steps equals 5 eager Adam steps on the Huber loss (plain
    # DQN targets, fixed for the round; Double DQN's are tested in test_dqn_agent_options).
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(16,), double_q=False, seed=0)
    reference = ktk.models.QNetwork(2, (16,))
    reference.build((None, 4))
    reference.set_weights(agent.q_network.get_weights())
    optimizer = keras.optimizers.Adam(agent.learning_rate, global_clipnorm=agent.max_grad_norm)
    optimizer.build(reference.trainable_variables)
    rng = np.random.default_rng(0)
    steps, batch = 5, 8
    observations = rng.normal(size=(steps, batch, 4)).astype("float32")
    next_observations = rng.normal(size=(steps, batch, 4)).astype("float32")
    actions = rng.integers(0, 2, (steps, batch)).astype("int32")
    rewards = rng.normal(size=(steps, batch)).astype("float32")
    terminated = (rng.random((steps, batch)) < 0.3).astype("float32")
    next_q = _numpy(agent.target_network(next_observations.reshape(-1, 4))).reshape(steps, batch, 2)
    targets = rewards + agent.gamma * (1 - terminated) * next_q.max(-1)
    discounts = np.full((steps, batch), agent.gamma, np.float32)
    loss = agent._update(observations, actions, rewards, next_observations, terminated, discounts)
    losses = []
    for step in range(steps):
        weights = [_numpy(v) for v in reference.trainable_variables]

        def loss_fn(*values, step=step):
            q = reference.stateless_call(list(values), [], observations[step])[0]
            chosen = keras.ops.take_along_axis(q, actions[step][:, None], axis=1)[:, 0]
            return keras.ops.mean(keras.losses.huber(targets[step][:, None], chosen[:, None]))

        losses.append(float(_numpy(loss_fn(*weights))))
        gradients = _gradients(loss_fn, weights)
        optimizer.apply(gradients, reference.trainable_variables)
    np.testing.assert_allclose(loss, np.mean(losses), rtol=1e-5)
    for actual, expected in zip(
        agent.q_network.get_weights(), reference.get_weights(), strict=True
    ):
        np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-6)


def _gradients(loss_fn, weights):
    """Gradients of ``loss_fn(*weights)`` with the backend's own autodiff."""
    if keras.backend.backend() == "jax":
        import jax

        return list(jax.grad(lambda values: loss_fn(*values))(weights))
    if keras.backend.backend() == "torch":
        import torch

        tensors = [torch.tensor(w, requires_grad=True) for w in weights]
        return list(torch.autograd.grad(loss_fn(*tensors), tensors))
    import tensorflow as tf

    variables = [tf.Variable(w) for w in weights]
    with tf.GradientTape() as tape:
        loss = loss_fn(*variables)
    return tape.gradient(loss, variables)


def test_learn_records_history_and_plots(tmp_path):
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, seed=3, **SMALL)
    history = agent.learn(env, 400, progress_bar=False)
    assert agent.num_timesteps == 400
    assert agent.num_updates == SMALL["gradient_steps"] * len(range(150, 401, 50))
    assert len(history.episode_returns) == len(history.episode_end_steps) > 0
    assert sum(history.episode_lengths) <= 400
    assert history.episode_returns == [float(n) for n in history.episode_lengths]  # +1 per step
    assert history.episode_end_steps == list(np.cumsum(history.episode_lengths))
    assert len(agent.replay_buffer) == 400
    assert all(np.isfinite(history.losses))
    path = history.plot(tmp_path / "returns.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert agent.learn(env, 300, progress_bar=False) is history  # already past: no-op
    assert agent.num_timesteps == 400


def test_callback_can_stop_learning():
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, seed=0, **SMALL)
    agent.learn(
        env, 5_000, progress_bar=False, callback=lambda a: len(a.history.episode_returns) < 3
    )
    assert len(agent.history.episode_returns) == 3
    assert agent.num_timesteps == agent.history.episode_end_steps[-1]


def test_same_seed_same_run():
    env = gym.make("CartPole-v1")
    first = ktk.rl.DQNAgent.from_env(env, seed=5, **SMALL)
    second = ktk.rl.DQNAgent.from_env(env, seed=5, **SMALL)
    first.learn(env, 600, progress_bar=False)
    second.learn(env, 600, progress_bar=False)
    assert first.history.to_dict() == second.history.to_dict()
    for a, b in zip(first.q_network.get_weights(), second.q_network.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _state(agent):
    return {
        "q": agent.q_network.get_weights(),
        "target": agent.target_network.get_weights(),
        "optimizer": [_numpy(v) for v in agent.optimizer.variables],
        "buffer": agent.replay_buffer.transitions(),
        "history": agent.history.to_dict(),
        "counters": (agent.num_timesteps, agent.num_updates),
        "rng": agent._rng.bit_generator.state,
        "buffer_rng": agent.replay_buffer._rng.bit_generator.state,
    }


def test_resume_from_a_checkpoint_equals_the_uninterrupted_run(tmp_path):
    # Run A trains 1 500 steps straight. Run B writes checkpoints every 400 steps and
    # "crashes" (an exception from the callback) after step 900; a fresh process would
    # load the last checkpoint and call learn with the same total. Both end identical:
    # weights, target, Adam state, buffer contents, history, counters and generators.
    total = 1_500
    uninterrupted = ktk.rl.DQNAgent.from_env(gym.make("CartPole-v1"), seed=11, **SMALL)
    uninterrupted.learn(gym.make("CartPole-v1"), total, progress_bar=False)

    class Crash(Exception):
        pass

    def crash_after_900(agent):
        if agent.num_timesteps > 900:
            raise Crash

    interrupted = ktk.rl.DQNAgent.from_env(gym.make("CartPole-v1"), seed=11, **SMALL)
    with pytest.raises(Crash):
        interrupted.learn(
            gym.make("CartPole-v1"),
            total,
            progress_bar=False,
            checkpoint_directory=tmp_path,
            checkpoint_interval=400,
            callback=crash_after_900,
        )
    resumed = ktk.rl.DQNAgent.load(tmp_path)
    assert 400 <= resumed.num_timesteps <= 900
    resumed.learn(gym.make("CartPole-v1"), total, progress_bar=False)
    expected, actual = _state(uninterrupted), _state(resumed)
    for key in ("q", "target", "optimizer"):
        for a, b in zip(actual[key], expected[key], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=key)
    for a, b in zip(actual["buffer"], expected["buffer"], strict=True):
        np.testing.assert_array_equal(a, b)
    for key in ("counters", "rng", "buffer_rng"):
        assert actual[key] == expected[key], key
    assert actual["history"]["episode_returns"] == expected["history"]["episode_returns"]
    np.testing.assert_allclose(
        actual["history"]["losses"], expected["history"]["losses"], rtol=1e-5
    )


def test_checkpoint_replaces_the_previous_one_atomically(tmp_path):
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, seed=2, **SMALL)
    agent.learn(env, 200, progress_bar=False)
    first = agent.save(tmp_path)
    agent.learn(env, 300, progress_bar=False)
    second = agent.save(tmp_path)
    assert not first.exists() and second.exists()
    assert (tmp_path / "latest").read_text() == second.name
    state = json.loads((second / "agent.json").read_text())
    assert state["num_timesteps"] == 300
    loaded = ktk.rl.DQNAgent.load(tmp_path)
    assert loaded.get_config() == agent.get_config()
    np.testing.assert_array_equal(loaded.act(np.zeros(4)), agent.act(np.zeros(4)))


def test_load_rejects_a_folder_without_checkpoint(tmp_path):
    with pytest.raises(ValueError, match="directory"):
        ktk.rl.DQNAgent.load(tmp_path)


def test_evaluate_returns_one_return_per_episode():
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, hidden_units=(8,), seed=0)
    returns = agent.evaluate(env, episodes=3, seed=0)
    assert returns.shape == (3,) and np.all(returns >= 1)
    np.testing.assert_array_equal(returns, agent.evaluate(env, episodes=3, seed=0))


def test_from_env_rejects_continuous_actions():
    env = gym.make("Pendulum-v1")
    with pytest.raises(ValueError, match="env"):
        ktk.rl.DQNAgent.from_env(env)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"gamma": 1.5}, "gamma"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"learning_starts": -1}, "learning_starts"),
        ({"train_freq": 0}, "train_freq"),
        ({"gradient_steps": 1.5}, "gradient_steps"),
        ({"exploration_final_eps": 2.0}, "exploration_final_eps"),
        ({"hidden_units": (0,)}, "hidden_units"),
        ({"seed": -5}, "seed"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ktk.rl.DQNAgent((4,), 2, **kwargs)


def test_learn_rejects_bad_total_timesteps():
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,))
    with pytest.raises(ValueError, match="total_timesteps"):
        agent.learn(gym.make("CartPole-v1"), -10, progress_bar=False)


@pytest.mark.slow
def test_solves_cartpole():
    # The CI run of the criterion: mean return >= 475 over 100 greedy evaluation
    # episodes within 50 000 environment steps (checked every 2 500 steps).
    if keras.backend.backend() != "tensorflow":
        pytest.skip("one CartPole training per CI run: it runs on the TensorFlow backend")
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, seed=2)
    solved = ktk.rl.StopWhenSolved(gym.make("CartPole-v1"), threshold=475.0, seed=10_002)
    agent.learn(env, 50_000, progress_bar=False, callback=solved)
    assert solved.solved_at is not None, solved.checks
    assert agent.num_timesteps == solved.solved_at
    assert len(solved.eval_returns) == 100 and solved.eval_returns.mean() >= 475.0


def test_learn_shows_a_progress_bar(capsys):
    env = gym.make("CartPole-v1")
    agent = ktk.rl.DQNAgent.from_env(env, seed=1, **SMALL)
    agent.learn(env, 300)
    output = capsys.readouterr().out
    assert "300/300" in output and "return" in output


@pytest.mark.parametrize("seed", [3, np.int64(3)], ids=["int", "int64"])
def test_numpy_integer_seed_survives_a_checkpoint(tmp_path, seed):
    # Issue 9, defect 3: a NumPy integer seed made ``save`` fail (not JSON serializable).
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,), seed=seed)
    reference = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,), seed=3)
    assert agent.get_config() == reference.get_config()
    agent.save(tmp_path)
    loaded = ktk.rl.DQNAgent.load(tmp_path)
    assert loaded.seed == 3 and type(loaded.seed) is int
    for a, b in zip(loaded.q_network.get_weights(), reference.q_network.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_rejects_an_unknown_observation_dtype():
    # Issue 9, defect 4: NumPy's bare ``TypeError: data type 'foo' not understood``.
    with pytest.raises(ValueError, match=r"observation_dtype='foo'"):
        ktk.rl.DQNAgent((4,), 2, observation_dtype="foo")


def test_load_rejects_a_newer_checkpoint_format(tmp_path):
    # Issue 9, defect 5: ``load`` wrote a format version but never checked it.
    folder = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,), seed=0).save(tmp_path)
    state = json.loads((folder / "agent.json").read_text())
    state["format_version"] = 99
    (folder / "agent.json").write_text(json.dumps(state))
    with pytest.raises(ValueError, match="format") as error:
        ktk.rl.DQNAgent.load(tmp_path)
    assert str(folder / "agent.json") in str(error.value)


@pytest.mark.parametrize("tau", [1.0, 0.5])
@pytest.mark.parametrize("other_units", [(8, 2), (16,)])
def test_target_copy_rejects_a_network_of_another_structure(tau, other_units):
    # Issue 9, defect 6: the weight copy zipped with ``strict=True`` and copied a prefix.
    # Both the copy (tau=1) and the soft update check every shape first: (8, 2) has more
    # weights, (16,) as many of other shapes.
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(8,), tau=tau, seed=0)
    agent.target_network = ktk.models.QNetwork(2, hidden_units=other_units)
    agent.target_network.build((None, 4))
    with pytest.raises(ValueError, match=r"weights of 'q_network'.*differ in structure"):
        agent._sync_target()


def _damage(folder, kind):
    """Damages a checkpoint folder the way ``kind`` says; returns the file to be named."""
    if kind == "dangling_latest":
        (folder.parent / "latest").write_text("checkpoint-999999999999")
        return folder.parent / "checkpoint-999999999999"
    if kind == "agent_json_text":
        (folder / "agent.json").write_text("not json")
        return folder / "agent.json"
    if kind == "truncated_variables":
        data = (folder / "variables.npz").read_bytes()
        (folder / "variables.npz").write_bytes(data[: len(data) // 3])
        return folder / "variables.npz"
    if kind == "foreign_variables":
        np.savez(folder / "variables.npz", something=np.zeros(2))
        return folder
    if kind == "missing_buffer":
        (folder / "replay_buffer.npz").unlink()
        return folder
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "dangling_latest",
        "agent_json_text",
        "truncated_variables",
        "foreign_variables",
        "missing_buffer",
    ],
)
def test_load_refuses_a_damaged_checkpoint_naming_it(tmp_path, kind):
    folder = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,), seed=0).save(tmp_path)
    named = _damage(folder, kind)
    with pytest.raises(ValueError) as error:
        ktk.rl.DQNAgent.load(tmp_path)
    assert str(named) in str(error.value)


def test_loads_a_format_1_checkpoint(tmp_path):
    # 0.1.0 wrote format 1, whose configuration names the buffer capacity buffer_size.
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,), buffer_capacity=300, seed=0)
    folder = agent.save(tmp_path)
    state = json.loads((folder / "agent.json").read_text())
    state["format_version"] = 1
    state["config"]["buffer_size"] = state["config"].pop("buffer_capacity")
    (folder / "agent.json").write_text(json.dumps(state))
    loaded = ktk.rl.DQNAgent.load(tmp_path)
    assert loaded.get_config() == agent.get_config()


def test_buffer_size_is_a_deprecated_name_of_buffer_capacity():
    with pytest.warns(FutureWarning, match="0.4.0"):
        agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,), buffer_size=123)
    assert agent.buffer_capacity == agent.replay_buffer.capacity == 123
    assert "buffer_size" not in agent.get_config()
    with pytest.warns(FutureWarning, match="buffer_capacity"):
        assert agent.buffer_size == 123


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"activation": "nope"}, "activation='nope'"),
        ({"buffer_capacity": 0}, "buffer_capacity=0"),
        ({"observation_shape": (4, -1)}, "observation_shape"),
        ({"num_actions": 0}, "num_actions=0"),
        ({"max_grad_norm": float("nan")}, "max_grad_norm=nan"),
        ({"seed": 1.5}, "seed=1.5"),
    ],
)
def test_rejects_more_bad_arguments_naming_the_value(kwargs, name):
    arguments = {"observation_shape": (4,), "num_actions": 2, **kwargs}
    with pytest.raises(ValueError, match=name):
        ktk.rl.DQNAgent(**arguments)


def test_learn_rejects_a_callback_that_is_not_callable():
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,))
    with pytest.raises(TypeError, match="callback"):
        agent.learn(gym.make("CartPole-v1"), 10, progress_bar=False, callback=5)


def test_train_round_runs_one_round_of_gradient_steps():
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(8,), gradient_steps=3, batch_size=4, seed=0)
    for step in range(10):
        observation = np.full(4, step, np.float32)
        agent.replay_buffer.add(observation, step % 2, 1.0, observation + 1, False)
    before = agent.q_network.get_weights()
    loss = agent.train_round()
    assert np.isfinite(loss) and agent.num_updates == 3
    assert any(
        not np.array_equal(a, b) for a, b in zip(before, agent.q_network.get_weights(), strict=True)
    )


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"progress_bar": "yes"}, ValueError, "progress_bar='yes'"),
        ({"checkpoint_directory": 5}, TypeError, "checkpoint_directory=5"),
        ({"checkpoint_interval": 0}, ValueError, "checkpoint_interval=0"),
    ],
)
def test_learn_names_a_bad_argument(kwargs, error, text):
    agent = ktk.rl.DQNAgent((4,), 2, hidden_units=(4,))
    with pytest.raises(error, match=text):
        agent.learn(gym.make("CartPole-v1"), 10, **kwargs)


def test_from_env_rejects_an_object_without_spaces():
    with pytest.raises(ValueError, match="env=None"):
        ktk.rl.DQNAgent.from_env(None)


def test_td_loss_equals_keras_huber():
    from keras_tutorial_kit.rl._fused_update import huber_td_loss

    rng = np.random.default_rng(0)
    q_values = rng.normal(scale=2.0, size=(64, 3)).astype("float32")
    actions = rng.integers(0, 3, 64).astype("int32")
    targets = rng.normal(scale=2.0, size=64).astype("float32")
    chosen = q_values[np.arange(64), actions]
    expected = _numpy(keras.losses.huber(targets[:, None], chosen[:, None])).mean()
    loss = huber_td_loss(*(keras.ops.convert_to_tensor(x) for x in (q_values, actions, targets)))
    np.testing.assert_allclose(_numpy(loss), expected, rtol=1e-6)
