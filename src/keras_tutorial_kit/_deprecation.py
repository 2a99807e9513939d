"""Renamed arguments: the old name keeps working, with a ``FutureWarning``, until it is removed.

The policy (``docs``' "Versioning" page): a deprecated name keeps working for two minor
releases and its warning names the release it goes away in.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def renamed_arguments(removed_in: str, **old_to_new: str) -> Callable[[F], F]:
    """Decorates a function or method whose keyword arguments ``old`` were renamed ``new``.

    A call that passes an old name gets a ``FutureWarning`` naming both names and the
    release ``removed_in``, and the value is passed on under the new name. Passing both
    names raises ``TypeError``. The decorated function's signature (``inspect.signature``)
    is the new one; the renames are recorded in its ``__renamed_arguments__`` attribute
    (old name -> ``(new name, removed_in)``), which the public API test reads.

    Args:
        removed_in: The release that removes the old names, e.g. ``"0.4.0"``.
        **old_to_new: ``old_name="new_name"`` pairs.

    Example:

    >>> import warnings
    >>> @renamed_arguments("0.4.0", size="capacity")
    ... def make(capacity=1):
    ...     return capacity
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     make(size=5)
    5
    >>> str(caught[0].message)
    '`size` is deprecated and will be removed in 0.4.0; use `capacity` instead.'
    """

    def decorate(function: F) -> F:
        parameters = inspect.signature(function).parameters
        for old, new in old_to_new.items():
            if new not in parameters:
                raise TypeError(
                    f"{function.__qualname__} has no argument `{new}` to rename `{old}` to"
                )
            if old in parameters:
                raise TypeError(f"{function.__qualname__} still has the old argument `{old}`")

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{function.__qualname__}() got both `{old}` (deprecated) and `{new}`. "
                        f"Received: {old}={kwargs[old]!r}, {new}={kwargs[new]!r}"
                    )
                warnings.warn(
                    f"`{old}` is deprecated and will be removed in {removed_in}; "
                    f"use `{new}` instead.",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        recorded = dict(getattr(function, "__renamed_arguments__", {}))
        recorded.update({old: (new, removed_in) for old, new in old_to_new.items()})
        wrapper.__renamed_arguments__ = recorded  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
