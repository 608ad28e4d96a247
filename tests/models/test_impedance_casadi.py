"""The frequency-domain impedance is the linearisation of the shared CasADi
form of the SPMe (``spme_casadi``): Z(s) = -(C (sI - A)^-1 B + D) with A, B,
C, D its Jacobians at rest, in the limit the two describe alike (no double
layer, no film capacitance, uniform reaction)."""
from dataclasses import replace

import numpy as np
import pytest

from btwin.models.battery import BatteryParameters
from btwin.models.battery.impedance import CellImpedance

spme_casadi = pytest.importorskip("btwin.models.battery.spme_casadi")
ca = pytest.importorskip("casadi")

NO_CAPACITANCE = dict(negative_double_layer_capacity=0.0, positive_double_layer_capacity=0.0,
                      sei_relative_permittivity=0.0)


def _state_space(form, soc: float, temperature: float):
    x = ca.SX.sym("x", form.state_size)
    u = ca.SX.sym("u", len(form.inputs))
    p = ca.SX.sym("p", len(form.parameters))
    rhs = form.derivatives(x, u, p)
    voltage = form.output_function(x, u, p)[form.outputs.index("voltage")]
    current = form.inputs.index("current")
    jacobians = ca.Function("jacobians", [x, u, p], [ca.jacobian(rhs, x), ca.jacobian(rhs, u[current]),
                                                     ca.jacobian(voltage, x), ca.jacobian(voltage, u[current])])
    values = {"initial_soc": soc, "n_series": 1, "n_parallel": 1, "sei_enabled": 1}
    parameters = [values[name] for name in form.parameters]
    x0 = form.initial_state(parameters)
    inputs = [0.0 if name == "current" else temperature for name in form.inputs]
    return [np.array(m) for m in jacobians(x0, inputs, parameters)]


@pytest.mark.parametrize("soc, temperature", [(0.3, 283.15), (0.7, 308.15)])
def test_spectrum_is_the_jacobian_transfer_function_of_the_casadi_form(soc, temperature):
    parameters = replace(BatteryParameters(), **NO_CAPACITANCE)
    a, b, c, d = _state_space(spme_casadi.spme_form(replace(parameters, initial_soc=soc)),
                              soc, temperature)
    frequencies = np.logspace(-3, 2, 11)
    expected = [-(c @ np.linalg.solve(2j * np.pi * f * np.eye(a.shape[0]) - a, b) + d).item()
                for f in frequencies]
    ours = CellImpedance.at_soc(soc, temperature, parameters,
                                reaction_distribution=False).impedance(frequencies)
    np.testing.assert_allclose(ours, expected, rtol=1e-6)
