"""Every release's golden artifacts still load, with identical outputs, on every backend.

``tests/golden/<version>/<artifact>/`` was written by ``tests/golden/generate.py`` when
``<version>`` was released (on TensorFlow). Each artifact is loaded with today's code
and replayed (``tests/golden/replay.py``): integer outputs, samples, stored contents and
configs must be identical (a config may gain keys), floating-point model outputs equal
within the manifest's ``rtol`` (with an absolute floor of ``rtol * max|expected|``, the
``assert_close`` rule). A failure names the release, the artifact and every output that
differs. On a backend the artifact's manifest does not list (the class did not support
it in that release), an artifact that does not load is skipped; one that loads must match.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re

import keras
import numpy as np
import pytest

GOLDEN = pathlib.Path(__file__).parent / "golden"
MAX_TOTAL_BYTES = 5 * 1024 * 1024

_spec = importlib.util.spec_from_file_location("golden_replay", GOLDEN / "replay.py")
replay = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(replay)


def _release_folders() -> list[pathlib.Path]:
    return sorted(
        p for p in GOLDEN.iterdir() if p.is_dir() and re.fullmatch(r"\d+\.\d+\.\d+", p.name)
    )


def _artifact_folders() -> list[pathlib.Path]:
    return [
        a
        for r in _release_folders()
        for a in sorted(r.iterdir())
        if (a / "manifest.json").is_file()
    ]


def _load_npz(path: pathlib.Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _difference(label, name, mode, actual, expected, rtol, assert_close) -> str | None:
    """``None`` if ``actual`` matches ``expected``, else a line saying how it differs."""
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        return f"{name}: shape {actual.shape}, expected {expected.shape}"
    if mode == "exact":
        if actual.dtype != expected.dtype:
            return f"{name}: dtype {actual.dtype}, expected {expected.dtype}"
        if not np.array_equal(actual, expected, equal_nan=expected.dtype.kind == "f"):
            where = np.argwhere(actual != expected)[:5]
            got = [actual[tuple(index)].tolist() for index in where]
            wanted = [expected[tuple(index)].tolist() for index in where]
            return f"{name}: not identical at {where.tolist()}: got {got}, expected {wanted}"
        return None
    try:
        assert_close(f"{label}: {name}", actual, expected, rtol=rtol)
    except AssertionError as error:
        return f"{name}: differs beyond rtol={rtol}:\n{error}"
    return None


def test_every_release_has_goldens():
    released = re.findall(
        r"^## \[(\d+\.\d+\.\d+)\]", (GOLDEN.parent.parent / "CHANGELOG.md").read_text(), re.M
    )
    assert released, "CHANGELOG.md names no release"
    missing = [v for v in released if not (GOLDEN / v / "public_api.json").is_file()]
    assert not missing, (
        f"no goldens for the released version(s) {missing}: run tests/golden/generate.py "
        "on the release commit (see docs/versioning.rst)"
    )
    for release in _release_folders():
        assert any((a / "manifest.json").is_file() for a in release.iterdir()), release


def test_goldens_stay_small():
    sizes = {p: p.stat().st_size for p in GOLDEN.rglob("*") if p.is_file()}
    total = sum(sizes.values())
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:5]
    assert total < MAX_TOTAL_BYTES, f"goldens take {total} bytes; largest: {largest}"


@pytest.mark.parametrize("folder", _artifact_folders(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_artifact_replays_identically(folder, assert_close):
    label = f"golden {folder.parent.name}/{folder.name}"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["golden_format"] <= replay.GOLDEN_FORMAT, (
        f"{label}: golden format {manifest['golden_format']} is newer than this test knows"
    )
    assert manifest["kind"] in replay.KINDS, f"{label}: unknown kind {manifest['kind']!r}"
    load, run = replay.KINDS[manifest["kind"]]
    backend = keras.backend.backend()
    supported = backend in manifest.get("backends", [backend])
    try:
        obj = load(folder, manifest)
    except Exception as error:
        if not supported:
            pytest.skip(f"{label}: release {folder.parent.name} did not support {backend}: {error}")
        pytest.fail(f"{label}: {manifest['file']} no longer loads: {type(error).__name__}: {error}")

    config = replay.config_differences(
        manifest["config"], replay.config_of(obj), renames=replay.renamed_arguments(obj)
    )
    assert not config, f"{label} ({manifest['description']}): config changed:\n" + "\n".join(config)

    expected = _load_npz(folder / "expected.npz")
    assert sorted(expected) == sorted(manifest["outputs"]), (
        f"{label}: manifest and expected.npz disagree"
    )
    outputs = run(obj, _load_npz(folder / "inputs.npz"), manifest["arguments"])
    missing = sorted(set(expected) - set(outputs))
    assert not missing, f"{label}: replay no longer produces {missing}"
    differences = [
        line
        for name, mode in sorted(manifest["outputs"].items())
        if (
            line := _difference(
                label, name, mode, outputs[name], expected[name], manifest["rtol"], assert_close
            )
        )
    ]
    assert not differences, (
        f"{label} ({manifest['description']}): {len(differences)} output(s) differ from "
        f"release {folder.parent.name}:\n" + "\n".join(differences)
    )
