"""The built documentation has no broken internal link or anchor and no image without alt text.

``test_built_site_links_resolve`` reads the HTML build at ``$KTK_DOCS_HTML`` (``.ci/run``
builds it with ``sphinx-build -W --keep-going -n docs docs/_build/html`` first) and is
skipped without it. Every ``href``/``src`` of every page that points inside the site
must name a file of the build, and its ``#fragment`` an ``id`` on that page; every
``<img>`` needs an ``alt`` text that says more than the file name. The other tests run
the same checker on a small site made here, so the checker itself is tested offline.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import posixpath
import urllib.parse
from html.parser import HTMLParser

import pytest

# Folders of a Sphinx build that hold assets, not pages.
_ASSET_DIRS = {"_static", "_sources", "_images", "_downloads"}
_EXTERNAL_SCHEMES = ("http:", "https:", "mailto:", "javascript:", "data:", "ftp:", "tel:")


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.images: list[tuple[str, str | None]] = []  # (src, alt)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(key):
                self.ids.add(attributes[key])
        for key in ("href", "src"):
            value = attributes.get(key)
            if value is not None and tag in ("a", "link", "script", "img", "iframe", "source"):
                self.links.append((tag, value))
        if tag == "img":
            self.images.append((attributes.get("src") or "", attributes.get("alt")))


@dataclasses.dataclass
class SiteReport:
    pages: int = 0
    links: int = 0
    anchors: int = 0
    images: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)


def _parse(path: pathlib.Path, cache: dict[pathlib.Path, _PageParser]) -> _PageParser:
    if path not in cache:
        parser = _PageParser()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = parser
    return cache[path]


def check_site(root: pathlib.Path) -> SiteReport:
    """Checks every internal link, anchor and image of the HTML pages under ``root``."""
    root = root.resolve()
    report = SiteReport()
    cache: dict[pathlib.Path, _PageParser] = {}
    pages = sorted(
        p for p in root.rglob("*.html") if not _ASSET_DIRS.intersection(p.relative_to(root).parts)
    )
    for page in pages:
        report.pages += 1
        name = page.relative_to(root).as_posix()
        parsed = _parse(page, cache)
        for src, alt in parsed.images:
            report.images += 1
            stem = posixpath.splitext(posixpath.basename(urllib.parse.urlsplit(src).path))[0]
            if not alt or not alt.strip() or alt.strip() in (stem, posixpath.basename(src)):
                report.problems.append(f"{name}: image {src!r} has no alt text (alt={alt!r})")
        for tag, url in parsed.links:
            if url.lower().startswith(_EXTERNAL_SCHEMES) or url.startswith("//"):
                continue
            split = urllib.parse.urlsplit(url)
            fragment = urllib.parse.unquote(split.fragment)
            if not split.path:
                target = page
            else:
                target = (page.parent / urllib.parse.unquote(split.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
            report.links += 1
            if root not in target.parents and target != root:
                report.problems.append(f"{name}: <{tag}> {url!r} points outside the site")
                continue
            if not target.is_file():
                report.problems.append(f"{name}: <{tag}> {url!r}: no such file")
                continue
            if fragment and target.suffix == ".html":
                report.anchors += 1
                if fragment not in _parse(target, cache).ids:
                    report.problems.append(f"{name}: <{tag}> {url!r}: no id {fragment!r} there")
    return report


# --- the checker, on a small site -----------------------------------------------------


def _write(path: pathlib.Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")


def test_checker_accepts_a_sound_site(tmp_path):
    _write(
        tmp_path / "index.html",
        '<p id="top"></p><a href="sub/page.html#part">x</a><a href="#top">top</a>',
    )
    _write(tmp_path / "sub" / "page.html", '<h1 id="part">x</h1><a href="../index.html">up</a>')
    (tmp_path / "sub" / "plot.png").write_bytes(b"png")
    _write(tmp_path / "sub" / "other.html", '<img src="plot.png" alt="Bar chart of speed">')
    _write(tmp_path / "top.html", '<a href="https://example.org/#x">out</a><a href="sub/">sub</a>')
    _write(tmp_path / "sub" / "index.html", "")
    report = check_site(tmp_path)
    assert report.problems == []
    assert (report.pages, report.links, report.images) == (5, 5, 1)


def test_checker_reports_missing_file_anchor_and_alt(tmp_path):
    _write(
        tmp_path / "index.html",
        '<a href="gone.html">a</a><a href="page.html#nowhere">b</a><a href="#here">c</a>'
        '<img src="_images/plot.png"><img src="x/plot.png" alt="plot">',
    )
    _write(tmp_path / "page.html", '<h1 id="somewhere">x</h1>')
    for image in ("_images/plot.png", "x/plot.png"):
        (tmp_path / image).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / image).write_bytes(b"png")
    problems = check_site(tmp_path).problems
    assert len(problems) == 5, problems
    assert any("gone.html" in p and "no such file" in p for p in problems)
    assert any("'nowhere'" in p for p in problems)
    assert any("'here'" in p for p in problems)
    assert sum("no alt text" in p for p in problems) == 2


# --- the real build ---------------------------------------------------------------------


def test_built_site_links_resolve():
    existing = os.environ.get("KTK_DOCS_HTML")
    if not existing:
        pytest.skip("set KTK_DOCS_HTML to an HTML build (sphinx-build ... docs docs/_build/html)")
    root = pathlib.Path(existing)
    assert (root / "index.html").is_file(), f"KTK_DOCS_HTML={existing} holds no HTML build"
    report = check_site(root)
    print(
        f"docs links: {report.links} internal links ({report.anchors} with an anchor) and "
        f"{report.images} images checked on {report.pages} pages; "
        f"{len(report.problems)} problems"
    )
    assert report.pages > 20 and report.links > 1000, report
    assert report.problems == [], "\n".join(report.problems[:30])
