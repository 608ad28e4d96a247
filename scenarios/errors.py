"""The one error path of the command line: what a sub-command raises becomes
a message and an exit code, never a traceback.

    exit 2    the input was wrong (a file missing, unreadable or malformed, a
              bad value, a system that cannot be run, an unwritable folder)
    exit 1    an FMU failed while running, or results could not be written
    128 + N   stopped by signal N after the current step (130 SIGINT, 143 SIGTERM)

Sub-commands raise; they print only what they produced. A genuine bug (any
other exception) still shows its traceback: hiding it would help no one.
"""
from __future__ import annotations

import sys
import zipfile

from lxml import etree

from btwin.master.results import ResultsError
from btwin.master.run_control import RunInterrupted
from btwin.master.slave import FmuError

# What a user can cause by what they give us: files, values, systems.
BAD_INPUT = (ValueError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError, UnicodeError)


def exit_code(command: str, error: BaseException) -> int | None:
    """Print ``error`` for ``btwin COMMAND`` and return its exit code, or None
    when it is no error of the input, the FMUs or the run (a bug: re-raise)."""
    prefix = f"btwin {command}"
    if isinstance(error, RunInterrupted):
        print(f"{prefix}: {error}", file=sys.stderr)
        return 128 + error.signal_number
    if isinstance(error, (FmuError, ResultsError)):
        print(f"{prefix}: {error}", file=sys.stderr)
        partial = getattr(error, "partial_results", None)
        if partial is not None:
            print(f"{prefix}: results up to the failure are in {partial}", file=sys.stderr)
        return 1
    if isinstance(error, BAD_INPUT):
        print(f"{prefix}: {_message(error)}", file=sys.stderr)
        return 2
    return None


def _message(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error) or type(error).__name__
