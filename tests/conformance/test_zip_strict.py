"""``zip(..., strict=True)`` wherever two sequences must match (STYLE.md), in src/ and tests/.

A ``zip`` over two or more sequences without ``strict=True`` lets a length mismatch pass
silently (issue 9, defect 6). Checked on the syntax tree of every Python file.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = sorted(
    path.relative_to(ROOT).as_posix()
    for folder in ("src", "tests")
    for path in (ROOT / folder).rglob("*.py")
)


def _non_strict_zips(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "zip"):
            continue
        if len(node.args) < 2 and not any(isinstance(a, ast.Starred) for a in node.args):
            continue
        strict = next((k.value for k in node.keywords if k.arg == "strict"), None)
        if not (isinstance(strict, ast.Constant) and strict.value is True):
            lines.append(node.lineno)
    return lines


def test_finds_a_non_strict_zip():
    assert _non_strict_zips("zip(a, b)\nzip(a, b, strict=False)\nzip(*rows)\n") == [1, 2, 3]
    assert _non_strict_zips("zip(a, b, strict=True)\nzip(a)\n") == []


@pytest.mark.parametrize("path", FILES)
def test_every_zip_is_strict(path):
    lines = _non_strict_zips((ROOT / path).read_text(encoding="utf-8"))
    assert not lines, f"{path}: zip without strict=True on lines {lines}"
