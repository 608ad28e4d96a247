"""A cold constant-current charge and a rest, in PyBaMM's SPMe with partially
reversible plating and in our SPMe; shared by the tests and the benchmark.

PyBaMM: ``Chen2020`` (our cell) with the plating parameters of ``OKane2022``
(which is built on Chen2020), options "partially reversible" plating, SEI
"constant" (the dead-lithium rate needs an SEI thickness) and "surface form"
"algebraic", so that plating and intercalation share the current at one
potential as in ours (PyBaMM's default inverse kinetics put the whole current
through the intercalation overpotential and add the plating on top).
Isothermal; our SPMe with SEI growth off (PyBaMM's constant SEI has no
growth and no film resistance)."""
from __future__ import annotations

import numpy as np

from btwin.models.battery import BatteryParameters, SPMeBattery

CAPACITY = 5.0  # A.h, LG M50 nominal (Chen et al. 2020): defines the C-rate


def pybamm_charge_rest(c_rate: float, temperature: float, initial_soc: float, charge_time: float,
                       rest_time: float, period: float = 5.0) -> dict:
    """Time [s], voltage [V], plated + dead lithium [A.h] and dead lithium [A.h] of PyBaMM's run."""
    import pybamm
    from pybamm.input.parameters.lithium_ion import OKane2022

    okane = OKane2022.get_parameter_values()
    plating = {k: v for k, v in okane.items()
               if any(word in k.lower() for word in ("plat", "stripping", "dead lithium", "lithium metal"))}
    parameters = pybamm.ParameterValues("Chen2020")
    parameters.update(plating, check_already_exists=False)
    parameters.update({"Initial SEI thickness [m]": okane["Initial SEI thickness [m]"],
                       "SEI resistivity [Ohm.m]": okane["SEI resistivity [Ohm.m]"],
                       "Ambient temperature [K]": temperature, "Initial temperature [K]": temperature},
                      check_already_exists=False)
    model = pybamm.lithium_ion.SPMe({"lithium plating": "partially reversible", "SEI": "constant",
                                     "surface form": "algebraic"})
    experiment = pybamm.Experiment([f"Charge at {c_rate}C for {charge_time} seconds",
                                    f"Rest for {rest_time} seconds"], period=f"{period} seconds")
    mesh = {"x_n": 20, "x_s": 10, "x_p": 20, "r_n": 30, "r_p": 30}
    sim = pybamm.Simulation(model, parameter_values=parameters, experiment=experiment, var_pts=mesh)
    solution = sim.solve(initial_soc=initial_soc)
    return {"time": solution["Time [s]"].entries, "voltage": solution["Voltage [V]"].entries,
            "lost": solution["Loss of capacity to negative lithium plating [A.h]"].entries,
            "dead": (solution["X-averaged negative dead lithium concentration [mol.m-3]"].entries
                     * parameters["Negative electrode thickness [m]"] * parameters["Electrode height [m]"]
                     * parameters["Electrode width [m]"] * 96485.33212 / 3600.0)}


def model_charge_rest(c_rate: float, temperature: float, initial_soc: float, charge_time: float,
                      rest_time: float, dt: float = 1.0, **overrides) -> dict:
    """The same run with our SPMe (same keys)."""
    cell = SPMeBattery(BatteryParameters(initial_soc=initial_soc, sei_enabled=False,
                                         initial_temperature=temperature, **overrides))
    rows = [(0.0, cell.outputs.voltage, 0.0, 0.0)]
    for k in range(int(round((charge_time + rest_time) / dt))):
        current = -CAPACITY * c_rate if (k + 0.5) * dt < charge_time else 0.0
        out = cell.step(dt, current, temperature)
        rows.append((cell.time, out.voltage, out.plated_lithium + out.capacity_loss, out.capacity_loss))
    time, voltage, lost, dead = np.array(rows).T
    return {"time": time, "voltage": voltage, "lost": lost, "dead": dead}


def stripped_by(run: dict, charge_time: float, share: float) -> float:
    """Seconds after the charge's end until the reversibly plated lithium fell below
    ``share`` of its amount at the end of the charge."""
    t, plated = run["time"], run["lost"] - run["dead"]
    after = t >= charge_time
    start = np.interp(charge_time, t, plated)
    below = np.flatnonzero(after & (plated <= share * start))
    return float(t[below[0]] - charge_time) if below.size else float("inf")


def summary(run: dict, charge_time: float) -> dict:
    t = run["time"]
    return {"plated_at_charge_end_Ah": float(np.interp(charge_time, t, run["lost"] - run["dead"])),
            "half_stripped_s": stripped_by(run, charge_time, 0.5),
            "ninety_percent_stripped_s": stripped_by(run, charge_time, 0.1),
            "dead_at_end_Ah": float(run["dead"][-1])}
