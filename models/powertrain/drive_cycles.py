"""Drive cycles: a speed trace, piecewise linear between its samples, starting at t = 0.

Standard cycles ship as CSV files in ``cycles/`` (the source of each is named in
its header comment); a user cycle is any CSV file of ``time [s], speed [m/s]``
rows. After its last sample a cycle holds its final speed.
"""
from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

# name -> file in cycles/; aliases map onto these names
STANDARD_CYCLES = {
    "wltc_class3b": "wltc_class3b.csv",
    "udds": "udds.csv",
    "hwfet": "hwfet.csv",
    "nedc": "nedc.csv",
}
_ALIASES = {"wltc": "wltc_class3b", "wltc3b": "wltc_class3b", "wltc_3b": "wltc_class3b",
            "ftp72": "udds", "hwy": "hwfet"}


def known_cycles() -> list[str]:
    """Names accepted by :func:`load_cycle` besides a CSV path."""
    return sorted(STANDARD_CYCLES)


@dataclass(frozen=True)
class DriveCycle:
    """A speed trace: ``time_s`` strictly increasing from 0, ``speed_m_per_s`` >= 0."""

    name: str
    time_s: tuple[float, ...]
    speed_m_per_s: tuple[float, ...]

    def __post_init__(self) -> None:
        _check_trace(self.name, self.time_s, self.speed_m_per_s)
        cumulative = [0.0]
        for k in range(1, len(self.time_s)):
            step = self.time_s[k] - self.time_s[k - 1]
            cumulative.append(cumulative[-1] + 0.5 * (self.speed_m_per_s[k] + self.speed_m_per_s[k - 1]) * step)
        object.__setattr__(self, "_cumulative_distance", tuple(cumulative))

    @property
    def duration(self) -> float:
        """Time of the last sample [s]."""
        return self.time_s[-1]

    @property
    def distance(self) -> float:
        """Distance of the whole trace [m] (exact for the piecewise-linear trace)."""
        return self._cumulative_distance[-1]

    def segment_index(self, t: float) -> int:
        """Index k of the segment [t_k, t_k+1) holding t (last segment past the end)."""
        return min(max(bisect.bisect_right(self.time_s, t) - 1, 0), len(self.time_s) - 2)

    def speed_at(self, t: float) -> float:
        """Trace speed [m/s] at time t [s]; the final speed after the end."""
        if t >= self.time_s[-1]:
            return self.speed_m_per_s[-1]
        k = self.segment_index(t)
        t0, t1 = self.time_s[k], self.time_s[k + 1]
        v0, v1 = self.speed_m_per_s[k], self.speed_m_per_s[k + 1]
        return v0 + (v1 - v0) * (t - t0) / (t1 - t0)

    def distance_at(self, t: float) -> float:
        """Distance [m] the trace has covered at time t [s]."""
        if t >= self.time_s[-1]:
            return self.distance + self.speed_m_per_s[-1] * (t - self.time_s[-1])
        k = self.segment_index(t)
        return self._cumulative_distance[k] + 0.5 * (self.speed_m_per_s[k] + self.speed_at(t)) * (t - self.time_s[k])

    def grid_points_between(self, t_start: float, t_end: float) -> list[float]:
        """Sample times strictly inside (t_start, t_end)."""
        lo = bisect.bisect_right(self.time_s, t_start)
        hi = bisect.bisect_left(self.time_s, t_end)
        return list(self.time_s[lo:hi])

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(time [s], speed [m/s]) as new numpy arrays."""
        return np.array(self.time_s), np.array(self.speed_m_per_s)


def load_cycle(spec: str) -> DriveCycle:
    """A standard cycle by name (see :func:`known_cycles`) or a user CSV file by path.

    Raises ValueError for an unknown name (listing the known ones) and for a
    malformed file (naming the file and the line).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"drive_cycle must be a cycle name or a CSV path, got {spec!r}; "
                         f"known cycles: {', '.join(known_cycles())}")
    key = spec.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key in STANDARD_CYCLES:
        return _standard_cycle(key)
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".csv" or path.exists():
        if not path.is_file():
            raise ValueError(f"drive cycle file {str(path)!r} does not exist")
        return parse_cycle_csv(path.read_text(), path.stem, source=str(path))
    raise ValueError(f"unknown drive cycle {spec!r}; known cycles: {', '.join(known_cycles())} "
                     "(or the path of a CSV file of time [s], speed [m/s])")


@functools.lru_cache(maxsize=None)
def _standard_cycle(key: str) -> DriveCycle:
    """A shipped cycle, parsed once per process (a DriveCycle is immutable; a
    Cycler that repeats its cycle builds a powertrain on it each time)."""
    text = resources.files(__package__).joinpath("cycles", STANDARD_CYCLES[key]).read_text()
    return parse_cycle_csv(text, key, source=STANDARD_CYCLES[key])


def parse_cycle_csv(text: str, name: str, source: str) -> DriveCycle:
    """Rows ``time, speed`` ('#' starts a comment; one optional header line).

    Times are shifted so that the first row is t = 0.
    """
    times: list[float] = []
    speeds: list[float] = []
    header_allowed = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) != 2:
            raise ValueError(f"{source}, line {number}: expected 2 comma-separated columns "
                             f"(time [s], speed [m/s]), got {len(cells)}: {raw!r}")
        try:
            t, v = float(cells[0]), float(cells[1])
        except ValueError:
            if header_allowed:
                header_allowed = False
                continue
            raise ValueError(f"{source}, line {number}: not a number: {raw!r}") from None
        header_allowed = False
        _check_row(source, number, raw, t, v, times[-1] if times else None)
        times.append(t)
        speeds.append(v)
    if len(times) < 2:
        raise ValueError(f"{source}: a drive cycle needs at least 2 rows of time, speed; got {len(times)}")
    start = times[0]
    return DriveCycle(name, tuple(t - start for t in times), tuple(speeds))


def _check_row(source: str, number: int, raw: str, t: float, v: float, t_previous: float | None) -> None:
    if not (math.isfinite(t) and math.isfinite(v)):
        raise ValueError(f"{source}, line {number}: time and speed must be finite: {raw!r}")
    if v < 0.0:
        raise ValueError(f"{source}, line {number}: speed must be >= 0 m/s, got {v!r}")
    if t_previous is not None and t <= t_previous:
        raise ValueError(f"{source}, line {number}: time must increase strictly, "
                         f"got {t!r} after {t_previous!r}")


def _check_trace(name: str, time_s, speed_m_per_s) -> None:
    if len(time_s) != len(speed_m_per_s) or len(time_s) < 2:
        raise ValueError(f"drive cycle {name!r}: needs >= 2 samples of equal-length time and speed")
    if time_s[0] != 0.0:
        raise ValueError(f"drive cycle {name!r}: must start at t = 0, starts at {time_s[0]!r}")
    for k in range(len(time_s)):
        t, v = time_s[k], speed_m_per_s[k]
        if not (math.isfinite(t) and math.isfinite(v)) or v < 0.0 or (k and t <= time_s[k - 1]):
            raise ValueError(f"drive cycle {name!r}: sample {k} (t={t!r}, v={v!r}) must be finite, "
                             "with speed >= 0 and time strictly increasing")
