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
recomputed from the file. A row is only copied in the stepping loop; rows
are formatted and written in batches (at most every ``flush_interval_s`` of
wall time, and on :meth:`ResultsWriter.close`). A write that fails (disk
full, file size limit) cuts the file back to its last whole row and raises
:class:`ResultsError`; the master then stops the run, frees the FMUs and
still writes ``energy.json``, which is written whole or not at all (a
temporary file renamed over it).
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from pathlib import Path

import numpy as np

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
    and streamed to ``path`` in batches of formatted lines; see the module
    docstring. Without ``keep`` only the rows not yet on disk are held, so
    memory stays flat however long the run."""

    def __init__(self, path: Path | None, columns: list[str], flush_interval_s: float = 0.5,
                 capacity: int = 1024, keep: bool = True):
        self.columns = ["time"] + columns
        self.path = path
        self._rows = np.empty((capacity, len(self.columns)))
        self._count = 0
        self._on_disk = 0  # rows already written to the file
        self._keep = keep or path is None
        self._fd = None
        self._bytes_ok = 0  # file length up to the last whole row
        self._flush_interval = flush_interval_s
        self._last_flush = time.perf_counter()
        if path is not None:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            self._append((",".join(self.columns) + "\n").encode("utf-8"))

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
        if self._fd is not None:
            now = time.perf_counter()
            if now - self._last_flush > self._flush_interval:
                self.flush()
                self._last_flush = now

    def flush(self) -> None:
        """Format the rows not on disk yet and write them."""
        if self._fd is None or self._count == self._on_disk:
            return
        self._append(csv_lines(self._rows[self._on_disk:self._count]).encode("ascii"))
        self._on_disk = self._count
        if not self._keep:
            self._count = self._on_disk = 0

    def _append(self, data: bytes) -> None:
        view, done = memoryview(data), 0
        try:
            while done < len(data):
                done += os.write(self._fd, view[done:])
        except OSError as error:
            whole = data.rfind(b"\n", 0, done) + 1  # keep the rows written whole, never a cut one
            os.ftruncate(self._fd, self._bytes_ok + whole)
            os.close(self._fd)
            self._fd = None  # the file is final: close() must not try again
            reason = error.strerror or errno.errorcode.get(error.errno, str(error))
            raise ResultsError(f"cannot write {self.path}: {reason}; the file holds the whole rows written "
                               f"before", self.path) from None
        self._bytes_ok += len(data)

    def array(self) -> np.ndarray:
        return self._rows[:self._count].copy()

    def close(self) -> None:
        """Write what is left and close the file (also after a failure)."""
        if self._fd is None:
            return
        try:
            self.flush()
        finally:
            os.close(self._fd)
            self._fd = None


def csv_lines(rows: np.ndarray) -> str:
    """``rows`` as CSV lines, each value as ``repr`` writes it (shortest round trip)."""
    return "".join([",".join(map(repr, row)) + "\n" for row in rows.tolist()])


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
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(part, path)
