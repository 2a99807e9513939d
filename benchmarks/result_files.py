"""Reading benchmark result files: their goals, and their figures as tables.

Used by ``plots.py`` (the PNG plots ``benchmarks/run.py`` draws next to the JSON) and by
the docs' Benchmarks page (the goals table and the raw tables). Works on any result file written by ``_common.save_results``; a figure
that has a goal is recognised by this convention, at any depth of the JSON:

* a dict with a numeric ``goal`` (the figure must be at least this) or ``goal_max``
  (at most this), and the figure itself under the first of :data:`VALUE_KEYS` present;
* or sibling keys ``<x>`` (or ``<x>_ratio``) and ``<x>_goal`` / ``<x>_goal_max``;
* or a goal table, ``{"speedup": 4.8, "goal": {"speedup": 4.5, "met": true}}``
  (see :func:`goal_checks`), where a key ``<x>_at_most`` is a ceiling on ``<x>``.
"""

from __future__ import annotations

import json
import math
import numbers
import pathlib
from typing import Any

VALUE_KEYS = ("ratio", "speedup", "fraction", "value", "median_s", "seconds")
LABEL_KEYS = (
    "label",
    "name",
    "case",
    "model",
    "component",
    "phase",
    "mode",
    "metric",
    "vocab",
    "batch",
)
SKIP_TOP_LEVEL = ("benchmark", "environment", "description", "run_options")
#: Goal-table figures that are ceilings (*at most*) though their key has no ``_at_most``:
#: written before that convention. ``text_goals``' every-step / last-step bits per
#: character must be at most 0.85 (issue 13).
CEILING_FIGURES = frozenset({"bpc_ratio"})


def is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_timing(value: Any) -> bool:
    return isinstance(value, dict) and "median_s" in value and is_number(value["median_s"])


def load_results(directory: pathlib.Path) -> list[tuple[pathlib.Path, dict[str, Any]]]:
    """Every ``*.json`` result under ``directory`` (recursively), sorted by path.

    Files that are not benchmark results (no ``benchmark`` key) are skipped.
    """
    documents = []
    if not directory.is_dir():
        return documents
    for path in sorted(directory.rglob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, dict) and "benchmark" in document:
            documents.append((path, document))
    return documents


def _label(node: dict[str, Any], path: list[str]) -> str:
    parts = []
    for key in LABEL_KEYS:
        value = node.get(key)
        if isinstance(value, str):
            parts.append(value)
        elif is_number(value):
            parts.append(f"{key} {value:g}")
    generic = ("results", "rows", "cases")
    return " / ".join(
        parts or [p for p in path if not p.isdigit() and p not in generic] or ["value"]
    )


def _check(label: str, value: float, goal: float, at_most: bool) -> dict[str, Any]:
    met = value <= goal if at_most else value >= goal
    if math.isnan(value):
        met = False
    return {
        "label": label,
        "value": value,
        "goal": goal,
        "at_most": at_most,
        "goal_text": f"<= {goal:g}" if at_most else f">= {goal:g}",
        "met": bool(met),
    }


def _number(node: dict[str, Any], key: str) -> float | None:
    """``node[key]`` as a float (a timing gives its median), or ``None``."""
    value = node.get(key)
    if _is_timing(value):
        value = value["median_s"]
    return float(value) if is_number(value) else None


def _versus(node: dict[str, Any], key: str) -> float | None:
    """Resolves ``<subject>_vs_<baseline>`` to ``node["speedup_vs_<baseline>"][subject]``.

    The baseline is shortened word by word from the end until such a table exists
    (``x_vs_tutorial_unfiltered`` falls back to ``speedup_vs_tutorial``).
    """
    subject, sep, baseline = key.partition("_vs_")
    if not sep:
        return None
    words = baseline.split("_")
    while words:
        table = node.get(f"speedup_vs_{'_'.join(words)}")
        if isinstance(table, dict):
            return _number(table, subject)
        words.pop()
    return None


