"""Writes the public API snapshot that ``tests/test_public_api.py`` compares against.

Run ``python tests/api/generate_public_api.py`` after a deliberate API change and commit
the updated ``tests/api/public_api.txt`` with it.

``public_api_structure()`` describes the same surface as data (every name, and every
parameter's name, kind and default); ``tests/golden/generate.py`` freezes it for each
release as ``tests/golden/<version>/public_api.json``, and ``tests/test_public_api.py``
checks that the API of today still offers everything an earlier release offered.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import types
from collections.abc import Iterator
from typing import Any

SUBPACKAGES = ("data", "layers", "losses", "metrics", "models", "rl", "samplers")
SNAPSHOT = pathlib.Path(__file__).with_name("public_api.txt")
NO_DEFAULT = "<no default>"


def _plain_function(obj: Any) -> Any:
    """The undecorated function, copied from its code and real defaults.

    Decorators that keep ``__wrapped__`` (``functools.wraps``, such as
    ``_deprecation.renamed_arguments``) are looked through. A copy of the function is
    inspected, so that a ``__signature__`` set by a tool (Sphinx's
    ``autodoc_preserve_defaults`` sets one that prints defaults as written in the source)
    cannot change the snapshot.
    """
    obj = inspect.unwrap(obj)
    if inspect.isfunction(obj):
        copy = types.FunctionType(
            obj.__code__, obj.__globals__, obj.__name__, obj.__defaults__, obj.__closure__
        )
        copy.__kwdefaults__ = obj.__kwdefaults__
        copy.__annotations__ = dict(obj.__annotations__)
        obj = copy
    return obj


def _inspect(obj: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(_plain_function(obj))
    except (TypeError, ValueError):
        return None


def _signature(obj: Any) -> str:
    """The signature as Python would print it from the function's code and real defaults."""
    signature = _inspect(obj)
    return "(...)" if signature is None else str(signature)


def _walk() -> Iterator[tuple[str, str, Any]]:
    """``(kind, path, callable or None)`` for every public name and member, in order."""
    for subpackage in SUBPACKAGES:
        module = importlib.import_module(f"keras_tutorial_kit.{subpackage}")
        for name in sorted(module.__all__):
            obj = getattr(module, name)
            path = f"ktk.{subpackage}.{name}"
            if inspect.isclass(obj):
                yield "class", path, obj.__init__
                for member, value in sorted(vars(obj).items()):
                    if member.startswith("_"):
                        continue
                    if isinstance(value, property):
                        yield "property", f"{path}.{member}", None
                    elif isinstance(value, (classmethod, staticmethod)):
                        yield "method", f"{path}.{member}", value.__func__
                    elif inspect.isfunction(value):
                        yield "method", f"{path}.{member}", value
            elif callable(obj):
                yield "def", path, obj
            else:
                yield "value", f"{path}: {type(obj).__name__}", None


def public_api() -> list[str]:
    """One line per public name, and per public method or property defined by our classes."""
    lines = []
    for kind, path, function in _walk():
        if kind == "class":
            signature = _signature(function).replace("(self, ", "(").replace("(self)", "()")
            lines.append(f"class {path}{signature}")
        elif kind == "method":
            lines.append(f"  method {path}{_signature(function)}")
        elif kind == "property":
            lines.append(f"  property {path}")
        elif kind == "def":
            lines.append(f"def {path}{_signature(function)}")
        else:
            lines.append(f"value {path}")
    return lines


def renamed_arguments(function: Any) -> dict[str, str]:
    """``old name -> new name`` recorded by ``_deprecation.renamed_arguments`` on ``function``."""
    recorded = getattr(function, "__renamed_arguments__", None) or {}
    return {old: new for old, (new, _removed_in) in recorded.items()}


def _parameters(function: Any) -> list[dict[str, str]] | None:
    signature = _inspect(function)
    if signature is None:
        return None
    return [
        {
            "name": parameter.name,
            "kind": parameter.kind.name,
            "default": NO_DEFAULT
            if parameter.default is inspect.Parameter.empty
            else repr(parameter.default),
        }
        for parameter in signature.parameters.values()
    ]


def public_api_structure() -> dict[str, dict[str, Any]]:
    """Every public name -> ``{"kind", "parameters"}`` (``parameters`` is ``None`` when the
    name is not callable or its signature cannot be read)."""
    return {
        path: {"kind": kind, "parameters": None if function is None else _parameters(function)}
        for kind, path, function in _walk()
    }


def describe(path: str) -> dict[str, Any] | None:
    """The entry of ``public_api_structure()`` for ``path``, found through inheritance.

    The snapshot lists the members a class defines itself; a member that moved to a
    base class is still there for users. ``None`` if ``path`` no longer resolves.
    """
    parts = path.split(".")
    if len(parts) != 4 or parts[0] != "ktk" or parts[1] not in SUBPACKAGES:
        return None
    owner = getattr(importlib.import_module(f"keras_tutorial_kit.{parts[1]}"), parts[2], None)
    static = inspect.getattr_static(owner, parts[3], None) if inspect.isclass(owner) else None
    if isinstance(static, property):
        return {"kind": "property", "parameters": None}
    if isinstance(static, (classmethod, staticmethod)):
        static = static.__func__
    if inspect.isfunction(static):
        return {"kind": "method", "parameters": _parameters(static)}
    return None


def public_callables() -> dict[str, Any]:
    """Every public callable name -> the callable (for its recorded renames)."""
    return {path: function for _kind, path, function in _walk() if function is not None}


if __name__ == "__main__":
    SNAPSHOT.write_text("\n".join(public_api()) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
