"""The CasADi forms of the cell and the thermal model are the numpy models:
the same step to round-off over varied inputs, the same refusals, and a
right-hand side that integrates (with a stiff ODE solver) to what the steps give."""
import casadi as ca
import numpy as np
import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.spme_casadi import CHECK_BOUNDS, CHECKS, OUTPUTS, spme_form
from btwin.models.errors import StepRejected
from btwin.models.thermal import CellThermal, ThermalParameters
from btwin.models.thermal_casadi import thermal_form

PACK = {"n_series": 3, "n_parallel": 2}
CELL_ONLY = ("negative_stoichiometry", "positive_stoichiometry", "electrolyte_concentration_min",
             "electrolyte_concentration_max", "sei_thickness")


@pytest.fixture(scope="module")
def battery():
    parameters = BatteryParameters(initial_soc=0.7, contact_resistance=0.01, **PACK)
    return spme_form(parameters), parameters


def _numpy_outputs(cell, out, current):
    internals = cell.internals()
    c_e = internals["electrolyte_concentration"]
    return {"voltage": out.voltage, "power": out.voltage * current,
            "heat_generation": out.heat_generation, "ocv": out.ocv,
            "plating_overpotential": out.plating_overpotential, "soc": out.soc,
            "capacity_loss": out.capacity_loss, "plated_lithium": out.plated_lithium,
            "negative_stoichiometry": internals["negative_mean_stoichiometry"],
            "positive_stoichiometry": internals["positive_mean_stoichiometry"],
            "electrolyte_concentration_min": c_e.min(), "electrolyte_concentration_max": c_e.max(),
            "sei_thickness": internals["sei_thickness"],
            **{f"{name}_overpotential": value for name, value in cell.overpotentials()._asdict().items()}}


def _state_vector(cell):
    s = cell.get_state()
    return np.concatenate([s["negative_particle_modes"], s["positive_particle_modes"],
                           s["electrolyte_modes"], [s["sei_thickness"]]])


def _drive_profile(steps, seed=1):
    """Pack current [A]: discharge around 8 A with swings to 15 A of
    regeneration and 30 A of discharge, and a temperature drifting between
    0 and 45 degC; steps from 0.1 s to 10 s."""
    rng = np.random.default_rng(seed)
    current = np.clip(8.0 + 15.0 * np.sin(np.linspace(0.0, 40.0, steps)) + rng.normal(0.0, 4.0, steps),
                      -15.0, 30.0)
    temperature = 295.0 + 20.0 * np.sin(np.linspace(0.0, 3.0, steps)) + rng.normal(0.0, 0.5, steps)
    dt = rng.choice([0.1, 1.0, 2.5, 10.0], steps)
    return current, temperature, dt


def test_initial_state_is_the_numpy_models(battery):
    form, parameters = battery
    x0 = form.initial_state([0.7, 3, 2, 1.0]).full().ravel()
    assert np.allclose(x0, _state_vector(SPMeBattery(parameters)), rtol=1e-14, atol=1e-12)


def test_cell_steps_equal_the_numpy_model_to_round_off(battery):
    form, parameters = battery
    cell = SPMeBattery(parameters)
    p = [parameters.initial_soc, 3, 2, 1.0]
    x = form.initial_state(p)
    worst = dict.fromkeys(OUTPUTS, 0.0)
    for current, temperature, dt in zip(*_drive_profile(400)):
        out = cell.step(dt, current, temperature)
        x, y, checks = form.step(x, [current, temperature], p, dt)
        expected = _numpy_outputs(cell, out, current)
        for name, value in zip(OUTPUTS, y.full().ravel()):
            scale = max(1.0, abs(expected[name]))
            worst[name] = max(worst[name], abs(value - expected[name]) / scale)
        # feedthrough: a new current without a step
        now = form.output_function(x, [0.5 * current, temperature], p).full().ravel()
        assert now[0] == pytest.approx(cell.evaluate(0.5 * current, temperature).voltage, abs=1e-10)
    assert max(worst.values()) < 1e-10, worst
    assert np.allclose(x.full().ravel(), _state_vector(cell), rtol=1e-11, atol=1e-13)


def test_sei_off_keeps_the_film_at_zero():
    parameters = BatteryParameters(initial_soc=0.5, sei_enabled=False)
    form, cell = spme_form(parameters), SPMeBattery(parameters)
    p = [0.5, 1, 1, 0.0]
    x = form.initial_state(p)
    for _ in range(20):
        x, y, _ = form.step(x, [5.0, 298.15], p, 30.0)
        out = cell.step(30.0, 5.0, 298.15)
    y = dict(zip(OUTPUTS, y.full().ravel()))
    assert y["sei_thickness"] == 0.0 and y["capacity_loss"] == 0.0
    assert y["voltage"] == pytest.approx(out.voltage, abs=1e-11)


