"""The twin watching an aged cell: plant -> sensors -> state estimator, run by the master.

Plant: a BatteryCell pack (one LG M50 cell by default) aged on purpose, with
``capacity_fade`` as lost lithium inventory and ``resistance_growth`` on its
ohmic and charge-transfer resistances, and a CellThermal for its core and can.
A Cycler drives it through repeated drive cycles (the cell as one of a
96s12p car's cells), rests, charges it at 1C CC-CV, rests and drives again.
Sensors read current, voltage and surface temperature with noise (50 mA,
5 mV, 0.1 K) and a current offset (10 mA). Two StateEstimators watch the
readings only: the twin (dual estimation of capacity and resistance) and the
same filter with capacity and resistance frozen at their nominal values.
Both start from the nominal cell and a SOC belief ``initial_soc_error`` too
low. A third baseline, Coulomb counting with the nominal capacity, runs on
the same measured current afterwards.

    btwin scenario twin_observer --param cycle=udds --param ambient_temperature=283.15

Writes ``results.csv``, ``energy.json``, ``summary.json`` and
``twin_observer.png`` (truth vs estimates with their +-2 sigma bands).
"""
from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from btwin.master import Component, Master, System, SystemStructure, write_ssp
from btwin.models.battery import BatteryParameters
from btwin.models.battery.soc import cell_capacity, lost_lithium_for_fade
from btwin.models.estimation import metrics
from btwin.models.estimation.coulomb import coulomb_counting
from btwin.models.estimation.twin_model import TwinModel

from . import twin_rig
from .common import FMU_DIR, fmu_path, output_dir, write_summary
from .params import Param, ParameterError, resolve

CYCLES = {"wltc": "wltc_class3b", "udds": "udds", "hwfet": "hwfet", "nedc": "nedc"}
BOND = twin_rig.BOND
ESTIMATORS = ("estimator", "frozen")

PARAMS = {
    "cycle": Param("wltc", "drive cycle of the drives", choices=tuple(CYCLES)),
    "ambient_temperature": Param(298.15, "ambient temperature", unit="K", minimum=263.15, maximum=318.15),
    "capacity_fade": Param(0.1, "fraction of its capacity the plant has lost (as lost lithium)",
                           minimum=0.0, maximum=0.4),
    "resistance_growth": Param(0.3, "fractional increase of the plant's ohmic and charge-transfer resistances",
                               minimum=0.0, maximum=3.0),
    "contact_resistance": Param(0.0, "extra contact resistance of the plant, per cell", unit="Ohm", minimum=0.0),
    "initial_soc": Param(0.9, "the plant's true state of charge at start", minimum=0.05, maximum=1.0),
    "initial_soc_error": Param(0.2, "how much lower the twin's SOC belief starts (negative: higher)",
                               minimum=-1.0, maximum=1.0),
    "hours": Param(6.0, "simulated time", unit="h", minimum=0.0, exclusive_minimum=True),
    "seed": Param(0, "seed of the sensor noise"),
    "n_series": Param(1, "cells in series in the plant", minimum=1),
    "n_parallel": Param(1, "cells in parallel in the plant", minimum=1),
    "current_offset": Param(0.01, "offset of the current sensor", unit="A"),
    "step": Param(1.0, "macro step of the master", unit="s", minimum=0.0, exclusive_minimum=True),
}
# what the sensors' data sheet says; the twin is told these noises, not the offset
SENSOR_NOISE = {"current": 0.05, "voltage": 0.005, "temperature": 0.1}  # A, V, K (issue #11 defaults)


