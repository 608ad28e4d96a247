"""The results formatter: a small process that turns the master's rows into
``results.csv`` lines, so that formatting (about 1 us per value, tens of us a
row) stays off the stepping loop, which only copies each row and hands the
raw float64 bytes over a pipe (see :class:`.results.ResultsWriter`).

    python csv_stream.py RESULTS.csv COLUMNS   (rows of COLUMNS float64 on stdin)

It appends to the file, which already holds the header, and writes whole
rows only: each value as ``repr`` writes it (the shortest text that reads
back to the same float). SIGINT and SIGTERM are ignored (it also runs in its
own session): it ends when the pipe closes, after writing every row it got,
so whatever stops the master (Ctrl-C, SIGTERM, even SIGKILL) the file ends
with a whole row. A write that fails (disk full, file size limit) cuts the
file back to its last whole row, says why on stderr and exits 1.

Run as a script by path, it imports nothing but the standard library (it
starts in milliseconds); :func:`csv_lines` and :func:`append_whole` are also
the master's own.
"""
from __future__ import annotations

import errno
import os
import signal
import sys
from array import array


def csv_lines(values: list[float], columns: int) -> str:
    """Rows of ``columns`` values (flat, row after row) as CSV lines."""
    text = map(repr, values)
    return "".join([",".join(row) + "\n" for row in zip(*[text] * columns)])


class WriteFailed(OSError):
    """A write that failed; the file was cut back to its last whole row."""


def append_whole(fd: int, data: bytes) -> None:
    """Append ``data`` (whole lines) to ``fd``; on failure cut the file back
    to the last whole line written and raise :class:`WriteFailed`."""
    length = os.lseek(fd, 0, os.SEEK_END)
    done = 0
    try:
        while done < len(data):
            done += os.write(fd, data[done:])
    except OSError as error:
        os.ftruncate(fd, length + data.rfind(b"\n", 0, done) + 1)
        reason = error.strerror or errno.errorcode.get(error.errno, str(error))
        raise WriteFailed(error.errno, reason) from None


def stream(path: str, columns: int, source=None) -> int:
    """Format the rows read from ``source`` (stdin) onto ``path`` until EOF."""
    source = source or sys.stdin.buffer
    row_bytes = 8 * columns
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    pending = b""
    try:
        while chunk := source.read1(1 << 16):
            pending += chunk
            whole = len(pending) - len(pending) % row_bytes
            if whole:
                values = array("d", pending[:whole])
                pending = pending[whole:]
                append_whole(fd, csv_lines(values.tolist(), columns).encode("ascii"))
    except WriteFailed as error:
        print(f"cannot write {path}: {error.strerror}; the file holds the whole rows written before",
              file=sys.stderr)
        return 1
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    sys.exit(stream(sys.argv[1], int(sys.argv[2])))
