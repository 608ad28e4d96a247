"""The fast-charge test rig: one LG M50 cell (BatteryCell + CellThermal) on a
Charger, commanded either by the Charger's own CC-CV or by a
FastChargeController, optionally through Sensors and a StateEstimator; all
FMUs, stepped Gauss-Seidel by fmpy (controller, charger, cell, thermal).

``ChargeRig(...).charge(strategy, plant)`` runs one charge until the plant's
true SOC reaches the target (or a time cap) and returns its trace.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fmpy import extract, read_model_description
from fmpy.fmi2 import FMU2Slave, fmi2CallbackFunctions, fmi2CallbackLoggerTYPE, defaultCallbacks

from .common import fmu_path

CELL_CAPACITY_AH = 5.0  # LG M50 nominal capacity [LG INR21700 M50 data sheet; Chen et al. 2020]
CHARGER_FOR_ONE_CELL = {
    "min_voltage": 2.5, "max_voltage": 4.4,  # a cell's range (Chen 2020 cut-offs 2.5-4.2 V)
    "cv_voltage": 4.2,  # V, M50 charge cut-off [Chen2020; M50 data sheet]
    "power_limit": 100.0,  # W, never the limit for one cell
    "termination_current": 0.05,  # A, C/100: the charge is stopped by SOC here, not by CV
    # CV loop design value: a cell's ~30 mOhm (Chen 2020 pulse data) with margin; stable below 2x
    "cv_loop_resistance": 0.04,
}
RECORDED = ("time", "current", "voltage", "plating", "predicted_plating", "worst_predicted_plating",
            "core_temperature", "soc", "soc_used", "solve_time")


@dataclass(frozen=True)
class Plant:
    """One cell's parameters: the FMU start values that differ from the defaults."""

    battery: dict = field(default_factory=dict)
    thermal: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Strategy:
    """``crate`` for the charger's own CC-CV, or ``mode`` for the MPC."""

    name: str
    crate: float = 0.0
    mode: str = ""


@dataclass
class Trace:
    columns: dict
    reached: bool
    capacity_loss: float  # A.h
    decisions: int  # MPC decisions taken (0 for CC-CV)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @property
    def duration(self) -> float:
        return float(self.columns["time"][-1])


class _Log:
    """Collects the FMUs' log messages instead of printing them (the
    Charger warns at every change of a clipped set-point)."""

    def __init__(self):
        self.messages: list[tuple[int, str]] = []
        self.callbacks = fmi2CallbackFunctions()
        self.callbacks.logger = fmi2CallbackLoggerTYPE(self._log)
        self.callbacks.allocateMemory = defaultCallbacks.allocateMemory
        self.callbacks.freeMemory = defaultCallbacks.freeMemory
        # no fmpy logger proxy: it is one per process and would take every other FMU's log too;
        # the message arrives as the format string, unformatted, which is all kept here

    def _log(self, component, instance, status, category, message):
        self.messages.append((status, f"{instance.decode()}: {message.decode()}"))

    def warnings(self) -> list[str]:
        return [text for status, text in self.messages if status >= 1]


LOG = _Log()


class _Unit:
    """One FMU instance addressed by variable name."""

    def __init__(self, unzipped: str, description, name: str, start: dict):
        self.vr = {v.name: v.valueReference for v in description.modelVariables}
        self.types = {v.name: v.type for v in description.modelVariables}
        self.slave = FMU2Slave(guid=description.guid, unzipDirectory=unzipped,
                               modelIdentifier=description.coSimulation.modelIdentifier, instanceName=name)
        self.slave.instantiate(callbacks=LOG.callbacks)
        self.slave.setupExperiment(startTime=0.0)
        for key, value in start.items():
            self.set(key, value)
        self.slave.enterInitializationMode()
        self.slave.exitInitializationMode()

    def set(self, name: str, value) -> None:
        kind = self.types[name]
        setter = {"Real": self.slave.setReal, "Integer": self.slave.setInteger,
                  "Boolean": self.slave.setBoolean, "String": self.slave.setString}[kind]
        setter([self.vr[name]], [value])

    def reals(self, *names: str) -> list[float]:
        return self.slave.getReal([self.vr[n] for n in names])

    def close(self) -> None:
        self.slave.terminate()
        self.slave.freeInstance()


