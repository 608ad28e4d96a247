"""FactoryLoads: daily energy and peak against the profile's parameters,
reproducibility from the seed, independence of the macro step, bad input."""
import dataclasses
import math

import numpy as np
import pytest

from btwin.models.grid.factory import FactoryLoads, FactoryParameters

DAY_S = 86400.0


def daily_energies_kwh(params, days, dt_s=3600.0):
    factory = FactoryLoads(params)
    steps = int(DAY_S / dt_s)
    return np.array([sum(factory.step(dt_s) for _ in range(steps)) * dt_s / 3600.0
                     for _ in range(days)])


def test_daily_energy_matches_the_schedule():
    """Eight weeks from a Monday: the mean energy of the 40 workdays and the 16
    weekend days against base * 24 h + machines * sum(factor * hours).
    Tolerances are ~4 standard errors (day-to-day spread ~1.5 % on workdays
    and ~6 % on weekends for the default parameters)."""
    factory = FactoryLoads()
    energies = daily_energies_kwh(factory.params, days=56)
    workday = np.arange(56) % 7 < 5
    assert energies[workday].mean() == pytest.approx(factory.expected_daily_energy_kwh(True),
                                                     rel=0.01)
    assert energies[~workday].mean() == pytest.approx(factory.expected_daily_energy_kwh(False),
                                                      rel=0.06)


def test_shift_levels_match_the_factors():
    """Mean power per hour of the day over 40 workdays against base + N P f."""
    params = FactoryParameters(seed=3)
    factory = FactoryLoads(params)
    hourly = np.array([factory.step(3600.0) for _ in range(24 * 56)]).reshape(56, 24)
    workdays = hourly[np.arange(56) % 7 < 5]
    machines_kw = params.peak_power_kw - params.base_power_kw
    day = slice(int(params.day_start_h), int(params.day_end_h))
    assert workdays[:, day].mean() == pytest.approx(
        params.base_power_kw + machines_kw * params.workday_day_factor, rel=0.01)
    night = np.r_[0:int(params.day_start_h), int(params.day_end_h):24]
    assert workdays[:, night].mean() == pytest.approx(
        params.base_power_kw + machines_kw * params.workday_night_factor, rel=0.04)


def test_peak_is_all_machines_and_never_exceeded():
    full = FactoryParameters(workday_day_factor=1.0, start_time_h=8.0)
    factory = FactoryLoads(full)
    day_shift = [factory.step(60.0) for _ in range(6 * 60)]
    assert day_shift == [full.peak_power_kw] * len(day_shift)
    idle = FactoryLoads(dataclasses.replace(full, workday_day_factor=0.0))
    assert idle.step(3600.0) == full.base_power_kw
    factory = FactoryLoads()
    week = np.array([factory.step(60.0) for _ in range(7 * 24 * 60)])
    assert week.max() <= factory.params.peak_power_kw
    assert week.max() > factory.expected_power_kw(8 * 3600.0)  # Monday 08:00


def test_same_seed_same_profile_other_seed_other_profile():
    a, b, c = (FactoryLoads(FactoryParameters(seed=s)) for s in (7, 7, 8))
    profile_a = [a.step(300.0) for _ in range(288)]
    assert profile_a == [b.step(300.0) for _ in range(288)]
    assert profile_a != [c.step(300.0) for _ in range(288)]


def test_profile_does_not_depend_on_the_macro_step():
    fine = daily_energies_kwh(FactoryParameters(), days=2, dt_s=10.0)
    coarse = daily_energies_kwh(FactoryParameters(), days=2, dt_s=7200.0)
    np.testing.assert_allclose(fine, coarse, rtol=1e-9)


def test_start_date_and_time_select_the_shift():
    saturday = FactoryLoads(FactoryParameters(start_date="2024-01-13", start_time_h=12.0))
    monday_noon = FactoryLoads(FactoryParameters(start_date="2024-01-08", start_time_h=12.0))
    monday_night = FactoryLoads(FactoryParameters(start_date="2024-01-08", start_time_h=23.0))
    p = FactoryParameters()
    assert saturday.utilisation(0.0) == p.weekend_day_factor
    assert monday_noon.utilisation(0.0) == p.workday_day_factor
    assert monday_night.utilisation(0.0) == p.workday_night_factor
    assert monday_night.utilisation(8 * 3600.0) == p.workday_day_factor  # Tuesday 07:00
    assert saturday.expected_power_kw(0.0) < monday_noon.expected_power_kw(0.0)


def test_output_is_in_kilowatts():
    p = FactoryParameters()
    power = FactoryLoads(FactoryParameters(start_time_h=10.0)).step(900.0)
    assert p.base_power_kw <= power <= p.peak_power_kw and power > 30.0  # kW, not W or MW


def test_state_round_trip_reproduces_the_continuation():
    factory = FactoryLoads()
    for _ in range(50):
        factory.step(600.0)
    saved = factory.get_state()
    first = [factory.step(600.0) for _ in range(50)]
    factory.set_state(saved)
    assert [factory.step(600.0) for _ in range(50)] == first
    assert all(isinstance(v, (float, np.ndarray)) for v in saved.values())


@pytest.mark.parametrize("change, word", [
    ({"machine_count": 0}, "machine_count"), ({"peak_power_kw": 10.0}, "peak_power_kw"),
    ({"workday_day_factor": 1.5}, "workday_day_factor"),
    ({"start_date": "08.01.2024"}, "start_date"),
    ({"day_start_h": 23.0}, "day_start_h"), ({"start_time_h": math.nan}, "start_time_h"),
    ({"seed": -1}, "seed"), ({"mean_on_duration_s": 0.0}, "mean_on_duration_s"),
])
def test_bad_parameters_raise_value_error(change, word):
    with pytest.raises(ValueError, match=word):
        dataclasses.replace(FactoryParameters(), **change)


@pytest.mark.parametrize("dt", [0.0, -5.0, math.inf, math.nan])
def test_bad_step_raises_value_error(dt):
    with pytest.raises(ValueError, match="dt_s"):
        FactoryLoads().step(dt)
