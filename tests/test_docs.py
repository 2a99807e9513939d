"""The documentation: its examples run, and every public name is in the API reference.

* ``test_page_examples_run``: the ``>>>`` code of the Getting started and tutorial pages
  runs (on the backend under test), so the pages cannot rot.
* The API checks build the docs with ``sphinx-build -W --keep-going -n`` (or read the
  build at ``$KTK_DOCS_HTML``, as ``.ci/run`` does after its docs build) and fail when a
  public name of a subpackage's ``__all__`` is missing from the API pages, is shown as
  ``(*args, **kwargs)``, or lost its example. They need the ``docs`` extra and are
  skipped without it.
"""

from __future__ import annotations

import doctest
import html
import importlib
import inspect
import os
import pathlib
import re
import shutil
import zlib

import keras
import pytest

import keras_tutorial_kit as ktk

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The subpackages, and the chapters (``ktk.examples``, not imported by ``import
# keras_tutorial_kit`` but public: the command line and the tutorials use them).
SUBPACKAGES = (*(name for name in ktk.__all__ if not name.startswith("_")), "examples")
_SKIPPED_DIRS = {"_build", "_templates", "_ext", "generated"}


def _pages_with_examples() -> list[pathlib.Path]:
    pages = []
    for path in sorted(DOCS.rglob("*.rst")):
        if _SKIPPED_DIRS.intersection(path.relative_to(DOCS).parts):
            continue
        if ">>>" in path.read_text(encoding="utf-8"):
            pages.append(path)
    return pages


def test_docs_have_runnable_pages():
    names = {p.relative_to(DOCS).as_posix() for p in _pages_with_examples()}
    assert "getting_started.rst" in names
    assert any(name.startswith("tutorials/") for name in names)


@pytest.mark.parametrize(
    "page", _pages_with_examples(), ids=lambda p: p.relative_to(DOCS).as_posix()
)
def test_page_examples_run(page, tmp_path, monkeypatch):
    text = page.read_text(encoding="utf-8")
    # A page can limit its examples to some backends with the reST comment
    # ``.. ktk-doctest-backends: tensorflow`` (e.g. a page about a tf.data pipeline).
    backends = re.search(r"^\.\. ktk-doctest-backends:(.*)$", text, re.MULTILINE)
    if backends and keras.backend.backend() not in backends.group(1).split():
        pytest.skip(f"{page.name} runs on {backends.group(1).strip()} only")
    monkeypatch.chdir(tmp_path)  # pages save models to the working directory
    test = doctest.DocTestParser().get_doctest(text, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=True)
    assert test.examples, f"{page} has no examples"
    assert runner.failures == 0, "".join(report)


# --- the built API reference --------------------------------------------------------


def _read_inventory(path: pathlib.Path) -> dict[str, tuple[str, str]]:
    """``name -> (domain:role, uri)`` from a Sphinx ``objects.inv`` (version 2)."""
    raw = path.read_bytes()
    lines = raw.split(b"\n", 4)
    assert lines[0].rstrip() == b"# Sphinx inventory version 2", lines[0]
    entries = {}
    for line in zlib.decompress(lines[4]).decode("utf-8").splitlines():
        match = re.match(r"(.+?)\s+(\S+:\S+)\s+(-?\d+)\s+(\S*)\s+(.*)", line)
        if match:
            name, role, _, uri, _ = match.groups()
            if uri.endswith("$"):
                uri = uri[:-1] + name
            entries[name] = (role, uri)
    return entries


@pytest.fixture(scope="module")
def built_html(tmp_path_factory) -> pathlib.Path:
    existing = os.environ.get("KTK_DOCS_HTML")
    if existing:
        path = pathlib.Path(existing).resolve()
        assert (path / "objects.inv").is_file(), f"KTK_DOCS_HTML={existing} holds no HTML build"
        return path
    pytest.importorskip("sphinx", reason="the docs extra is not installed")
    pytest.importorskip("furo", reason="the docs extra is not installed")
    pytest.importorskip("myst_parser", reason="the docs extra is not installed")
    from sphinx.cmd.build import build_main

    # Build a copy so that autosummary's generated pages do not land in the checkout.
    root = tmp_path_factory.mktemp("docs-root")
    shutil.copytree(DOCS, root / "docs", ignore=shutil.ignore_patterns("_build", "generated"))
    shutil.copytree(
        ROOT / "benchmarks", root / "benchmarks", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    out = root / "html"
    status = build_main(
        ["-W", "--keep-going", "-n", "-q", "-b", "html", str(root / "docs"), str(out)]
    )
    assert status == 0, (
        "sphinx-build -W --keep-going -n reported warnings or errors (see the output above)"
    )
    return out


def _public_names() -> list[tuple[str, str, object]]:
    names = []
    for subpackage in SUBPACKAGES:
        module = importlib.import_module(f"keras_tutorial_kit.{subpackage}")
        for name in module.__all__:
            names.append((subpackage, name, getattr(module, name)))
    return names


def test_every_subpackage_has_an_api_page(built_html):
    inventory = _read_inventory(built_html / "objects.inv")
    missing = [
        s for s in SUBPACKAGES if inventory.get(f"keras_tutorial_kit.{s}", ("",))[0] != "py:module"
    ]
    assert missing == [], f"subpackages without an API page: {missing}"


@pytest.mark.parametrize(
    ("subpackage", "name", "obj"), _public_names(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_public_name_is_documented(built_html, subpackage, name, obj):
    inventory = _read_inventory(built_html / "objects.inv")
    full = f"keras_tutorial_kit.{subpackage}.{name}"
    assert full in inventory, f"{full} is public (in __all__) but missing from the API pages"
    role, uri = inventory[full]
    if inspect.ismodule(obj):
        expected = "py:module"
    elif inspect.isclass(obj):
        expected = "py:exception" if issubclass(obj, BaseException) else "py:class"
    else:
        expected = "py:function" if callable(obj) else "py:data"
    assert role == expected, f"{full} is documented as {role}, expected {expected}"
    if inspect.ismodule(obj):
        return

    page = (built_html / uri.split("#")[0]).read_text(encoding="utf-8")
    anchor = page.find(f'id="{full}"')
    assert anchor >= 0, f"{full}: no anchor on {uri}"
    end = page.find("</dt>", anchor)
    signature = html.unescape(re.sub(r"<[^>]+>", "", page[anchor:end]))
    if callable(obj):
        target = obj.__init__ if inspect.isclass(obj) else obj
        parameters = [
            p
            for p in inspect.signature(target).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        for parameter in parameters:
            assert parameter.name in signature, (
                f"{full}: signature {signature!r} lacks {parameter.name!r}"
            )
        if parameters:
            assert "*args" not in signature, f"{full} is shown as {signature!r}"
    if ">>>" in (inspect.getdoc(obj) or ""):
        body = page[anchor:]
        assert ">&gt;&gt;" in body or "&gt;&gt;&gt;" in body, f"{full}: its Example is not on {uri}"
