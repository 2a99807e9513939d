"""``get_config`` for the package's layers and models: each argument under its own name."""

from __future__ import annotations

from typing import Any

import keras


def with_arguments(config: dict[str, Any], obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Returns ``config`` updated with ``obj``'s constructor arguments ``names``, serialized.

    Each argument is read from ``obj``'s attribute of the same name (argument, attribute
    and config key are spelled the same) and serialized the way Keras' own layers do:
    an initializer with ``keras.initializers.serialize``, an activation (any other
    callable) with ``keras.activations.serialize``, a tuple as a list, anything else
    (numbers, booleans, strings, ``None``) as it is.

    Args:
        config: The base class's ``get_config()``; updated in place.
        obj: The layer or model.
        names: Its constructor arguments, in the order they are written.

    Returns:
        ``config``.

    Example:

    >>> import keras
    >>> from keras_tutorial_kit._config import with_arguments
    >>> layer = keras.layers.Dense(3, activation="relu")
    >>> with_arguments({}, layer, ("units", "activation"))
    {'units': 3, 'activation': 'relu'}
    """
    for name in names:
        config[name] = _serialize(getattr(obj, name))
    return config


def _serialize(value: Any) -> Any:
    if isinstance(value, keras.initializers.Initializer):
        return keras.initializers.serialize(value)
    if callable(value):
        return keras.activations.serialize(value)
    if isinstance(value, tuple):
        return list(value)
    return value
