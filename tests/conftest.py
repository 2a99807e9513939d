"""Shared test set-up: hypothesis profiles, a fresh Keras session per test, tolerance checks."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Every profile: no deadline (a first call compiles), the reproduction blob printed, and
# no complaint about slow data generation (Keras models are slow to build).
_COMMON = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow],
}
# `ci` is small and derandomized so that CI runs are short and repeatable; `dev` explores
# more. Choose with HYPOTHESIS_PROFILE=...; CI=true selects `ci`.
settings.register_profile("ci", max_examples=12, derandomize=True, **_COMMON)
settings.register_profile("dev", max_examples=40, **_COMMON)
# `random` is CI's search pass: a fresh seed each run (pytest prints it; replay a failure
# with `HYPOTHESIS_PROFILE=random python -m pytest -m property --hypothesis-seed=SEED`).
settings.register_profile("random", max_examples=50, derandomize=False, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_collection_modifyitems(items):
    """Marks every hypothesis test ``property``, so `-m property` selects the search pass."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)


# Largest relative difference seen per comparison, printed at the end of the run.
_MAX_RELATIVE_DIFFERENCE: dict[str, float] = {}


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Every test starts with default Keras state: float32 policy, empty name scopes."""
    keras.config.set_dtype_policy("float32")
    # free_memory=False skips a full gc.collect(), which costs about a second per test.
    keras.utils.clear_session(free_memory=False)
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture(scope="session")
def assert_close():
    """Returns ``check(label, actual, expected, rtol=1e-6)``.

    Asserts that ``actual`` equals ``expected`` within a relative tolerance (with an
    absolute floor of ``rtol * max|expected|`` for entries near zero, where a relative
    figure means nothing) and records the largest relative difference under ``label``
    for the end-of-run summary.
    """

    def check(label: str, actual, expected, rtol: float = 1e-6) -> None:
        actual = np.asarray(keras.ops.convert_to_numpy(actual), dtype=np.float64)
        expected = np.asarray(keras.ops.convert_to_numpy(expected), dtype=np.float64)
        assert actual.shape == expected.shape, f"{label}: shape {actual.shape} != {expected.shape}"
        scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-30)
        difference = np.abs(actual - expected)
        relative = difference / np.maximum(np.abs(expected), scale * 1e-3)
        worst = float(np.max(relative, initial=0.0))
        _MAX_RELATIVE_DIFFERENCE[label] = max(_MAX_RELATIVE_DIFFERENCE.get(label, 0.0), worst)
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=label)

    return check


def pytest_terminal_summary(terminalreporter):
    if not _MAX_RELATIVE_DIFFERENCE:
        return
    terminalreporter.section(
        f"largest relative difference vs reference ({keras.backend.backend()})"
    )
    for label, value in sorted(_MAX_RELATIVE_DIFFERENCE.items()):
        terminalreporter.write_line(f"{label:<60} {value:.3e}")
