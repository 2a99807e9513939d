"""Every release's golden artifacts still load, with identical outputs, on every backend.

``tests/golden/<version>/<artifact>/`` was written by ``tests/golden/generate.py`` when
``<version>`` was released (on TensorFlow). Each artifact is loaded with today's code
and replayed (``tests/golden/replay.py``): integer outputs, samples, stored contents and
configs must be identical (a config may gain keys), floating-point model outputs equal
within the manifest's ``rtol`` (with an absolute floor of ``rtol * max|expected|``, the
``assert_close`` rule). A failure names the release, the artifact and every output that
differs. On a backend the artifact's manifest does not list (the class did not support
it in that release), an artifact that does not load is skipped; one that loads must match.

Seeded draws of the text sampler (``replay.seeded_draws``) are identical only within a
minor release. Against a golden of another major.minor they must lie in the support the
saved config allows for the saved logits, repeat under the same seed, and outputs
computed from them (``CharRNN`` logits) must match with the golden's draws fed back in.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re

import keras
import numpy as np
import pytest

import keras_tutorial_kit as ktk

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


def _manifest(folder: pathlib.Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _support(logits, temperature, top_k, top_p, min_p, slack=1e-6) -> np.ndarray:
    """Which ids the filters allow per row, in float64 NumPy (ties and ``slack`` kept).

    ``softmax(logits / temperature)``; ``top_k`` keeps the ``top_k`` largest; ``top_p``
    then keeps, of what is left, the largest until their mass reaches ``top_p``;
    ``min_p`` then keeps probabilities at least ``min_p`` times the largest.
    """
    z = np.asarray(logits, np.float64) / temperature
    p = np.exp(z - z.max(axis=1, keepdims=True))
    if top_k is not None and top_k < p.shape[1]:
        kth = -np.sort(-p, axis=1)[:, top_k - 1 : top_k]
        p = np.where(p >= kth * (1 - slack), p, 0.0)
    if top_p is not None and top_p < 1.0:
        largest = -np.sort(-p, axis=1)
        before = (np.cumsum(largest, axis=1) - largest) / largest.sum(axis=1, keepdims=True)
        kept = np.count_nonzero(before < top_p + slack, axis=1)
        last = largest[np.arange(len(p)), kept - 1, None]
        p = np.where(p >= last * (1 - slack), p, 0.0)
    if min_p:
        p = np.where(p >= min_p * (1 - slack), p, 0.0)
    return p > 0


def _check_draws(label, folder, manifest, load, run, inputs, expected, outputs, assert_close):
    """Lines saying how the seeded draws break the cross-release promise (none if kept)."""
    draws = replay.seeded_draws(manifest)
    again = run(load(folder, manifest), inputs, manifest["arguments"])
    problems = []
    for name, draw in sorted(draws.items()):
        filters = [draw[key] for key in ("temperature", "top_k", "top_p", "min_p")]
        for who, ids, drawn_from in (
            ("golden", expected[name], {**inputs, **expected}),
            ("replay", np.asarray(outputs[name]), {**inputs, **outputs}),
        ):
            logits = np.asarray(drawn_from[draw["logits"]])  # generated_logits: its own
            allowed = _support(logits.reshape(-1, logits.shape[-1]), *filters)
            if ids.shape != expected[name].shape or ids.dtype != expected[name].dtype:
                problems.append(
                    f"{name} ({who}): {ids.dtype}{ids.shape}, expected "
                    f"{expected[name].dtype}{expected[name].shape}"
                )
                continue
            flat = ids.reshape(-1)
            inside = (flat >= 0) & (flat < allowed.shape[1])
            inside[inside] = allowed[np.flatnonzero(inside), flat[inside]]
            if not inside.all():
                problems.append(
                    f"{name} ({who}): ids {flat[~inside].tolist()} at "
                    f"{np.flatnonzero(~inside).tolist()} are outside the support"
                )
        if not np.array_equal(np.asarray(again[name]), np.asarray(outputs[name])):
            problems.append(f"{name}: the same seed drew other ids on a second replay")
    if manifest["kind"] == "char_rnn":
        model, golden_logits = load(folder, manifest), expected["generated_logits"]
        forced = replay.char_rnn_forced_logits(
            model, inputs, manifest["arguments"], expected["generated_ids"]
        )
        if line := _difference(
            label,
            "generated_logits (golden ids fed back)",
            "allclose",
            forced,
            golden_logits,
            manifest["rtol"],
            assert_close,
        ):
            problems.append(line)
        greedy = ktk.samplers.TemperatureSampler(temperature=0.0)
        ids, logits = model.generate(
            inputs["prompt"],
            length=manifest["arguments"]["length"],
            sampler=greedy,
            return_logits=True,
        )
        if line := _difference(
            label,
            "greedy first-step logits",
            "allclose",
            logits[:, 0],
            golden_logits[:, 0],
            manifest["rtol"],
            assert_close,
        ):
            problems.append(line)
        if not np.array_equal(ids[:, 0], golden_logits[:, 0].argmax(axis=1)):
            problems.append(f"greedy first ids {ids[:, 0]} are not the golden logits' argmax")
        if not np.array_equal(ids, np.asarray(logits).argmax(axis=2)):
            problems.append("greedy ids are not the argmax of their logits")
    return problems


def _replay_golden(folder, assert_close, running_version):
    label = f"golden {folder.parent.name}/{folder.name}"
    manifest = _manifest(folder)
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
    inputs = _load_npz(folder / "inputs.npz")
    outputs = run(obj, inputs, manifest["arguments"])
    missing = sorted(set(expected) - set(outputs))
    assert not missing, f"{label}: replay no longer produces {missing}"
    same_minor = replay.minor_release(folder.parent.name) == replay.minor_release(running_version)
    drawn = set() if same_minor else set(replay.seeded_draws(manifest))
    drawn |= set() if same_minor else set(replay.DRAW_DEPENDENT.get(manifest["kind"], ()))
    differences = [
        line
        for name, mode in sorted(manifest["outputs"].items())
        if name not in drawn
        and (
            line := _difference(
                label, name, mode, outputs[name], expected[name], manifest["rtol"], assert_close
            )
        )
    ]
    if drawn:
        differences += _check_draws(
            label, folder, manifest, load, run, inputs, expected, outputs, assert_close
        )
    assert not differences, (
        f"{label} ({manifest['description']}): {len(differences)} output(s) differ from "
        f"release {folder.parent.name} (running {running_version}):\n" + "\n".join(differences)
    )


@pytest.mark.parametrize(
    "folder",
    _artifact_folders(),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_golden_artifact_replays_identically(folder, assert_close):
    _replay_golden(folder, assert_close, ktk.__version__)


_WITH_DRAWS = [f for f in _artifact_folders() if replay.seeded_draws(_manifest(f))]


@pytest.mark.parametrize("folder", _WITH_DRAWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_seeded_draws_hold_across_a_minor_release(folder, assert_close, monkeypatch):
    major, minor = replay.minor_release(folder.parent.name)
    monkeypatch.setattr(ktk, "__version__", f"{major}.{minor + 1}.0.dev0")
    _replay_golden(folder, assert_close, ktk.__version__)


def test_which_outputs_are_seeded_draws():
    marked = {f"{f.parent.name}/{f.name}": replay.seeded_draws(_manifest(f)) for f in _WITH_DRAWS}
    assert sorted(marked["0.1.0/char_rnn"]) == ["generated_ids"]
    sampler = marked["0.1.0/sampler"]
    assert len(sampler) == 4 * 4 + 2 * 2  # four seeded samplers, two sample_logits calls
    assert not any(name.startswith("sampler4_") for name in sampler), "greedy is not a draw"
    assert sampler["sample_logits1_large_vocab"] == {
        "logits": "large_logits",
        "temperature": 1.1,
        "top_k": 5,
        "top_p": 0.7,
        "min_p": None,
    }
    assert replay.minor_release("0.1.0") == replay.minor_release("0.1.7") == (0, 1)
    assert replay.minor_release("0.2.0.dev0") == (0, 2)
    with pytest.raises(ValueError, match=r"0\.2"):
        replay.minor_release("0.2")


def test_support_follows_the_filters():
    logits = np.array([[*np.log([0.4, 0.3, 0.2, 0.1]), -np.inf]])
    assert _support(logits, 1.0, None, None, None).tolist() == [[1, 1, 1, 1, 0]]
    assert _support(logits, 1.0, 2, None, None).tolist() == [[1, 1, 0, 0, 0]]
    assert _support(logits, 1.0, None, 0.65, None).tolist() == [[1, 1, 0, 0, 0]]
    assert _support(logits, 1.0, None, 0.75, None).tolist() == [[1, 1, 1, 0, 0]]
    # top_p counts the mass top_k leaves: 0.4 + 0.3 is 0.78 of 0.9, past 0.75.
    assert _support(logits, 1.0, 3, 0.75, None).tolist() == [[1, 1, 0, 0, 0]]
    assert _support(2 * logits, 2.0, 1, None, None).tolist() == [[1, 0, 0, 0, 0]]
    assert _support(logits, 1.0, None, None, 0.5).tolist() == [[1, 1, 1, 0, 0]]
