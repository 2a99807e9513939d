"""The conformance suite's shared parts: the public names and the conformance table.

Each ``test_<point>.py`` module here checks one contract point over every public name
(every entry of every subpackage's ``__all__``). A module declares its point in
``CONTRACT_POINT``, parametrizes its checks with the public name as the first part of
each case (``"rl.ReplayBuffer"`` or ``"rl.ReplayBuffer.sample"``), lists the names the
point does not apply to, with the reason, in ``NOT_APPLICABLE``, and has a
``test_every_public_name_has_a_case`` that fails when a public name is in neither.
At the end of the run the results are printed as one table: public name x point.
"""

from __future__ import annotations

import importlib

import pytest

SUBPACKAGES = ("data", "layers", "losses", "metrics", "models", "rl", "samplers")
POINTS = ("keras", "seeds", "arguments", "files", "masks")


def public_objects() -> dict[str, object]:
    """Every public object, keyed ``"<subpackage>.<name>"``."""
    objects = {}
    for subpackage in SUBPACKAGES:
        module = importlib.import_module(f"keras_tutorial_kit.{subpackage}")
        for name in module.__all__:
            objects[f"{subpackage}.{name}"] = getattr(module, name)
    return objects


@pytest.fixture(scope="session")
def public_names() -> set[str]:
    return set(public_objects())


@pytest.fixture(scope="session")
def public_api() -> dict[str, object]:
    """``public_objects()`` for the tests: ``{"rl.ReplayBuffer": ReplayBuffer, ...}``."""
    return public_objects()


# (public name, point) -> outcomes of its cases; (public name, point) -> "n.a."
_OUTCOMES: dict[tuple[str, str], list[str]] = {}
_NOT_APPLICABLE: set[tuple[str, str]] = set()


def _public_name(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for value in callspec.params.values():
        key = getattr(value, "key", value)
        if isinstance(key, str) and key.count(".") >= 1 and key.split(".")[0] in SUBPACKAGES:
            return ".".join(key.split(".")[:2])
    return None


def pytest_collection_modifyitems(items):
    for item in items:
        point = getattr(getattr(item, "module", None), "CONTRACT_POINT", None)
        if point is None:
            continue
        for name in getattr(item.module, "NOT_APPLICABLE", {}):
            _NOT_APPLICABLE.add((name, point))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    point = getattr(getattr(item, "module", None), "CONTRACT_POINT", None)
    name = _public_name(item) if point else None
    if name is None:
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if hasattr(report, "wasxfail"):
            outcome = "xpass" if report.passed else "xfail"
        else:
            outcome = report.outcome
        _OUTCOMES.setdefault((name, point), []).append(outcome)
    return report


def _cell(name: str, point: str) -> str:
    outcomes = _OUTCOMES.get((name, point))
    if not outcomes:
        return "n.a." if (name, point) in _NOT_APPLICABLE else "-"
    for worst in ("failed", "xpass", "xfail", "skipped"):
        if worst in outcomes:
            count = outcomes.count(worst)
            return {"failed": "FAIL", "xpass": "XPASS", "xfail": "xfail", "skipped": "skip"}[
                worst
            ] + f"({count}/{len(outcomes)})"
    return f"pass({len(outcomes)})"


def pytest_terminal_summary(terminalreporter):
    if not _OUTCOMES:
        return
    import keras

    terminalreporter.section(f"conformance table ({keras.backend.backend()})")
    names = sorted(public_objects())
    width = max(len(name) for name in names) + 2
    terminalreporter.write_line(
        "public object".ljust(width) + "".join(point.ljust(14) for point in POINTS)
    )
    for name in names:
        terminalreporter.write_line(
            name.ljust(width) + "".join(_cell(name, point).ljust(14) for point in POINTS)
        )
    terminalreporter.write_line(
        "pass(n): n cases passed; xfail: fails on this branch, fixed on the branch named "
        "in the case; n.a.: the point does not apply (reason in the module); "
        "-: not run (deselected)"
    )
