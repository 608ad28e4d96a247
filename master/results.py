"""``results.csv`` streamed as the run goes and ``energy.json`` at its end."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np


class ResultsWriter:
    """One row per communication point: ``time`` then each output. Rows are
    flushed to disk at least every ``flush_interval_s`` of wall time, and the
    file is closed (so flushed) even when the run fails."""

    def __init__(self, path: Path | None, columns: list[str], flush_interval_s: float = 0.5):
        self.columns = ["time"] + columns
        self.rows: list[np.ndarray] = []
        self._file = None
        self._flush_interval = flush_interval_s
        self._last_flush = time.perf_counter()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "w", encoding="utf-8", newline="\n")
            self._file.write(",".join(self.columns) + "\n")
            self._file.flush()

    def write(self, t: float, values: np.ndarray) -> None:
        row = np.empty(len(values) + 1)
        row[0] = t
        row[1:] = values
        self.rows.append(row)
        if self._file is not None:
            self._file.write(",".join(map(repr, row.tolist())) + "\n")
            now = time.perf_counter()
            if now - self._last_flush > self._flush_interval:
                self._file.flush()
                self._last_flush = now

    def array(self) -> np.ndarray:
        return np.array(self.rows) if self.rows else np.empty((0, len(self.columns)))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


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