class ChargeRig:
    """Loads the FMUs once; each ``charge`` instantiates fresh ones."""

    def __init__(self, fmu_dir: Path, *, ambient_temperature: float, initial_soc: float, target_soc: float,
                 controller: dict, step: float = 1.0, time_cap: float = 4 * 3600.0,
                 estimator: bool = False, seed: int = 0):
        names = ["BatteryCell", "CellThermal", "Charger", "FastChargeController"]
        if estimator:
            names += ["Sensors", "StateEstimator"]
        self._fmus = {}
        for name in names:
            path = str(fmu_path(name, fmu_dir))
            self._fmus[name] = (extract(path), read_model_description(path))
        self.ambient, self.initial_soc, self.target = ambient_temperature, initial_soc, target_soc
        self.controller = dict(controller, target_soc=target_soc)
        self.step, self.time_cap, self.estimator, self.seed = step, time_cap, estimator, seed

    def _unit(self, name: str, start: dict) -> _Unit:
        unzipped, description = self._fmus[name]
        return _Unit(unzipped, description, name, start)

    def charge(self, strategy: Strategy, plant: Plant, stop_on_plating: bool = False) -> Trace:
        """Charge ``plant`` by ``strategy``; ``stop_on_plating`` ends the run at
        the first step with a negative true plating overpotential (bisection)."""
        units = self._units(strategy, plant)
        try:
            return self._run(units, strategy, stop_on_plating)
        finally:
            for unit in units.values():
                unit.close()

    def _units(self, strategy: Strategy, plant: Plant) -> dict:
        mpc = bool(strategy.mode)
        current_limit = (self.controller["max_charge_current"] if mpc
                         else strategy.crate * CELL_CAPACITY_AH)
        units = {
            "cell": self._unit("BatteryCell", {"initial_soc": self.initial_soc, "temperature": self.ambient,
                                               **plant.battery}),
            "thermal": self._unit("CellThermal", {"initial_temperature": self.ambient,
                                                  "ambient_temperature": self.ambient, **plant.thermal}),
            "charger": self._unit("Charger", {**CHARGER_FOR_ONE_CELL, "current_limit": current_limit,
                                              "use_current_setpoint": mpc, "battery_voltage": 3.5}),
        }
        if mpc:
            units["controller"] = self._unit("FastChargeController", {**self.controller, "mode": strategy.mode,
                                                                     "ambient_temperature": self.ambient})
        if self.estimator:
            units["sensors"] = self._unit("Sensors", {"seed": self.seed})
            units["estimator"] = self._unit("StateEstimator", {
                "initial_soc": self.initial_soc, "ambient_temperature": self.ambient,
                "surface_to_ambient_resistance": self.controller["surface_to_ambient_resistance"]})
        return units

    def _run(self, units: dict, strategy: Strategy, stop_on_plating: bool) -> Trace:
        cell, thermal, charger = units["cell"], units["thermal"], units["charger"]
        controller, sensors, estimator = units.get("controller"), units.get("sensors"), units.get("estimator")
        rows = []
        t, h = 0.0, self.step
        current = 0.0
        voltage, plating, soc = cell.reals("voltage", "plating_overpotential", "soc")
        core, surface = thermal.reals("core_temperature", "surface_temperature")
        decisions = 0
        while soc < self.target and t < self.time_cap:
            measured_current, measured_voltage, soc_used, core_used = current, voltage, soc, core
            if sensors is not None:
                measured_current, measured_voltage, soc_used, core_used = self._estimate(
                    sensors, estimator, t, current, voltage, surface)
            predicted = worst = solve_time = math.nan
            if controller is not None:
                for name, value in (("soc", soc_used), ("core_temperature", core_used),
                                    ("measured_voltage", measured_voltage), ("measured_current", measured_current)):
                    controller.set(name, value)
                controller.slave.doStep(t, h)
                setpoint, predicted, worst, solve_time = controller.reals(
                    "current_setpoint", "predicted_plating_overpotential",
                    "worst_predicted_plating_overpotential", "solve_time")
                charger.set("current_setpoint", setpoint)
                if _is_decision(t, self.controller["control_period"], h):
                    decisions += 1
                else:
                    solve_time = math.nan
            charger.set("battery_voltage", voltage)
            charger.slave.doStep(t, h)
            current = charger.reals("battery_current")[0]
            cell.set("current", current)
            cell.set("temperature", core)
            cell.slave.doStep(t, h)
            voltage, plating, soc, heat = cell.reals("voltage", "plating_overpotential", "soc", "heat_generation")
            thermal.set("heat_generation", heat)
            thermal.slave.doStep(t, h)
            core, surface = thermal.reals("core_temperature", "surface_temperature")
            t += h
            rows.append((t, current, voltage, plating, predicted, worst, core, soc, soc_used, solve_time))
            if stop_on_plating and plating < 0.0:
                break
        columns = {name: np.array(col) for name, col in zip(RECORDED, zip(*rows))} if rows else \
            {name: np.zeros(0) for name in RECORDED}
        return Trace(columns, soc >= self.target, cell.reals("capacity_loss")[0], decisions)

    def _estimate(self, sensors, estimator, t, current, voltage, surface):
        """Measure the plant, update the estimator; what the controller sees."""
        for name, value in (("current", current), ("voltage", voltage), ("surface_temperature", surface)):
            sensors.set(name, value)
        measured = sensors.reals("measured_current", "measured_voltage", "measured_surface_temperature")
        sensors.slave.doStep(t, self.step)
        for name, value in zip(("measured_current", "measured_voltage", "measured_surface_temperature"), measured):
            estimator.set(name, value)
        estimator.slave.doStep(t, self.step)
        soc, core = estimator.reals("soc", "core_temperature")
        return measured[0], measured[1], soc, core


def _is_decision(t: float, period: float, h: float) -> bool:
    phase = math.fmod(t + 0.5 * h, period)
    return phase < h
