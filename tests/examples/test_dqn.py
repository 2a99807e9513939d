"""Tests for the DQN chapter, quick form (the full CartPole solve is tested with ``ktk.rl.DQNAgent``)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit.examples import dqn

pytest.importorskip("gymnasium")


def test_quick_run_trains_evaluates_saves_and_plots(tmp_path, assert_png):
    result = dqn.run(quick=True, verbose=0, output_dir=tmp_path, plot=tmp_path / "dqn.png")
    metrics = result.metrics
    assert metrics["timesteps"] == dqn.QUICK_TIMESTEPS
    assert metrics["solved"] == 0.0 and metrics["steps_to_solve"] is None
    assert metrics["episodes"] == len(result.history["episode_returns"]) > 0
    assert sum(result.history["episode_lengths"]) <= dqn.QUICK_TIMESTEPS
    assert metrics["eval_episodes"] == 10 and metrics["eval_mean_return"] >= 1.0
    assert isinstance(result.model, ktk.rl.DQNAgent)
    observations = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    reloaded = keras.saving.load_model(result.model_path)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded(observations)),
        keras.ops.convert_to_numpy(result.model.q_network(observations)),
        rtol=1e-5,
        atol=1e-6,
    )
    restored = ktk.rl.DQNAgent.load(result.extras["checkpoint"].parent)
    assert restored.num_timesteps == dqn.QUICK_TIMESTEPS
    assert_png(result.plot_path)


def test_quick_run_on_a_vector_environment():
    result = dqn.run(quick=True, verbose=0, num_envs=3)
    metrics, history = result.metrics, result.history
    assert metrics["timesteps"] == dqn.QUICK_TIMESTEPS and metrics["num_envs"] == 3
    assert set(history["episode_env_indices"]) == {0.0, 1.0, 2.0}
    assert len(history["episode_env_indices"]) == len(history["episode_returns"]) > 0
    assert sum(history["episode_lengths"]) <= dqn.QUICK_TIMESTEPS
    assert len(result.model.replay_buffer) == dqn.QUICK_TIMESTEPS


def test_command_line_has_num_envs():
    from keras_tutorial_kit import cli

    args = cli.build_parser().parse_args(["run", "dqn", "--num-envs", "4"])
    assert args.num_envs == 4
    assert cli.build_parser().parse_args(["run", "dqn"]).num_envs == 1


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`total_timesteps`"):
        dqn.run(total_timesteps=0, verbose=0)
    with pytest.raises(ValueError, match="`seed`"):
        dqn.run(seed=-1, verbose=0)
    with pytest.raises(ValueError, match="`num_envs`"):
        dqn.run(num_envs=0, verbose=0)
