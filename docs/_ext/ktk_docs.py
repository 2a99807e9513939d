"""Sphinx extension for the keras-tutorial-kit docs.

* ``autodoc-process-signature``: Keras defines ``__new__`` on layers, models, losses
  and metrics, so autodoc shows every subclass as ``(*args, **kwargs)``; this hook
  reports the signature of the class's own ``__init__`` instead.
* ``autodoc-process-docstring`` (before napoleon): turns section headers such as
  ``Call arguments (``update_state``):``, which napoleon does not recognise, into
  ``Call arguments:``-style sections with the method named in the first line.
* ``.. ktk-benchmark-results::``: tables (and the plots ``benchmarks/run.py``
  wrote) generated from the committed ``benchmarks/results/**/*.json``.
"""

from __future__ import annotations

import importlib
import inspect
import math
import os
import pathlib
import re
import sys
from typing import Any, ClassVar

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.inspect import signature as sphinx_signature
from sphinx.util.inspect import stringify_signature
from sphinx.util.nodes import nested_parse_with_titles

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

import plots as report  # noqa: E402  (benchmarks/plots.py reads result files)

logger = logging.getLogger(__name__)

_PACKAGE = "keras_tutorial_kit"


# --- signatures --------------------------------------------------------------------


def _init_signature(app, what, name, obj, options, signature, return_annotation):
    """Reports ``__init__``'s signature for the package's classes."""
    if what not in ("class", "exception") or not inspect.isclass(obj):
        return None
    if not obj.__module__.startswith(_PACKAGE):
        return None
    init = obj.__init__
    if init is object.__init__:
        return None
    try:
        sig = sphinx_signature(
            init, bound_method=True, type_aliases=app.config.autodoc_type_aliases
        )
    except (TypeError, ValueError):
        return None
    text = stringify_signature(
        sig,
        show_return_annotation=False,
        unqualified_typehints=app.config.python_use_unqualified_type_names,
    )
    return text, None


# --- docstrings --------------------------------------------------------------------

_QUALIFIED_SECTION = re.compile(r"^(?P<indent>\s*)Call arguments \((?P<what>[^)]*)\):\s*$")


def _normalise_sections(app, what, name, obj, options, lines):
    """Rewrites ``Call arguments (``x``):`` so napoleon parses it as a section."""
    for i, line in enumerate(lines):
        match = _QUALIFIED_SECTION.match(line)
        if match:
            what_text = match.group("what").strip()
            lines[i] = f"{match.group('indent')}Call arguments:"
            # Say which call the arguments belong to, as napoleon would drop it.
            lines.insert(i, "")
            lines.insert(
                i, f"{match.group('indent')}The call arguments below are those of {what_text}."
            )


# --- references to the package's non-public names ------------------------------------


def _lookup(path: str) -> bool:
    """Whether the dotted ``path`` (module, then attributes) names an object."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            if not hasattr(obj, attribute):
                return False
            obj = getattr(obj, attribute)
        return True
    return False


def _resolve_internal(target: str) -> bool:
    """Whether ``target`` names a real object of the package, public or not."""
    if target.startswith(f"{_PACKAGE}."):
        return _lookup(target)
    if not target or not target.replace(".", "").replace("_", "").isalnum():
        return False
    head = target.split(".")[0]
    modules = [
        m for name, m in list(sys.modules.items()) if name.startswith(_PACKAGE) and m is not None
    ]
    return any(hasattr(m, head) and _lookup(f"{m.__name__}.{target}") for m in modules)


def _internal_reference(app, env, node, contnode):
    """Shows a reference to one of the package's non-public names as plain text.

    Public methods return helper types (named tuples, histories) that are not in any
    ``__all__`` and so have no page; such a reference is not an error. A reference to a
    name that does not exist still warns.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if _resolve_internal(target):
        return contnode
    return None


# --- benchmark results -------------------------------------------------------------


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    text = str(value).replace("|", "/").replace("\n", " ")
    return text or " "


