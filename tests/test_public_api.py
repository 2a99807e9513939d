"""The public surface (names and signatures) equals the committed snapshot.

An API change must be deliberate: regenerate the snapshot with
``python tests/api/generate_public_api.py`` and commit it with the change.
"""

from __future__ import annotations

import importlib.util
import pathlib

import keras_tutorial_kit as ktk

_HERE = pathlib.Path(__file__).parent
_spec = importlib.util.spec_from_file_location(
    "generate_public_api", _HERE / "api" / "generate_public_api.py"
)
generate_public_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate_public_api)


def test_public_api_matches_snapshot():
    expected = (_HERE / "api" / "public_api.txt").read_text(encoding="utf-8").splitlines()
    actual = generate_public_api.public_api()
    added = sorted(set(actual) - set(expected))
    removed = sorted(set(expected) - set(actual))
    assert not added and not removed, (
        "The public API changed. If on purpose, run `python tests/api/generate_public_api.py`.\n"
        f"added: {added}\nremoved: {removed}"
    )


def test_subpackage_all_is_sorted_and_resolvable():
    for name in generate_public_api.SUBPACKAGES:
        module = getattr(ktk, name)
        assert list(module.__all__) == sorted(module.__all__), f"ktk.{name}.__all__ is not sorted"
        for public in module.__all__:
            assert hasattr(module, public), f"ktk.{name}.{public} is in __all__ but missing"


def test_version_is_written_once():
    from keras_tutorial_kit import _version

    assert ktk.__version__ == _version.__version__
