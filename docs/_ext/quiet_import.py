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


def _native_logs() -> ModuleType:
    # find_spec locates the installed package without running its __init__.
    package = importlib.util.find_spec("keras_tutorial_kit")
    path = pathlib.Path(package.submodule_search_locations[0]) / "_native_logs.py"
    spec = importlib.util.spec_from_file_location("_ktk_native_logs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_quietly(name: str) -> ModuleType:
    """``importlib.import_module(name)`` without TensorFlow's C++ log lines."""
    with _native_logs().quiet_native_logs():
        return importlib.import_module(name)
