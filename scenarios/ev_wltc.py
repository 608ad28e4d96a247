"""A battery-electric car on one WLTC class 3b, co-simulated by the master.

Three FMUs: ``battery`` (BatteryCell as a 96s40p pack of LG M50 cells),
``thermal`` (CellThermal for all 3840 cells, fed the pack's heat, its core
temperature back to the battery) and ``powertrain`` (Powertrain, Chevrolet
Bolt EV numbers, whose 66 kWh pack is also 96 cells in series). The battery
and the powertrain exchange power through a voltage/current bond, declared
so the master books and corrects its energy.

The pack: 96 x 3.63 V (LG INR21700 M50 specification, nominal voltage) =
348.5 V; 40 x 5.0 A.h (Chen et al. 2020, nominal capacity) = 200 A.h;
together 69.7 kWh.

Coupling: Gauss-Seidel with NEPCE. The powertrain has no direct feedthrough
and reports the mean current it drew over each step, so it steps first and
the battery then carries exactly that current over the same step; NEPCE pays
back the energy the held voltage leaves open. Plain Jacobi instead hands the
battery the previous step's current; paying that lag back extrapolates a rough
current and costs extra I^2 R loss (benchmarks/master_ev_wltc.py measures it).

    btwin scenario ev_wltc                     # results/ev_wltc/
    btwin scenario ev_wltc --export car.ssp    # the system alone, not run
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from btwin.master import (Component, Connection, Endpoint, Master, PowerBond, PowerSignal, System,
                          SystemStructure, write_ssp)

from .common import FMU_DIR, fmu_path, native_fmu_path, output_dir, write_summary
from .params import Param, resolve

N_SERIES = 96
N_PARALLEL = 40
CELL_NOMINAL_V = 3.63  # LG INR21700 M50 product specification, nominal voltage
CELL_NOMINAL_AH = 5.0  # Chen et al., J. Electrochem. Soc. 167 (2020) 080534, nominal capacity
INITIAL_SOC = 0.9
AMBIENT_K = 298.15  # 25 degC, the WLTP test temperature (UN GTR 15: 23 +/- 5 degC, close enough)
CYCLE = "wltc_class3b"
CYCLE_S = 1800.0  # length of WLTC class 3b (UN GTR 15, Annex 1)
VEHICLE = "bolt_ev"
STEP_S = 1.0
ALGORITHM = "gauss-seidel"
CORRECTION = "nepce"

BOND = "battery_to_powertrain"
HEAT = "battery_heat"


def pack_energy_kwh() -> float:
    return N_SERIES * N_PARALLEL * CELL_NOMINAL_V * CELL_NOMINAL_AH / 1000.0


PACKS = ("python", "native-fmi2", "native-fmi3")  # which FMUs model the pack


def structure(fmu_dir: Path | None = None, pack: str = "python") -> SystemStructure:
    """The car as a system; FMUs missing from ``fmu_dir`` (default ``FMU_DIR``) are built first.
    ``pack``: BatteryCell and CellThermal as Python FMUs, or as native FMUs
    (no Python inside) of FMI 2.0 or 3.0 from ``build/native``."""
    fmu_dir = FMU_DIR if fmu_dir is None else Path(fmu_dir)
    fmus = {name: fmu_path(name, fmu_dir) for name in ("BatteryCell", "CellThermal", "Powertrain")}
    if pack != "python":
        version = int(pack[-1])
        fmus.update({name: native_fmu_path(name, version) for name in ("BatteryCell", "CellThermal")})
    e = Endpoint
    return SystemStructure(
        name="ev_wltc",
        components=[
            Component("battery", fmus["BatteryCell"], {
                "n_series": N_SERIES, "n_parallel": N_PARALLEL, "initial_soc": INITIAL_SOC}),
            Component("thermal", fmus["CellThermal"], {
                "n_cells": float(N_SERIES * N_PARALLEL), "initial_temperature": AMBIENT_K,
                "ambient_temperature": AMBIENT_K}),
            Component("powertrain", fmus["Powertrain"], {"drive_cycle": CYCLE, "vehicle": VEHICLE}),
        ],
        connections=[
            Connection(e("battery", "voltage"), e("powertrain", "battery_voltage")),
            Connection(e("powertrain", "battery_current"), e("battery", "current")),
            Connection(e("battery", "heat_generation"), e("thermal", "heat_generation")),
            Connection(e("thermal", "core_temperature"), e("battery", "temperature")),
        ],
        power_bonds=[PowerBond(BOND, source="battery", sink="powertrain",
                               effort=e("powertrain", "battery_voltage"), flow=e("battery", "current"))],
        power_signals=[PowerSignal(HEAT, e("thermal", "heat_generation"))],
        stop_time=CYCLE_S, step_size=STEP_S)


def export(path: str | Path, fmu_dir: Path | None = None) -> Path:
    """Write the self-contained SSP (FMUs inside) and return its path."""
    return write_ssp(structure(fmu_dir), path)


PARAMS = {
    "stop_time": Param(CYCLE_S, "simulated time from the start of the cycle", unit="s",
                       minimum=0.0, exclusive_minimum=True),
    "step": Param(STEP_S, "macro step", unit="s", minimum=0.0, exclusive_minimum=True),
    "pack": Param("python", "FMUs of the battery and its thermal model: Python FMUs, or native FMUs "
                  "(compiled C, no Python inside) of FMI 2.0 or 3.0", choices=PACKS),
}


def run(out_dir: str | Path | None = None, *, fmu_dir: Path | None = None, **params) -> dict:
    """Drive the cycle (or its first ``stop_time`` seconds) with macro step
    ``step`` [s] (see :data:`PARAMS`); write ``results.csv``, ``energy.json``,
    ``summary.json``, ``ev_wltc.ssp`` and the plots into ``out_dir``
    (default ``results/ev_wltc``) and return the summary."""
    p = resolve(PARAMS, params)
    out = output_dir(out_dir, "ev_wltc")
    ssp = write_ssp(structure(fmu_dir, p["pack"]), out / "ev_wltc.ssp")
    with tempfile.TemporaryDirectory() as unpacked:
        system = System.from_ssp(ssp, extract_to=unpacked)
        result = Master(system, algorithm=ALGORITHM, correction=CORRECTION).run(
            stop_time=p["stop_time"], step=p["step"], out_dir=out)
    summary = summarise(result)
    summary["pack_fmus"] = p["pack"]
    write_summary(out, summary)
    plot(result, out)
    return summary


def summarise(result) -> dict:
    bonds = {b["name"]: b for b in result.bonds}
    bond, heat = bonds[BOND], bonds[HEAT]
    delivered_j = bond["energy_source_J"]
    distance_km = result.column("powertrain.distance")[-1] / 1000.0
    core = result.column("thermal.core_temperature")
    return {
        "pack": f"{N_SERIES}s{N_PARALLEL}p LG M50, {pack_energy_kwh():.1f} kWh nominal",
        "simulated_s": float(result.stop_time),
        "distance_km": round(float(distance_km), 3),
        "delivered_kWh": round(float(delivered_j) / 3.6e6, 4),
        "consumption_Wh_per_km": round(float(delivered_j / 3600.0 / distance_km), 2) if distance_km > 0 else None,
        "energy_residual_J": float(bond["residual_J"]),
        "energy_residual_relative": float(abs(bond["residual_J"]) / abs(delivered_j)) if delivered_j else None,
        "heat_residual_J": float(heat["residual_J"]),
        "peak_core_temperature_C": round(float(core.max()) - 273.15, 3),
        "peak_surface_temperature_C": round(float(result.column("thermal.surface_temperature").max()) - 273.15, 3),
        "initial_soc": INITIAL_SOC,
        "final_soc": round(float(result.column("battery.soc")[-1]), 6),
        "min_plating_overpotential_V": round(float(result.column("battery.plating_overpotential").min()), 5),
        "macro_steps": result.macro_steps,
        "wall_time_s": round(result.wall_time_s, 3),
        "results": str(result.results_path),
    }


def plot(result, out: Path) -> None:
    """One PNG per quantity a person would look at, and an overview of all."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.column("time") / 60.0
    panels = [
        ("speed", "speed [km/h]", [("vehicle", result.column("powertrain.vehicle_speed") * 3.6),
                                   ("cycle", result.column("powertrain.trace_speed") * 3.6)]),
        ("pack_current", "pack current [A]", [("drawn (mean over each step)",
                                               result.column("powertrain.battery_current"))]),
        ("pack_voltage", "pack voltage [V]", [("terminal", result.column("battery.voltage")),
                                              ("open circuit", result.column("battery.ocv"))]),
        ("soc", "state of charge [1]", [("soc", result.column("battery.soc"))]),
        ("temperature", "temperature [°C]", [("core", result.column("thermal.core_temperature") - 273.15),
                                             ("surface", result.column("thermal.surface_temperature") - 273.15)]),
        ("plating_overpotential", "plating overpotential [V]",
         [("phi_s - phi_e at the separator", result.column("battery.plating_overpotential"))]),
    ]
    for name, label, lines in panels:
        fig, ax = plt.subplots(figsize=(7, 3))
        _draw(ax, t, label, lines)
        ax.set_xlabel("time [min]")
        fig.tight_layout()
        fig.savefig(out / f"{name}.png", dpi=110)
        plt.close(fig)
    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(8, 13))
    for ax, (_, label, lines) in zip(axes, panels):
        _draw(ax, t, label, lines)
    axes[0].set_title(f"{N_SERIES}s{N_PARALLEL}p LG M50 pack ({pack_energy_kwh():.0f} kWh) on WLTC class 3b")
    axes[-1].set_xlabel("time [min]")
    fig.tight_layout()
    fig.savefig(out / "overview.png", dpi=100)
    plt.close(fig)


def _draw(ax, t: np.ndarray, label: str, lines) -> None:
    for legend, values in lines:
        ax.plot(t, values, label=legend, linewidth=0.9)
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    if len(lines) > 1:
        ax.legend(loc="best", fontsize=8)
