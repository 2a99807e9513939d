"""Private: ``DQNAgent``'s configuration: each constructor argument and its check."""

from __future__ import annotations

from typing import Any

from keras_tutorial_kit._validation import (
    check_bool,
    check_non_negative_int,
    check_non_negative_number,
    check_positive_int,
    check_positive_int_sequence,
    check_positive_number,
    check_seed,
    get_activation,
)
from keras_tutorial_kit.rl._storage import check_dtype, check_probability, check_shape


def _check_activation(name: str, value: Any) -> Any:
    get_activation(name, value)
    return value


def _check_tau(name: str, value: Any) -> float:
    return check_probability(name, value, allow_zero=False)


def _check_dtype_name(name: str, value: Any) -> str:
    return check_dtype(name, value).name


# Argument name -> check(name, value) returning the value to store, in signature order.
CHECKS = {
    "observation_shape": check_shape,
    "num_actions": check_positive_int,
    "hidden_units": check_positive_int_sequence,
    "activation": _check_activation,
    "learning_rate": check_positive_number,
    "learning_rate_final": check_non_negative_number,
    "learning_rate_decay_steps": check_positive_int,
    "buffer_capacity": check_positive_int,
    "batch_size": check_positive_int,
    "learning_starts": check_non_negative_int,
    "gamma": check_probability,
    "n_steps": check_positive_int,
    "train_freq": check_positive_int,
    "gradient_steps": check_positive_int,
    "target_update_interval": check_positive_int,
    "tau": _check_tau,
    "exploration_initial_eps": check_probability,
    "exploration_final_eps": check_probability,
    "exploration_steps": check_positive_int,
    "max_grad_norm": check_positive_number,
    "double_q": check_bool,
    "observation_dtype": _check_dtype_name,
    "seed": check_seed,
}


# What a key missing from an older checkpoint's config means: the behaviour of the
# release that wrote it, not today's default (0.1.0 had a constant learning rate, plain
# one-step DQN targets and a hard target copy). A callable gets the rest of the config.
LEGACY_VALUES = {
    "learning_rate_final": lambda config: config["learning_rate"],
    "learning_rate_decay_steps": lambda config: 1,
    "double_q": lambda config: False,
    "tau": lambda config: 1.0,
    "n_steps": lambda config: 1,
}


def with_legacy_values(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with every key an older release did not write set to that release's behaviour."""
    config = dict(config)
    for name, value in LEGACY_VALUES.items():
        if name not in config:
            config[name] = value(config)
    return config


def discrete_actions(env: Any) -> int:
    """The number of actions of ``env``'s (a vector env's copy's) ``Discrete`` action space."""
    action_space = getattr(env, "single_action_space", None) or getattr(env, "action_space", None)
    num_actions = getattr(action_space, "n", None)
    if num_actions is None or getattr(action_space, "start", 0) != 0:
        raise ValueError(
            "`env` must have a Discrete action space starting at 0. "
            f"Received: env={env!r} with action_space={action_space!r}"
        )
    return int(num_actions)


def check_config(arguments: dict[str, Any]) -> dict[str, Any]:
    """Every argument checked (``ValueError`` naming the first bad one), in order."""
    return {name: check(name, arguments[name]) for name, check in CHECKS.items()}


def to_json(agent: Any) -> dict[str, Any]:
    """The agent's arguments as JSON-ready values (tuples as lists)."""
    config = {name: getattr(agent, name) for name in CHECKS}
    config["observation_shape"] = list(config["observation_shape"])
    config["hidden_units"] = list(config["hidden_units"])
    return config
