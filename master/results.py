"""The results of a run on disk: one owner of the output folder.

:class:`OutputFolder` is the folder of one run. It is locked for the run
(``.btwin-run.lock``, an advisory ``flock`` the kernel drops when the
process ends, so a crashed run never blocks the next), and the previous
run's ``results.csv`` and ``energy.json`` are removed before anything else
happens: a file found there is this run's, or there is none. A second run
on the same folder is refused with :class:`OutputBusy` naming the holder.

:class:`ResultsWriter` streams ``results.csv``: ``time``, every output, then
every connected input as the FMU received it over the step that ends at the
row (after extrapolation and NEPCE correction), so the energy ledger can be
recomputed from the file. A row is only copied in the stepping loop; a
separate process formats the rows and appends them (:mod:`.csv_stream`),
so formatting costs the loop nothing and the file always ends with a whole
row, whatever stops the run. A write that fails (disk full, file size
limit) cuts the file back to its last whole row and raises
:class:`ResultsError`; the master then stops the run, frees the FMUs and
still writes ``energy.json``, which is written whole or not at all (a
temporary file renamed over it).
"""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .csv_stream import WriteFailed, append_whole

LOCK_NAME = ".btwin-run.lock"
RESULTS_NAME = "results.csv"
ENERGY_NAME = "energy.json"


class OutputBusy(ValueError):
    """Another run holds the output folder."""


class ResultsError(RuntimeError):
    """A results file could not be written; ``partial_results`` names what is on disk."""

    def __init__(self, message: str, partial_results: Path | None = None):
        self.partial_results = partial_results
        super().__init__(message)


class OutputFolder:
    """``DIR`` of one run, locked and emptied of the previous run's results.
    Raises :class:`OutputBusy` when another run holds it and ``OSError``
    (naming the folder) when it cannot be created or written."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.path / LOCK_NAME, "a+", encoding="utf-8")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.seek(0)
            holder = self._lock.read().strip() or "another process"
            self._lock.close()
            raise OutputBusy(f"{self.path} is in use by a run of {holder}; give each run its own --out "
                             f"folder") from None
        self._lock.truncate(0)
        self._lock.write(f"process {os.getpid()}\n")
        self._lock.flush()
        for name in (RESULTS_NAME, ENERGY_NAME):
            (self.path / name).unlink(missing_ok=True)

    @property
    def results(self) -> Path:
        return self.path / RESULTS_NAME

    @property
    def energy(self) -> Path:
        return self.path / ENERGY_NAME

    def release(self) -> None:
        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()


class ResultsWriter:
    """One row per communication point, kept in a growing array (``keep``)
    and streamed to ``path``: the stepping loop only copies a row; at most
    every ``flush_interval_s`` of wall time, and on :meth:`close`, the rows
    not sent yet go as raw float64 bytes through a pipe to the formatter
    process (:mod:`.csv_stream`), which appends them to the file as CSV.
    Without ``keep`` only the rows not sent yet are held, so memory stays
    flat however long the run. See the module docstring for failures."""

    def __init__(self, path: Path | None, columns: list[str], flush_interval_s: float = 0.2,
                 capacity: int = 1024, keep: bool = True):
        self.columns = ["time"] + columns
        self.path = path
        self._rows = np.empty((capacity, len(self.columns)))
        self._count = 0
        self._sent = 0  # rows already handed to the formatter
        self._keep = keep or path is None
        self._formatter = None
        self._flush_interval = flush_interval_s
        self._last_flush = time.perf_counter()
        if path is not None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                append_whole(fd, (",".join(self.columns) + "\n").encode("utf-8"))
            except WriteFailed as error:
                raise ResultsError(f"cannot write {path}: {error.strerror}", None) from None
            finally:
                os.close(fd)
            self._formatter = subprocess.Popen(
                [sys.executable, "-I", "-S", str(Path(__file__).with_name("csv_stream.py")), str(path),
                 str(len(self.columns))],
                stdin=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def write(self, t: float, *parts: np.ndarray) -> None:
        """Append the row ``t, *parts`` (the parts fill the columns after time)."""
        if self._count == len(self._rows):
            self._rows = np.concatenate([self._rows, np.empty_like(self._rows)])
        row = self._rows[self._count]
        row[0] = t
        start = 1
        for part in parts:
            row[start:start + len(part)] = part
            start += len(part)
        self._count += 1
        if self._formatter is not None:
            now = time.perf_counter()
            if now - self._last_flush > self._flush_interval:
                self.flush()
                self._last_flush = now

    def flush(self) -> None:
        """Hand the rows not sent yet to the formatter."""
        if self._formatter is None or self._count == self._sent:
            return
        try:
            self._formatter.stdin.write(self._rows[self._sent:self._count].tobytes())
            self._formatter.stdin.flush()
        except BrokenPipeError:  # the formatter stopped: it says why
            self._finish()
        self._sent = self._count
        if not self._keep:
            self._count = self._sent = 0

    def array(self) -> np.ndarray:
        return self._rows[:self._count].copy()

    def close(self) -> None:
        """Send what is left, wait until the formatter has written it all (also after a failure)."""
        if self._formatter is None:
            return
        try:
            self.flush()
        finally:
            self._finish()

    def _finish(self) -> None:
        formatter, self._formatter = self._formatter, None
        if formatter is None:
            return
        try:
            formatter.stdin.close()
        except BrokenPipeError:
            pass
        code = formatter.wait()
        message = formatter.stderr.read().decode("utf-8", "replace").strip()
        formatter.stderr.close()
        if code != 0:
            raise ResultsError(message or f"the results formatter of {self.path} failed (exit {code})",
                               self.path)


def write_energy_json(path: Path, macro_steps: int, wall_time_s: float, fmu_time_s: dict[str, float],
                      bonds: list[dict], status: dict | None = None) -> None:
    """The energy report as DESIGN.md specifies it, plus ``status`` (how the
    run ended: ``completed``, ``interrupted`` or ``failed``, where, and why)
    and each bond's largest running residual. Written whole or not at all."""
    report = {"macro_steps": int(macro_steps), "wall_time_s": float(wall_time_s),
              "fmu_time_s": {k: float(v) for k, v in fmu_time_s.items()},
              "bonds": [{"name": b["name"], "kind": b["kind"], "energy_source_J": float(b["energy_source_J"]),
                         "energy_sink_J": float(b["energy_sink_J"]), "residual_J": float(b["residual_J"]),
                         **{k: float(b[k]) for k in ("max_abs_running_residual_J", "max_running_residual_time_s")
                            if k in b}}
                        for b in bonds]}
    if status is not None:
        report.update(status)
    part = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        os.replace(part, path)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise ResultsError(f"cannot write {path}: {error.strerror or error}") from None
