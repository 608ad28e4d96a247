"""The charge controller's prediction model against the plant, and the MPC
closed around the plain plant models: limits kept, the tube's need shown,
infeasible requests and failed solves handled."""
import numpy as np
import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.control import ControllerSettings, FastChargeMPC, ReducedCell, ReducedCellConfig, UncertaintySet
from btwin.models.control.reduced_cell import NOMINAL_THETA
from btwin.models.thermal import CellThermal, ThermalParameters

T25 = 298.15
COOLED = ThermalParameters(surface_to_ambient_resistance=6.28)


@pytest.fixture(scope="module")
def reduced():
    return ReducedCell(ReducedCellConfig(thermal=COOLED))


def outputs(model, x, current, theta=NOMINAL_THETA):
    return np.array(model.outputs(x, current, theta)).ravel()


@pytest.mark.parametrize("soc, current", [(0.1, 0.0), (0.5, -5.0), (0.8, -10.0), (0.5, 5.0)])
def test_on_the_plants_grid_a_rested_cell_has_the_plants_outputs(soc, current):
    """Rested, the profiles are uniform and, on the plant's grid, both models
    reduce to the same closed form (OCPs, Butler-Volmer, ohmic and film drops,
    surface extrapolation over the outer half shell): equal to round-off."""
    fine = ReducedCell(ReducedCellConfig(particle_shells=20, electrolyte_cells=(10, 5, 10)))
    plant = SPMeBattery(BatteryParameters(initial_soc=soc)).evaluate(current, T25)
    plating, voltage, _, model_soc, heat = outputs(fine, fine.initial_state(soc, T25), current)
    assert plating == pytest.approx(plant.plating_overpotential, abs=1e-9)
    assert voltage == pytest.approx(plant.voltage, abs=1e-9)
    assert model_soc == pytest.approx(plant.soc, abs=1e-9)
    assert heat == pytest.approx(plant.heat_generation, abs=1e-9)


@pytest.mark.parametrize("temperature, current", [(T25, -5.0), (273.15, -5.0), (T25, -9.0)])
def test_the_predicted_plating_overpotential_follows_the_plant_and_errs_low(reduced, temperature, current):
    """Through a 15 min constant-current charge from 10 % the reduced model's
    plating overpotential stays within 6 mV of the plant's and never above it
    by more than 0.5 mV: its error makes the controller careful, not bold."""
    # the plant without its plating reaction: the reduced model has none (a plating plant's
    # overpotential is held nearer 0 by the reaction, so the reduced model then errs lower still)
    plant = SPMeBattery(BatteryParameters(initial_soc=0.1, initial_temperature=temperature,
                                          plating_enabled=False))
    x = reduced.initial_state(0.1, temperature)
    errors = []
    for _ in range(30):
        for _ in range(30):
            truth = plant.step(1.0, current, temperature)
        x = np.array(reduced.step(x, current, 30.0, temperature, NOMINAL_THETA)).ravel()
        x[-2:] = temperature  # isothermal, like the plant here
        errors.append(outputs(reduced, x, current)[0] - truth.plating_overpotential)
    assert max(errors) < 0.5e-3
    assert min(errors) > -6e-3


def test_the_thermal_step_is_the_exact_matrix_exponential(reduced):
    """The closed-form 2 x 2 exponential against the thermal model's expm."""
    x = reduced.initial_state(0.3, T25)
    heat = outputs(reduced, x, -8.0)[4]
    thermal = CellThermal(COOLED, T25)
    thermal.step(120.0, heat, 283.15)
    stepped = np.array(reduced.step(x, -8.0, 120.0, 283.15, NOMINAL_THETA)).ravel()
    assert stepped[-2:] == pytest.approx([thermal.core_temperature, thermal.surface_temperature], abs=1e-9)


def test_interior_cells_stay_inside_the_corners(reduced):
    """The tube bounds the box by its corners only if each output is monotone
    in each uncertain parameter: cells drawn inside the box never predict a
    lower plating overpotential, higher voltage or core temperature than the
    worst corner after a 2C charge of 5 min from 50 %."""
    box = UncertaintySet()

    def after_charge(theta):
        x = reduced.initial_state(0.5, T25)
        for _ in range(10):
            x = np.array(reduced.step(x, -10.0, 30.0, T25, theta)).ravel()
        return outputs(reduced, x, -10.0, theta)

    corners = np.array([after_charge(theta) for theta in box.vertices()])
    inside = np.array([after_charge(theta) for theta in box.sample(12, seed=3)])
    assert inside[:, 0].min() >= corners[:, 0].min() - 1e-9
    assert inside[:, 1].max() <= corners[:, 1].max() + 1e-9
    assert inside[:, 2].max() <= corners[:, 2].max() + 1e-9


