"""``LinearSchedule``: a value that moves linearly from ``start`` to ``end`` over ``duration`` steps."""

from __future__ import annotations

import numbers
from typing import Any

from keras_tutorial_kit._validation import check_positive_int


def _check_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        raise ValueError(f"`{name}` must be a real number. Received: {name}={value!r}")
    return float(value)


class LinearSchedule:
    """``start`` at step 0, ``end`` from step ``duration`` on, linear in between.

    The exploration rate of the tutorial's DQN decays from ``initial_epsilon`` to
    ``final_epsilon`` this way (over its episodes); :class:`DQNAgent` uses it over
    environment steps. ``schedule(step)`` returns
    ``start + (end - start) * min(step, duration) / duration`` as a Python float.

    Args:
        start: Value at step 0.
        end: Value at step ``duration`` and after.
        duration: Positive integer, the number of steps the change takes.

    Raises:
        ValueError: If ``start`` or ``end`` is not a real number, ``duration`` is not
            a positive integer, or a step is negative.

    Example:

    >>> import keras_tutorial_kit as ktk
    >>> epsilon = ktk.rl.LinearSchedule(start=1.0, end=0.1, duration=100)
    >>> epsilon(0), epsilon(50), epsilon(100), epsilon(10_000)
    (1.0, 0.55, 0.1, 0.1)
    """

    def __init__(self, start: float, end: float, duration: int) -> None:
        self.start = _check_number("start", start)
        self.end = _check_number("end", end)
        self.duration = check_positive_int("duration", duration)

    def __call__(self, step: int) -> float:
        if isinstance(step, bool) or not isinstance(step, numbers.Real) or step < 0:
            raise ValueError(f"`step` must be a number >= 0. Received: step={step!r}")
        if step >= self.duration:
            return self.end
        fraction = float(step) / self.duration
        return self.start + (self.end - self.start) * fraction

    def __repr__(self) -> str:
        return f"LinearSchedule(start={self.start}, end={self.end}, duration={self.duration})"

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, so that ``LinearSchedule(**config)`` rebuilds it."""
        return {"start": self.start, "end": self.end, "duration": self.duration}
