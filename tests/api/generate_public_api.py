"""Writes the public API snapshot that ``tests/test_public_api.py`` compares against.

Run ``python tests/api/generate_public_api.py`` after a deliberate API change and commit
the updated ``tests/api/public_api.txt`` with it.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import types

SUBPACKAGES = ("data", "layers", "losses", "metrics", "models", "rl", "samplers")
SNAPSHOT = pathlib.Path(__file__).with_name("public_api.txt")


def _signature(obj) -> str:
    """The signature as Python would print it from the function's code and real defaults.

    A copy of the function is inspected, so that a ``__signature__`` set by a tool (Sphinx's
    ``autodoc_preserve_defaults`` sets one that prints defaults as written in the source)
    cannot change the snapshot.
    """
    if inspect.isfunction(obj):
        copy = types.FunctionType(
            obj.__code__, obj.__globals__, obj.__name__, obj.__defaults__, obj.__closure__
        )
        copy.__kwdefaults__ = obj.__kwdefaults__
        copy.__annotations__ = dict(obj.__annotations__)
        obj = copy
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def public_api() -> list[str]:
    """One line per public name, and per public method or property defined by our classes."""
    lines = []
    for subpackage in SUBPACKAGES:
        module = importlib.import_module(f"keras_tutorial_kit.{subpackage}")
        for name in sorted(module.__all__):
            obj = getattr(module, name)
            path = f"ktk.{subpackage}.{name}"
            if inspect.isclass(obj):
                lines.append(
                    f"class {path}{_signature(obj.__init__).replace('(self, ', '(').replace('(self)', '()')}"
                )
                for member, value in sorted(vars(obj).items()):
                    if member.startswith("_"):
                        continue
                    if isinstance(value, property):
                        lines.append(f"  property {path}.{member}")
                    elif isinstance(value, (classmethod, staticmethod)):
                        lines.append(f"  method {path}.{member}{_signature(value.__func__)}")
                    elif inspect.isfunction(value):
                        lines.append(f"  method {path}.{member}{_signature(value)}")
            elif callable(obj):
                lines.append(f"def {path}{_signature(obj)}")
            else:
                lines.append(f"value {path}: {type(obj).__name__}")
    return lines


if __name__ == "__main__":
    SNAPSHOT.write_text("\n".join(public_api()) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
