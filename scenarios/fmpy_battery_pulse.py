"""A discharge pulse train on BatteryCell, scripted with plain ``fmpy.simulate_fmu``.

One LG M50 cell at 90 % SOC and 25 degC rests for a minute, then takes ten 2C pulses (10 A for 60 s),
each followed by two minutes of rest: the voltage drops at every pulse edge,
sags while the pulse lasts and relaxes towards the open-circuit voltage in
the rest, one step lower each time as the SOC falls. The input signal is
fmpy's structured array with repeated time points at the edges, so the
current steps exactly at a communication point. Writes ``results.csv`` and
``pulses.png``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from fmpy import simulate_fmu

from .common import FMU_DIR, fmu_path, output_dir, write_csv, write_summary
from .params import Param, resolve

CELL_CAPACITY_AH = 5.0  # LG M50 nominal capacity (LG INR21700 M50 data sheet; Chen et al. 2020)
PULSE_A = 2.0 * CELL_CAPACITY_AH  # 2C discharge
PULSE_S = 60.0
REST_S = 120.0
PULSES = 10
FIRST_REST_S = 60.0  # a rested start, the reference for the first pulse's resistance
STOP_S = FIRST_REST_S + PULSES * (PULSE_S + REST_S)
STEP_S = 1.0
AMBIENT_K = 298.15  # 25 degC
START_VALUES = {"n_series": 1, "n_parallel": 1, "initial_soc": 0.9}
RECORDED = ("current", "voltage", "ocv", "soc", "heat_generation", "plating_overpotential")
# The resistance of the first pulse is read over its first 10 s, as the hybrid pulse power
# characterisation does (FreedomCAR Battery Test Manual, INL DOE/ID-11069, 2003, sec. 3.3).
RESISTANCE_WINDOW_S = 10.0


def pulse_train(stop_time: float = STOP_S) -> np.ndarray:
    """fmpy's input signal: time, current [A] (> 0 discharges) and the cell
    temperature [K]; a repeated time point at every edge makes a step there
    (fmpy interpolates linearly between distinct points)."""
    rows = [(0.0, 0.0)]
    start = FIRST_REST_S
    while start < stop_time:
        end = start + PULSE_S
        rows += [(start, 0.0), (start, PULSE_A), (end, PULSE_A), (end, 0.0)]
        start = end + REST_S
    rows.append((max(stop_time, rows[-1][0]), 0.0))
    return np.array([(t, current, AMBIENT_K) for t, current in rows],
                    dtype=[("time", float), ("current", float), ("temperature", float)])


PARAMS = {
    "stop_time": Param(STOP_S, "simulated time (default: all ten pulses)", unit="s",
                       minimum=0.0, exclusive_minimum=True),
}


def run(out_dir: str | Path | None = None, *, fmu_dir: Path | None = None, **params) -> dict:
    """Apply the pulse train for ``stop_time`` s (default all ten pulses,
    31 min); write into ``out_dir`` (default ``results/fmpy_battery_pulse``)."""
    stop = resolve(PARAMS, params)["stop_time"]
    out_dir = output_dir(out_dir, "fmpy_battery_pulse")
    result = simulate_fmu(
        str(fmu_path("BatteryCell", Path(fmu_dir or FMU_DIR))), stop_time=stop, step_size=STEP_S,
        output_interval=STEP_S, start_values=START_VALUES, input=pulse_train(stop), output=list(RECORDED))
    write_csv(out_dir / "results.csv", {name: result[name] for name in ("time", *RECORDED)})
    _plot(result, out_dir / "pulses.png")
    summary = summarise(result, out_dir)
    write_summary(out_dir, summary)
    return summary


def summarise(result, out_dir: Path) -> dict:
    time, current = result["time"], result["current"]
    charge_ah = float(np.sum(current[1:] * np.diff(time))) / 3600.0  # current held over each step
    return {
        "pulses": int(np.count_nonzero(np.diff((current > 0).astype(int)) == 1)),
        "SOC start -> end": f"{result['soc'][0]:.4f} -> {result['soc'][-1]:.4f}",
        "charge drawn [A.h]": round(charge_ah, 4),
        "min voltage [V]": round(float(result["voltage"].min()), 4),
        "first pulse 10 s resistance [mOhm]": round(1e3 * pulse_resistance(result), 2),
        "results": str(out_dir / "results.csv"),
    }


def pulse_resistance(result, window_s: float = RESISTANCE_WINDOW_S) -> float:
    """(V before the first pulse - V after ``window_s`` of it) / pulse current [Ohm]."""
    time, current, voltage = result["time"], result["current"], result["voltage"]
    onset = int(np.flatnonzero(current > 0)[0])  # the row whose step [t - h, t] carried the pulse
    before = onset - 1
    after = int(np.searchsorted(time, time[before] + window_s - 1e-9))
    return float((voltage[before] - voltage[after]) / current[onset])


def _plot(result, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = result["time"] / 60.0
    fig, (voltage, current, soc) = plt.subplots(3, 1, sharex=True, figsize=(8, 6))
    voltage.plot(minutes, result["voltage"], label="terminal")
    voltage.plot(minutes, result["ocv"], label="open circuit", linestyle="--")
    voltage.set_ylabel("voltage [V]")
    voltage.legend(loc="best")
    voltage.set_title(f"BatteryCell in fmpy: {PULSE_A:g} A pulses of {PULSE_S:g} s, {REST_S:g} s rest")
    current.plot(minutes, result["current"], color="tab:red", drawstyle="steps-pre")
    current.set_ylabel("current [A]\n(> 0 discharges)")
    soc.plot(minutes, result["soc"], color="tab:green")
    soc.set_ylabel("SOC [1]")
    soc.set_xlabel("time [min]")
    for ax in (voltage, current, soc):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
