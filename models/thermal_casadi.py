"""The two-state thermal model of ``thermal`` as CasADi expression graphs (a
:class:`SteppedForm`), every constant a symbolic parameter.

With the inputs held over a step the model is linear, x' = A x + B u, and its
2 x 2 matrix has two real, distinct, negative eigenvalues (the discriminant is
(a - c)^2 + b^2 + 2 b (a + c) > 0 with a = 1/(C_c R_c), b = 1/(C_s R_c),
c = 1/(C_s R_u)). The step is therefore written in closed form, Sylvester's
formula for exp(A dt) and for its integral, instead of the numerical matrix
exponential of ``CellThermal``; the two agree to round-off
(``tests/models/test_casadi_forms.py``).

Layout (``thermal_form()``):
  x = [core_temperature [K], surface_temperature [K], heat_rejected [W]]; the
      last is the mean over the last step (a memory, not a dynamic state: its
      derivative is written as 0);
  u = [heat_generation [W] (all cells), ambient_temperature [K]];
  p = PARAMETERS, the CellThermal FMU's names and units;
  y = x; checks: both temperatures must stay above 0 K.
"""
from __future__ import annotations

import casadi as ca

from .stepped_form import SteppedForm, make_form

INPUTS = ("heat_generation", "ambient_temperature")
PARAMETERS = ("initial_temperature", "core_heat_capacity", "surface_heat_capacity",
              "core_to_surface_resistance", "surface_to_ambient_resistance", "n_cells")
OUTPUTS = ("core_temperature", "surface_temperature", "heat_rejected")
CHECKS = ("core_temperature", "surface_temperature")
CHECK_BOUNDS = ((0.0, float("inf")), (0.0, float("inf")))


def thermal_form() -> SteppedForm:
    """The CasADi form of ``CellThermal``; see the module docstring."""
    x, u, p, dt = ca.SX.sym("x", 3), ca.SX.sym("u", 2), ca.SX.sym("p", len(PARAMETERS)), ca.SX.sym("dt")
    initial, c_c, c_s, r_c, r_u, n_cells = (p[i] for i in range(len(PARAMETERS)))
    q, ambient = u[0] / n_cells, u[1]
    a_matrix = ca.vertcat(ca.horzcat(-1.0 / (c_c * r_c), 1.0 / (c_c * r_c)),
                          ca.horzcat(1.0 / (c_s * r_c), -1.0 / (c_s * r_c) - 1.0 / (c_s * r_u)))
    surface_steady = ambient + q * r_u
    steady = ca.vertcat(surface_steady + q * r_c, surface_steady)
    propagator, integral = _exact_step(a_matrix, dt)
    deviation = x[:2] - steady
    temperatures = steady + propagator @ deviation
    rejected = n_cells * ((surface_steady - ambient) * dt + (integral @ deviation)[1]) / (r_u * dt)
    x_next = ca.vertcat(temperatures, rejected)
    rhs = ca.vertcat(a_matrix @ (x[:2] - steady), 0.0)
    return make_form("cell_thermal", x, u, p, dt, x0=ca.vertcat(initial, initial, 0.0),
                     x_next=x_next, y=x, checks=temperatures, check_bounds=CHECK_BOUNDS, rhs=rhs,
                     inputs=INPUTS, parameters=PARAMETERS, outputs=OUTPUTS, check_names=CHECKS)


def _exact_step(a_matrix, dt):
    """exp(A dt) and its integral over [0, dt] for a 2 x 2 A with real,
    distinct eigenvalues (Sylvester's formula)."""
    a, b, c = -a_matrix[0, 0], a_matrix[1, 0], -a_matrix[1, 1] - a_matrix[1, 0]
    spread = ca.sqrt((a - c) ** 2 + b * b + 2.0 * b * (a + c))  # lambda_1 - lambda_2
    fast = -0.5 * (a + b + c + spread)  # lambda_2
    slow = a * c / fast  # lambda_1 = det / lambda_2, without cancellation
    eye = ca.SX.eye(2)
    towards_slow, towards_fast = (a_matrix - fast * eye) / spread, (a_matrix - slow * eye) / spread
    propagator = ca.exp(slow * dt) * towards_slow - ca.exp(fast * dt) * towards_fast
    integral = (ca.expm1(slow * dt) / slow * towards_slow
                - ca.expm1(fast * dt) / fast * towards_fast)
    return propagator, integral
