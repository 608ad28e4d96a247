"""A heat pulse on CellThermal, scripted with plain ``fmpy.simulate_fmu``.

A pack of 96 cells (one module) generates 60 W for ten minutes, then rests
for fifty: the core runs ahead of the can while heating and both relax
towards ambient with the slow time constant afterwards. Writes
``results.csv`` and ``temperatures.png``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from fmpy import simulate_fmu

from .common import RESULTS_DIR, fmu_path, write_csv

N_CELLS = 96
PULSE_W = 60.0
PULSE_S = 600.0
STOP_S = 3600.0
AMBIENT_K = 298.15


def heat_input() -> np.ndarray:
    """fmpy's input signal: time, heat_generation and a constant ambient."""
    return np.array([(0.0, PULSE_W, AMBIENT_K), (PULSE_S, PULSE_W, AMBIENT_K),
                     (PULSE_S, 0.0, AMBIENT_K), (STOP_S, 0.0, AMBIENT_K)],
                    dtype=[("time", float), ("heat_generation", float), ("ambient_temperature", float)])


def run(out_dir: Path | None = None) -> dict:
    out_dir = Path(out_dir or RESULTS_DIR / "fmpy_thermal_pulse")
    result = simulate_fmu(
        str(fmu_path("CellThermal")), stop_time=STOP_S, step_size=1.0, output_interval=10.0,
        start_values={"n_cells": float(N_CELLS), "initial_temperature": AMBIENT_K},
        input=heat_input(),
    )
    columns = {name: result[name] for name in
               ("time", "heat_generation", "core_temperature", "surface_temperature", "heat_rejected")
               if name in result.dtype.names}
    write_csv(out_dir / "results.csv", columns)
    _plot(result, out_dir / "temperatures.png")
    peak = int(np.argmax(result["core_temperature"]))
    return {
        "peak core temperature [degC]": round(float(result["core_temperature"][peak]) - 273.15, 2),
        "at [s]": float(result["time"][peak]),
        "core-surface gap at peak [K]": round(float(result["core_temperature"][peak]
                                                    - result["surface_temperature"][peak]), 3),
        "results": str(out_dir / "results.csv"),
    }


def _plot(result, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = result["time"] / 60.0
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
    top.plot(minutes, result["core_temperature"] - 273.15, label="core")
    top.plot(minutes, result["surface_temperature"] - 273.15, label="surface")
    top.set_ylabel("temperature [°C]")
    top.legend()
    top.set_title(f"CellThermal: {PULSE_W:g} W over {N_CELLS} cells for {PULSE_S / 60:g} min")
    bottom.plot(minutes, result["heat_rejected"], color="tab:red")
    bottom.set_ylabel("heat rejected [W]")
    bottom.set_xlabel("time [min]")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
