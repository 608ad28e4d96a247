"""``results.csv`` streamed as the run goes and ``energy.json`` at its end."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np


class ResultsWriter:
    """One row per communication point: ``time`` then each output, kept in a
    growing array and streamed to ``path``. A row is only copied as it
    comes; rows are formatted and written in batches, at least every
    ``flush_interval_s`` of wall time and on :meth:`close`, which the master
    calls also when the run fails, so a failed run keeps every row it had."""

    def __init__(self, path: Path | None, columns: list[str], flush_interval_s: float = 0.5,
                 capacity: int = 1024):
        self.columns = ["time"] + columns
        self._rows = np.empty((capacity, len(self.columns)))
        self._count = 0
        self._on_disk = 0  # rows already written to the file
        self._file = None
        self._flush_interval = flush_interval_s
        self._last_flush = time.perf_counter()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "w", encoding="utf-8", newline="\n")
            self._file.write(",".join(self.columns) + "\n")
            self._file.flush()

    def write(self, t: float, values: np.ndarray) -> None:
        if self._count == len(self._rows):
            self._rows = np.concatenate([self._rows, np.empty_like(self._rows)])
        row = self._rows[self._count]
        row[0] = t
        row[1:] = values
        self._count += 1
        if self._file is not None:
            now = time.perf_counter()
            if now - self._last_flush > self._flush_interval:
                self.flush()
                self._last_flush = now

    def flush(self) -> None:
        """Format the rows not on disk yet, write and flush them."""
        if self._file is None:
            return
        if self._count > self._on_disk:
            self._file.write(csv_lines(self._rows[self._on_disk:self._count]))
            self._on_disk = self._count
        self._file.flush()

    def array(self) -> np.ndarray:
        return self._rows[:self._count].copy()

    def close(self) -> None:
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None


def csv_lines(rows: np.ndarray) -> str:
    """``rows`` as CSV lines, each value as ``repr`` writes it (shortest round trip)."""
    return "".join([",".join(map(repr, row)) + "\n" for row in rows.tolist()])


def write_energy_json(path: Path, macro_steps: int, wall_time_s: float, fmu_time_s: dict[str, float],
                      bonds: list[dict]) -> None:
    """The energy report exactly as DESIGN.md specifies it."""
    report = {"macro_steps": int(macro_steps), "wall_time_s": float(wall_time_s),
              "fmu_time_s": {k: float(v) for k, v in fmu_time_s.items()},
              "bonds": [{"name": b["name"], "kind": b["kind"], "energy_source_J": float(b["energy_source_J"]),
                         "energy_sink_J": float(b["energy_sink_J"]), "residual_J": float(b["residual_J"])}
                        for b in bonds]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
