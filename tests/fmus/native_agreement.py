"""A battery pack and its thermal model as two FMUs stepped together in fmpy
(Gauss-Seidel at 1 s), on the two duties of issue 17's agreement target: the
car of ``ev_wltc`` on one whole WLTC class 3b (current from the Powertrain
model, fed the pack voltage) and a 1C constant-current charge. Shared by the
native-FMU tests and ``benchmarks/native_fmus.py``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from btwin.models.powertrain import Powertrain, vehicle_preset
from tests.fmus.fmi_helpers import Instance

N_SERIES, N_PARALLEL = 96, 40  # the pack of scenarios/ev_wltc.py
AMBIENT_K = 298.15
ONE_C_A = 5.0 * N_PARALLEL  # A, 1C of the pack (LG M50 nominal 5 A.h, Chen et al. 2020)
DUTIES = {"wltc": (0.9, 1800), "charge_1c": (0.05, 3240)}  # initial soc, seconds at 1 s


def run_pack(battery_fmu: Path, thermal_fmu: Path, duty: str, seconds: int | None = None) -> dict:
    """Pack voltage [V], core and surface temperature [K] after every 1 s step."""
    initial_soc, length = DUTIES[duty]
    battery = Instance(battery_fmu, "battery")
    thermal = Instance(thermal_fmu, "thermal")
    battery.slave.setInteger([battery.vr["n_series"], battery.vr["n_parallel"]], [N_SERIES, N_PARALLEL])
    battery.initialize(initial_soc=initial_soc, temperature=AMBIENT_K)
    thermal.initialize(n_cells=float(N_SERIES * N_PARALLEL), ambient_temperature=AMBIENT_K,
                       initial_temperature=AMBIENT_K)
    powertrain = Powertrain(vehicle_preset("bolt_ev"), drive_cycle="wltc_class3b")
    voltage = battery.get("voltage")[0]
    series = {"voltage": [], "core_temperature": [], "surface_temperature": []}
    for _ in range(seconds or length):
        current = powertrain.step(1.0, voltage).battery_current if duty == "wltc" else -ONE_C_A
        battery.set(current=current, temperature=thermal.get("core_temperature")[0])
        battery.step(1.0)
        voltage, heat = battery.get("voltage", "heat_generation")
        thermal.set(heat_generation=heat)
        thermal.step(1.0)
        series["voltage"].append(voltage)
        core, surface = thermal.get("core_temperature", "surface_temperature")
        series["core_temperature"].append(core)
        series["surface_temperature"].append(surface)
    battery.close()
    thermal.close()
    return {name: np.array(values) for name, values in series.items()}


def largest_differences(first: dict, second: dict) -> dict[str, float]:
    return {name: float(np.abs(first[name] - second[name]).max()) for name in first}
