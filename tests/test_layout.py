"""Every public class lives in a module named after it, with a test file named after that module.

So that anyone can find a component's code and tests from its name alone:
``ktk.models.CharRNN`` -> ``src/keras_tutorial_kit/models/char_rnn.py`` ->
``tests/models/test_char_rnn.py``.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re

import pytest

SUBPACKAGES = ("data", "layers", "losses", "metrics", "models", "rl", "samplers")
TESTS = pathlib.Path(__file__).parent


def _snake_case(name: str) -> str:
    # "CharRNN" -> "char_rnn", "MNISTLoader" -> "mnist_loader", "QNetwork" -> "q_network"
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()


def _public_names():
    for subpackage in SUBPACKAGES:
        module = importlib.import_module(f"keras_tutorial_kit.{subpackage}")
        for name in module.__all__:
            yield subpackage, name, getattr(module, name)


@pytest.mark.parametrize(
    ("subpackage", "name", "obj"),
    list(_public_names()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_public_name_lives_in_its_own_module_with_a_test_file(subpackage, name, obj):
    module = inspect.getmodule(obj).__name__
    if inspect.isclass(obj):
        # One public class per module, the module named after the class.
        expected = f"keras_tutorial_kit.{subpackage}.{_snake_case(name)}"
        assert module == expected, (
            f"ktk.{subpackage}.{name} is defined in {module}, expected {expected}"
        )
    else:
        # A public function may share the module of the concept it belongs to.
        assert module.startswith(f"keras_tutorial_kit.{subpackage}."), module
    test_file = TESTS / subpackage / f"test_{module.rsplit('.', 1)[-1]}.py"
    assert test_file.is_file(), f"missing {test_file.relative_to(TESTS.parent)}"


def test_snake_case_follows_the_style_guide():
    assert _snake_case("CharRNN") == "char_rnn"
    assert _snake_case("MNISTLoader") == "mnist_loader"
    assert _snake_case("QNetwork") == "q_network"
    assert _snake_case("PrioritizedReplayBuffer") == "prioritized_replay_buffer"
    assert _snake_case("sample_logits") == "sample_logits"
    assert _snake_case("CNN") == "cnn"
