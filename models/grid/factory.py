"""Machines of a factory as a shift-based industrial load profile.

Each of ``machine_count`` identical machines is a two-state (on/off) Markov
process in continuous time. A running machine stops at rate 1/mean_on; a
stopped one starts at a rate chosen so that the expected fraction of machines
running equals the schedule's utilisation factor f for the time of day and
day type (workday or weekend, day or night shift):

    start rate = f / ((1 - f) mean_on),

the standard two-state stationary balance (the same on/off construction as
Richardson et al. 2010, "Domestic electricity use: a high-resolution energy
demand model", Energy and Buildings 42, 1878-1887, for appliances). At a
shift change the workers start or stop machines at random so that each runs
with the new probability at once (:meth:`FactoryLoads._change_shift`), so the
expected power is exactly base + machine_count * machine_power * f(t) at
every instant, with no lag after a change.
Switching instants are drawn from a seeded numpy Generator in event order
only, so the profile depends on the seed and the start date, not on the
macro steps a master chooses. ``machine_power_kw`` is the mean power over the
step, so its energy is exact for any step size.

Expected profile: power = base + machine_count * machine_power * f(t); the
expected energy of a day is the sum over its shifts, :meth:`expected_daily_energy_kwh`.
The peak (all machines running) is ``peak_power_kw``.
"""
from dataclasses import dataclass
import datetime as dt
import math

import numpy as np

from .. import checks

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class FactoryParameters:
    machine_count: int = 20
    # Assumption: a medium machine shop; 20 machines + base load on a 630 kVA transformer.
    peak_power_kw: float = 250.0  # all machines running plus base load
    base_power_kw: float = 30.0  # lighting, ventilation, compressors: always on
    mean_on_duration_s: float = 1800.0  # assumption: machining jobs of half an hour
    # Two-shift workday 06:00-22:00 and a night shift; factors are the expected fraction
    # of machines running (assumption modelled on a German two-shift metalworking plant).
    day_start_h: float = 6.0
    day_end_h: float = 22.0
    workday_day_factor: float = 0.8
    workday_night_factor: float = 0.2
    weekend_day_factor: float = 0.1
    weekend_night_factor: float = 0.05
    start_date: str = "2024-01-08"  # ISO 8601 date; a Monday
    start_time_h: float = 0.0  # local time of day at t = 0
    seed: int = 0

    def __post_init__(self):
        if int(self.machine_count) != self.machine_count or self.machine_count < 1:
            raise ValueError(f"machine_count must be an integer >= 1, got {self.machine_count!r}")
        checks.non_negative("base_power_kw", self.base_power_kw)
        if checks.positive("peak_power_kw", self.peak_power_kw) <= self.base_power_kw:
            raise ValueError(f"peak_power_kw must exceed base_power_kw ({self.base_power_kw!r}), "
                             f"got {self.peak_power_kw!r}")
        checks.positive("mean_on_duration_s", self.mean_on_duration_s)
        for name in ("day_start_h", "day_end_h", "start_time_h"):
            hour = checks.finite(name, getattr(self, name))
            if not 0.0 <= hour < 24.0:
                raise ValueError(f"{name} must lie in [0, 24), got {hour!r}")
        if self.day_start_h >= self.day_end_h:
            raise ValueError(f"day_start_h must be before day_end_h, got {self.day_start_h!r} "
                             f">= {self.day_end_h!r}")
        for name in ("workday_day_factor", "workday_night_factor", "weekend_day_factor",
                     "weekend_night_factor"):
            checks.fraction(name, getattr(self, name))
        try:
            dt.date.fromisoformat(self.start_date)
        except (TypeError, ValueError):
            raise ValueError(f"start_date must be an ISO 8601 date YYYY-MM-DD, "
                             f"got {self.start_date!r}") from None
        if int(self.seed) != self.seed or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")

    @property
    def machine_power_kw(self):
        return (self.peak_power_kw - self.base_power_kw) / self.machine_count