def goal_checks(document: Any, path: list[str] | None = None) -> list[dict[str, Any]]:
    """Every figure with a goal in ``document``: label, value, goal, at_most, met.

    Recognised forms, at any depth (see the module docstring):

    * ``{"goal": 0.97, "ratio": 1.01}`` (or ``goal_max``; the figure under the first of
      :data:`VALUE_KEYS`);
    * ``{"speedup": 4.8, "speedup_goal": 4.5}`` (``<x>_goal`` / ``<x>_goal_max`` next
      to ``<x>`` or ``<x>_ratio``);
    * ``{"speedup": 4.8, "goal": {"speedup": 4.5, "met": true}}``: a goal table whose
      keys name sibling figures (or ``<subject>_vs_<baseline>``, looked up in
      ``speedup_vs_<baseline>``); ``<x>_at_most`` (or a name in
      :data:`CEILING_FIGURES`) makes the threshold a ceiling on ``<x>``; a figure
      that cannot be found keeps the file's own ``met``.
    """
    path = path or []
    checks: list[dict[str, Any]] = []
    if isinstance(document, dict):
        label = _label(document, path)
        goal_keys = [
            k for k in document if isinstance(k, str) and (k == "goal" or k.startswith("goal_"))
        ]
        for goal_key in goal_keys:
            at_most = goal_key == "goal_max"
            goal = document[goal_key]
            if is_number(goal) and goal_key not in ("goal", "goal_max"):
                continue
            if is_number(goal):
                for key in VALUE_KEYS:
                    value = _number(document, key)
                    if value is not None:
                        checks.append(_check(label, value, float(goal), at_most))
                        break
            elif isinstance(goal, dict):
                for key, threshold in goal.items():
                    if not is_number(threshold):
                        continue
                    ceiling = key.endswith("_at_most")
                    key = key.removesuffix("_at_most")
                    ceiling = ceiling or at_most or key in CEILING_FIGURES
                    value = _number(document, key)
                    if value is None:
                        value = _versus(document, key)
                    name = f"{label} / {key}" if path else key
                    if value is not None:
                        checks.append(_check(name, value, float(threshold), ceiling))
                    elif isinstance(goal.get("met"), bool):
                        check = _check(name, math.nan, float(threshold), ceiling)
                        check["met"] = goal["met"]
                        checks.append(check)
        for key, goal in document.items():
            if not isinstance(key, str) or not is_number(goal):
                continue
            for suffix, at_most in (("_goal_max", True), ("_goal", False)):
                if key.endswith(suffix) and key != suffix.lstrip("_"):
                    stem = key[: -len(suffix)]
                    for candidate in (stem, f"{stem}_ratio"):
                        value = _number(document, candidate)
                        if value is not None:
                            name = f"{label} / {stem}" if path else stem
                            checks.append(_check(name, value, float(goal), at_most))
                            break
                    break
        for key, value in document.items():
            if (key in SKIP_TOP_LEVEL and not path) or key == "goal" or key.startswith("goal_"):
                continue
            if isinstance(value, (dict, list)):
                checks.extend(goal_checks(value, [*path, str(key)]))
    elif isinstance(document, list):
        for i, item in enumerate(document):
            checks.extend(goal_checks(item, [*path, str(i)]))
    return checks


def _flatten(node: dict[str, Any]) -> dict[str, Any]:
    """One table row: scalars as they are, timings as median and quartiles, nested dicts dotted."""
    row: dict[str, Any] = {}
    for key, value in node.items():
        if _is_timing(value):
            row[f"{key} median s"] = value["median_s"]
            if is_number(value.get("q1_s")) and is_number(value.get("q3_s")):
                row[f"{key} q1-q3 s"] = f"{value['q1_s']:.3g}-{value['q3_s']:.3g}"
        elif isinstance(value, dict):
            for sub, subvalue in _flatten(value).items():
                row[f"{key}.{sub}"] = subvalue
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value) and len(value) <= 8:
                row[key] = value
            else:
                row[key] = f"[{len(value)} values]"
        else:
            row[key] = value
    return row


def _is_row(node: Any) -> bool:
    return isinstance(node, dict) and any(
        not isinstance(v, (dict, list)) or _is_timing(v) for v in node.values()
    )


