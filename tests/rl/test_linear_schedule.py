"""Tests of ``ktk.rl.LinearSchedule``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keras_tutorial_kit as ktk


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides the shared Keras reset: these tests use no Keras state."""
    yield


@given(
    start=st.floats(-10, 10),
    end=st.floats(-10, 10),
    duration=st.integers(1, 10_000),
    step=st.integers(0, 20_000),
)
def test_matches_numpy_interp(start, end, duration, step):
    schedule = ktk.rl.LinearSchedule(start, end, duration)
    expected = np.interp(step, [0, duration], [start, end])
    assert schedule(step) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_endpoints_are_exact():
    schedule = ktk.rl.LinearSchedule(start=1.0, end=0.04, duration=8000)
    assert schedule(0) == 1.0
    assert schedule(8000) == 0.04
    assert schedule(10**9) == 0.04
    assert schedule(4000) == pytest.approx(0.52)
    assert ktk.rl.LinearSchedule(**schedule.get_config())(123) == schedule(123)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"start": "1", "end": 0.0, "duration": 10}, "start"),
        ({"start": 1.0, "end": float("nan"), "duration": 10}, "end"),
        ({"start": 1.0, "end": 0.0, "duration": 0}, "duration"),
        ({"start": 1.0, "end": 0.0, "duration": 2.5}, "duration"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ktk.rl.LinearSchedule(**kwargs)


def test_rejects_negative_step():
    with pytest.raises(ValueError, match="step"):
        ktk.rl.LinearSchedule(1.0, 0.0, 10)(-1)
