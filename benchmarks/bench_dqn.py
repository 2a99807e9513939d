"""Acting and training speed of DQNAgent against the tutorial's DQN loop, side by side.

The tutorial's code (its ``QNetwork`` with ``Dense(24) -> Dense(24) -> Dense(2)`` and a
``predict`` override that calls the model and takes the argmax; a deque buffer; one
eager ``GradientTape`` step of batch 32 per environment step) runs in the same process
as the kit, on ``CartPole-v1``:

- **acting per step** (goal >= 100x): the tutorial's ``model.predict(state[None])``
  (its override: an eager call) against ``DQNAgent.act`` (NumPy forward pass with the
  weights of the last training round) and ``QNetwork.act`` (which reads the current
  weights each call). ``keras.Model.predict`` itself (what the tutorial's line costs
  without the override) is timed too;
- **a full training iteration** (goal >= 15x): act + ``env.step`` + store + update, per
  environment step, in steady state: the tutorial's loop against ``DQNAgent.learn``
  with its defaults (one fused training round of 128 gradient steps every 256 steps);
- **one gradient step** with the tutorial's network and batch 32: the tutorial's eager
  step against the kit's fused round (per step), to separate the update from the rest.

The tutorial side uses TensorFlow, so this benchmark needs the TensorFlow backend.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import random
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import save_results, time_call

GOALS = {"act": 100.0, "training_iteration": 15.0}


def _tutorial_network():
    import tensorflow as tf

    class TutorialQNetwork(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense1 = tf.keras.layers.Dense(units=24, activation=tf.nn.relu)
            self.dense2 = tf.keras.layers.Dense(units=24, activation=tf.nn.relu)
            self.dense3 = tf.keras.layers.Dense(units=2)

        def call(self, inputs):
            x = self.dense1(inputs)
            x = self.dense2(x)
            return self.dense3(x)

        def predict(self, inputs):
            q_values = self(inputs)
            return tf.argmax(q_values, axis=-1)

    return TutorialQNetwork()


def _tutorial_train_step(model, optimizer, replay_buffer, batch_size=32, gamma=1.0):
    import tensorflow as tf

    batch_state, batch_action, batch_reward, batch_next_state, batch_done = zip(
        *random.sample(replay_buffer, batch_size), strict=True
    )
    batch_state, batch_reward, batch_next_state, batch_done = [
        np.array(a, dtype=np.float32)
        for a in [batch_state, batch_reward, batch_next_state, batch_done]
    ]
    batch_action = np.array(batch_action, dtype=np.int32)
    q_value = model(batch_next_state)
    y = batch_reward + (gamma * tf.reduce_max(q_value, axis=1)) * (1 - batch_done)
    with tf.GradientTape() as tape:
        # The tutorial's ``tf.keras.losses.mean_squared_error`` is gone in Keras 3; same value.
        y_pred = tf.reduce_sum(model(batch_state) * tf.one_hot(batch_action, depth=2), axis=1)
        loss = tf.reduce_mean(tf.square(y - y_pred))
    grads = tape.gradient(loss, model.variables)
    optimizer.apply_gradients(grads_and_vars=zip(grads, model.variables, strict=True))


def _tutorial_steps(env, model, optimizer, replay_buffer, steps, epsilon=0.01):
    """``steps`` iterations of the tutorial's inner loop (gymnasium API)."""
    state, _ = env.reset(seed=0)
    for _ in range(steps):
        if random.random() < epsilon:
            action = env.action_space.sample()
        else:
            action = model.predict(np.expand_dims(state, axis=0)).numpy()[0]
        next_state, reward, terminated, truncated, _ = env.step(action)
        done = terminated or truncated
        reward = -10.0 if done else reward
        replay_buffer.append((state, action, reward, next_state, 1 if done else 0))
        state = next_state
        if done:
            state, _ = env.reset()
        if len(replay_buffer) >= 32:
            _tutorial_train_step(model, optimizer, replay_buffer)


