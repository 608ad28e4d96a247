"""The fast-charge controller of a pack as a sampled-data system.

It is stepped at the host's rate and decides every ``control_period``: the
measured current is averaged over the period (for the observer), the MPC
(:mod:`.mpc`) decides with the signals present at the decision instant,
and the set-point is held until the next one. The decision taken in
``step(t, h)`` is the set-point from t + h on (one communication step of
computation delay, as in a real controller).

Pack scaling: ``n_parallel`` cells share the current, ``n_series`` cells
the voltage; the model is one cell. Currents have the plant's sign
(> 0 discharges): the set-point is <= 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .. import checks
from .mpc import ControllerSettings, FastChargeMPC, Move
from .reduced_cell import ReducedCellConfig


@dataclass
class ControllerOutputs:
    current_setpoint: float  # A, pack, <= 0
    predicted_plating_overpotential: float  # V, nominal model, end of the next period
    worst_predicted_plating_overpotential: float  # V, lowest over the bank
    solve_time: float  # s, wall time of the last decision
    status: str  # what the last decision was, and why when it is not "optimal"


class FastChargeController:
    """``step(dt, soc, core_temperature, measured_voltage, measured_current,
    ambient_temperature) -> ControllerOutputs``."""

    def __init__(self, settings: ControllerSettings, config: ReducedCellConfig | None = None,
                 n_series: int = 1, n_parallel: int = 1):
        for name, value in (("n_series", n_series), ("n_parallel", n_parallel)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        self.n_series, self.n_parallel = int(n_series), int(n_parallel)
        self.mpc = FastChargeMPC(settings, config)
        self.period = settings.control_period
        self._next_decision = 0.0
        self._time = 0.0
        self._charge = 0.0  # A s (per cell) since the last decision
        self._elapsed = 0.0  # s since the last decision
        self._started = False
        self.outputs = ControllerOutputs(0.0, math.nan, math.nan, 0.0, "waiting for the first step")

    def step(self, dt: float, soc: float, core_temperature: float, measured_voltage: float,
             measured_current: float, ambient_temperature: float) -> ControllerOutputs:
        checks.step_size(dt)
        for name, value in (("soc", soc), ("measured_voltage", measured_voltage),
                            ("measured_current", measured_current)):
            checks.finite(name, value)
        checks.positive("core_temperature", core_temperature)
        checks.positive("ambient_temperature", ambient_temperature)
        if self._time >= self._next_decision - 1e-9 * max(1.0, self.period):
            self._decide(soc, core_temperature, measured_voltage, measured_current, ambient_temperature)
        self._charge += measured_current / self.n_parallel * dt
        self._elapsed += dt
        self._time += dt
        return self.outputs

    def _decide(self, soc, core_temperature, voltage, current, ambient) -> None:
        mean_current = self._charge / self._elapsed if self._elapsed > 0.0 else current / self.n_parallel
        model_soc = min(max(soc, 0.0), 1.0)  # the model's window; the target check uses the true input
        self.mpc.observe(self._elapsed if self._started else 0.0, mean_current, voltage / self.n_series,
                         model_soc, core_temperature, ambient)
        self._started = True
        move: Move = self.mpc.decide(soc)
        self.outputs = ControllerOutputs(move.current * self.n_parallel, move.predicted_plating,
                                         move.worst_predicted_plating, move.solve_time, move.status)
        self._charge = self._elapsed = 0.0
        self._next_decision = self._time + self.period

    def get_state(self) -> dict:
        return {"mpc": self.mpc.get_state(), "time": self._time, "next_decision": self._next_decision,
                "charge": self._charge, "elapsed": self._elapsed, "started": self._started,
                "outputs": vars(self.outputs).copy()}

    def set_state(self, state: dict) -> None:
        self.mpc.set_state(state["mpc"])
        self._time, self._next_decision = float(state["time"]), float(state["next_decision"])
        self._charge, self._elapsed = float(state["charge"]), float(state["elapsed"])
        self._started = bool(state["started"])
        self.outputs = ControllerOutputs(**state["outputs"])
