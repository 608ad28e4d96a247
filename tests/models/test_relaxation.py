"""Plating from the voltage relaxation after a charge, on the plant's own
physics (the SPMe with its plating reaction, isothermal, 1 s samples) with
5 mV sensor noise: a rest after a cold fast charge that plated is named, one
after a 0.5C charge at 25 degC is not; loads end the watch; state round trip."""
import numpy as np
import pytest

from btwin.fmus import state_codec
from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.diagnosis import DiagnoserSettings
from btwin.models.diagnosis.relaxation import LATE, WINDOW, RelaxationWatch

REST = int(LATE + WINDOW) + 5


def _charge_and_rest(temperature, current, soc, charge_time):
    cell = SPMeBattery(BatteryParameters(initial_soc=soc, sei_enabled=False, initial_temperature=temperature))
    rows = [(current, cell.step(1.0, current, temperature).voltage) for _ in range(charge_time)]
    rows += [(0.0, cell.step(1.0, 0.0, temperature).voltage) for _ in range(REST)]
    return np.array(rows), cell


def _watch():
    s = DiagnoserSettings()
    return RelaxationWatch(s.plating_fault_free_share, s.plating_false_alarm_probability, s.rest_current)


def _verdicts(rows, seeds, noise=5e-3):
    verdicts = []
    for seed in range(seeds):
        watch, rng = _watch(), np.random.default_rng(seed)
        for current, voltage in zip(rows[:, 0], rows[:, 1] + rng.normal(0.0, noise, len(rows))):
            watch.step(1.0, current, voltage)
        verdicts.append(watch.verdict)
    return verdicts


@pytest.fixture(scope="module")
def plated():
    return _charge_and_rest(268.15, -7.5, 0.2, 1200)  # 1.5C for 20 min at -5 degC


@pytest.fixture(scope="module")
def fault_free():
    return _charge_and_rest(298.15, -2.5, 0.3, 1800)  # 0.5C for 30 min at 25 degC


def test_a_rest_after_a_charge_that_plated_is_named(plated):
    rows, cell = plated
    assert cell.internals()["dead_lithium"] > 0.0  # the plant plated and stripped
    verdicts = _verdicts(rows, 20)
    assert all(v is not None and v.plated for v in verdicts)


def test_a_rest_after_a_half_c_charge_at_25_degc_is_not(fault_free):
    rows, cell = fault_free
    assert cell.outputs.capacity_loss == 0.0 and cell.outputs.plated_lithium == 0.0
    verdicts = _verdicts(rows, 20)
    assert all(v is not None and not v.plated for v in verdicts)
    assert max(v.share for v in verdicts) < DiagnoserSettings().plating_fault_free_share + 0.03


def test_the_noise_margin_grows_with_the_noise(fault_free):
    rows, _ = fault_free
    quiet, loud = _verdicts(rows, 1, 1e-3)[0], _verdicts(rows, 1, 1e-2)[0]
    assert DiagnoserSettings().plating_fault_free_share < quiet.threshold < loud.threshold


def test_a_load_during_the_rest_ends_the_watch_without_a_verdict(plated):
    rows = plated[0].copy()
    rows[1200 + 1000, 0] = 2.0  # a discharge pulse 1000 s into the rest
    assert _verdicts(rows, 1)[0] is None


def test_state_round_trip_gives_the_same_verdict(plated):
    rows = plated[0]
    watch = _watch()
    for current, voltage in rows[:1500]:
        watch.step(1.0, current, voltage)
    saved = state_codec.from_bytes(state_codec.to_bytes(watch.get_state()))
    for current, voltage in rows[1500:]:
        watch.step(1.0, current, voltage)
    other = _watch()
    other.set_state(saved)
    for current, voltage in rows[1500:]:
        other.step(1.0, current, voltage)
    assert other.verdict == watch.verdict and watch.verdict.plated
