"""Each asset's aging rate beyond its law from its days' evidence
(``own_rates``), and the fleet's rates pooled (``cloud.rates``)."""
from __future__ import annotations

import numpy as np
import pytest

from btwin.models.population import own_rates
from btwin.scenarios.fleet.cloud import History, rates, rates_from_second_day


def test_a_rate_beyond_the_law_is_the_slope_of_the_evidence_less_the_laws_change():
    """Two assets: the law predicts -0.004 a day for both; the first fades at
    exactly that, the second 0.001 a day faster. Exact evidence gives the
    slopes 0 and -0.001, each from the days it has (the second lacks day 2)."""
    days = np.arange(6.0)
    predicted = -0.004 * days
    values = np.vstack([5.0 + predicted, 4.9 + predicted - 0.001 * days])
    values[1, 2] = np.nan
    slope, variance = own_rates(np.vstack([days, days]), values, np.full(values.shape, 1e-4), np.vstack([predicted] * 2))
    assert slope == pytest.approx([0.0, -0.001], abs=1e-12)
    # one row of times serves every asset
    assert own_rates(days, values, np.full(values.shape, 1e-4), np.vstack([predicted] * 2))[0] == \
        pytest.approx(slope, abs=1e-15, nan_ok=True)
    # weighted least squares: 1e-4 over the spread of the days seen
    assert variance[0] == pytest.approx(1e-4 / np.sum((days - days.mean()) ** 2))


def test_an_asset_with_one_day_has_no_rate_and_bad_shapes_are_refused():
    slope, variance = own_rates([[0.0, 1.0]], [[5.0, np.nan]], [[0.01, 0.01]], [[0.0, 0.0]])
    assert np.isnan(slope[0]) and np.isinf(variance[0])
    with pytest.raises(ValueError, match="one shape"):
        own_rates([[0.0, 1.0]], [[5.0, 4.9, 4.8]], [[0.01, 0.01]], [[0.0, 0.0]])


def test_pooled_rates_beat_each_assets_own_when_its_days_say_little():
    """Forty assets whose rates beyond the law scatter by 0.001 a day about
    -0.0005, seen over ten days through evidence with a std of 0.03: each
    own slope (std 0.03 / sqrt(82.5) = 0.0033) is three times noisier than
    that spread, and the shrunk rates
    are far closer to the truth, their 90 % intervals holding it about as
    often as they claim."""
    rng = np.random.default_rng(5)
    assets, days = 40, 10
    truth = -0.0005 + 0.001 * rng.standard_normal(assets)
    predicted = np.tile(-0.004 * np.arange(days), (assets, 1))
    values = 5.0 + predicted + truth[:, None] * np.arange(days) + 0.03 * rng.standard_normal((assets, days))
    night = rates(History(values, np.full(values.shape, 0.03**2), predicted))
    individual = np.sqrt(np.mean((night.individual_mean - truth) ** 2))
    shrunk = np.sqrt(np.mean((night.shrunk_mean - truth) ** 2))
    assert individual > 2.5 * 0.001 and shrunk < 0.5 * individual
    assert np.mean(np.abs(night.shrunk_mean - truth) <= 1.645 * night.shrunk_std) >= 0.8


def test_a_first_day_every_asset_shares_does_not_tilt_the_rates():
    """A first day's evidence 0.05 high on every asset (the own twin's first
    start) would tilt every slope alike; the rates are fitted from the
    second day on, so exact later days give the exact rates."""
    days = np.arange(5.0)
    predicted = np.tile(-0.004 * days, (2, 1))
    values = 5.0 + predicted + np.array([[0.0], [-0.001]]) * days
    values[:, 0] += 0.05
    slope, variance = rates_from_second_day(values, np.full(values.shape, 1e-4), predicted)
    assert slope == pytest.approx([0.0, -0.001], abs=1e-12)
    assert variance == pytest.approx(1e-4 / np.sum((days[1:] - days[1:].mean()) ** 2))
    # two days after the first are needed
    assert np.all(np.isnan(rates_from_second_day(values[:, :2], np.full((2, 2), 1e-4), predicted[:, :2])[0]))


def test_the_rates_are_fitted_against_the_share_of_the_law_the_evidence_shows():
    """Evidence that shows 0.8 of the law's predicted change (a twin that
    takes up four fifths of an aged cell's film resistance) gives every slope
    against the whole law a bias of -0.2 times the law's rate; fitted against
    the share it shows, the assets' own rates come back."""
    days = np.arange(6.0)
    predicted = np.tile(0.004 * days, (3, 1))
    truth = np.array([0.0, -0.0005, 0.0004])
    values = 1.0 + 0.8 * predicted + truth[:, None] * days
    history = History(values, np.full(values.shape, 1e-6), predicted)
    assert rates(history).individual_mean == pytest.approx(truth - 0.2 * 0.004, abs=1e-9)
    assert rates(history, law_share=0.8).individual_mean == pytest.approx(truth, abs=1e-9)
