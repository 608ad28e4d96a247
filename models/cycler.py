"""A battery test cycler that alternates drives and charges, the way a
laboratory ages and characterises cells: drive a vehicle's drive cycle
(repeated) until a set charge has been drawn or the voltage sags below a
limit, rest, charge CC-CV, rest, drive again.

Drive. The cells are cells of a vehicle pack of ``vehicle_series`` x
``vehicle_parallel`` cells: the vehicle (``models.powertrain``) sees the cell
voltage times ``vehicle_series`` and its current is shared by
``vehicle_parallel`` cells, so each cell carries 1/(series x parallel) of the
vehicle's battery power. Charge. CC-CV per cell, with the charger's control
law of ``models.grid.charger`` (a discrete integral controller on the voltage
error; stable for cell resistances below twice ``cv_loop_resistance``).

Every decision uses the voltage at the start of a step (held over it); the
current returned is the mean over the step. Sign: > 0 discharges. Phase
changes happen at step boundaries, so a phase ends up to one step late.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

from . import checks
from .grid.charger import ChargePhase, Charger, ChargerParameters
from .powertrain import Powertrain, vehicle_preset


class CyclerPhase(IntEnum):
    REST_AFTER_DRIVE = 0
    DRIVE = 1
    CHARGE = 2
    REST_AFTER_CHARGE = 3


@dataclass(frozen=True)
class CyclerParameters:
    drive_cycle: str = "wltc_class3b"
    vehicle: str = "compact_ev"
    # Assumption: a compact EV with 96s12p cells draws ~0.5C mean and ~3C peaks
    # from each LG M50 cell on WLTC, so a drive empties ~25 % of SOC per cycle.
    vehicle_series: int = 96
    vehicle_parallel: int = 12
    discharge_capacity: float = 3.0  # A.h per cell drawn per drive (60 % of the 5 A.h nominal)
    min_voltage: float = 3.0  # V per cell: the drive stops below it
    charge_current: float = 5.0  # A per cell: 1C of the LG M50 (5 A.h nominal, Chen et al. 2020)
    cv_voltage: float = 4.2  # V per cell: upper cut-off of the LG M50 (LG INR21700 M50 data sheet)
    termination_current: float = 0.25  # A per cell: C/20, the usual CV end criterion
    cv_loop_resistance: float = 0.1  # Ohm per cell: control design value, about twice the cell's
    rest_time: float = 600.0  # s after each drive and each charge
    n_series: int = 1  # cells in series in the pack the cycler drives
    n_parallel: int = 1
    max_drives: int = 0  # after this many drives and their charges the cycler rests for good; 0: no end

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "max_drives":
                checks.non_negative(field.name, value)
            elif not isinstance(value, str):
                checks.positive(field.name, value)
        for name in ("vehicle_series", "vehicle_parallel", "n_series", "n_parallel", "max_drives"):
            if int(getattr(self, name)) != getattr(self, name):
                raise ValueError(f"{name} must be an integer, got {getattr(self, name)!r}")
        if self.min_voltage >= self.cv_voltage:
            raise ValueError(f"min_voltage ({self.min_voltage!r} V) must lie below cv_voltage "
                             f"({self.cv_voltage!r} V)")


class Cycler:
    """``step(dt, pack_voltage)`` -> mean pack current [A] over the step."""

    def __init__(self, parameters: CyclerParameters | None = None):
        self.parameters = p = parameters if parameters is not None else CyclerParameters()
        self._vehicle = vehicle_preset(p.vehicle)
        Powertrain(self._vehicle, p.drive_cycle)  # refuses an unknown cycle now, not at the first drive
        self._charger_parameters = ChargerParameters(
            max_current_a=p.charge_current, max_power_w=1e9, min_voltage_v=1e-3, max_voltage_v=1e3,
            nominal_efficiency=1.0, cv_voltage_v=p.cv_voltage,
            termination_current_a=min(p.termination_current, 0.5 * p.charge_current),
            cv_loop_resistance_ohm=p.cv_loop_resistance)
        self.phase = CyclerPhase.DRIVE
        self.drives = 0  # drives completed
        self._start_phase(CyclerPhase.DRIVE)

    def _start_phase(self, phase: CyclerPhase) -> None:
        self.phase, self.phase_time, self.drawn = phase, 0.0, 0.0
        self._powertrain = Powertrain(self._vehicle, self.parameters.drive_cycle) \
            if phase == CyclerPhase.DRIVE else None
        self._charger = Charger(self._charger_parameters) if phase == CyclerPhase.CHARGE else None

    def step(self, dt: float, pack_voltage: float) -> float:
        p = self.parameters
        checks.step_size(dt)
        cell_voltage = checks.positive("pack_voltage", pack_voltage) / p.n_series
        self._maybe_switch(cell_voltage)
        current = self._cell_current(dt, cell_voltage)
        self.phase_time += dt
        self.drawn += current * dt / 3600.0
        return current * p.n_parallel

    def _maybe_switch(self, cell_voltage: float) -> None:
        p, phase = self.parameters, self.phase
        if phase == CyclerPhase.DRIVE and (self.drawn >= p.discharge_capacity or cell_voltage < p.min_voltage):
            self.drives += 1
            self._start_phase(CyclerPhase.REST_AFTER_DRIVE)
        elif phase == CyclerPhase.CHARGE and self._charger.phase == ChargePhase.DONE:
            self._start_phase(CyclerPhase.REST_AFTER_CHARGE)
        elif phase == CyclerPhase.REST_AFTER_CHARGE and 0 < p.max_drives <= self.drives:
            return  # done: rest from now on
        elif phase in (CyclerPhase.REST_AFTER_DRIVE, CyclerPhase.REST_AFTER_CHARGE) \
                and self.phase_time >= p.rest_time:
            self._start_phase(CyclerPhase.CHARGE if phase == CyclerPhase.REST_AFTER_DRIVE else CyclerPhase.DRIVE)

    def _cell_current(self, dt: float, cell_voltage: float) -> float:
        p = self.parameters
        if self.phase == CyclerPhase.DRIVE:
            if self._powertrain.time >= self._powertrain.cycle.duration:  # the cycle again
                self._powertrain = Powertrain(self._vehicle, p.drive_cycle)
            out = self._powertrain.step(dt, cell_voltage * p.vehicle_series)
            return out.battery_current / p.vehicle_parallel
        if self.phase == CyclerPhase.CHARGE:
            return self._charger.step(dt, cell_voltage).battery_current_a
        return 0.0

    def get_state(self) -> dict:
        return {"phase": int(self.phase), "phase_time": self.phase_time, "drawn": self.drawn,
                "drives": self.drives,
                "powertrain": None if self._powertrain is None else self._powertrain.get_state(),
                "charger": None if self._charger is None else self._charger.get_state()}

    def set_state(self, state: dict) -> None:
        self._start_phase(CyclerPhase(int(state["phase"])))
        self.phase_time, self.drawn = float(state["phase_time"]), float(state["drawn"])
        self.drives = int(state["drives"])
        if state["powertrain"] is not None:
            self._powertrain.set_state(state["powertrain"])
        if state["charger"] is not None:
            self._charger.set_state(state["charger"])