def charge(settings, plant_parameters, start_soc, temperature=T25, limit=600.0):
    """Close the loop on the plain plant models; returns the true plating
    overpotentials, the SOC reached, the currents and the moves."""
    mpc = FastChargeMPC(settings, ReducedCellConfig(thermal=COOLED))
    cell = SPMeBattery(BatteryParameters(initial_soc=start_soc, initial_temperature=temperature,
                                         **plant_parameters))
    thermal = CellThermal(COOLED, temperature)
    out, current, elapsed, t = cell.evaluate(0.0, temperature), 0.0, 0.0, 0.0
    plating, currents, moves = [], [], []
    while out.soc < settings.target_soc and t < limit:
        mpc.observe(elapsed, current, out.voltage, out.soc, thermal.core_temperature, temperature)
        move = mpc.decide(out.soc)
        moves.append(move)
        current, elapsed = move.current, settings.control_period
        for _ in range(int(settings.control_period)):
            out = cell.step(1.0, current, thermal.core_temperature)
            thermal.step(1.0, out.heat_generation, temperature)
            plating.append(out.plating_overpotential)
            currents.append(current)
            t += 1.0
    return np.array(plating), out.soc, np.array(currents), moves


WEAK_CELL = {"negative_particle_diffusivity": 0.7 * 3.3e-14, "negative_reaction_rate": 0.7 * 6.48e-7}


def test_nominal_mpc_charges_at_its_limits_without_plating():
    """From 60 % the plating limit binds at once: the nominal MPC rides it
    (true plating overpotential >= -1 mV, within 15 mV of zero at its end),
    starting above 1C from rest and tapering as the surface fills."""
    settings = ControllerSettings(target_soc=0.66)
    plating, soc, currents, moves = charge(settings, {}, 0.6)
    assert soc >= 0.66
    assert plating.min() >= -1e-3
    assert plating[-1] < 15e-3
    assert -currents[0] > 5.0 > -currents[-1]
    assert all(move.status == "optimal" for move in moves)


def test_tube_mpc_keeps_the_weakest_cell_safe_where_nominal_mpc_plates_it():
    nominal = charge(ControllerSettings(target_soc=0.66), WEAK_CELL, 0.6)[0]
    tube = charge(ControllerSettings(target_soc=0.66, mode="tube"), WEAK_CELL, 0.6)[0]
    assert nominal.min() < -2e-3
    assert tube.min() >= 0.0


def test_a_reached_target_and_an_impossible_margin_command_zero_current():
    reached = FastChargeMPC(ControllerSettings(target_soc=0.5))
    reached.observe(0.0, 0.0, 3.8, 0.6, T25, T25)
    move = reached.decide(0.6)
    assert move.current == 0.0 and move.status.startswith("target reached")
    # at rest the plating overpotential is the graphite OCP, ~0.1 V at 50 %: 0.5 V cannot be met
    impossible = FastChargeMPC(ControllerSettings(plating_margin=0.5))
    impossible.observe(0.0, 0.0, 3.8, 0.5, T25, T25)
    move = impossible.decide(0.5)
    assert move.current == 0.0
    assert move.status.startswith("infeasible") and "plating_margin" in move.status


def test_a_solve_past_its_budget_falls_back_to_a_safe_current():
    mpc = FastChargeMPC(ControllerSettings(solve_budget=1e-6, target_soc=0.9))
    mpc.observe(0.0, 0.0, 3.9, 0.7, T25, T25)
    move = mpc.decide(0.7)
    assert move.status == "safe current"
    assert -move.current == pytest.approx(2.5)  # fallback_current, predicted safe here
    assert move.worst_predicted_plating >= 0.0
    assert move.solve_time < 0.5


@pytest.mark.parametrize("field, value, says", [
    ("mode", "robust", "mode"), ("target_soc", 1.5, "target_soc"), ("horizon", 10.0, "horizon"),
    ("max_charge_current", -1.0, "max_charge_current")])
def test_bad_settings_are_refused_by_name(field, value, says):
    with pytest.raises(ValueError, match=says):
        ControllerSettings(**{field: value})
