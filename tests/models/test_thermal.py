"""The two-state thermal model against its analytic solution."""
import math

import numpy as np
import pytest

from btwin.models.thermal import CellThermal, ThermalParameters

P = ThermalParameters()
T_AMB = 298.15


def analytic_eigenvalues(p: ThermalParameters) -> tuple[float, float]:
    """Roots of s^2 + b s + c for the 2x2 system, derived by hand."""
    a11 = -1.0 / (p.core_heat_capacity * p.core_to_surface_resistance)
    a22 = -1.0 / (p.surface_heat_capacity * p.core_to_surface_resistance) \
        - 1.0 / (p.surface_heat_capacity * p.surface_to_ambient_resistance)
    b = -(a11 + a22)
    c = 1.0 / (p.core_heat_capacity * p.surface_heat_capacity
               * p.core_to_surface_resistance * p.surface_to_ambient_resistance)
    root = math.sqrt(b * b - 4.0 * c)
    return (-b + root) / 2.0, (-b - root) / 2.0


def test_steady_state_is_the_resistor_network():
    model = CellThermal(P, T_AMB)
    q = 2.5
    model.step(1e6, q, T_AMB)  # thousands of slow time constants
    assert model.surface_temperature == pytest.approx(T_AMB + q * P.surface_to_ambient_resistance, abs=1e-9)
    assert model.core_temperature == pytest.approx(
        T_AMB + q * (P.surface_to_ambient_resistance + P.core_to_surface_resistance), abs=1e-9)
    # the mean over the step is what went in less what was stored
    stored = (P.core_heat_capacity * (model.core_temperature - T_AMB)
              + P.surface_heat_capacity * (model.surface_temperature - T_AMB))
    assert model.heat_rejected == pytest.approx(q - stored / 1e6, rel=1e-9)


def test_time_constants_match_the_characteristic_polynomial():
    slow, fast = CellThermal(P, T_AMB).time_constants()
    s1, s2 = analytic_eigenvalues(P)
    assert slow == pytest.approx(-1.0 / s1, rel=1e-12)
    assert fast == pytest.approx(-1.0 / s2, rel=1e-12)
    # the slow mode is the whole cell cooling through R_u, to within the
    # internal resistance's share: tau ~ (C_c + C_s) (R_u + R_c C_c/(C_c + C_s))
    total = P.core_heat_capacity + P.surface_heat_capacity
    assert slow == pytest.approx(total * P.surface_to_ambient_resistance, rel=0.05)


def test_free_response_follows_the_modal_solution():
    s1, s2 = analytic_eigenvalues(P)
    model = CellThermal(P, T_AMB + 10.0)
    model.step(300.0, 0.0, T_AMB)
    # x(t) = c1 v1 e^{s1 t} + c2 v2 e^{s2 t}, eigenvectors from the first row of A
    a11 = -1.0 / (P.core_heat_capacity * P.core_to_surface_resistance)
    a12 = -a11
    v1 = np.array([a12, s1 - a11])
    v2 = np.array([a12, s2 - a11])
    c1, c2 = np.linalg.solve(np.column_stack([v1, v2]), [10.0, 10.0])
    expected = c1 * v1 * math.exp(s1 * 300.0) + c2 * v2 * math.exp(s2 * 300.0) + T_AMB
    assert model.core_temperature == pytest.approx(expected[0], abs=1e-9)
    assert model.surface_temperature == pytest.approx(expected[1], abs=1e-9)


def test_any_step_size_gives_the_same_answer():
    one = CellThermal(P, T_AMB)
    one.step(100.0, 3.0, T_AMB)
    many = CellThermal(P, T_AMB)
    for _ in range(10_000):
        many.step(0.01, 3.0, T_AMB)
    assert many.core_temperature == pytest.approx(one.core_temperature, abs=1e-9)
    assert many.surface_temperature == pytest.approx(one.surface_temperature, abs=1e-9)


def test_energy_is_conserved_over_a_run():
    model = CellThermal(ThermalParameters(n_cells=4.0), T_AMB)
    p = model.parameters
    rejected = 0.0
    q, dt = 8.0, 7.0
    for _ in range(500):
        model.step(dt, q, T_AMB)
        rejected += model.heat_rejected * dt
    stored = p.n_cells * (p.core_heat_capacity * (model.core_temperature - T_AMB)
                          + p.surface_heat_capacity * (model.surface_temperature - T_AMB))
    assert q * dt * 500 == pytest.approx(stored + rejected, rel=1e-12)


def test_cells_share_the_heat():
    one = CellThermal(ThermalParameters(n_cells=1.0), T_AMB)
    ten = CellThermal(ThermalParameters(n_cells=10.0), T_AMB)
    one.step(50.0, 1.0, T_AMB)
    ten.step(50.0, 10.0, T_AMB)
    assert ten.core_temperature == pytest.approx(one.core_temperature, abs=1e-12)
    assert ten.heat_rejected == pytest.approx(10.0 * one.heat_rejected, rel=1e-12)


def test_state_round_trip():
    model = CellThermal(P, T_AMB)
    model.step(10.0, 5.0, T_AMB)
    saved = model.get_state()
    model.step(10.0, 5.0, T_AMB)
    after = model.get_state()
    model.set_state(saved)
    model.step(10.0, 5.0, T_AMB)
    assert model.get_state() == after


@pytest.mark.parametrize("field", ["core_heat_capacity", "surface_heat_capacity",
                                   "core_to_surface_resistance", "surface_to_ambient_resistance", "n_cells"])
@pytest.mark.parametrize("value", [-1.0, 0.0, math.nan, math.inf])
def test_non_physical_parameters_are_named(field, value):
    with pytest.raises(ValueError, match=field):
        ThermalParameters(**{field: value})


@pytest.mark.parametrize("name, args", [
    ("heat_generation", (1.0, math.nan, T_AMB)),
    ("ambient_temperature", (1.0, 1.0, -3.0)),
    ("ambient_temperature", (1.0, 1.0, math.inf)),
    ("step size", (0.0, 1.0, T_AMB)),
])
def test_bad_inputs_are_named(name, args):
    model = CellThermal(P, T_AMB)
    with pytest.raises(ValueError, match=name):
        model.step(*args)
    assert model.core_temperature == T_AMB
