"""PyBaMM's frequency-domain EIS (``pybamm.EISSimulation``, SPMe with
``surface form: differential``, Chen2020) as the reference for our impedance
model; shared by the tests and the benchmark.

Two settings make it a fair reference:
  * PyBaMM 26.10 linearises at the model's initial conditions as they stand.
    In the SPMe's composite surface form the x-averaged positive electrolyte
    potential is an algebraic state initialised to 0 instead of -U_n, which
    puts a false 0.13 V overpotential on the positive electrode and divides its
    charge-transfer resistance by about 7. We solve the algebraic states for a
    consistent rest point before the linearisation.
  * PyBaMM's default particle mesh (20 uniform points) is 4 % off its own
    converged answer near 0.1 Hz; ``REFERENCE_MESH`` is converged to 0.3 %.
"""
from __future__ import annotations

import numpy as np

REFERENCE_MESH = {"x_n": 20, "x_s": 10, "x_p": 20, "r_n": 200, "r_p": 200}


def pybamm_impedance(frequencies, soc: float, temperature: float, var_pts=REFERENCE_MESH,
                     consistent: bool = True) -> np.ndarray:
    """Z [Ohm] of one LG M50 cell at rest at ``soc`` (PyBaMM's scale) and
    ``temperature`` [K], isothermal, by PyBaMM's EISSimulation."""
    import pybamm

    parameters = pybamm.ParameterValues("Chen2020")
    parameters.update({"Ambient temperature [K]": temperature,
                       "Initial temperature [K]": temperature})
    model = pybamm.lithium_ion.SPMe(options={"surface form": "differential"})
    simulation = pybamm.EISSimulation(model, parameter_values=parameters, var_pts=var_pts)
    simulation.build(initial_soc=soc)
    if consistent:
        built = simulation._built_model
        solver = pybamm.BaseSolver(root_method="nonlinear_solver")
        solver.set_up(built, inputs={})
        state = np.ravel(solver.calculate_consistent_state(built, 0.0, inputs=[{}])[0])
        built.concatenated_initial_conditions = pybamm.Vector(state[:, None])
    return np.asarray(simulation.solve(np.asarray(frequencies, dtype=float)).impedance)