def _list_table(header: list[str], rows: list[list[Any]], indent: str = "") -> list[str]:
    lines = [f"{indent}.. list-table::", f"{indent}   :header-rows: 1", ""]
    for row in [header, *rows]:
        cells = [_cell(v) for v in row]
        lines.append(f"{indent}   * - {cells[0]}")
        lines.extend(f"{indent}     - {c}" for c in cells[1:])
    lines.append("")
    return lines


def _title(text: str, char: str) -> list[str]:
    return [text, char * max(len(text), 4), ""]


class BenchmarkResults(SphinxDirective):
    """Renders every ``benchmarks/results/**/*.json`` as tables, with its plots."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        documents = report.load_results(RESULTS)
        lines: list[str] = []
        if not documents:
            lines += [
                "No benchmark results are committed yet: run ``python benchmarks/run.py``.",
                "",
            ]
        else:
            lines += self._summary(documents)
            shown: set[pathlib.Path] = set()
            for path, document in documents:
                self.env.note_dependency(str(path))
                lines += self._document(path, document)
                shown.update(report.plots_for(path))
            others = sorted(set(RESULTS.rglob("*.png")) - shown)
            if others:
                lines += _title("Other plots", "-")
                lines += ["Plots the benchmarks drew themselves.", ""]
                for png in others:
                    lines += [f"``{png.relative_to(ROOT).as_posix()}``", ""]
                    lines += self._image(png)
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(
            self.state, StringList(lines, source="benchmarks/results"), container
        )
        return container.children

    def _summary(self, documents) -> list[str]:
        rows = []
        for path, document in documents:
            env = document.get("environment", {})
            for check in report.goal_checks(document):
                rows.append(
                    [
                        document.get("benchmark", path.stem),
                        check["label"],
                        f"{env.get('backend', '?')} / {env.get('device', '?')}",
                        check["value"],
                        check["goal_text"],
                        "met" if check["met"] else "**not met**",
                    ]
                )
        if not rows:
            return []
        return [
            *_title("Goals at a glance", "-"),
            "Each row is a figure a benchmark checks against its goal, read from the result",
            "files below. Ratios are ours over the reference (higher is better) unless the goal",
            "says *at most*.",
            "",
            *_list_table(
                ["benchmark", "measure", "backend / device", "value", "goal", "status"], rows
            ),
        ]

    def _document(self, path: pathlib.Path, document: dict[str, Any]) -> list[str]:
        name = document.get("benchmark", path.stem)
        env = document.get("environment", {})
        relative = path.relative_to(ROOT).as_posix()
        lines = _title(f"{name} ({env.get('backend', '?')}, {env.get('device', '?')})", "-")
        facts = ", ".join(
            f"{key} {env[key]}"
            for key in (
                "processor",
                "cpu_count",
                "gpus",
                "keras",
                "tensorflow",
                "jax",
                "numpy",
                "python",
                "time_utc",
            )
            if key in env
        )
        lines += [f"From ``{relative}``. Environment: {facts}.", ""]
        description = document.get("description")
        if isinstance(description, str) and description:
            lines += [description, ""]
        for title, header, rows, shared in report.tables(document):
            lines += [f"**{title}**", ""]
            lines += _list_table(header, rows)
            if shared:
                same = "; ".join(f"{key}: {_cell(value)}" for key, value in shared.items())
                lines += [f"Same in every row: {same}.", ""]
        for png in report.plots_for(path):
            lines += self._image(png)
        return lines

    def _image(self, png: pathlib.Path) -> list[str]:
        here = (pathlib.Path(self.env.srcdir) / self.env.docname).parent
        uri = os.path.relpath(png, here).replace(os.sep, "/")
        return [f".. image:: {uri}", f"   :alt: {png.stem}", ""]


def setup(app):
    app.connect("autodoc-process-signature", _init_signature)
    # Before sphinx.ext.napoleon (priority 500) so that it sees standard sections.
    app.connect("autodoc-process-docstring", _normalise_sections, priority=400)
    app.connect("missing-reference", _internal_reference)
    app.add_directive("ktk-benchmark-results", BenchmarkResults)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
