"""The public surface (names and signatures) equals the committed snapshot.

An API change must be deliberate: regenerate the snapshot with
``python tests/api/generate_public_api.py`` and commit it with the change.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib

import pytest

import keras_tutorial_kit as ktk
from keras_tutorial_kit._deprecation import renamed_arguments

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


# --------------------------------------------------------- across releases
# After a release the public API changes only by additions and deprecations: every
# name and every parameter (name, kind, default) of every released snapshot
# (``tests/golden/<version>/public_api.json``) still exists, except parameters renamed
# through ``_deprecation.renamed_arguments`` (which keeps the old name working).

_POSITIONAL = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
_VARIADIC = ("VAR_POSITIONAL", "VAR_KEYWORD")
_RELEASED = sorted((_HERE / "golden").glob("*/public_api.json"))


def _parameter_breaks(
    path: str, old: list[dict], new: list[dict], renames: dict[str, str]
) -> list[str]:
    new_by_name = {parameter["name"]: parameter for parameter in new}
    breaks, kept = [], {}
    for parameter in old:
        name = parameter["name"]
        if name not in new_by_name and name in renames:
            name = renames[name]
        if name not in new_by_name:
            breaks.append(f"{path}: parameter `{parameter['name']}` was removed")
            continue
        kept[parameter["name"]] = name
        for field in ("kind", "default"):
            if new_by_name[name][field] != parameter[field]:
                breaks.append(
                    f"{path}: parameter `{name}` {field} changed from {parameter[field]} "
                    f"to {new_by_name[name][field]}"
                )
    old_positional = [
        kept[p["name"]] for p in old if p["kind"] in _POSITIONAL and p["name"] in kept
    ]
    new_positional = [p["name"] for p in new if p["kind"] in _POSITIONAL]
    if new_positional[: len(old_positional)] != old_positional:
        breaks.append(
            f"{path}: positional parameters reordered: {old_positional} -> {new_positional}"
        )
    for parameter in new:
        if (
            parameter["name"] not in kept.values()
            and parameter["default"] == generate_public_api.NO_DEFAULT
            and parameter["kind"] not in _VARIADIC
        ):
            breaks.append(f"{path}: new parameter `{parameter['name']}` has no default")
    return breaks


def api_breaks(
    released: dict[str, dict], current: dict[str, dict], renames: dict[str, dict[str, str]]
) -> list[str]:
    """What ``current`` removed or changed from ``released`` (additions are fine).

    Both are ``generate_public_api.public_api_structure()`` results; ``renames`` maps a
    public callable's path to its recorded ``old name -> new name`` renames.
    """
    breaks = []
    for path, entry in released.items():
        if path not in current:
            breaks.append(f"{path}: removed")
            continue
        now = current[path]
        if now["kind"] != entry["kind"]:
            breaks.append(f"{path}: was a {entry['kind']}, is now a {now['kind']}")
        elif entry["parameters"] is not None:
            if now["parameters"] is None:
                breaks.append(f"{path}: its signature can no longer be read")
            else:
                breaks += _parameter_breaks(
                    path, entry["parameters"], now["parameters"], renames.get(path, {})
                )
    return breaks


def _current_renames() -> dict[str, dict[str, str]]:
    return {
        path: generate_public_api.renamed_arguments(function)
        for path, function in generate_public_api.public_callables().items()
    }


def test_a_release_snapshot_is_frozen():
    assert _RELEASED, "no released API snapshot under tests/golden/<version>/public_api.json"


@pytest.mark.parametrize("snapshot", _RELEASED, ids=lambda path: path.parent.name)
def test_public_api_keeps_every_released_name_and_parameter(snapshot):
    released = json.loads(snapshot.read_text(encoding="utf-8"))
    current = generate_public_api.public_api_structure()
    for path in released.keys() - current.keys():  # a member may now be inherited
        if (entry := generate_public_api.describe(path)) is not None:
            current[path] = entry
    breaks = api_breaks(released, current, _current_renames())
    assert not breaks, (
        f"The public API of release {snapshot.parent.name} changed other than by additions "
        "and deprecations (rename an argument with _deprecation.renamed_arguments; keep "
        "old names working until their removal release):\n" + "\n".join(breaks)
    )


def _structure_of(function) -> dict[str, dict]:
    return {"f": {"kind": "def", "parameters": generate_public_api._parameters(function)}}


def _make(capacity, seed=None, *, size_hint=3):
    return capacity, seed, size_hint


def test_api_breaks_accepts_additions():
    def grown(capacity, seed=None, extra=1.0, *, size_hint=3, verbose=False, **kwargs):
        return capacity

    assert api_breaks(_structure_of(_make), _structure_of(grown), {}) == []
    assert api_breaks(_structure_of(_make), {**_structure_of(_make), "g": {}}, {}) == []


def test_api_breaks_reports_removed_names_and_parameters():
    def shrunk(capacity, *, size_hint=3):
        return capacity

    assert api_breaks(_structure_of(_make), {}, {}) == ["f: removed"]
    assert api_breaks(_structure_of(_make), _structure_of(shrunk), {}) == [
        "f: parameter `seed` was removed"
    ]


def test_api_breaks_reports_changed_defaults_kinds_and_order():
    def changed(capacity, seed=0, *, size_hint=3):
        return capacity

    def keyword_only(capacity, *, seed=None, size_hint=3):
        return capacity

    def reordered(seed=None, capacity=1, *, size_hint=3):
        return capacity

    assert api_breaks(_structure_of(_make), _structure_of(changed), {}) == [
        "f: parameter `seed` default changed from None to 0"
    ]
    assert api_breaks(_structure_of(_make), _structure_of(keyword_only), {}) == [
        "f: parameter `seed` kind changed from POSITIONAL_OR_KEYWORD to KEYWORD_ONLY",
        "f: positional parameters reordered: ['capacity', 'seed'] -> ['capacity']",
    ]
    breaks = api_breaks(_structure_of(_make), _structure_of(reordered), {})
    assert "f: positional parameters reordered" in breaks[-1]
    assert "f: parameter `capacity` default changed from <no default> to 1" in breaks


def test_api_breaks_reports_a_new_required_parameter():
    def required(capacity, seed=None, device=None, mode=None, *, size_hint=3, strict):
        return capacity

    assert api_breaks(_structure_of(_make), _structure_of(required), {}) == [
        "f: new parameter `strict` has no default"
    ]


def test_api_breaks_accepts_only_recorded_renames():
    @renamed_arguments("0.4.0", seed="rng_seed")
    def renamed(capacity, rng_seed=None, *, size_hint=3):
        return capacity

    current = _structure_of(renamed)
    assert current["f"]["parameters"][1]["name"] == "rng_seed"
    recorded = {"f": generate_public_api.renamed_arguments(renamed)}
    assert recorded == {"f": {"seed": "rng_seed"}}
    assert api_breaks(_structure_of(_make), current, recorded) == []
    assert api_breaks(_structure_of(_make), current, {}) == ["f: parameter `seed` was removed"]


def test_describe_finds_inherited_members_and_nothing_else():
    # keras.Model's own methods are inherited by every model; the snapshot lists only
    # the members a class defines, so a member moved to a base class is found this way.
    assert generate_public_api.describe("ktk.models.MLP.summary")["kind"] == "method"
    call = generate_public_api.describe("ktk.models.MLP.call")
    assert [p["name"] for p in call["parameters"]][:2] == ["self", "inputs"]
    assert generate_public_api.describe("ktk.rl.ReplayBuffer.position")["kind"] == "property"
    assert generate_public_api.describe("ktk.models.MLP.no_such_method") is None
    assert generate_public_api.describe("ktk.nowhere.MLP.call") is None