class FactoryLoads:
    """``step(dt_s)`` -> mean ``machine_power_kw`` of the factory over the step."""

    def __init__(self, params=None):
        self.params = FactoryParameters() if params is None else params
        if not isinstance(self.params, FactoryParameters):
            raise ValueError(f"params must be FactoryParameters, got {type(params).__name__}")
        p = self.params
        self._first_weekday = dt.date.fromisoformat(p.start_date).weekday()  # Monday = 0
        self._offset_s = p.start_time_h * SECONDS_PER_HOUR
        self._clock_s = self._offset_s  # seconds since midnight of start_date
        self._rng = np.random.Generator(np.random.PCG64(int(p.seed)))
        factor = self._factor_from(self._clock_s)
        self._running = self._rng.random(p.machine_count) < factor
        self._next_switch_s = np.full(p.machine_count, math.inf)
        for machine in range(p.machine_count):
            self._draw_switch(machine, factor)
        self._energy_kj = 0.0

    @property
    def time_s(self):
        return self._clock_s - self._offset_s

    @property
    def running_machines(self):
        return int(np.count_nonzero(self._running))

    def utilisation(self, time_s):
        """Expected fraction of machines running at ``time_s`` after the start."""
        return self._factor_at(self._offset_s + time_s)

    def expected_power_kw(self, time_s):
        p = self.params
        return p.base_power_kw + p.machine_count * p.machine_power_kw * self.utilisation(time_s)

    def expected_daily_energy_kwh(self, workday):
        """Expected energy of one calendar day [kWh] from the schedule's parameters."""
        p = self.params
        day_h = p.day_end_h - p.day_start_h
        if workday:
            f_day, f_night = p.workday_day_factor, p.workday_night_factor
        else:
            f_day, f_night = p.weekend_day_factor, p.weekend_night_factor
        machines_kw = p.machine_count * p.machine_power_kw
        return p.base_power_kw * 24.0 + machines_kw * (f_day * day_h + f_night * (24.0 - day_h))

    def step(self, dt_s):
        """Advance ``dt_s`` seconds; return the mean machine power [kW] over them."""
        dt_s = checks.step_size(dt_s)
        end_s = self._clock_s + dt_s
        machine_seconds = 0.0
        while self._clock_s < end_s:
            change_s = self._next_change(self._clock_s)
            boundary_s = min(change_s, end_s)
            factor = self._factor_from(self._clock_s)
            machine_seconds += self._run_until(boundary_s, factor)
            if boundary_s == change_s:
                self._change_shift(factor, self._factor_from(change_s))
        p = self.params
        mean_kw = p.base_power_kw + p.machine_power_kw * machine_seconds / dt_s
        self._energy_kj += mean_kw * dt_s
        return mean_kw

    def _run_until(self, boundary_s, factor):
        """Switch machines up to ``boundary_s``; return running machine-seconds."""
        machine_seconds = 0.0
        while True:
            machine = int(np.argmin(self._next_switch_s))
            event_s = self._next_switch_s[machine]
            if event_s >= boundary_s:
                break
            machine_seconds += np.count_nonzero(self._running) * (event_s - self._clock_s)
            self._clock_s = event_s
            self._running[machine] = not self._running[machine]
            self._draw_switch(machine, factor)
        machine_seconds += np.count_nonzero(self._running) * (boundary_s - self._clock_s)
        self._clock_s = boundary_s
        return machine_seconds

    def _change_shift(self, old, new):
        """Workers start or stop machines at a shift change so that each machine
        runs with probability ``new`` from now on (it ran with ``old``): with
        fewer, a running one keeps running with probability new/old; with more,
        a stopped one starts with probability (new - old)/(1 - old)."""
        if new == old:
            return
        for machine in range(self.params.machine_count):
            if new < old and self._running[machine]:
                switch = self._rng.random() >= new / old
            elif new > old and not self._running[machine]:
                switch = self._rng.random() < (new - old) / (1.0 - old)
            else:
                switch = False
            if switch:
                self._running[machine] = not self._running[machine]
            if switch or not self._running[machine]:  # stopped machines: new start rate
                self._draw_switch(machine, new)

    def _draw_switch(self, machine, factor):
        """Next switching instant of one machine: exponential, memoryless."""
        mean_on = self.params.mean_on_duration_s
        if self._running[machine]:
            wait = self._rng.exponential(mean_on)
        elif factor >= 1.0:
            wait = 0.0
        elif factor <= 0.0:
            wait = math.inf
        else:
            wait = self._rng.exponential((1.0 - factor) * mean_on / factor)
        self._next_switch_s[machine] = self._clock_s + wait

    def _factor_at(self, clock_s):
        p = self.params
        day = math.floor(clock_s / SECONDS_PER_DAY)
        second_of_day = clock_s - day * SECONDS_PER_DAY
        daytime = p.day_start_h * SECONDS_PER_HOUR <= second_of_day < p.day_end_h * SECONDS_PER_HOUR
        if (self._first_weekday + day) % 7 < 5:
            return p.workday_day_factor if daytime else p.workday_night_factor
        return p.weekend_day_factor if daytime else p.weekend_night_factor

    def _factor_from(self, clock_s):
        """Factor of the schedule interval that starts at or contains ``clock_s``
        (taken at its middle, so that rounding at a boundary cannot pick a neighbour)."""
        return self._factor_at(0.5 * (clock_s + self._next_change(clock_s)))

    def _next_change(self, clock_s):
        """Next shift change or midnight strictly after ``clock_s``."""
        p = self.params
        midnight = math.floor(clock_s / SECONDS_PER_DAY) * SECONDS_PER_DAY
        for change_h in (p.day_start_h, p.day_end_h, 24.0):
            change_s = midnight + change_h * SECONDS_PER_HOUR
            if change_s > clock_s:
                return change_s
        return midnight + SECONDS_PER_DAY + p.day_start_h * SECONDS_PER_HOUR

    def get_state(self):
        return {"time_s": self.time_s, "energy_kj": self._energy_kj,
                "running": self._running.astype(float), "next_switch_s": self._next_switch_s.copy(),
                "rng_state": _pack_rng(self._rng)}

    def set_state(self, state):
        self._clock_s = self._offset_s + checks.finite("time_s", state["time_s"])
        self._energy_kj = checks.finite("energy_kj", state["energy_kj"])
        running = np.asarray(state["running"], float)
        next_switch = np.asarray(state["next_switch_s"], float)
        if running.shape != (self.params.machine_count,) or next_switch.shape != running.shape:
            raise ValueError(f"running and next_switch_s must hold machine_count = "
                             f"{self.params.machine_count} values, got {running.shape} and "
                             f"{next_switch.shape}")
        self._running = running > 0.5
        self._next_switch_s = next_switch.copy()
        _unpack_rng(self._rng, state["rng_state"])


_MASK_64 = (1 << 64) - 1


def _pack_rng(rng):
    """PCG64 state as a uint64 array (its 128-bit integers split in halves)."""
    state = rng.bit_generator.state
    words = []
    for value in (state["state"]["state"], state["state"]["inc"]):
        words += [value >> 64, value & _MASK_64]
    words += [state["has_uint32"], state["uinteger"]]
    return np.array(words, dtype=np.uint64)


def _unpack_rng(rng, words):
    words = [int(w) for w in np.asarray(words, dtype=np.uint64)]
    rng.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (words[0] << 64) | words[1], "inc": (words[2] << 64) | words[3]},
        "has_uint32": words[4], "uinteger": words[5]}