def _out_of_bounds(checks):
    return [name for name, value, (low, high) in zip(CHECKS, checks.full().ravel(), CHECK_BOUNDS)
            if not low < value < high]


@pytest.mark.parametrize("soc, current, side", [(0.02, 5.0, "negative"), (0.98, -5.0, "negative")])
def test_a_step_the_numpy_model_refuses_fails_a_check(soc, current, side):
    # the CasADi form has no plating reaction, which takes part of an overcharge's current
    parameters = BatteryParameters(initial_soc=soc, plating_enabled=False)
    form, cell = spme_form(parameters), SPMeBattery(parameters)
    p = [soc, 1, 1, 1.0]
    x = form.initial_state(p)
    for _ in range(1000):
        try:
            cell.step(10.0, current, 298.15)
        except StepRejected:
            break
        x, _, checks = form.step(x, [current, 298.15], p, 10.0)
        assert not _out_of_bounds(checks)
    else:
        pytest.fail("the numpy model never refused the step")
    _, _, checks = form.step(x, [current, 298.15], p, 10.0)
    assert any(name.startswith(side) for name in _out_of_bounds(checks))


def test_cell_right_hand_side_integrates_to_the_steps(battery):
    """A stiff solver (CVODES, BDF) on the semi-discrete equations and 1 s
    steps of the exact/ERK2 step meet after 10 minutes of a 1C discharge: the
    two functions describe the same dynamics."""
    form, parameters = battery
    p, u = [parameters.initial_soc, 3, 2, 1.0], [10.0, 298.15]
    x0 = form.initial_state(p).full().ravel()
    x = ca.SX.sym("x", x0.size)
    ode = ca.integrator("ode", "cvodes", {"x": x, "ode": form.derivatives(x, u, p)}, 0.0, 600.0,
                        {"abstol": 1e-14, "reltol": 1e-10})
    x_ode = ode(x0=x0)["xf"]
    x = x0
    for _ in range(600):
        x = form.step(x, u, p, 1.0)[0]
    ode = dict(zip(OUTPUTS, form.output_function(x_ode, u, p).full().ravel()))
    stepped = dict(zip(OUTPUTS, form.output_function(x, u, p).full().ravel()))
    tolerances = {"voltage": 1e-7, "plating_overpotential": 1e-8, "soc": 1e-10,  # V, V, 1
                  "capacity_loss": 1e-12, "electrolyte_concentration_min": 1e-3}  # A.h, mol/m3
    for name, tolerance in tolerances.items():
        assert stepped[name] == pytest.approx(ode[name], abs=tolerance), name


THERMAL = ThermalParameters(n_cells=4.0)
THERMAL_P = [301.0, THERMAL.core_heat_capacity, THERMAL.surface_heat_capacity,
             THERMAL.core_to_surface_resistance, THERMAL.surface_to_ambient_resistance, THERMAL.n_cells]


def test_thermal_steps_equal_the_matrix_exponential_model():
    form, model = thermal_form(), CellThermal(THERMAL, 301.0)
    x = form.initial_state(THERMAL_P)
    rng = np.random.default_rng(3)
    for dt in (0.01, 1.0, 1.0, 60.0, 3600.0, 0.5, 86400.0, 7.0):
        q, ambient = rng.uniform(-5.0, 40.0), rng.uniform(250.0, 320.0)
        model.step(dt, q, ambient)
        x, y, checks = form.step(x, [q, ambient], THERMAL_P, dt)
        core, surface, rejected = y.full().ravel()
        assert core == pytest.approx(model.core_temperature, abs=1e-9)
        assert surface == pytest.approx(model.surface_temperature, abs=1e-9)
        assert rejected == pytest.approx(model.heat_rejected, rel=1e-9, abs=1e-9)


def test_thermal_right_hand_side_is_the_linear_model():
    form, model = thermal_form(), CellThermal(THERMAL, 301.0)
    x, u = np.array([310.0, 305.0, 0.0]), np.array([8.0, 290.0])
    expected = model._a @ x[:2] + model._b @ np.array([u[0] / THERMAL.n_cells, u[1]])
    assert np.allclose(form.derivatives(x, u, THERMAL_P).full().ravel()[:2], expected, rtol=1e-12)