def run(quick: bool = False) -> dict:
    import gymnasium as gym
    import keras

    import keras_tutorial_kit as ktk

    if keras.backend.backend() != "tensorflow":
        print(
            "bench_dqn compares against the tutorial's TensorFlow code: run it with KERAS_BACKEND=tensorflow"
        )
        return {"skipped": "needs the tensorflow backend"}
    import tensorflow as tf

    random.seed(0)
    env = gym.make("CartPole-v1")
    state, _ = env.reset(seed=0)
    repeats = 5 if quick else 9

    # --- acting per step
    tutorial = _tutorial_network()
    tutorial(np.zeros((1, 4), np.float32))
    agent = ktk.rl.DQNAgent.from_env(env, hidden_units=(24, 24), seed=0)
    ours_network = ktk.models.QNetwork(2, hidden_units=(24, 24))
    ours_network.build((None, 4))
    state_batch = np.expand_dims(state, 0)
    acting = {
        "tutorial_predict_override": time_call(
            lambda: tutorial.predict(state_batch).numpy(), repeats, number=50
        ),
        "keras_model_predict": time_call(
            lambda: keras.Model.predict(tutorial, state_batch, verbose=0).argmax(-1),
            3 if quick else 5,
            number=3,
        ),
        "ktk_agent_act": time_call(lambda: agent.act(state), repeats, number=2000),
        "ktk_q_network_act": time_call(lambda: ours_network.act(state), repeats, number=500),
    }

    # --- one gradient step, tutorial network and batch 32
    replay_buffer = collections.deque(maxlen=10000)
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
    _tutorial_steps(env, tutorial, optimizer, replay_buffer, 200)
    gradient_tutorial = time_call(
        lambda: _tutorial_train_step(tutorial, optimizer, replay_buffer), repeats, number=20
    )
    small = ktk.rl.DQNAgent.from_env(
        env, hidden_units=(24, 24), batch_size=32, gradient_steps=128, seed=0
    )
    small.learn(env, 2_000, progress_bar=False)
    gradient_ours = time_call(small.train_round, repeats, number=2)
    gradient_ours = {k: (v / 128 if k.endswith("_s") else v) for k, v in gradient_ours.items()}

    # --- full training iteration, steady state, per environment step
    tutorial_iteration = time_call(
        lambda: _tutorial_steps(env, tutorial, optimizer, replay_buffer, 20), repeats, number=1
    )
    tutorial_iteration = {
        k: (v / 20 if k.endswith("_s") else v) for k, v in tutorial_iteration.items()
    }
    learner = ktk.rl.DQNAgent.from_env(env, seed=0)
    learner.learn(env, 3_000, progress_bar=False)  # past learning_starts, compiled
    chunk = 2_048 if quick else 8_192
    samples = []
    for _ in range(3 if quick else 5):
        start = time.perf_counter()
        learner.learn(env, learner.num_timesteps + chunk, progress_bar=False)
        samples.append((time.perf_counter() - start) / chunk)
    from _common import summarize

    ours_iteration = summarize(samples)

    tutorial_act = acting["tutorial_predict_override"]["median_s"]
    rows = {
        "act": {
            "tutorial_s": tutorial_act,
            "ktk_s": acting["ktk_agent_act"]["median_s"],
            "speedup": tutorial_act / acting["ktk_agent_act"]["median_s"],
            "speedup_q_network_act": tutorial_act / acting["ktk_q_network_act"]["median_s"],
            "speedup_vs_keras_model_predict": acting["keras_model_predict"]["median_s"]
            / acting["ktk_agent_act"]["median_s"],
            "goal": GOALS["act"],
        },
        "training_iteration": {
            "tutorial_s": tutorial_iteration["median_s"],
            "ktk_s": ours_iteration["median_s"],
            "speedup": tutorial_iteration["median_s"] / ours_iteration["median_s"],
            "goal": GOALS["training_iteration"],
        },
        "gradient_step_same_network": {
            "tutorial_s": gradient_tutorial["median_s"],
            "ktk_s": gradient_ours["median_s"],
            "speedup": gradient_tutorial["median_s"] / gradient_ours["median_s"],
            "goal": None,
        },
    }
    for row in rows.values():
        row["meets_goal"] = None if row["goal"] is None else row["speedup"] >= row["goal"]
    payload = {
        "quick": quick,
        "acting": acting,
        "gradient_step": {
            "tutorial": gradient_tutorial,
            "ktk_per_step_of_fused_round": gradient_ours,
        },
        "training_iteration": {"tutorial": tutorial_iteration, "ktk": ours_iteration},
        "results": rows,
    }
    save_results("dqn", payload)
    print(f"{'per step':<28} {'tutorial':>12} {'ktk':>12} {'speedup':>9} {'goal':>6}")
    for name, row in rows.items():
        goal = "" if row["goal"] is None else f"{row['goal']:.0f}x"
        print(
            f"{name:<28} {row['tutorial_s'] * 1e6:>10.1f}us {row['ktk_s'] * 1e6:>10.1f}us "
            f"{row['speedup']:>8.1f}x {goal:>6}"
        )
    print(
        f"acting: keras Model.predict {acting['keras_model_predict']['median_s'] * 1e3:.1f} ms per call; "
        f"QNetwork.act (fresh weights) {acting['ktk_q_network_act']['median_s'] * 1e6:.1f} us "
        f"({rows['act']['speedup_q_network_act']:.0f}x the tutorial's call)"
    )
    return payload


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    run(parser.parse_args().quick)
