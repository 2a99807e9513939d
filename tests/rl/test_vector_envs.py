"""``DQNAgent.learn`` with gymnasium vector environments: stored transitions across autoreset,
per-sub-environment episode records, the training schedule, callbacks, checkpoints, bad input."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import keras_tutorial_kit as ktk

NO_TRAINING = {"hidden_units": (8,), "learning_starts": 10**6, "buffer_capacity": 1_000}
TRAINING = {
    "hidden_units": (8,),
    "learning_starts": 16,
    "train_freq": 8,
    "gradient_steps": 2,
    "batch_size": 8,
    "target_update_interval": 5,
    "buffer_capacity": 1_000,
}


class ScriptedEnv(gym.Env):
    """Deterministic episodes of ``length`` steps that end ``terminated`` or ``truncated``.

    The observation is ``(env_id, 100 * episode + t)``: every observation of the run is
    unique, so a stored transition shows where it came from. Each step's reward is
    ``env_id + 1`` plus a tenth of the action.
    """

    def __init__(self, env_id: int = 0, length: int = 3, ending: str = "terminated"):
        self.env_id, self.length, self.ending = env_id, length, ending
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (2,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.episode, self.t = 0, 0

    def _observation(self):
        return np.array([self.env_id, 100 * self.episode + self.t], np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.episode, self.t = self.episode + 1, 0
        return self._observation(), {}

    def step(self, action):
        self.t += 1
        done = self.t == self.length
        reward = self.env_id + 1 + int(action) / 10
        terminated = done and self.ending == "terminated"
        truncated = done and self.ending == "truncated"
        return self._observation(), reward, terminated, truncated, {}


def _vector(lengths, endings, mode=AutoresetMode.NEXT_STEP):
    makers = [
        (lambda i=i, n=n, e=e: ScriptedEnv(i, n, e))
        for i, (n, e) in enumerate(zip(lengths, endings, strict=True))
    ]
    return SyncVectorEnv(makers, autoreset_mode=mode)


def _expected_stream(lengths, endings, total, same_step):
    """Naive reference: the transitions of gymnasium's autoreset, in row order, cut at
    ``total``: ``(env_id, t_obs, t_next, terminated, truncated)`` with ``t = 100 * ep + t``."""
    num_envs = len(lengths)
    episode, t, resetting = [1] * num_envs, [0] * num_envs, [False] * num_envs
    rows = []
    while len(rows) < total:
        for i in range(num_envs):
            if resetting[i]:  # NextStep: this step only resets sub-environment i
                episode[i], t[i], resetting[i] = episode[i] + 1, 0, False
                continue
            if len(rows) == total:
                break
            before = 100 * episode[i] + t[i]
            t[i] += 1
            done = t[i] == lengths[i]
            ends = (done and endings[i] == "terminated", done and endings[i] == "truncated")
            rows.append((i, before, before + 1, *ends))
            if done and same_step:
                episode[i], t[i] = episode[i] + 1, 0
            elif done:
                resetting[i] = True
    return rows


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_stores_exactly_the_transitions_of_every_sub_environment(mode):
    lengths, endings = (2, 3, 4), ("terminated", "truncated", "terminated")
    env = _vector(lengths, endings, mode)
    agent = ktk.rl.DQNAgent((2,), 2, seed=0, **NO_TRAINING)
    agent.learn(env, 40, progress_bar=False)
    stored = agent.replay_buffer.transitions()
    same_step = mode == AutoresetMode.SAME_STEP
    expected = _expected_stream(lengths, endings, 40, same_step)
    assert agent.num_timesteps == len(stored.rewards) == 40
    actual = [
        (int(o[0]), int(o[1]), int(n[1]), bool(te), bool(tr))
        for o, n, te, tr in zip(
            stored.observations,
            stored.next_observations,
            stored.terminated,
            stored.truncated,
            strict=True,
        )
    ]
    assert actual == expected  # the reset-only steps of NextStep are not among them
    assert np.array_equal(stored.next_observations[:, 0], stored.observations[:, 0])
    np.testing.assert_allclose(
        stored.rewards, stored.observations[:, 0] + 1 + stored.actions / 10, rtol=1e-6
    )


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_records_each_sub_environments_episodes(mode):
    lengths, endings = (2, 5), ("terminated", "truncated")
    agent = ktk.rl.DQNAgent((2,), 2, seed=0, **NO_TRAINING)
    history = agent.learn(_vector(lengths, endings, mode), 60, progress_bar=False)
    stored = agent.replay_buffer.transitions()
    ends = np.flatnonzero(stored.terminated | stored.truncated)
    assert history.episode_end_steps == [int(row) + 1 for row in ends]
    assert history.episode_env_indices == [int(stored.observations[row, 0]) for row in ends]
    assert set(history.episode_env_indices) == {0, 1}
    expected = {0: [], 1: []}  # each sub-environment's finished episodes from its own rows
    running = [0.0, 0.0]
    for observation, reward, end in zip(
        stored.observations, stored.rewards, stored.terminated | stored.truncated, strict=True
    ):
        index = int(observation[0])
        running[index] += float(reward)
        if end:
            expected[index].append(running[index])
            running[index] = 0.0
    for index in (0, 1):
        mine = [i == index for i in history.episode_env_indices]
        returns = [r for r, m in zip(history.episode_returns, mine, strict=True) if m]
        np.testing.assert_allclose(returns, expected[index], rtol=1e-6)
        lengths_of = [n for n, m in zip(history.episode_lengths, mine, strict=True) if m]
        assert lengths_of == [lengths[index]] * len(expected[index])


def test_n_step_windows_follow_each_sub_environments_own_stream():
    lengths, endings = (2, 3, 5), ("terminated", "truncated", "terminated")
    agent = ktk.rl.DQNAgent((2,), 2, seed=0, **NO_TRAINING)
    agent.replay_buffer = ktk.rl.ReplayBuffer(1_000, (2,), n_steps=3, gamma=0.5, seed=0)
    agent.learn(_vector(lengths, endings), 45, progress_bar=False)
    one_step = agent.replay_buffer.transitions()
    following = {  # (env, t) -> (reward, next t, terminated, truncated), from the 1-step rows
        (int(o[0]), int(o[1])): (float(r), int(n[1]), bool(te), bool(tr))
        for o, r, n, te, tr in zip(
            one_step.observations,
            one_step.rewards,
            one_step.next_observations,
            one_step.terminated,
            one_step.truncated,
            strict=True,
        )
    }
    batch = agent.replay_buffer.sample(45)
    for row in range(45):
        key = (int(batch.observations[row, 0]), int(batch.observations[row, 1]))
        total, steps = 0.0, 0
        while key in following and steps < 3:  # a naive walk along this env's stream
            reward, next_t, terminated, truncated = following[key]
            total, steps = total + 0.5**steps * reward, steps + 1
            key = (key[0], next_t)
            if terminated or truncated:
                break
        assert batch.rewards[row] == pytest.approx(total, rel=1e-6)
        assert batch.discounts[row] == pytest.approx(0.5**steps)
        assert tuple(batch.next_observations[row]) == key
        assert (batch.terminated[row], batch.truncated[row]) == (terminated, truncated)


def test_one_stored_observation_stream_takes_one_copy_only():
    agent = ktk.rl.DQNAgent((2,), 2, seed=0, **NO_TRAINING)
    agent.replay_buffer = ktk.rl.ReplayBuffer(1_000, (2,), seed=0, store_next_observations=False)
    with pytest.raises(ValueError, match="store_next_observations=False"):
        agent.learn(_vector((3, 4), ("terminated",) * 2), 20, progress_bar=False)
    agent.learn(_vector((3,), ("truncated",)), 20, progress_bar=False)
    stored = agent.replay_buffer.transitions()
    assert [int(t) for t in stored.next_observations[:, 1]] == [
        t for _, _, t, _, _ in _expected_stream((3,), ("truncated",), 20, False)
    ]


def test_one_copy_equals_the_single_environment_where_it_should():
    # The actions differ (the two loops draw from the agent's generator differently),
    # but this environment ignores them in all but the reward: the transitions, the
    # episode records and the training schedule must be identical.
    single = ktk.rl.DQNAgent((2,), 2, seed=3, **TRAINING)
    single.learn(ScriptedEnv(0, 7, "truncated"), 120, progress_bar=False)
    vector = ktk.rl.DQNAgent((2,), 2, seed=3, **TRAINING)
    vector.learn(_vector((7,), ("truncated",)), 120, progress_bar=False)
    for agent in (single, vector):
        assert agent.num_timesteps == 120
    ours, theirs = single.replay_buffer.transitions(), vector.replay_buffer.transitions()
    for field in ("observations", "next_observations", "terminated", "truncated"):
        np.testing.assert_array_equal(getattr(ours, field), getattr(theirs, field))
    for field in ("episode_lengths", "episode_end_steps", "episode_env_indices", "loss_steps"):
        assert getattr(single.history, field) == getattr(vector.history, field)
    assert single.num_updates == vector.num_updates > 0


def test_trains_on_the_schedule_of_environment_steps_for_any_number_of_copies():
    single = ktk.rl.DQNAgent((2,), 2, seed=0, **TRAINING)
    single.learn(ScriptedEnv(0, 4), 100, progress_bar=False)
    vector = ktk.rl.DQNAgent((2,), 2, seed=0, **TRAINING)
    vector.learn(_vector((3, 4, 5), ("terminated",) * 3), 100, progress_bar=False)
    assert vector.history.loss_steps == single.history.loss_steps == list(range(24, 101, 8))
    assert vector.num_updates == single.num_updates == 2 * 10
    assert np.all(np.isfinite(vector.history.losses))


def test_acts_greedily_per_row_with_one_forward_pass():
    agent = ktk.rl.DQNAgent(
        (2,),
        2,
        seed=0,
        hidden_units=(8,),
        learning_starts=0,
        exploration_initial_eps=0.0,
        exploration_final_eps=0.0,
        train_freq=10**6,
    )
    agent.learn(_vector((3, 4, 6, 2), ("terminated",) * 4), 50, progress_bar=False)
    stored = agent.replay_buffer.transitions()
    greedy = agent.q_network.act(stored.observations)
    np.testing.assert_array_equal(stored.actions, greedy)


def test_explores_per_row_from_the_agents_generator():
    def actions(seed):
        agent = ktk.rl.DQNAgent((2,), 2, seed=seed, **NO_TRAINING)
        agent.learn(_vector((50,) * 4, ("truncated",) * 4), 200, progress_bar=False)
        return agent.replay_buffer.transitions().actions

    first = actions(0)
    np.testing.assert_array_equal(first, actions(0))
    assert not np.array_equal(first, actions(1))
    assert 0.35 < first.mean() < 0.65  # uniform random actions while below learning_starts


def test_callback_stops_at_an_episode_end_and_checkpoints_resume(tmp_path):
    agent = ktk.rl.DQNAgent((2,), 2, seed=0, **TRAINING)
    env = _vector((4, 6), ("terminated", "truncated"))
    calls = []

    def stop_after_three(a):
        calls.append(a.num_timesteps)
        return len(a.history.episode_returns) < 3

    agent.learn(env, 500, progress_bar=False, callback=stop_after_three)
    assert len(agent.history.episode_returns) == 3
    assert calls[-1] == agent.num_timesteps < 500
    assert agent.num_timesteps >= agent.history.episode_end_steps[-1]
    agent.learn(env, 64, progress_bar=False, checkpoint_directory=tmp_path, checkpoint_interval=16)
    restored = ktk.rl.DQNAgent.load(tmp_path)
    assert restored.num_timesteps == 64
    assert restored.history.to_dict() == agent.history.to_dict()
    restored.learn(_vector((4, 6), ("terminated", "truncated")), 100, progress_bar=False)
    assert restored.num_timesteps == len(restored.replay_buffer) == 100
    assert restored.history.episode_env_indices[: len(agent.history.episode_env_indices)] == (
        agent.history.episode_env_indices
    )


def test_async_vector_env_gives_the_same_run_as_the_sync_one():
    def run(vectorization_mode):
        env = gym.make_vec("CartPole-v1", num_envs=3, vectorization_mode=vectorization_mode)
        agent = ktk.rl.DQNAgent((4,), 2, seed=0, **TRAINING)
        agent.learn(env, 300, progress_bar=False)
        env.close()
        return agent

    sync, asynchronous = run("sync"), run("async")
    assert sync.history.episode_returns == asynchronous.history.episode_returns
    assert set(sync.history.episode_env_indices) == {0, 1, 2}
    assert sum(sync.history.episode_lengths) <= 300
    np.testing.assert_array_equal(
        sync.replay_buffer.transitions().observations,
        asynchronous.replay_buffer.transitions().observations,
    )


def test_learns_on_gymnasiums_numpy_cartpole_without_its_reset_steps():
    env = gym.make_vec("CartPole-v1", 4, vectorization_mode="vector_entry_point")
    agent = ktk.rl.DQNAgent((4,), 2, seed=0, **TRAINING)
    history = agent.learn(env, 400, progress_bar=False)
    stored = agent.replay_buffer.transitions()
    assert stored.terminated.sum() == len(history.episode_returns) > 4
    # A stored reset-only step would start from a terminal state (pole or cart past
    # its limit); every stored observation is inside them, every terminal one outside.
    assert np.all(np.abs(stored.observations[:, 2]) <= 0.2095)
    assert np.all(np.abs(stored.observations[:, 0]) <= 2.4)
    final = stored.next_observations[stored.terminated]
    assert np.all((np.abs(final[:, 2]) > 0.2094) | (np.abs(final[:, 0]) > 2.4))


def test_shows_a_progress_bar(capsys):
    agent = ktk.rl.DQNAgent((2,), 2, seed=0, **NO_TRAINING)
    agent.learn(_vector((3, 4), ("terminated",) * 2), 30, progress_bar=True)
    assert "30/30" in capsys.readouterr().out


def test_rejects_an_environment_that_does_not_match_the_agent():
    agent = ktk.rl.DQNAgent((3,), 2, seed=0, **NO_TRAINING)
    with pytest.raises(ValueError, match=r"`env` must have observations of shape \(3,\)"):
        agent.learn(_vector((3,), ("terminated",)), 10, progress_bar=False)
    agent = ktk.rl.DQNAgent((2,), 3, seed=0, **NO_TRAINING)
    with pytest.raises(ValueError, match=r"`env` must have a Discrete\(3\) action space"):
        agent.learn(_vector((3,), ("terminated",)), 10, progress_bar=False)
    assert agent.num_timesteps == 0 and len(agent.replay_buffer) == 0


def test_rejects_an_unsupported_autoreset_mode():
    agent = ktk.rl.DQNAgent((2,), 2, seed=0, **NO_TRAINING)
    env = _vector((3,), ("terminated",), AutoresetMode.DISABLED)
    with pytest.raises(ValueError, match=r"autoreset_mode=.*Disabled"):
        agent.learn(env, 10, progress_bar=False)
    env.metadata = {}
    with pytest.raises(ValueError, match="autoreset_mode=None"):
        agent.learn(env, 10, progress_bar=False)
    with pytest.raises(ValueError, match=r"autoreset_mode=.*Disabled"):
        agent.learn(_vector((3,), ("terminated",), AutoresetMode.DISABLED), 0, progress_bar=False)


def test_rejects_a_same_step_env_without_final_observations():
    class Forgetful(gym.vector.VectorWrapper):
        def step(self, actions):
            observations, rewards, terminated, truncated, infos = self.env.step(actions)
            infos = {k: v for k, v in infos.items() if k not in ("final_obs", "_final_obs")}
            return observations, rewards, terminated, truncated, infos

    agent = ktk.rl.DQNAgent((2,), 2, seed=0, **NO_TRAINING)
    env = Forgetful(_vector((3,), ("terminated",), AutoresetMode.SAME_STEP))
    with pytest.raises(ValueError, match="final_obs"):
        agent.learn(env, 10, progress_bar=False)


def test_reads_old_histories_without_sub_environment_indices():
    record = {"episode_returns": [1.0, 2.0], "episode_lengths": [1, 2], "episode_end_steps": [1, 3]}
    history = type(ktk.rl.DQNAgent((2,), 2).history).from_dict(record)
    assert history.episode_env_indices == [0, 0]
