"""Fixtures shared by the chapter tests."""

from __future__ import annotations

import keras
import numpy as np
import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def assert_png():
    """``check(path)``: the file is a PNG with some content."""

    def check(path) -> None:
        data = path.read_bytes()
        assert data[:8] == PNG_SIGNATURE and len(data) > 5_000, path

    return check


@pytest.fixture
def assert_reloads():
    """``check(result, inputs)``: the saved ``.keras`` model gives the trained model's outputs."""

    def check(result, inputs, rtol=1e-5) -> None:
        assert result.model_path.suffix == ".keras"
        reloaded = keras.saving.load_model(result.model_path)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(reloaded(inputs)),
            keras.ops.convert_to_numpy(result.model(inputs)),
            rtol=rtol,
            atol=1e-6,
        )

    return check
