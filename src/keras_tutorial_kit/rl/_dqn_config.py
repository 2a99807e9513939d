"""Private: ``DQNAgent``'s configuration: each constructor argument and its check."""

from __future__ import annotations

from typing import Any

from keras_tutorial_kit._validation import (
    check_non_negative_int,
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


def _check_dtype_name(name: str, value: Any) -> str:
    return check_dtype(name, value).name


# Argument name -> check(name, value) returning the value to store, in signature order.
CHECKS = {
    "observation_shape": check_shape,
    "num_actions": check_positive_int,
    "hidden_units": check_positive_int_sequence,
    "activation": _check_activation,
    "learning_rate": check_positive_number,
    "buffer_capacity": check_positive_int,
    "batch_size": check_positive_int,
    "learning_starts": check_non_negative_int,
    "gamma": check_probability,
    "train_freq": check_positive_int,
    "gradient_steps": check_positive_int,
    "target_update_interval": check_positive_int,
    "exploration_initial_eps": check_probability,
    "exploration_final_eps": check_probability,
    "exploration_steps": check_positive_int,
    "max_grad_norm": check_positive_number,
    "observation_dtype": _check_dtype_name,
    "seed": check_seed,
}


def check_config(arguments: dict[str, Any]) -> dict[str, Any]:
    """Every argument checked (``ValueError`` naming the first bad one), in order."""
    return {name: check(name, arguments[name]) for name, check in CHECKS.items()}


def to_json(agent: Any) -> dict[str, Any]:
    """The agent's arguments as JSON-ready values (tuples as lists)."""
    config = {name: getattr(agent, name) for name in CHECKS}
    config["observation_shape"] = list(config["observation_shape"])
    config["hidden_units"] = list(config["hidden_units"])
    return config
