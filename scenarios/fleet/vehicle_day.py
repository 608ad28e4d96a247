"""One vehicle-day on a worker: the plant drives and charges, the sensors
measure, the edge twin estimates; two co-simulations run by the master.

A day: drive the vehicle's cycle, repeated to the day's distance (the car's
96s40p LG M50 pack, its thermal model and the Powertrain, as in ``ev_wltc``),
park, then charge to the owner's target SOC (the Charger, CC-CV, slow or
fast), park overnight. The Sensors measure current, voltage and surface
temperature (seeded noise per vehicle-day) and the StateEstimator, the edge
twin, estimates SOC, capacity and resistance from those alone.

Between the two runs and overnight the pack rests: the plant starts each run
relaxed at the SOC the last one ended with (its particle gradients relax
within the hours a car stands), its SEI film grows over the rest by the
closed-form law (``models.battery.aging``) for ``aging_acceleration`` times
the rest's length, and the lithium the film took is the plant's lost
lithium inventory from then on. The edge twin hands its end-of-drive
estimates to the charge run as its starting belief.

The row a vehicle-day returns: the plant's truth (capacity and resistance
per cell at the end of the day), the edge twin's estimates with their
standard deviations and the random-walk variance its filter added over the
day (for the cloud's evidence), energy throughput, peak temperature, and the
``carry_*`` values the next day starts from.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from btwin.master import Component, Connection, Endpoint, Master, PowerBond, System, SystemStructure
from btwin.models.battery import BatteryParameters
from btwin.models.battery.aging import rest
from btwin.models.battery.soc import stoichiometry_window
from btwin.models.powertrain.drive_cycles import load_cycle

from .cloud import Quantity

N_SERIES, N_PARALLEL = 96, 40  # the ev_wltc pack (Chevrolet Bolt EV layout, LG M50 cells)
VEHICLE = "bolt_ev"
DRIVE_STEP_S = 2.0
CHARGE_STEP_S = 10.0
SLOW_CHARGE_W, FAST_CHARGE_W = 11.0e3, 50.0e3  # AC wallbox (IEC 61851 3-phase 16 A) and a 50 kW DC charger
PARK_BEFORE_CHARGE_S = 4 * 3600.0  # assumption: parked four hours between the drive and the charge
DAY_S = 86400.0
CYCLE_FILES = {"wltc": "wltc_class3b", "udds": "udds", "hwfet": "hwfet"}

FMUS = ("BatteryCell", "CellThermal", "Powertrain", "Charger", "Sensors", "StateEstimator")

_CELL = BatteryParameters()
QUANTITIES = (
    # per cell; the edge twin's nominal prior is the data-sheet cell's
    Quantity("capacity", "A.h", nominal=5.0, nominal_std=0.25, daily_drift_std=0.005),
    Quantity("resistance", "Ohm", nominal=0.03, nominal_std=0.006, daily_drift_std=0.0002),
)


def plant_parameters(spec: dict) -> BatteryParameters:
    """The vehicle's cell as built and aged so far."""
    factor = spec["vehicle_active_material_factor"]
    return replace(_CELL,
                   negative_active_material_fraction=_CELL.negative_active_material_fraction * factor,
                   positive_active_material_fraction=_CELL.positive_active_material_fraction * factor,
                   contact_resistance=spec["vehicle_contact_resistance"],
                   sei_initial_thickness=spec.get("carry_sei_thickness", _CELL.sei_initial_thickness),
                   lost_lithium_inventory=spec.get("carry_lost_lithium", 0.0))


def true_capacity(p: BatteryParameters) -> float:
    """Capacity per cell between the cut-offs [A.h]: the negative electrode's
    share of the stoichiometry window."""
    window = stoichiometry_window(p)
    return (window.x_100 - window.x_0) * p.capacity("negative")


def simulate(spec: dict, fmus: dict[str, Path]) -> dict:
    """The vehicle-day of ``spec`` (see ``runner._State.spec``)."""
    raise NotImplementedError("the edge twin's co-simulation needs the StateEstimator FMU")


def _drive_cycle_file(cycle: str, distance_km: float, folder: Path) -> tuple[Path, float]:
    """The cycle repeated to cover ``distance_km``, as a CSV the Powertrain reads; (path, duration)."""
    trace = load_cycle(CYCLE_FILES[cycle])
    t, v = trace.as_arrays()
    repeats = max(1, math.ceil(distance_km * 1000.0 / trace.distance))
    times = np.concatenate([t + k * trace.duration for k in range(repeats)])
    speeds = np.tile(v, repeats)
    keep = np.concatenate([[True], np.diff(times) > 0.0])
    path = folder / f"{cycle}_x{repeats}.csv"
    np.savetxt(path, np.column_stack([times[keep], speeds[keep]]), delimiter=",",
               header="time_s,speed_m_per_s", comments="", fmt="%.6g")
    return path, float(times[keep][-1])
