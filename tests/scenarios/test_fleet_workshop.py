"""Workshop capacity checks in the fleet: which vehicles and days, the
test's error, and the cloud's nights learning the own twins' shared bias
from them, on the light vehicle-day of ``fleet_double`` (no Dask: the
runner's nights called directly)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from btwin.scenarios.fleet.cloud import NO_CHARGE, Belief, OwnDay, day_kind, night
from btwin.scenarios.fleet.draws import WORKSHOP_CAPACITY_STD, draw_fleet, workshop_capacity, workshop_day
from btwin.scenarios.fleet.runner import FleetSettings, _replay
from btwin.scenarios.fleet.vehicle_day import QUANTITIES

from .fleet_double import light_day

BIAS = -0.06  # A.h, added to every own twin's end of day capacity
# the stand-in's own twins state their noise honestly (std scale 1) and share a bias the fleet's validated
# prior does not expect (its 0.004 A.h would hold -0.06 back): a prior as wide as 1.2 % of capacity, no drift
# or trend; no validated correction of their evidence, and a record that starts from nothing (the stand-in's
# truths lie 0.15 A.h from the real cell's nominal)
CAPACITY = replace(QUANTITIES[0], twin_error_std=0.062, twin_std_scale=1.0, twin_error_drift_std=0.0,
                   twin_error_rate=0.0, end_pull=0.0, kind_pull=(), kind_evidence_bias=(), vehicle_error_std=0.0, evidence_std_scale=1.0, aging_error_std=0.0,
                   nominal=5.0, nominal_std=10.0)


class _Arrived:
    """An FMU archive that every check of the stand-in finds in place (the
    archives' journey is the runner tests' business, not these)."""

    def is_file(self) -> bool:
        return True

    def __truediv__(self, name: str) -> "_Arrived":
        return self


def biased_day(spec: dict) -> dict:
    row = light_day(spec, {"BatteryCell": _Arrived()})
    row["own_capacity"] += BIAS
    return row


def _day_rows(specs: list[dict], simulate=biased_day) -> list[dict]:
    rows = []
    for spec in specs:
        try:
            rows.append({**spec, **simulate(spec), "error": ""})
        except RuntimeError as error:  # the stand-in's made-up failure: a row with its error, as on a worker
            rows.append({**spec, "error": str(error)})
    return rows


def _fleet(share: float, vehicles: int = 60, days: int = 6, seed: int = 5) -> list[dict]:
    settings = FleetSettings(vehicles=vehicles, days=days, seed=seed, quantities=(CAPACITY, QUANTITIES[1]),
                             workshop_share=share)
    state = _replay(settings, draw_fleet(seed, vehicles), [])
    rows = []
    for day in range(days):
        rows += state.night(_day_rows([state.spec(vehicle, day) for vehicle in state.vehicles]))
    return rows


def test_a_share_of_the_vehicles_is_checked_once_on_a_uniform_day():
    days = [workshop_day(9, vehicle, 10) for vehicle in range(4000)]
    checked = [d for d in days if d is not None]
    assert len(checked) / 4000 == pytest.approx(0.2, abs=0.02)  # binomial sd 0.006
    assert np.bincount(checked, minlength=10) == pytest.approx(np.full(10, len(checked) / 10), rel=0.25)
    assert days == [workshop_day(9, vehicle, 10) for vehicle in range(4000)]  # the seed decides
    assert all(workshop_day(9, vehicle, 10, share=0.0) is None for vehicle in range(200))


def test_the_workshop_reads_the_plant_within_its_stated_error():
    errors = np.array([workshop_capacity(9, v, 2, 5.0) / 5.0 - 1.0 for v in range(4000)])
    assert np.std(errors) == pytest.approx(WORKSHOP_CAPACITY_STD, rel=0.05)  # sd of the sd ~1.1 %
    assert abs(np.mean(errors)) < 3.0 * WORKSHOP_CAPACITY_STD / np.sqrt(4000)


def test_the_night_learns_the_shared_bias_and_corrects_the_shrunk_estimates():
    rows = [row for row in _fleet(share=0.5) if not row["error"]]
    checks = [row for row in rows if row["workshop_capacity"] is not None]
    assert checks and all(row["day"] == workshop_day(5, row["vehicle"], 6, 0.5) for row in checks)
    last = [row for row in rows if row["day"] == 5]
    bias, bias_std = last[0]["twin_bias_capacity"], last[0]["twin_error_std_capacity"]
    assert last[0]["workshop_checks_capacity"] == len(checks)
    assert bias == pytest.approx(BIAS, abs=3.0 * bias_std) and bias_std < 0.03
    truth = np.array([row["true_capacity"] for row in last])

    def mean_error(key):
        return float(np.mean(np.array([row[key] for row in last]) - truth))
    # the mean error over 60 vehicles (its sd from their own noise ~0.01 A.h): the bias (its day's evidence
    # carries it 2 % amplified, the start divided out) stays in the individual estimate and in pooling alone,
    # and is removed once corrected (to within its learnt std)
    assert mean_error("individual_capacity") == pytest.approx(BIAS, abs=0.03)
    assert mean_error("shrunk_capacity_uncorrected") == pytest.approx(BIAS, abs=0.03)
    assert abs(mean_error("shrunk_capacity")) < 3.0 * bias_std + 0.03


def test_aging_rates_come_from_the_days_after_the_first():
    """No rate before two days after the first have told something; from
    then on every vehicle has one, individual and shrunk, with its std, and
    the plant's own to judge it by (the vehicles whose days all ran: the
    stand-in fails some)."""
    rows = _fleet(share=0.0, vehicles=12, days=4)
    failed = {row["vehicle"] for row in rows if row["error"]}
    stem = "capacity_rate_beyond_law"
    assert len(failed) < 12
    for row in (row for row in rows if row["vehicle"] not in failed):
        if row["day"] < 2:
            assert row[f"individual_{stem}"] is None and row[f"shrunk_{stem}"] is None
        else:
            assert np.isfinite(row[f"individual_{stem}"]) and row[f"individual_{stem}_std"] > 0.0
            assert np.isfinite(row[f"shrunk_{stem}"]) and row[f"shrunk_{stem}_std"] > 0.0
            assert abs(row[f"true_{stem}"]) < 0.01  # A.h a day: the stand-in's law is near its plant


def test_without_checks_the_night_keeps_the_validated_twin_error():
    for row in (row for row in _fleet(share=0.0, vehicles=12, days=3) if not row["error"]):
        assert row["workshop_capacity"] is None and row["workshop_checks_capacity"] == 0
        assert row["twin_bias_capacity"] == 0.0 and row["twin_error_scale_capacity"] == 1.0
        assert row["twin_error_std_capacity"] == pytest.approx(CAPACITY.twin_error_std, rel=1e-12)
        assert row["shrunk_capacity"] == pytest.approx(row["shrunk_capacity_uncorrected"], rel=1e-12)


def test_an_unbiased_twin_declared_so_is_never_corrected():
    exact = replace(CAPACITY, twin_error_std=0.0)
    settings = FleetSettings(vehicles=4, days=1, seed=1, quantities=(exact, QUANTITIES[1]), workshop_share=1.0)
    state = _replay(settings, draw_fleet(1, 4), [])
    rows = state.night(_day_rows([state.spec(v, 0) for v in state.vehicles]))
    assert all(row["twin_bias_capacity"] == 0.0 and row["twin_error_std_capacity"] == 0.0 for row in rows)
    assert all(not row["error"] and row["workshop_capacity"] is not None for row in rows)


def _day(end_mean: float, end_std: float, vehicles: int = 3) -> OwnDay:
    """Own twins that started from 5.0 +- 1.0 A.h and ended at ``end_mean`` +- ``end_std``."""
    return OwnDay(np.full(vehicles, end_mean), np.full(vehicles, end_std), np.full(vehicles, 5.0),
                  np.full(vehicles, 1.0), np.zeros(vehicles))


def test_an_old_check_tells_a_drifting_bias_less_each_night():
    """A shared error that drifts 0.01 A.h a day: one check on the first night,
    then five nights without. Its weight against the validated prior falls
    as the random walk says, and the bias's variance grows toward the prior's."""
    drifting = replace(CAPACITY, twin_error_drift_std=0.01, twin_error_stationary=False)
    belief, day = Belief.start(drifting, 3), _day(5.1, 0.08)
    reference, reference_std = np.array([5.2, np.nan, np.nan]), np.full(3, 0.02)
    belief, first = night(drifting, belief, day, np.ones(3, bool), reference, reference_std)
    variances = [first.twin.bias_variance]
    for _ in range(5):
        belief, later = night(drifting, belief, day, np.ones(3, bool))
        variances.append(later.twin.bias_variance)
    check = first.individual_std[0] ** 2 + 0.02**2 + 5 * 0.01**2
    prior = 0.062**2 + 5 * 0.01**2
    assert variances[-1] == pytest.approx(1.0 / (1.0 / prior + 1.0 / check), rel=1e-9)
    assert np.all(np.diff(variances) > 0.0) and later.twin.bias < 0.0 and later.twin.checks == 1


def test_a_stationary_shared_error_keeps_its_prior_and_forgets_an_old_check_within_its_spread():
    """A shared error that wanders about zero (Gauss-Markov, std 0.062 A.h,
    its day's change 0.01 A.h): one check on the first night, then five
    nights without. The prior stays 0.062 A.h every night (a random walk's
    would have grown by five nights), and the check's variance grows by
    2 sigma^2 (1 - rho^5), 2 sigma^2 (1 - rho) being the day's change's."""
    wandering = replace(CAPACITY, twin_error_drift_std=0.01, twin_error_stationary=True)
    belief, day = Belief.start(wandering, 3), _day(5.1, 0.08)
    belief, first = night(wandering, belief, day, np.ones(3, bool), np.array([5.2, np.nan, np.nan]),
                          np.full(3, 0.02))
    for _ in range(5):
        belief, later = night(wandering, belief, day, np.ones(3, bool))
    rho = 1.0 - 0.01**2 / (2.0 * 0.062**2)
    check = first.individual_std[0] ** 2 + 0.02**2 + 2.0 * 0.062**2 * (1.0 - rho**5)
    assert later.twin.bias_variance == pytest.approx(1.0 / (1.0 / 0.062**2 + 1.0 / check), rel=1e-9)
    unchecked = Belief.start(wandering, 3)
    for _ in range(6):
        unchecked, no_check = night(wandering, unchecked, day, np.ones(3, bool))
    assert no_check.twin.bias_variance == pytest.approx(0.062**2, rel=1e-12)


def test_a_validated_trend_moves_the_shared_error_each_night():
    """With a trend of -0.005 A.h a day and no check, the shared error is the
    trend alone; one check on the first night fixes its start, and the
    trend carries it on: five nights later it is 0.025 A.h lower."""
    trending = replace(CAPACITY, twin_error_rate=-0.005)
    belief, day = Belief.start(trending, 3), _day(5.1, 0.08)
    belief, first = night(trending, belief, day, np.ones(3, bool))
    assert first.twin.bias == 0.0
    belief, checked = night(trending, belief, day, np.ones(3, bool), np.array([5.2, np.nan, np.nan]),
                            np.full(3, 0.02))
    for _ in range(5):
        belief, later = night(trending, belief, day, np.ones(3, bool))
    assert later.twin.bias == pytest.approx(checked.twin.bias - 0.025, abs=1e-12)
    assert checked.twin.bias < -0.005  # the check (-0.1 against the trend's -0.005) pulled it down


def test_each_kind_of_day_has_its_validated_pull_removed_after_the_first_day():
    """Three own twins end each day at 5.1 +- 0.08 A.h from 5.0 +- 1.0. With a
    pull of +0.02 validated for a charge after the urban cycle only, the urban
    vehicle's evidence is 0.02 s_L^2/s^2 lower from the second night on,
    which moves its record by the Kalman gain times that; the others keep
    ``end_pull`` (0 here), and the first night takes ``first_day_pull`` on
    every kind."""
    urban = replace(CAPACITY, kind_pull=(("udds", 0.02),), first_day_pull=0.0)
    kinds = ("wltc", "udds", "hwfet")
    assert list(urban.pull(kinds, first_day=True)) == [0.0, 0.0, 0.0]
    assert list(urban.pull(kinds, first_day=False)) == [0.0, 0.02, 0.0]
    day = _day(5.1, 0.08)._replace(kinds=kinds)
    belief, first = night(urban, Belief.start(urban, 3), day, np.ones(3, bool))
    assert first.individual_mean[1] == pytest.approx(first.individual_mean[0], abs=1e-12)
    unknown, _ = night(urban, belief, _day(5.1, 0.08), np.ones(3, bool))  # kinds not given: end_pull for all
    _, second = night(urban, belief, day, np.ones(3, bool))
    assert second.individual_mean[[0, 2]] == pytest.approx(unknown.record.mean[[0, 2]], abs=1e-12)
    evidence_variance = 1.0 / (1.0 / 0.08**2 - 1.0 / 1.0**2)
    aged_variance = first.individual_std[1] ** 2 + urban.aging_error_std**2
    gain = aged_variance / (aged_variance + evidence_variance)
    lowered = 0.02 * evidence_variance / 0.08**2 * gain
    assert unknown.record.mean[1] - second.individual_mean[1] == pytest.approx(lowered, rel=1e-9)


def test_a_day_without_a_charge_has_its_evidence_bias_removed_not_amplified():
    """A bias of +0.03 A.h validated for the evidence of a day without a
    charge lowers that vehicle's evidence by 0.03 itself (not s_L^2/s^2 times
    it, as a pull), from the second night on; a charge day keeps its own."""
    resting = replace(CAPACITY, kind_evidence_bias=((NO_CHARGE, 0.03),), first_day_pull=0.0)
    kinds = ("wltc", day_kind("wltc", charged=False), "hwfet")
    assert kinds[1] == NO_CHARGE and day_kind("udds", charged=True) == "udds"
    assert list(resting.evidence_bias(kinds, first_day=False)) == [0.0, 0.03, 0.0]
    assert list(resting.evidence_bias(kinds, first_day=True)) == [0.0, 0.0, 0.0]
    day = _day(5.1, 0.08)._replace(kinds=kinds)
    belief, _ = night(resting, Belief.start(resting, 3), day, np.ones(3, bool))
    plain, _ = night(CAPACITY, belief, day, np.ones(3, bool))
    _, second = night(resting, belief, day, np.ones(3, bool))
    assert second.individual_mean[[0, 2]] == pytest.approx(plain.record.mean[[0, 2]], abs=1e-12)
    evidence_variance = 1.0 / (1.0 / 0.08**2 - 1.0 / 1.0**2)
    aged_variance = belief.record.variance[1] + resting.aging_error_std**2
    gain = aged_variance / (aged_variance + evidence_variance)
    assert plain.record.mean[1] - second.individual_mean[1] == pytest.approx(0.03 * gain, rel=1e-9)


def test_the_fleet_is_pooled_on_what_the_law_does_not_explain():
    """Three vehicles whose own twins say the same each day, but whose law
    predicts the first to fade 0.02 A.h more overnight (a warmer climate):
    its record is 0.02 lower the next night, and pooling keeps that
    difference (it pools the estimates less the law's aging) instead of
    pulling it back toward the others."""
    day = _day(5.1, 0.01)
    belief, _ = night(CAPACITY, Belief.start(CAPACITY, 3), day._replace(aging=np.array([-0.02, 0.0, 0.0])),
                      np.ones(3, bool))
    _, second = night(CAPACITY, belief, day._replace(end_mean=np.array([5.08, 5.1, 5.1])), np.ones(3, bool))
    assert second.individual_mean[0] < second.individual_mean[1] - 0.015
    assert second.shrunk_mean[1] - second.shrunk_mean[0] == pytest.approx(
        second.individual_mean[1] - second.individual_mean[0], abs=1e-5)


def test_an_error_each_vehicle_keeps_is_not_averaged_away_by_its_days():
    """Twenty days of evidence at 0.01 A.h each narrow a record to about
    0.002; an error each vehicle keeps from day to day (0.008 here) stays in
    its individual std however many days come in, and so does the aging
    beyond the law its twin cannot see, n times the rates' spread after n
    nights (0.0005 A.h a day here, 19 nights before the twentieth day)."""
    still = replace(CAPACITY, aging_rate_spread=0.0)
    keeping, aging = replace(still, vehicle_error_std=0.008), replace(still, aging_rate_spread=0.0005)
    day = _day(5.1, 0.01)
    plain, kept, aged = Belief.start(still, 3), Belief.start(keeping, 3), Belief.start(aging, 3)
    for _ in range(20):
        plain, alone = night(still, plain, day, np.ones(3, bool))
        kept, widened = night(keeping, kept, day, np.ones(3, bool))
        aged, unseen = night(aging, aged, day, np.ones(3, bool))
    assert alone.individual_std[0] < 0.003
    assert widened.individual_std[0] == pytest.approx(np.hypot(alone.individual_std[0], 0.008), rel=1e-9)
    assert unseen.individual_std[0] == pytest.approx(np.hypot(alone.individual_std[0], 19 * 0.0005), rel=1e-9)