def structure(p: dict, fmu_dir: Path | None = None) -> SystemStructure:
    fmu_dir = FMU_DIR if fmu_dir is None else Path(fmu_dir)
    fmus = {name: fmu_path(name, fmu_dir) for name in
            ("Cycler", "BatteryCell", "CellThermal", "Sensors", "StateEstimator")}
    pack = {"n_series": p["n_series"], "n_parallel": p["n_parallel"]}
    ambient = p["ambient_temperature"]
    belief = p["initial_soc"] - p["initial_soc_error"]
    twin = {**pack, "initial_soc": belief, "ambient_temperature": ambient,
            "voltage_noise": SENSOR_NOISE["voltage"],
            "current_noise": SENSOR_NOISE["current"], "temperature_noise": SENSOR_NOISE["temperature"],
            "step_mean_current": True,  # the Cycler's current is its mean over the step that ends at the readings
            "wide_prior": True}  # 20 % off in SOC, the nominal capacity against a faded cell
    return SystemStructure(
        name="twin_observer",
        components=[
            Component("cycler", fmus["Cycler"], {**pack, "drive_cycle": CYCLES[p["cycle"]]}),
            Component("battery", fmus["BatteryCell"], {
                **pack, "initial_soc": p["initial_soc"], "temperature": ambient,
                "lost_lithium_inventory": lost_lithium_for_fade(BatteryParameters(), p["capacity_fade"]),
                "resistance_growth": p["resistance_growth"], "contact_resistance": p["contact_resistance"]}),
            Component("thermal", fmus["CellThermal"], {
                "n_cells": float(p["n_series"] * p["n_parallel"]), "initial_temperature": ambient,
                "ambient_temperature": ambient}),
            Component("sensors", fmus["Sensors"], {
                "seed": p["seed"], "current_offset": p["current_offset"],
                "current_noise": SENSOR_NOISE["current"], "voltage_noise": SENSOR_NOISE["voltage"],
                "temperature_noise": SENSOR_NOISE["temperature"]}),
            Component("estimator", fmus["StateEstimator"], twin),
            Component("frozen", fmus["StateEstimator"], {**twin, "estimate_parameters": False}),
        ],
        connections=twin_rig.connections(ESTIMATORS),
        power_bonds=[twin_rig.bond()],
        stop_time=p["hours"] * 3600.0, step_size=p["step"])


def run(out_dir: Path | None = None, fmu_dir: Path | None = None, **params) -> dict:
    """Run the scenario (see :data:`PARAMS`); write into ``out_dir``
    (default ``results/twin_observer``) and return the summary."""
    p = resolve(PARAMS, params)
    belief = p["initial_soc"] - p["initial_soc_error"]
    if not 0.0 <= belief <= 1.0:
        raise ParameterError(f"initial_soc - initial_soc_error = {belief:g} is the twin's SOC belief and "
                             "must lie in [0, 1]")
    out = output_dir(out_dir, "twin_observer")
    ssp = write_ssp(structure(p, fmu_dir), out / "twin_observer.ssp")
    with tempfile.TemporaryDirectory() as unpacked:
        system = System.from_ssp(ssp, extract_to=unpacked)
        result = Master(system, algorithm="gauss-seidel", correction="nepce").run(out_dir=out)
    truth = plant_truth(result, p)
    summary = summarise(result, truth, p, belief)
    write_summary(out, summary)
    plot(result, truth, p, out / "twin_observer.png")
    return summary


def plant_truth(result, p: dict) -> dict:
    """What the twin should find: SOC and core temperature from the plant; its
    capacity (aged, less what SEI took during the run) and its resistance as
    the twin defines it (ohmic + charge transfer at the present state, with
    the plant's growth and contact resistance)."""
    aged = replace(BatteryParameters(), lost_lithium_inventory=lost_lithium_for_fade(
        BatteryParameters(), p["capacity_fade"]))
    capacity = cell_capacity(aged) * p["n_parallel"] - result.column("battery.capacity_loss")
    soc, core = result.column("battery.soc"), result.column("thermal.core_temperature")
    model = TwinModel()
    growth = 1.0 + p["resistance_growth"]
    cell = np.array([model.resistance(np.array([s, t, t, q / p["n_parallel"], growth]))
                     for s, t, q in zip(soc, core, capacity)]) + p["contact_resistance"]
    return {"soc": soc, "core_temperature": core, "capacity": capacity,
            "resistance": cell * p["n_series"] / p["n_parallel"],
            "nominal_capacity": model.nominal_capacity * p["n_parallel"]}