def _collect_rows(node: Any, name: str) -> list[tuple[str, dict[str, Any]]]:
    """The row-like dicts under ``node`` (raw), each with a name from its path."""
    if _is_row(node):
        return [(name, node)]
    rows: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                rows.extend(_collect_rows(value, f"{name} / {key}" if name else str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            rows.extend(_collect_rows(value, f"{name} [{i}]" if name else str(i)))
    return rows


def _split_row(node: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A row's own columns, and its larger nested dicts (each shown as a table of its own).

    Timings and small dicts (up to 3 entries, e.g. a goal) stay in the row.
    """
    own: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in node.items():
        if isinstance(value, dict) and not _is_timing(value) and len(value) > 3:
            nested[key] = value
        else:
            own[key] = value
    return _flatten(own), nested


def _column_rank(column: str) -> tuple[int, int, str]:
    """Sort key of a table column: labels, rates, ratios, goals, then the rest."""
    base = column.split(".")[0].split(" ")[0]
    if column == "entry":
        return (0, 0, "")
    if column in LABEL_KEYS:
        return (1, LABEL_KEYS.index(column), "")
    if column.endswith("_per_s"):
        return (2, 0, column)
    if base in VALUE_KEYS:
        return (3, VALUE_KEYS.index(base), column)
    if column.startswith("goal") or column.endswith(("_goal", "_goal_max")):
        return (4, 0, column)
    return (5, 0, column)


def _table(
    title: str, rows: list[tuple[str, dict[str, Any]]]
) -> tuple[str, list[str], list[list[Any]], dict[str, Any]]:
    """One table from flat rows: ordered columns, constant columns moved to ``shared``."""
    columns: list[str] = []
    for _, row in rows:
        columns.extend(c for c in row if c not in columns)
    named = any(name for name, _ in rows) and not all(
        any(row.get(k) is not None for k in LABEL_KEYS) for _, row in rows
    )
    shared: dict[str, Any] = {}
    if len(rows) > 1:
        for column in list(columns):
            values = [repr(row.get(column, "")) for _, row in rows]
            if len(set(values)) == 1 and column not in LABEL_KEYS:
                shared[column] = rows[0][1].get(column, "")
                columns.remove(column)
    if len(rows) == 1 and not named:
        # One record: a two-column table reads better than one very wide row.
        record = rows[0][1]
        ordered = sorted(record, key=_column_rank)
        return (title, ["figure", "value"], [[c, record[c]] for c in ordered], {})
    columns.sort(key=_column_rank)
    header = (["entry"] if named else []) + columns
    body = [([name] if named else []) + [row.get(c, "") for c in columns] for name, row in rows]
    return (title, header, body, shared)


def tables(
    document: dict[str, Any],
) -> list[tuple[str, list[str], list[list[Any]], dict[str, Any]]]:
    """The document as tables: ``(title, header, rows, shared)``.

    One table per top-level entry, plus one per larger dict nested in its rows (e.g.
    rates by method), labelled by the row's label columns. Columns are ordered labels
    first, then rates, ratios and goals; a column with the same value in every row (of
    several) moves to ``shared``, shown once under the table.
    """
    result = []
    figures = [
        [key, value]
        for key, value in document.items()
        if key not in SKIP_TOP_LEVEL and not isinstance(value, (dict, list))
    ]
    if figures:
        result.append(("figures", ["figure", "value"], figures, {}))
    for key, value in document.items():
        if key in SKIP_TOP_LEVEL or not isinstance(value, (dict, list)):
            continue
        if _is_timing(value):
            result.append(
                (key, ["figure", "value"], [list(i) for i in _flatten({key: value}).items()], {})
            )
            continue
        raw = _collect_rows(value, "")
        if not raw:
            continue
        main: list[tuple[str, dict[str, Any]]] = []
        nested_tables: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for name, node in raw:
            own, nested = _split_row(node)
            main.append((name, own))
            labels = {k: own[k] for k in LABEL_KEYS if k in own}
            for sub, table in nested.items():
                nested_tables.setdefault(sub, []).append((name, {**labels, **_flatten(table)}))
        result.append(_table(key, main))
        for sub, rows in nested_tables.items():
            result.append(_table(f"{key}: {sub}", rows))
    return result


def plots_for(result_path: pathlib.Path) -> list[pathlib.Path]:
    """The PNG plots next to a result file: ``<stem>.png`` and ``<stem>_*.png``."""
    stem = result_path.stem
    return sorted(
        p
        for p in result_path.parent.glob(f"{stem}*.png")
        if p.stem == stem or p.stem.startswith(f"{stem}_")
    )
