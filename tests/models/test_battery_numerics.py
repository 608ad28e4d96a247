"""Step-size independence, refused steps, bad inputs, state, pack scaling and
the plating overpotential sign."""
import math

import numpy as np
import pytest

from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.errors import StepRejected

T_25, T_0 = 298.15, 273.15
PULSES = [(20.0, 10.0), (20.0, -8.0), (20.0, 15.0), (20.0, 0.0), (20.0, -10.0), (20.0, 5.0)]


def _pulse_outputs(dt):
    cell = SPMeBattery(BatteryParameters(initial_soc=0.6))
    result = []
    for duration, current in PULSES:
        for _ in range(round(duration / dt)):
            out = cell.step(dt, current, 283.15)
        result.append((out.voltage, out.plating_overpotential))
    return np.array(result)


def test_outputs_do_not_depend_on_the_step_size():
    reference = _pulse_outputs(0.01)
    assert np.abs(_pulse_outputs(1.0) - reference).max() <= 1e-4  # V
    assert np.abs(_pulse_outputs(10.0) - reference).max() <= 1e-3  # V


def test_over_discharge_is_refused_with_the_time_and_state_is_kept():
    cell = SPMeBattery(BatteryParameters(initial_soc=0.02))
    with pytest.raises(StepRejected) as refused:
        for _ in range(1000):
            cell.step(10.0, 5.0, T_25)
            state = cell.get_state()
    message = str(refused.value)
    assert "stoichiometry" in message and "outside [0, 1]" in message
    assert f"t = {state['time']:.6g} s" in message
    after = cell.get_state()
    for key, value in state.items():
        assert np.array_equal(after[key], value), key


def test_over_charge_is_refused():
    cell = SPMeBattery(BatteryParameters(initial_soc=0.98))
    with pytest.raises(StepRejected, match="over-charged"):
        for _ in range(1000):
            cell.step(10.0, -5.0, T_25)


@pytest.mark.parametrize("current, temperature, name", [
    (math.nan, T_25, "current"), (math.inf, T_25, "current"),
    (1.0, math.nan, "temperature"), (1.0, 400.0, "temperature"), (1.0, 200.0, "temperature"),
])
def test_bad_inputs_raise_value_error_naming_the_value(current, temperature, name):
    cell = SPMeBattery()
    with pytest.raises(ValueError, match=name):
        cell.step(1.0, current, temperature)


def test_state_round_trip_reproduces_the_future_exactly():
    cell = SPMeBattery()
    for k in range(50):
        cell.step(2.0, 5.0 + 0.1 * k, T_25)
    saved = cell.get_state()
    first = [cell.step(1.0, -3.0, T_0) for _ in range(20)]
    cell.set_state(saved)
    assert cell.outputs == cell.evaluate(saved["current"], saved["temperature"])
    second = [cell.step(1.0, -3.0, T_0) for _ in range(20)]
    assert first == second


def test_pack_scales_the_cell():
    cell = SPMeBattery(BatteryParameters())
    pack = SPMeBattery(BatteryParameters(n_series=4, n_parallel=3))
    for _ in range(30):
        one = cell.step(10.0, 5.0, T_25)
        many = pack.step(10.0, 15.0, T_25)
    assert many.voltage == pytest.approx(4 * one.voltage, rel=1e-12)
    assert many.ocv == pytest.approx(4 * one.ocv, rel=1e-12)
    assert many.heat_generation == pytest.approx(12 * one.heat_generation, rel=1e-12)
    assert many.capacity_loss == pytest.approx(3 * one.capacity_loss, rel=1e-12)
    assert many.soc == pytest.approx(one.soc, rel=1e-12)
    assert many.plating_overpotential == pytest.approx(one.plating_overpotential, rel=1e-12)


def _charge_plating(c_rate, temperature):
    cell = SPMeBattery(BatteryParameters(initial_soc=0.0, initial_temperature=temperature))
    plating = []
    while True:
        out = cell.step(1.0, -5.0 * c_rate, temperature)
        plating.append(out.plating_overpotential)
        if out.voltage >= 4.2:
            return np.array(plating)


def test_fast_cold_charge_favours_plating():
    assert _charge_plating(2.0, T_0).min() < 0.0


def test_slow_warm_charge_does_not_favour_plating():
    assert _charge_plating(0.5, T_25).min() > 0.0


def test_plating_overpotential_at_rest_is_the_negative_ocp():
    cell = SPMeBattery(BatteryParameters(initial_soc=0.5, sei_enabled=False))
    out = cell.evaluate(0.0, T_25)
    sto = cell.internals()["negative_mean_stoichiometry"]
    assert out.plating_overpotential == pytest.approx(cell.parameters.negative_ocp(sto), abs=1e-12)