def summarise(result, truth: dict, p: dict, belief: float) -> dict:
    time = result.column("time")
    summary = {name: _figures(result, truth, time, name) for name in ESTIMATORS}
    counted = coulomb_counting(time, result.column("sensors.measured_current"), belief, truth["nominal_capacity"])
    summary["coulomb_counting"] = {
        **metrics.soc_figures(time, counted, truth["soc"]),
        "core_temperature_rmse_K": None, "core_temperature_max_error_K": None,
        "capacity_error": float(truth["nominal_capacity"] / truth["capacity"][-1] - 1.0),
        "resistance_error": None, "nees_within_95_fraction": None}
    return {
        "estimator": summary["estimator"],
        "coulomb_counting": summary["coulomb_counting"],
        "frozen_parameters": summary["frozen"],
        "plant": {"cycle": p["cycle"], "ambient_temperature_K": p["ambient_temperature"],
                  "capacity_A_h": round(float(truth["capacity"][-1]), 4),
                  "capacity_fade": p["capacity_fade"], "resistance_growth": p["resistance_growth"],
                  "initial_soc": p["initial_soc"], "twin_initial_soc": round(belief, 6),
                  "pack": f"{p['n_series']}s{p['n_parallel']}p", "hours": p["hours"],
                  "drives_completed": int(result.column("cycler.drives_completed")[-1])},
        "energy_residual_J": float({b["name"]: b for b in result.bonds}[BOND]["residual_J"]),
        "macro_steps": result.macro_steps,
        "wall_time_s": round(result.wall_time_s, 2),
    }


def _figures(result, truth: dict, time: np.ndarray, name: str) -> dict:
    c = lambda variable: result.column(f"{name}.{variable}")  # noqa: E731
    figures = metrics.soc_figures(time, c("soc"), truth["soc"])
    figures.update(metrics.temperature_figures(c("core_temperature"), truth["core_temperature"]))
    figures["capacity_error"] = float(c("capacity")[-1] / truth["capacity"][-1] - 1.0)
    figures["resistance_error"] = float(c("resistance")[-1] / truth["resistance"][-1] - 1.0)
    figures["nees_within_95_fraction"] = metrics.nees_within_95(
        c("soc") - truth["soc"], c("soc_std"), c("core_temperature") - truth["core_temperature"],
        c("core_temperature_std"), c("soc_core_temperature_correlation"))
    figures["outliers_rejected"] = int(c("outliers_rejected")[-1])
    figures["covariance_repairs"] = int(c("covariance_repairs")[-1])
    return {key: (round(value, 6) if isinstance(value, float) else value) for key, value in figures.items()}


def plot(result, truth: dict, p: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.column("time") / 3600.0
    est = lambda variable: result.column(f"estimator.{variable}")  # noqa: E731
    panels = [("soc", "state of charge [1]", 1.0, 0.0), ("core_temperature", "core temperature [°C]", 1.0, -273.15),
              ("capacity", "capacity [A.h]", 1.0, 0.0), ("resistance", "resistance [mOhm]", 1e3, 0.0)]
    fig, axes = plt.subplots(len(panels) + 1, 1, sharex=True, figsize=(8, 12))
    for ax, (name, label, scale, shift) in zip(axes, panels):
        mean, std = est(name) * scale + shift, est(f"{name}_std") * scale
        ax.fill_between(t, mean - 2 * std, mean + 2 * std, color="tab:blue", alpha=0.25, label="twin ±2σ")
        ax.plot(t, mean, color="tab:blue", linewidth=0.9, label="twin")
        ax.plot(t, result.column(f"frozen.{name}") * scale + shift, color="tab:orange", linewidth=0.8,
                label="frozen parameters")
        ax.plot(t, truth[name] * scale + shift, color="black", linewidth=0.9, linestyle="--", label="plant")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].plot(t, coulomb_counting(result.column("time"), result.column("sensors.measured_current"),
                                     p["initial_soc"] - p["initial_soc_error"], truth["nominal_capacity"]),
                 color="tab:red", linewidth=0.8, label="Coulomb counting")
    axes[0].legend(loc="best", fontsize=7, ncol=2)
    axes[-1].plot(t, result.column("cycler.battery_current"), linewidth=0.6, color="tab:gray")
    axes[-1].set_ylabel("pack current [A]")
    axes[-1].set_xlabel("time [h]")
    axes[-1].grid(alpha=0.3)
    axes[0].set_title(f"twin of a cell with {p['capacity_fade']:.0%} capacity fade and "
                      f"{p['resistance_growth']:.0%} resistance growth, {p['cycle'].upper()} drives, "
                      f"{p['ambient_temperature'] - 273.15:.0f} °C")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
