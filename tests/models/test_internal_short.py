"""The internal short: self-discharge and heat against conservation of charge and energy."""
import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.chen2020 import FARADAY
from btwin.models.battery.short import ShortedBattery

T_25 = 298.15


def shorted(resistance, start_time=0.0, **parameters):
    cell = SPMeBattery(BatteryParameters(sei_enabled=False, **parameters))
    return ShortedBattery(cell, resistance, start_time)


def test_charge_drained_by_the_short_is_the_integral_of_v_over_r():
    """Lithium leaving the negative particles = integral of V / R_s (from the terminal voltage)."""
    cell = shorted(5.0, initial_soc=0.8)
    negative = cell.battery.negative
    before = cell.internals()["negative_mean_stoichiometry"]
    drained = 0.0
    for _ in range(1800):
        out = cell.step(1.0, 0.0, T_25)
        drained += out.voltage / 5.0  # C, rectangle rule at the step ends
    moved = (before - cell.internals()["negative_mean_stoichiometry"]) * negative.c_max \
        * negative.solid_volume * FARADAY
    assert drained > 1000.0  # 0.7 A for half an hour: not a trivial balance
    assert moved == pytest.approx(drained, rel=2e-3)


def test_a_shorted_cell_at_rest_turns_its_stored_energy_into_heat():
    cell = shorted(2.0, initial_soc=0.9)
    start = cell.internals()
    heat = 0.0
    for _ in range(1200):
        heat += cell.step(1.0, 0.0, T_25).heat_generation
    end = cell.internals()
    released = -cell.battery.stored_energy_change(
        start["negative_mean_stoichiometry"], start["positive_mean_stoichiometry"],
        end["negative_mean_stoichiometry"], end["positive_mean_stoichiometry"])
    assert heat == pytest.approx(released, rel=2e-3)


def test_the_heat_at_rest_is_nearly_joule_heat_v_squared_over_r():
    """The short's Joule heat V^2/R dominates; the cell's own overpotential adds
    about i_s R_cell / V (a few per cent)."""
    out = shorted(3.0, initial_soc=0.6).step(1.0, 0.0, T_25)
    assert out.heat_generation == pytest.approx(out.voltage ** 2 / 3.0, rel=0.03)


def test_before_its_time_the_short_changes_nothing():
    plain = SPMeBattery(BatteryParameters(sei_enabled=False, initial_soc=0.7))
    cell = shorted(1.0, start_time=100.0, initial_soc=0.7)
    for _ in range(100):
        a, b = plain.step(1.0, 3.0, T_25), cell.step(1.0, 3.0, T_25)
    assert b == a
    a, b = plain.step(1.0, 3.0, T_25), cell.step(1.0, 3.0, T_25)
    assert b.voltage < a.voltage - 1e-3  # the short now draws about 3.6 A more
    assert b.heat_generation > a.heat_generation + 10.0


def test_resistance_must_be_positive():
    with pytest.raises(ValueError, match="internal_short_resistance"):
        shorted(0.0)
