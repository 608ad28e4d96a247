"""Powertrain model contract: input checks, state save/restore, parameter validation."""
import dataclasses
import math

import pytest

from btwin.models.powertrain import STATE_KEYS, Powertrain, VehicleParameters, bolt_ev, vehicle_preset


@pytest.mark.parametrize("voltage", [0.0, -350.0, math.nan, math.inf, -math.inf, "high"])
def test_bad_battery_voltage_is_named(voltage):
    model = Powertrain()
    before = model.get_state()
    with pytest.raises(ValueError, match="battery_voltage"):
        model.step(1.0, voltage)
    assert model.get_state() == before


@pytest.mark.parametrize("dt", [0.0, -1.0, math.nan])
def test_bad_step_size_is_named(dt):
    with pytest.raises(ValueError, match="dt"):
        Powertrain().step(dt, 350.0)


def test_state_round_trip_reproduces_the_run_exactly():
    model = Powertrain(bolt_ev(), "udds")
    for _ in range(300):
        model.step(0.5, 355.0)
    saved = model.get_state()
    assert set(saved) == set(STATE_KEYS)
    first = [model.step(0.5, 340.0) for _ in range(100)]
    model.set_state(saved)
    second = [model.step(0.5, 340.0) for _ in range(100)]
    assert first == second


def test_get_state_is_a_copy():
    model = Powertrain()
    state = model.get_state()
    state["speed"] = 99.0
    assert model.get_state()["speed"] == 0.0


def test_set_state_checks_its_input():
    model = Powertrain()
    state = model.get_state()
    del state["distance"]
    with pytest.raises(ValueError, match="distance"):
        model.set_state(state)
    with pytest.raises(ValueError, match="speed"):
        model.set_state({**model.get_state(), "speed": math.nan})


def test_past_the_end_the_vehicle_stands_and_draws_aux_only():
    model = Powertrain(bolt_ev(), "hwfet")
    model.step(model.cycle.duration, 350.0)
    out = model.step(60.0, 350.0)
    assert out.vehicle_speed == 0.0 and out.traction_power == 0.0
    assert out.electrical_power == pytest.approx(bolt_ev().aux_power_w)


@pytest.mark.parametrize("field, value", [
    ("mass_kg", -1.0), ("drag_coefficient", math.nan), ("final_drive_efficiency", 1.2),
    ("motor_max_power_w", math.inf), ("regen_max_fraction", 1.5), ("aux_power_w", -5.0),
    ("road_grade", 3.0), ("efficiency_power_fractions", (0.0, 0.5)),
    ("motor_efficiency", (0.9,) * 10), ("regen_efficiency", (0.9, 0.8)),
])
def test_bad_parameter_is_named(field, value):
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(VehicleParameters(), **{field: value})


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError, match="bolt_ev.*compact_ev"):
        vehicle_preset("tesla")
    assert vehicle_preset("bolt_ev", aux_power_w=500.0).aux_power_w == 500.0
