"""Imports a module with TensorFlow's C++ log lines filtered out of stderr.

The filter is the command line's own, ``keras_tutorial_kit._native_logs``, loaded from
its file: importing it as ``keras_tutorial_kit._native_logs`` would first run the
package's ``__init__`` and so import TensorFlow before the filter is in place.
"""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
from types import ModuleType

_NATIVE_LOGS = pathlib.Path(__file__).parents[2] / "src" / "keras_tutorial_kit" / "_native_logs.py"


def _native_logs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_ktk_native_logs", _NATIVE_LOGS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_quietly(name: str) -> ModuleType:
    """``importlib.import_module(name)`` without TensorFlow's C++ log lines."""
    with _native_logs().quiet_native_logs():
        return importlib.import_module(name)
