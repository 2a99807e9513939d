"""Imports a module with TensorFlow's C++ log lines filtered out of stderr.

TensorFlow writes some log lines ("All log messages before absl::InitializeLog() is
called are written to STDERR", ``I0000 ... port.cc:153] oneDNN custom operations ...``)
from C++ while it loads, before ``TF_CPP_MIN_LOG_LEVEL`` is read. They go to file
descriptor 2 directly, so ``sys.stderr`` cannot catch them: this redirects the
descriptor to a temporary file for the import and writes back every other line.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile
from types import ModuleType

# absl/glog lines: severity letter, MMDD, time, thread id, file:line]; and absl's notice.
_CPP_LOG_LINE = re.compile(
    r"^([IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\]|"
    r"WARNING: All log messages before absl::InitializeLog\(\) is called)"
)


@contextlib.contextmanager
def _cpp_logs_filtered():
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            kept = [line for line in text.splitlines(True) if not _CPP_LOG_LINE.match(line)]
            # A continuation line of a filtered message (TF's "To enable the following
            # instructions: ..." after the CPU feature notice) goes with it.
            kept = [line for line in kept if not line.startswith("To enable the following")]
            sys.stderr.write("".join(kept))
            sys.stderr.flush()


def import_quietly(name: str) -> ModuleType:
    """``importlib.import_module(name)`` without TensorFlow's C++ log lines."""
    with _cpp_logs_filtered():
        return importlib.import_module(name)
