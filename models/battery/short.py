"""An internal short circuit: a resistance R_s across every cell, inside the can.

From ``start_time`` on, each cell's electrodes carry the terminal current plus
the short's, i_int = i + V / R_s (V the cell's terminal voltage, which the
short shares), so the cell discharges itself and heats by V^2 / R_s more:

    heat = heat_SPMe(i_int) + V i_s        per cell,  i_s = V / R_s.

V depends on i_int; the short current is found by fixed-point iteration from
the last voltage (contraction factor R_cell / R_s, below 0.1 for R_s > 0.3 Ohm
on the LG M50) and held over each step at its value at the step's start with
the new terminal current: the error is the voltage change over one step
relative to V (below 1e-3 for 1 s steps away from the ends of charge).
Assumption: every cell of the pack has the same short (the pack model's cells
are identical); the external current and voltage are what a BMS measures.
"""
from __future__ import annotations

import math

from .. import checks
from .spme import BatteryOutputs, SPMeBattery

_ITERATIONS = 3


class ShortedBattery:
    """An :class:`SPMeBattery` with an internal short; same step/evaluate interface."""

    def __init__(self, battery: SPMeBattery, resistance: float, start_time: float = 0.0):
        self.battery = battery
        self.resistance = checks.positive("internal_short_resistance", resistance)
        self.start_time = checks.non_negative("internal_short_time", start_time)
        p = battery.parameters
        self._n_series, self._n_parallel = p.n_series, p.n_parallel
        self._cells = p.n_series * p.n_parallel
        self.short_current = 0.0  # A per cell, over the last step

    @property
    def time(self) -> float:
        return self.battery.time

    @property
    def outputs(self) -> BatteryOutputs:
        return self.battery.outputs

    def step(self, dt: float, current: float, temperature: float) -> BatteryOutputs:
        self.short_current = self._short_current(current, temperature)
        out = self.battery.step(dt, current + self._n_parallel * self.short_current, temperature)
        return self._with_short_heat(out, self.short_current)

    def evaluate(self, current: float, temperature: float) -> BatteryOutputs:
        short = self._short_current(current, temperature)
        return self._with_short_heat(
            self.battery.evaluate(current + self._n_parallel * short, temperature), short)

    def _short_current(self, current: float, temperature: float) -> float:
        """i_s = V / R_s at the present state with this terminal current [A per cell]."""
        if self.battery.time < self.start_time - 1e-9:
            return 0.0
        short = self.battery.outputs.voltage / self._n_series / self.resistance
        for _ in range(_ITERATIONS):
            out = self.battery.evaluate(current + self._n_parallel * short, temperature)
            short = out.voltage / self._n_series / self.resistance
        if not math.isfinite(short):
            raise ValueError("internal short current is not finite")
        return short

    def _with_short_heat(self, out: BatteryOutputs, short: float) -> BatteryOutputs:
        cell_voltage = out.voltage / self._n_series
        return out._replace(heat_generation=out.heat_generation + self._cells * cell_voltage * short)

    def internals(self) -> dict:
        return self.battery.internals()

    def overpotentials(self):
        """The cell's losses at its electrode current, short included (see SPMeBattery)."""
        return self.battery.overpotentials()

    def get_state(self) -> dict:
        return {**self.battery.get_state(), "short_current": self.short_current}

    def set_state(self, state: dict) -> None:
        self.short_current = float(state["short_current"])
        self.battery.set_state({k: v for k, v in state.items() if k != "short_current"})
