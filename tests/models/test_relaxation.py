"""Plating from the voltage relaxation after a charge, on the plant's own
physics (the SPMe with its plating reaction, isothermal, 1 s samples) with
5 mV sensor noise: the twin's fault-free prediction of a rest against the plant
with its plating off; a rest after a cold fast charge that plated is named,
rests after 0.5C at 25 degC and gentle cold charges that do not plate are not;
loads end the watch; state round trip."""
import numpy as np
import pytest

from btwin.fmus import state_codec
from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.diagnosis import DiagnoserSettings
from btwin.models.diagnosis.relaxation import LATE, STARTS, WINDOW, RelaxationWatch, RestPrediction

REST = int(LATE + WINDOW) + 5


def _charge_and_rest(temperature, current, soc, charge_time, plating=True):
    cell = SPMeBattery(BatteryParameters(initial_soc=soc, sei_enabled=False, initial_temperature=temperature,
                                         plating_enabled=plating))
    rows = [(current, cell.step(1.0, current, temperature).voltage) for _ in range(charge_time)]
    rows += [(0.0, cell.step(1.0, 0.0, temperature).voltage) for _ in range(REST)]
    return np.array(rows), cell


def _watch():
    s = DiagnoserSettings()
    return RelaxationWatch(s.plating_fault_free_excess, s.plating_false_alarm_probability, s.rest_current)


def _verdicts(rows, seeds, noise=5e-3, temperature=298.15):
    verdicts = []
    for seed in range(seeds):
        watch, rng = _watch(), np.random.default_rng(seed)
        for current, voltage in zip(rows[:, 0], rows[:, 1] + rng.normal(0.0, noise, len(rows))):
            watch.step(1.0, current, voltage, temperature)
        verdicts.append(watch.verdict)
    return verdicts


@pytest.fixture(scope="module")
def plated():
    return _charge_and_rest(268.15, -7.5, 0.2, 1200)  # 1.5C for 20 min at -5 degC


@pytest.fixture(scope="module")
def fault_free():
    return _charge_and_rest(298.15, -2.5, 0.3, 1800)  # 0.5C for 30 min at 25 degC


@pytest.mark.parametrize("temperature, current, soc, charge_time", [
    (268.15, -7.5, 0.1, 900),  # 1.5C at -5 degC, the plant's plating off
    (298.15, -2.5, 0.5, 1200),  # 0.5C at 25 degC
])
def test_the_twins_prediction_of_a_rest_follows_the_plant_without_plating(temperature, current, soc,
                                                                         charge_time):
    """The twin's diffusion driven by the charge's current, anchored to the plant's late voltage,
    predicts the plant's fall over the rest within 4 % (the electrolyte's diffusivity held at its
    initial concentration: 2-3 % measured) and the plant's SOC within 1 %."""
    rows, cell = _charge_and_rest(temperature, current, soc, charge_time, plating=False)
    prediction = RestPrediction()
    for i in rows[:charge_time + 1, 0]:
        prediction.track(1.0, i)
    rest = rows[charge_time:, 1]  # rest time 0 is the first rest sample
    measured = [rest[int(start):int(start + WINDOW)].mean() for start in STARTS]
    predicted = prediction.anchored(prediction.modes, measured[2], [temperature] * 3)
    fall = measured[0] - measured[2]
    assert fall > 0.01  # V: a real relaxation to predict
    assert predicted[0] - predicted[2] == pytest.approx(fall, rel=0.04)
    soc_found = [s for s in np.linspace(0.0, 1.0, 2001)
                 if prediction.model.rest_voltage(prediction.modes, LATE + WINDOW / 2, s, temperature)
                 >= measured[2]][0]
    assert soc_found == pytest.approx(cell.outputs.soc, abs=0.01)


@pytest.mark.parametrize("temperature, current, soc, charge_time", [
    (273.15, -1.5, 0.3, 2400),  # 0.3C at 0 degC
    (283.15, -2.5, 0.2, 2400),  # 0.5C at 10 degC
])
def test_gentle_cold_charges_that_do_not_plate_are_not_named(temperature, current, soc, charge_time):
    rows, cell = _charge_and_rest(temperature, current, soc, charge_time)
    assert cell.internals()["dead_lithium"] == 0.0 and cell.outputs.plated_lithium == 0.0  # the truth
    verdicts = _verdicts(rows, 10, temperature=temperature)
    assert all(v is not None and not v.plated for v in verdicts)


def test_a_rest_after_a_charge_that_plated_is_named(plated):
    rows, cell = plated
    assert cell.internals()["dead_lithium"] > 0.0  # the plant plated and stripped
    verdicts = _verdicts(rows, 20, temperature=268.15)
    assert all(v is not None and v.plated for v in verdicts)


def test_a_rest_after_a_half_c_charge_at_25_degc_is_not(fault_free):
    rows, cell = fault_free
    assert cell.outputs.capacity_loss == 0.0 and cell.outputs.plated_lithium == 0.0
    verdicts = _verdicts(rows, 20)
    assert all(v is not None and not v.plated for v in verdicts)
    assert _verdicts(rows, 1, noise=0.0)[0].excess < DiagnoserSettings().plating_fault_free_excess


def test_the_noise_margin_grows_with_the_noise(fault_free):
    rows, _ = fault_free
    quiet, loud = _verdicts(rows, 1, 1e-3)[0], _verdicts(rows, 1, 1e-2)[0]
    assert DiagnoserSettings().plating_fault_free_excess < quiet.threshold < loud.threshold


def test_a_load_during_the_rest_ends_the_watch_without_a_verdict(plated):
    rows = plated[0].copy()
    rows[1200 + 1000, 0] = 2.0  # a discharge pulse 1000 s into the rest
    assert _verdicts(rows, 1)[0] is None


def test_state_round_trip_gives_the_same_verdict(plated):
    rows = plated[0]
    watch = _watch()
    for current, voltage in rows[:1500]:
        watch.step(1.0, current, voltage, 268.15)
    saved = state_codec.from_bytes(state_codec.to_bytes(watch.get_state()))
    for current, voltage in rows[1500:]:
        watch.step(1.0, current, voltage, 268.15)
    other = _watch()
    other.set_state(saved)
    for current, voltage in rows[1500:]:
        other.step(1.0, current, voltage, 268.15)
    assert other.verdict == watch.verdict and watch.verdict.plated


def test_a_diagnoser_reset_keeps_the_cells_diffusion():
    """A reset restarts the diagnosis, not the cell: the relaxation's prediction keeps the
    concentration gradients the charge built up."""
    from btwin.models.diagnosis import Diagnoser
    diagnoser = Diagnoser()
    for _ in range(600):
        diagnoser.step(1.0, -7.5, 3.9, 268.15, 3.9, 268.15)
    modes = diagnoser._relaxation.prediction.modes.copy()
    assert np.abs(modes).max() > 0.0
    diagnoser.reset()
    assert np.array_equal(diagnoser._relaxation.prediction.modes, modes)
