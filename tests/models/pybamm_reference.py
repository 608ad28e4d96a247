"""PyBaMM SPMe with Chen2020 as the reference for the battery model, and the
same discharge run with our model; shared by the tests and the benchmark."""
from __future__ import annotations

import numpy as np

from btwin.models.battery import BatteryParameters, SPMeBattery

NOMINAL_CAPACITY = 5.0  # A.h, LG M50 (Chen et al. 2020), defines the C-rate
CUTOFF = 2.5  # V


def pybamm_discharge(c_rate: float, temperature: float):
    """(time [s], voltage [V]) of an isothermal constant-current discharge from
    initial_soc = 1 to 2.5 V, PyBaMM SPMe / Chen2020 on a fine mesh with tight
    solver tolerances."""
    import pybamm

    parameters = pybamm.ParameterValues("Chen2020")
    parameters.update({
        "Current function [A]": NOMINAL_CAPACITY * c_rate,
        "Ambient temperature [K]": temperature,
        "Initial temperature [K]": temperature,
        "Reference temperature [K]": 298.15,
    })
    mesh = {"x_n": 30, "x_s": 15, "x_p": 30, "r_n": 40, "r_p": 40}
    sim = pybamm.Simulation(pybamm.lithium_ion.SPMe(), parameter_values=parameters,
                            var_pts=mesh, solver=pybamm.IDAKLUSolver(rtol=1e-9, atol=1e-9))
    t_end = 1.3 * 3600.0 / c_rate
    solution = sim.solve([0.0, t_end], initial_soc=1.0,
                         t_interp=np.linspace(0.0, t_end, 4001))
    return solution["Time [s]"].entries, solution["Voltage [V]"].entries


def model_discharge(c_rate: float, temperature: float, dt: float = 1.0, **overrides):
    """(time, voltage) of the same discharge with our model (SEI off, as in the
    reference); stops at the first step below 2.5 V and returns the cut-off
    time interpolated within that step."""
    cell = SPMeBattery(BatteryParameters(sei_enabled=False, initial_temperature=temperature,
                                         **overrides))
    current = NOMINAL_CAPACITY * c_rate
    times, voltages = [0.0], [cell.evaluate(current, temperature).voltage]
    while voltages[-1] > CUTOFF:
        voltages.append(cell.step(dt, current, temperature).voltage)
        times.append(cell.time)
    return np.array(times), np.array(voltages)


def cutoff_time(times: np.ndarray, voltages: np.ndarray) -> float:
    """First time the voltage reaches 2.5 V, linear between samples."""
    below = np.flatnonzero(voltages <= CUTOFF)
    if below.size == 0:
        return float(times[-1])
    k = below[0]
    if k == 0:
        return float(times[0])
    fraction = (voltages[k - 1] - CUTOFF) / (voltages[k - 1] - voltages[k])
    return float(times[k - 1] + fraction * (times[k] - times[k - 1]))


def compare(reference, model):
    """RMS and max voltage difference [V] over the common time span (both up to
    their cut-off) and relative difference of the cut-off times."""
    t_ref, v_ref = reference
    t_mod, v_mod = model
    end = min(cutoff_time(t_ref, v_ref), cutoff_time(t_mod, v_mod))
    grid = np.linspace(0.0, end, 2000)
    difference = np.interp(grid, t_mod, v_mod) - np.interp(grid, t_ref, v_ref)
    t_cut_ref = cutoff_time(t_ref, v_ref)
    return {
        "rms": float(np.sqrt(np.mean(difference**2))),
        "max": float(np.max(np.abs(difference))),
        "cutoff_ref": t_cut_ref,
        "cutoff_model": cutoff_time(t_mod, v_mod),
        "cutoff_error": cutoff_time(t_mod, v_mod) / t_cut_ref - 1.0,
    }
