"""The estimator's error learnt from reference checks, against synthetic
checks drawn with a known bias and a known miscalibration of the stated
standard deviations."""
from __future__ import annotations

import numpy as np
import pytest

from btwin.models.population import estimator_error, fit_population, shrink
from btwin.models.population.calibration import MIN_CHECKS

BIAS, SCALE, TEST_STD, PRIOR_STD = -0.03, 0.5, 0.026, 0.062  # A.h: about the fleet's own twins and workshop


def _checks(rng, n, bias=BIAS, scale=SCALE):
    stated = rng.uniform(0.07, 0.1, n)  # the twins' stated std
    differences = bias + scale * stated * rng.standard_normal(n) - TEST_STD * rng.standard_normal(n)
    return differences, stated**2


def test_bias_and_scale_are_recovered_from_many_checks():
    rng = np.random.default_rng(5)
    d, s2 = _checks(rng, 3000)
    error = estimator_error(d, s2, TEST_STD**2, PRIOR_STD)
    # bias within three of its own standard deviations (~0.001 A.h here); the scale's REML within 5 %
    assert error.bias == pytest.approx(BIAS, abs=3.0 * np.sqrt(error.bias_variance))
    assert np.sqrt(error.bias_variance) < 0.002
    assert error.scale == pytest.approx(SCALE, rel=0.05)
    assert error.checks == 3000


def test_the_bias_std_is_honest_over_many_small_samples():
    """800 samples of eight checks: the bias's posterior 90 % interval holds
    the true bias 90 % of the time (binomial sd 0.011; the scale, fitted from
    eight checks, widens that; tolerance 0.05)."""
    rng = np.random.default_rng(6)
    hits = []
    for _ in range(800):
        bias = rng.normal(0.0, PRIOR_STD)
        error = estimator_error(*_checks(rng, 8, bias=bias), TEST_STD**2, PRIOR_STD)
        hits.append(abs(error.bias - bias) <= 1.645 * np.sqrt(error.bias_variance))
    assert np.mean(hits) == pytest.approx(0.9, abs=0.05)


def test_no_check_is_the_validated_prior_and_few_checks_keep_the_stated_stds():
    none = estimator_error([], [], TEST_STD**2, PRIOR_STD)
    assert (none.bias, none.scale, none.checks) == (0.0, 1.0, 0)
    assert none.bias_variance == pytest.approx(PRIOR_STD**2, rel=1e-12)
    few_checks = _checks(np.random.default_rng(7), MIN_CHECKS - 1)
    few = estimator_error(*few_checks, TEST_STD**2, PRIOR_STD)
    assert few.scale == 1.0
    # with a validated scale, that scale until the checks can tell one: it weights the few checks' bias
    validated = estimator_error(*few_checks, TEST_STD**2, PRIOR_STD, prior_scale=SCALE)
    assert validated.scale == SCALE and validated.bias_variance < few.bias_variance
    assert estimator_error(*_checks(np.random.default_rng(7), 40), TEST_STD**2, PRIOR_STD,
                           prior_scale=3.0).scale == pytest.approx(SCALE, rel=0.3)
    with pytest.raises(ValueError, match="prior_scale"):
        estimator_error(*few_checks, TEST_STD**2, PRIOR_STD, prior_scale=0.0)
    # one exact check (no test noise, a tiny stated std) pins the bias whatever the prior
    pinned = estimator_error([-0.04], [1e-10], 0.0, PRIOR_STD)
    assert pinned.bias == pytest.approx(-0.04, rel=1e-6)


def test_a_least_scale_lets_the_checks_widen_the_stated_stds_but_not_narrow_them():
    """Forty checks of twins that overstate their std twice (scale 0.5): with
    ``min_scale`` 1 the stds stay as stated; twins that understate it (scale
    2) are still widened."""
    rng = np.random.default_rng(8)
    overstated = _checks(rng, 40)
    assert estimator_error(*overstated, TEST_STD**2, PRIOR_STD).scale < 0.8
    assert estimator_error(*overstated, TEST_STD**2, PRIOR_STD, min_scale=1.0).scale == 1.0
    understated = estimator_error(*_checks(rng, 40, scale=2.0), TEST_STD**2, PRIOR_STD, min_scale=1.0)
    assert understated.scale == pytest.approx(2.0, rel=0.3)
    with pytest.raises(ValueError, match="min_scale"):
        estimator_error(*overstated, TEST_STD**2, PRIOR_STD, min_scale=0.0)


def test_a_fleet_with_a_shared_bias_is_covered_once_corrected():
    """400 fleets of 40 assets (true spread 0.015 A.h), every own estimate off
    by one bias per fleet and scattered by half its stated std; eight
    assets checked. Corrected and rescaled, the shrunk 90 % intervals cover
    0.80-0.95 of the truths: a little under 0.9 because the scale is fitted
    from eight checks and the fleet's spread is treated as known (against a
    0.043 A.h noise its REML fit is 0 in about a third of these fleets; with
    the true bias and scale the same intervals cover 0.75, with the scale
    known 0.90). With the stated stds taken at their word and the validated
    bias std instead (no check) they cover as often on average, over biases
    drawn from that validation, but are far wider."""
    rng = np.random.default_rng(8)
    corrected, uncorrected, widths = [], [], []
    for _ in range(400):
        truth = rng.normal(5.0, 0.015, 40)
        stated = rng.uniform(0.07, 0.1, 40)
        bias = rng.normal(0.0, PRIOR_STD)
        y = truth + bias + SCALE * stated * rng.standard_normal(40)
        checked = rng.choice(40, 8, replace=False)
        reference = truth[checked] + TEST_STD * rng.standard_normal(8)
        error = estimator_error(y[checked] - reference, stated[checked] ** 2, TEST_STD**2, PRIOR_STD)
        variance = (error.scale * stated) ** 2
        posterior = shrink(fit_population(y - error.bias, variance), y - error.bias, variance, error.bias_variance)
        low, high = posterior.interval(0.9)
        corrected.append(np.mean((low <= truth) & (truth <= high)))
        widths.append(np.mean(high - low))
        low, high = shrink(fit_population(y, stated**2), y, stated**2, PRIOR_STD**2).interval(0.9)
        uncorrected.append(np.mean(high - low))
    assert 0.80 <= np.mean(corrected) <= 0.95
    assert np.mean(widths) < 0.6 * np.mean(uncorrected)


@pytest.mark.parametrize("args, words", [
    (([0.1, np.nan], [1.0, 1.0], 0.0, 0.1), "finite"),
    (([0.1, 0.2], [1.0, 0.0], 0.0, 0.1), "> 0"),
    (([0.1, 0.2], [1.0], 0.0, 0.1), "one length"),
    (([0.1], [1.0], -1.0, 0.1), "must be >= 0"),
])
def test_bad_input_is_refused(args, words):
    with pytest.raises(ValueError, match=words):
        estimator_error(*args)
