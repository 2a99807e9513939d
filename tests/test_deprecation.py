"""The renamed-argument helper every deprecation in the package goes through."""

from __future__ import annotations

import inspect
import warnings

import pytest

from keras_tutorial_kit._deprecation import renamed_arguments


class _Owner:
    @renamed_arguments("0.4.0", size="capacity")
    def __init__(self, capacity: int = 1, seed: int | None = None) -> None:
        self.capacity = capacity
        self.seed = seed


def test_old_name_warns_and_passes_the_value_on():
    with pytest.warns(FutureWarning, match=r"`size` is deprecated .* 0\.4\.0; use `capacity`"):
        owner = _Owner(size=7)
    assert owner.capacity == 7


def test_new_name_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _Owner(capacity=3).capacity == 3
        assert _Owner(5).capacity == 5


def test_rejects_both_names():
    with pytest.raises(TypeError, match="size=1, capacity=2"):
        _Owner(size=1, capacity=2)


def test_signature_is_the_new_one_and_renames_are_recorded():
    assert list(inspect.signature(_Owner).parameters) == ["capacity", "seed"]
    assert _Owner.__init__.__renamed_arguments__ == {"size": ("capacity", "0.4.0")}


def test_rejects_a_rename_to_a_missing_argument():
    with pytest.raises(TypeError, match="no argument `volume`"):

        @renamed_arguments("0.4.0", size="volume")
        def make(capacity=1):
            return capacity
