"""Argument checks shared by every subpackage, with messages that name the argument."""

from __future__ import annotations

import math
import numbers
import os
import pathlib
from collections.abc import Callable, Sequence
from typing import Any


def check_positive_int(name: str, value: Any) -> int:
    """Returns ``value`` as an ``int`` if it is an integer >= 1, else raises.

    Args:
        name: The argument's name, used in the error message.
        value: The value received.

    Returns:
        ``int(value)``.

    Raises:
        ValueError: If ``value`` is not an integer (``bool`` included) or is < 1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def check_bool(name: str, value: Any) -> bool:
    """Returns ``value`` if it is a ``bool``, else raises ``ValueError`` naming ``name``."""
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return value


def check_path(name: str, value: Any) -> pathlib.Path:
    """Returns ``value`` as a ``pathlib.Path`` if it is a ``str`` or ``os.PathLike``, else raises
    ``TypeError`` naming ``name``."""
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"`{name}` must be a str or os.PathLike path. Received: {name}={value!r}")
    return pathlib.Path(value)


def check_positive_int_sequence(name: str, value: Any, allow_empty: bool = True) -> tuple[int, ...]:
    """Returns ``value`` as a tuple of positive ints, else raises ``ValueError`` naming ``name``.

    A single integer is accepted and becomes a one-element tuple.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(
            f"`{name}` must be a sequence of positive integers. Received: {name}={value!r}"
        )
    if not allow_empty and len(value) == 0:
        raise ValueError(f"`{name}` must not be empty. Received: {name}={value!r}")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral) or item < 1:
            raise ValueError(
                f"`{name}` must be a sequence of positive integers. Received: {name}={value!r}"
            )
    return tuple(int(item) for item in value)


def get_initializer(name: str, identifier: Any) -> Any:
    """Returns ``keras.initializers.get(identifier)``, raising ``ValueError`` naming ``name``."""
    import keras

    return _get_keras_object(keras.initializers.get, "initializer", name, identifier)


def get_activation(name: str, identifier: Any) -> Any:
    """Returns ``keras.activations.get(identifier)``, raising ``ValueError`` naming ``name``."""
    import keras

    return _get_keras_object(keras.activations.get, "activation", name, identifier)


def _get_keras_object(get: Callable[[Any], Any], kind: str, name: str, identifier: Any) -> Any:
    try:
        return get(identifier)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"`{name}` must be a Keras {kind}. Received: {name}={identifier!r}"
        ) from error


# The largest seed every consumer takes: Keras' ``SeedGenerator`` keeps its seed as
# int32 on torch (uint32 on JAX), NumPy and tf.data take more.
MAX_SEED = 2**31 - 1


def check_seed(name: str, value: Any) -> int | None:
    """Returns ``value`` as an ``int`` if it is an integer in ``[0, MAX_SEED]``, ``None`` if ``None``.

    The one place the package decides what a seed is: ``None``, a Python int or a NumPy
    integer, all three meaning the same, and small enough for every backend's random
    generator (``MAX_SEED = 2**31 - 1``). The ``int`` returned is what objects store,
    put in ``get_config`` and write to files.

    Args:
        name: The argument's name, used in the error message.
        value: The value received.

    Returns:
        ``None`` or ``int(value)``.

    Raises:
        ValueError: Naming ``name`` and ``value``, for anything else (``bool``,
            floats and strings included).
    """
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not 0 <= value <= MAX_SEED
    ):
        raise ValueError(
            f"`{name}` must be None or an integer >= 0 and <= {MAX_SEED}. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def check_non_negative_int(name: str, value: Any) -> int:
    """Returns ``int(value)`` if it is an integer >= 0 (not a ``bool``), else raises."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"`{name}` must be an integer >= 0. Received: {name}={value!r}")
    return int(value)


def check_positive_number(name: str, value: Any) -> float:
    """Returns ``float(value)`` if it is a finite real number > 0 (not a ``bool``), else raises."""
    if not (_is_finite_real(value) and value > 0):
        raise ValueError(f"`{name}` must be a finite number > 0. Received: {name}={value!r}")
    return float(value)


def check_non_negative_number(name: str, value: Any) -> float:
    """Returns ``float(value)`` if it is a finite real number >= 0 (not a ``bool``), else raises."""
    if not (_is_finite_real(value) and value >= 0):
        raise ValueError(f"`{name}` must be a finite number >= 0. Received: {name}={value!r}")
    return float(value)


def _is_finite_real(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
