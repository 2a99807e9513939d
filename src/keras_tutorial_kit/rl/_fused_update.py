"""Private: a training round of DQN (many gradient steps) as one compiled call.

Keras 3 has no backend-neutral gradient, so the round is written once per backend with
that backend's own tools, each in its own private module imported lazily (as Keras'
trainers do): ``_fused_update_tensorflow``, ``_fused_update_jax``, ``_fused_update_torch``.
All compute the same thing, from the math below:

1. the target network's Q-values of every batch of the round, up front (the target
   network is fixed during a round), and the targets
   ``y = r + discount * (1 - terminated) * max_a Q_target(s', a)``, where ``discount`` is
   ``gamma ** m`` per row (``m`` the row's number of rewards: 1 for one-step
   transitions, up to ``n_steps`` for n-step ones; ``truncated`` does not stop the
   bootstrap). With ``double_q`` the action is chosen by the online network as it is
   at that gradient step, ``argmax_a Q(s', a)``, and evaluated by the target network
   (van Hasselt et al., 2016), so each step computes its own targets;
2. ``steps`` Adam steps on the mean Huber loss between ``Q(s, a)`` and ``y``, one per
   batch, in order, without returning to Python in between (one call per round: the
   DQN benchmark's training-iteration goal).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import keras
from keras import ops

UpdateFunction = Callable[..., float]
BACKENDS = ("tensorflow", "jax", "torch")


def dqn_targets(next_q_values, rewards, terminated, discounts, next_online_q_values=None):
    """``r + discounts * (1 - terminated) * Q_target(s', a')`` with Keras ops.

    ``a'`` is ``argmax_a Q_target(s', a)``, or ``argmax_a`` of ``next_online_q_values``
    when given (Double DQN). ``discounts`` is a float or one value per row.
    """
    not_done = 1.0 - ops.cast(terminated, "float32")
    if next_online_q_values is None:
        bootstrap = ops.max(next_q_values, axis=-1)
    else:
        best = ops.expand_dims(ops.argmax(next_online_q_values, axis=-1), -1)
        bootstrap = ops.squeeze(ops.take_along_axis(next_q_values, best, axis=-1), -1)
    return ops.cast(rewards, "float32") + ops.cast(discounts, "float32") * not_done * bootstrap


def huber_td_loss(q_values, actions, targets, delta: float = 1.0):
    """Mean Huber loss between ``Q(s, a)`` of the actions taken and the targets.

    Written out rather than ``keras.losses.huber``: Keras' form is equal in exact
    arithmetic but rounds differently (about 1e-7 relative), and over a 50 000-step run
    that difference changes the trained agent (CartPole seed 2 no longer solved).
    """
    chosen = ops.take_along_axis(q_values, ops.expand_dims(ops.cast(actions, "int32"), -1), axis=-1)
    error = ops.squeeze(chosen, -1) - ops.stop_gradient(targets)
    absolute = ops.abs(error)
    quadratic = ops.minimum(absolute, delta)
    return ops.mean(0.5 * quadratic * quadratic + delta * (absolute - quadratic))


def make_fused_update(
    q_network: keras.Model,
    target_network: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    double_q: bool = False,
) -> UpdateFunction:
    """Returns ``update(observations, actions, rewards, next_observations, terminated, discounts)``.

    Each argument has a leading ``(steps, batch)`` (``discounts``: float32, the
    ``gamma ** m`` of each row); the call runs ``steps`` gradient
    steps on ``q_network`` (its variables and the optimizer's are updated in place) and
    returns the mean loss as a float.

    Raises:
        ValueError: If the Keras backend is none of ``BACKENDS``.
    """
    backend = keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError(
            f"DQNAgent's compiled training round supports the backends {BACKENDS}. "
            f"Received: backend={backend!r}"
        )
    module = importlib.import_module(f"keras_tutorial_kit.rl._fused_update_{backend}")
    return module.make_update(q_network, target_network, optimizer, double_q)


def assign_all(variables: list, values: list) -> None:
    """Assigns ``values`` to ``variables``, pairwise; ``ValueError`` if the counts differ."""
    if len(variables) != len(values):
        raise ValueError(
            f"Cannot copy {len(values)} weights into {len(variables)} variables: the networks "
            "differ in structure."
        )
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)
