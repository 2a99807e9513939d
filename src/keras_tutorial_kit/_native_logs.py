"""Keeping TensorFlow's and XLA's C++ log lines (``I0000 00:00:... port.cc:153] ...``) off stderr."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator

#: A line written by absl / TensorFlow's C++ logging, or absl's notice that precedes them.
NATIVE_LOG_LINE = re.compile(
    rb"^([IWEF]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    rb"|To enable the following instructions: .* rebuild TensorFlow)"
)

#: The same lines as removable text. TensorFlow ends its CPU-instructions notice without a
#: newline, so whatever is written next (an argparse error, say) shares its line and must
#: survive the removal.
NATIVE_LOG_TEXT = re.compile(
    rb"^(?:[IWEF]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] .*\n?"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called.*\n?"
    rb"|To enable the following instructions: .*? rebuild TensorFlow with the appropriate"
    rb" compiler flags\.\n?)",
    re.MULTILINE,
)


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Drops C++ log lines from stderr inside the block; everything else written there is kept.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` (unless already set) for the lines TensorFlow
    filters itself, and catches stderr at the file-descriptor level for those it
    prints regardless (at import, before absl's logging is set up). What the
    block writes to stderr reaches it, filtered, when the block ends.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = NATIVE_LOG_TEXT.sub(b"", caught.read())
            if kept:
                os.write(2, kept)


def quiet_if_command_line() -> contextlib.AbstractContextManager[None]:
    """``quiet_native_logs()`` while the package is imported by its own command line.

    The command line (``keras-tutorial-kit`` or ``python -m keras_tutorial_kit``) is
    quiet unless given ``--verbose``; TensorFlow prints its import-time lines while
    ``keras_tutorial_kit/__init__.py`` imports the subpackages, before ``cli.main``
    runs, so that import is where the quiet has to start. Any other importer keeps
    stderr untouched.
    """
    command = os.path.basename(sys.argv[0]) if sys.argv else ""
    if command in ("keras-tutorial-kit", "-m") and "--verbose" not in sys.argv:
        return quiet_native_logs()
    return contextlib.nullcontext()
