"""An asset's own record: a day's evidence recovered from an estimator's
start and end, and the filter over days against synthetic days with a known
truth."""
from __future__ import annotations

import numpy as np
import pytest

from btwin.models.population import Record, day_evidence

Z_90 = 1.6448536269514722


def _sequential_kalman(start_mean, start_var, readings, reading_var):
    """A scalar Kalman filter reading one value after another (the day's estimator)."""
    mean, var = start_mean, start_var
    for z in readings:
        gain = var / (var + reading_var)
        mean, var = mean + gain * (z - mean), (1.0 - gain) * var
    return mean, var


def test_information_subtraction_recovers_the_days_readings_alone():
    """An estimator started from N(4.9, 0.1^2) reads 40 values of 5.03 +- 0.3:
    the day's evidence is their plain mean with variance 0.3^2 / 40 (least
    squares on the readings alone), whatever the start."""
    rng = np.random.default_rng(1)
    readings = 5.03 + 0.3 * rng.standard_normal(40)
    for start in (4.9, 5.2):
        end_mean, end_var = _sequential_kalman(start, 0.1**2, readings, 0.3**2)
        mean, var = day_evidence(end_mean, end_var, start, 0.1**2)
        assert mean == pytest.approx(readings.mean(), abs=1e-9)
        assert var == pytest.approx(0.3**2 / 40, rel=1e-9)


def test_a_day_that_told_nothing_is_no_evidence():
    mean, var = day_evidence(np.array([5.0, 5.0, np.nan]), np.array([0.1**2, 0.1**2 * (1 - 1e-9), 0.01]),
                             np.array([4.9, 4.9, 4.9]), np.array([0.1**2, 0.1**2, 0.1**2]))
    assert np.all(np.isinf(var)) and np.all(np.isnan(mean))
    record = Record.start(4.9, 0.1, 3).updated(mean, var)
    assert np.all(record.mean == 4.9) and np.all(record.variance == pytest.approx(0.01))
    with pytest.raises(ValueError, match="variances must be > 0"):
        day_evidence(5.0, 0.0, 4.9, 0.01)


def _synthetic_days(rng, assets, days, change, walk_std, bias, stated_std, scale):
    """Truths that age by ``change`` a day plus a random walk, and each day's
    evidence with a shared ``bias`` and a scatter ``scale`` times its stated std."""
    truth = 5.0 + 0.015 * rng.standard_normal(assets)
    truths, evidence = [], []
    for day in range(days):
        if day:
            truth = truth + change + walk_std * rng.standard_normal(assets)
        truths.append(truth)
        evidence.append(truth + bias + scale * stated_std * rng.standard_normal(assets))
    return truths, evidence


def _filtered(truths, evidence, change, walk_std, bias, stated_std, scale, start=(5.0, 1.0)):
    record = Record.start(*start, truths[0].size)
    errors, covered = [], []
    for day, (truth, y) in enumerate(zip(truths, evidence)):
        if day:
            record = record.aged(np.full(truth.size, change), walk_std**2)
        record = record.updated(y - bias, np.full(truth.size, (scale * stated_std) ** 2))
        errors.append(record.mean - truth)
        covered.append(np.abs(record.mean - truth) <= Z_90 * np.sqrt(record.variance))
    return np.array(errors), np.array(covered)


def test_the_own_record_converges_as_one_over_root_n_and_covers_90_percent():
    """Without a walk the record of n days is the mean of n evidences: its
    error falls as 1/sqrt(n) (4000 assets: RMSE's relative sd ~1 %), its 90 %
    intervals hold the truth 90 % of the time (binomial sd 0.5 %); the shared
    bias and the scale, given as validated, are removed."""
    rng = np.random.default_rng(2)
    truths, evidence = _synthetic_days(rng, 4000, 16, -0.01, 0.0, bias=0.03, stated_std=0.2, scale=0.6)
    errors, covered = _filtered(truths, evidence, -0.01, 0.0, 0.03, 0.2, 0.6)
    rmse = np.sqrt(np.mean(errors**2, axis=1))
    expected = 0.6 * 0.2 / np.sqrt(np.arange(1, 17))
    assert rmse == pytest.approx(expected, rel=0.05)
    assert rmse[3] / rmse[15] == pytest.approx(2.0, rel=0.05)
    assert abs(np.mean(errors[-1])) < 3.0 * expected[-1] / np.sqrt(4000)  # the bias is gone
    assert np.mean(covered) == pytest.approx(0.90, abs=0.015)


def test_a_random_walk_holds_the_record_at_its_steady_spread_and_it_still_covers():
    """With a walk of q a day the record's std levels off near sqrt(q c s)
    (the steady Kalman gain of a local level; Harvey 1989, 4.1) instead of
    falling to zero, and it still covers its truth 90 % of the time."""
    rng = np.random.default_rng(3)
    truths, evidence = _synthetic_days(rng, 4000, 40, -0.01, 0.01, bias=0.0, stated_std=0.1, scale=1.0)
    errors, covered = _filtered(truths, evidence, -0.01, 0.01, 0.0, 0.1, 1.0)
    q, r = 0.01**2, 0.1**2
    steady = (-q + np.sqrt(q**2 + 4.0 * q * r)) / 2.0 * r / ((-q + np.sqrt(q**2 + 4.0 * q * r)) / 2.0 + r)
    assert np.sqrt(np.mean(errors[-10:] ** 2)) == pytest.approx(np.sqrt(steady), rel=0.05)
    assert np.mean(covered[-10:]) == pytest.approx(0.90, abs=0.015)


def test_a_carried_estimator_accumulates_a_pull_but_each_days_evidence_has_the_same_bias():
    """The law the fleet's own twins had: an estimator that carries its own
    posterior and is pulled by p at each day's end accumulates the pull (its
    error grows by the days); started afresh from a broad prior each day, the
    pull is one day's, and the day's evidence carries it amplified by s_L^2/s^2
    (the start divided out), the same on the first day as on the last."""
    rng = np.random.default_rng(4)
    truth, days, pull, reading_std, n = 5.0, 12, -0.005, 0.6, 36
    carried_mean, carried_var = np.full(400, truth), np.full(400, 0.1**2)
    evidence_bias = []
    for _ in range(days):
        readings = truth + reading_std * rng.standard_normal((400, n))
        carried_mean, carried_var = _sequential_kalman(carried_mean, carried_var, readings.T, reading_std**2)
        carried_mean = carried_mean + pull
        fresh_mean, fresh_var = _sequential_kalman(np.full(400, truth), np.full(400, 0.1**2), readings.T,
                                                   reading_std**2)
        mean, var = day_evidence(fresh_mean + pull, fresh_var, truth, 0.1**2)
        evidence_bias.append((float(np.mean(mean - truth)), float(np.sqrt(var[0] / 400))))
        amplified = pull * var[0] / fresh_var[0]
    # the readings undo a part of each pull, ever less as the carried estimate grows sure: it keeps sinking
    assert float(np.mean(carried_mean)) - truth < 4.0 * pull  # sd of the mean 0.002
    for bias, sd in (evidence_bias[0], evidence_bias[-1]):
        assert bias == pytest.approx(amplified, abs=3.0 * sd)
