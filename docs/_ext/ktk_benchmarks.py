"""``.. ktk-benchmark-results::``: the Benchmarks page, built from the result files.

Reads every committed ``benchmarks/results/**/*.json`` (through ``benchmarks/plots.py``)
and writes, in this order: one table of every goal and whether it is met; then per
benchmark a short section with its goals plot (alt text: the plot in words), and the
raw per-run tables, the other plots and the JSON file folded away in a ``<details>``
block, so the page stays short.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import sys
from typing import Any, ClassVar

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

import plots as report  # noqa: E402  (benchmarks/plots.py reads result files)

_ENVIRONMENT_KEYS = (
    "processor",
    "cpu_count",
    "gpus",
    "python",
    "numpy",
    "keras",
    "tensorflow",
    "jax",
    "time_utc",
)


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


def _literal(value: Any) -> Any:
    """A string from a result file as plain text in reST: markup characters escaped.

    Result files hold sampled text (``*x*``, ``__init__``, ``- item``) that reST would
    otherwise read as emphasis, links or lists.
    """
    if not isinstance(value, str):
        return value
    text = re.sub(r"([\\*`_|])", r"\\\1", value)
    if re.match(r"([-+]|#\.|\d+[.)])(\s|$)", text):
        text = "\\" + text
    return text


def _list_table(header: list[str], rows: list[list[Any]], widths: str = "") -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append(f"   :widths: {widths}")
    lines.append("")
    for row in [header, *rows]:
        cells = [_cell(v) for v in row]
        lines.append(f"   * - {cells[0]}")
        lines.extend(f"     - {c}" for c in cells[1:])
    lines.append("")
    return lines


def _title(text: str, char: str) -> list[str]:
    return [text, char * max(len(text), 4), ""]


def _where(document: dict[str, Any]) -> str:
    env = document.get("environment", {})
    return f"{env.get('backend', '?')}, {env.get('device', '?')}"


class BenchmarkResults(SphinxDirective):
    """Renders the goals table, then each benchmark's plot with its raw data folded."""

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
            for path, document in documents:
                self.env.note_dependency(str(path))
                lines += self._document(path, document)
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(
            self.state, StringList(lines, source="benchmarks/results"), container
        )
        return container.children

    def _summary(self, documents) -> list[str]:
        rows = []
        for path, document in documents:
            name = document.get("benchmark", path.stem)
            for check in report.goal_checks(document):
                rows.append(
                    [
                        f":ref:`{name} <ktk-bench-{name}>`",
                        _literal(report.readable(check["label"])),
                        f"{_cell(check['value'])} (goal {check['goal_text']})",
                        "met" if check["met"] else "**not met**",
                    ]
                )
        if not rows:
            return []
        met = sum(row[-1] == "met" for row in rows)
        places = sorted({_where(document) for _, document in documents})
        return [
            *_title("Goals at a glance", "-"),
            f"{met} of {len(rows)} goals met, measured on {' and '.join(places)}. Each row",
            "is a figure a benchmark checks against its goal. Ratios are ours over the",
            "reference (higher is better) unless the goal says ``<=``.",
            "",
            *_list_table(["benchmark", "measure", "value (goal)", "status"], rows, "18 46 24 12"),
        ]

    def _document(self, path: pathlib.Path, document: dict[str, Any]) -> list[str]:
        name = document.get("benchmark", path.stem)
        lines = [f".. _ktk-bench-{name}:", ""]
        lines += _title(f"{name} ({_where(document)})", "-")
        description = document.get("description")
        if isinstance(description, str) and description:
            # Markdown-style `code` in a result file reads as code, not italics.
            description = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", description)
            lines += [description.rstrip(".") + ".", ""]
        plots = report.plots_for(path)
        goals = [p for p in plots if p.stem.endswith("_goals")]
        others = [p for p in plots if p not in goals]
        for png in goals:
            lines += self._image(png, report.describe_goals(document))
        lines += [
            ".. raw:: html",
            "",
            '   <details class="ktk-raw"><summary>Raw results: per-run tables, environment'
            "</summary>",
            "",
        ]
        env = document.get("environment", {})
        facts = ", ".join(f"{key} {env[key]}" for key in _ENVIRONMENT_KEYS if key in env)
        json_link = os.path.relpath(path, self._here()).replace(os.sep, "/")
        lines += [
            f"From :download:`{path.relative_to(ROOT).as_posix()} <{json_link}>`. "
            f"Environment: {facts}.",
            "",
        ]
        for title, header, rows, shared in report.tables(document):
            lines += [f"**{_literal(report.readable(title))}**", ""]
            header = [_literal(report.readable(h)) for h in header]
            lines += _list_table(header, [[_literal(v) for v in row] for row in rows])
            if shared:
                same = "; ".join(
                    f"{_literal(report.readable(key))}: {_cell(_literal(value))}"
                    for key, value in shared.items()
                )
                lines += [f"Same in every row: {same}.", ""]
        for png in others:
            lines += self._image(png, report.describe_throughput(document))
        lines += [".. raw:: html", "", "   </details>", ""]
        return lines

    def _here(self) -> pathlib.Path:
        return (pathlib.Path(self.env.srcdir) / self.env.docname).parent

    def _image(self, png: pathlib.Path, alt: str) -> list[str]:
        uri = os.path.relpath(png, self._here()).replace(os.sep, "/")
        return [f".. image:: {uri}", f"   :alt: {alt}", "   :class: ktk-plot", ""]


def setup(app):
    app.add_directive("ktk-benchmark-results", BenchmarkResults)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
