"""Change detection and whitening on synthetic residuals with known statistics,
and isolation on residual patterns built from each fault's physics."""
import math

import numpy as np
import pytest

from btwin.models.diagnosis import (Cusum, Diagnoser, DiagnoserSettings, FaultCode, Glr, Whitener,
                                    average_run_length, fit_autoregression, glr_threshold_for,
                                    threshold_for)
from btwin.models.diagnosis.isolation import Thresholds, evidence, isolate


def run_lengths(samples, detector):
    """Samples between alarms, restarting after each."""
    lengths, start = [], 0
    for n, x in enumerate(samples):
        if detector.push(x):
            lengths.append(n + 1 - start)
            start = n + 1
            detector.reset()
    return np.array(lengths)


@pytest.mark.parametrize("reference", [0.5, 2.5])
def test_threshold_from_the_false_alarm_rate_holds_on_white_noise(reference):
    """The Markov-chain ARL against Monte Carlo: 300k N(0,1) samples, target one
    false alarm per 400 samples; ~750 alarms, so 4 % standard error. At k = 2.5
    Siegmund's closed form would give 1.5 times the rate."""
    h = threshold_for(1.0 / 400.0, 1.0, reference)
    alarms = run_lengths(np.random.default_rng(1).standard_normal(300_000), Cusum(reference, h))
    assert alarms.mean() == pytest.approx(400.0, rel=0.15)


def test_mean_detection_delay_follows_the_markov_chain():
    reference, shift = 0.5, 1.0
    h = threshold_for(1.0 / 3600.0, 1.0, reference)
    rng = np.random.default_rng(2)
    delays = []
    for _ in range(1500):
        detector, n = Cusum(reference, h), 0
        while not detector.push(shift + rng.standard_normal()):
            n += 1
        delays.append(n + 1)
    assert np.mean(delays) == pytest.approx(average_run_length(h, reference, shift), rel=0.1)


def test_glr_threshold_bounds_the_false_alarm_rate_on_white_noise():
    """The Bonferroni threshold against Monte Carlo: 100k N(0,1) samples, stated rate one
    false alarm per 400 samples; the realised rate must be below it (the bound) and not
    below a fifth of it (a threshold that is useful). About 80 alarms: 11 % standard error."""
    h = glr_threshold_for(1.0 / 400.0, 1.0, 60)
    alarms = run_lengths(np.random.default_rng(11).standard_normal(100_000), Glr(h, 60))
    assert 400.0 < alarms.mean() < 5 * 400.0


def test_glr_finds_a_change_of_unknown_size_its_sign_and_its_time():
    """A step of 2 sigma after 300 samples: detected within the samples the GLR needs
    (n nu^2 / 2 > h, so a few), in the right direction, the change time within 3 samples."""
    rng = np.random.default_rng(12)
    for shift in (2.0, -2.0, 6.0):
        detector = Glr(glr_threshold_for(1.0 / 3600.0, 1.0, 60), 60)
        x = rng.standard_normal(400)
        x[300:] += shift
        first = next(n for n, v in enumerate(x) if detector.push(v))
        assert 300 <= first < 300 + 3 * math.ceil(2 * detector.threshold / shift**2) + 3
        detector.reset()
        signs = [detector.push(v) for v in x[:first + 1]]
        assert signs[-1] == np.sign(shift)
        assert abs((first + 1 - detector.samples_since_zero) - 300) <= 3


def test_diagnoser_with_the_glr_names_a_voltage_offset_and_keeps_its_state():
    from btwin.fmus import state_codec
    diagnoser = Diagnoser(DiagnoserSettings(warmup_time=120.0, detector="glr"))
    feed(diagnoser, 600)
    assert diagnoser.diagnosis.fault_code is FaultCode.NONE
    saved = state_codec.from_bytes(state_codec.to_bytes(diagnoser.get_state()))
    d = feed(diagnoser, 120, r_v=0.01).__dict__.copy()
    assert d["fault_code"] is FaultCode.VOLTAGE_SENSOR and 600.0 < d["detection_time"] < 600.0 + 15.0
    diagnoser.set_state(saved)
    assert feed(diagnoser, 120, r_v=0.01).__dict__ == d
    with pytest.raises(ValueError, match="detector"):
        DiagnoserSettings(detector="sprt")


def ar1(phi, n, seed):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n) * 0.002
    x = np.empty(n)
    x[0] = e[0]
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def test_whitening_recovers_the_ar_coefficient_and_makes_the_residual_white():
    x = ar1(0.9, 20_000, 3)
    coefficients, std = fit_autoregression(x, 2)
    assert coefficients[0] == pytest.approx(0.9, abs=0.02)
    assert coefficients[1] == pytest.approx(0.0, abs=0.02)
    assert std == pytest.approx(0.002, rel=0.02)
    whitener = Whitener.fitted(x[:5000], 2)
    w = np.array([whitener.push(v) for v in x[5000:]])
    assert abs(np.corrcoef(w[1:], w[:-1])[0, 1]) < 0.03
    assert w.std() == pytest.approx(1.0, rel=0.03)


def test_without_whitening_correlated_residuals_break_the_false_alarm_rate():
    x = ar1(0.9, 60_000, 4)
    h = threshold_for(1.0 / 2000.0, 1.0, 0.5)
    raw = run_lengths(x / x.std(), Cusum(0.5, h))
    whitener = Whitener.fitted(ar1(0.9, 5000, 5), 2)
    white = run_lengths([whitener.push(v) for v in x], Cusum(0.5, h))
    assert raw.size > 10 * max(white.size, 1)  # far more alarms than the 30 the rate allows
    assert white.size <= 60


LIMITS = Thresholds(resistance_change=0.005, short_heating_rate=0.005)
T = np.arange(0.0, 300.0)
RNG = np.random.default_rng(6)
DRIVE = 3.0 + 2.0 * np.sin(T / 7.0)  # A, a varying discharge current


def noisy(x, std):
    return x + RNG.normal(0.0, std, x.size)


@pytest.mark.parametrize("r_v, r_t, alarms, expected", [
    (noisy(0.012 + 0 * T, 2e-3), noisy(0 * T, 0.1), (1, 0), FaultCode.VOLTAGE_SENSOR),
    (noisy(0.03 * 0.4 + 0.7 * 0.4 / 18000 * T * 20, 2e-3), noisy(0 * T, 0.1), (1, 0),
     FaultCode.CURRENT_SENSOR),  # R dI then the twin's SOC drifting (OCV slope x dI / Q)
    (noisy(0 * T, 2e-3), noisy(1.5 + 0 * T, 0.1), (0, 1), FaultCode.TEMPERATURE_SENSOR),
    (noisy(-0.01 - 2e-5 * T, 2e-3), noisy(0.02 * T, 0.1), (-1, 1), FaultCode.INTERNAL_SHORT),
    (noisy(-0.02 * DRIVE, 2e-3), noisy(0.001 * T, 0.1), (-1, 1), FaultCode.RESISTANCE_GROWTH),
])
def test_each_fault_signature_is_named(r_v, r_t, alarms, expected):
    found = isolate(evidence(T, DRIVE, r_v, r_t, *alarms, runaway=False), LIMITS)
    assert found is expected


def test_a_projected_runaway_outranks_every_other_signature():
    e = evidence(T, DRIVE, noisy(-0.01 + 0 * T, 2e-3), noisy(0.1 * T, 0.1), -1, 1, runaway=True)
    assert isolate(e, LIMITS) is FaultCode.THERMAL_RUNAWAY


def feed(diagnoser, seconds, r_v=0.0, r_t=0.0, soc_std=0.0, current=2.0, plating=math.inf, seed=7):
    rng = np.random.default_rng(seed)
    for _ in range(seconds):
        d = diagnoser.step(1.0, current, 3.7 + r_v + rng.normal(0, 2e-3), 300.0 + r_t + rng.normal(0, 0.1),
                           3.7, 300.0, soc_std, plating)
    return d


def test_diagnoser_waits_for_the_twin_to_converge():
    diagnoser = Diagnoser(DiagnoserSettings(warmup_time=60.0))
    assert feed(diagnoser, 200, r_v=0.05, soc_std=0.2).fault_code is FaultCode.WARMING_UP
    assert feed(diagnoser, 59).fault_code is FaultCode.WARMING_UP
    assert feed(diagnoser, 100).fault_code is FaultCode.NONE


def test_diagnoser_detects_and_names_a_voltage_offset():
    diagnoser = Diagnoser(DiagnoserSettings(warmup_time=120.0))
    feed(diagnoser, 600)
    assert diagnoser.diagnosis.fault_code is FaultCode.NONE
    d = feed(diagnoser, 120, r_v=0.01)
    assert d.fault_code is FaultCode.VOLTAGE_SENSOR
    assert 720.0 - 120.0 < d.detection_time < 720.0 - 120.0 + 10.0


def test_the_twins_plating_overpotential_alone_is_a_warning_not_an_alarm():
    diagnoser = Diagnoser(DiagnoserSettings(warmup_time=60.0, plating_time=10.0))
    feed(diagnoser, 100, current=-5.0, plating=0.01)
    feed(diagnoser, 100, current=5.0, plating=-0.01)  # discharging: not plating
    assert not diagnoser.diagnosis.plating_warning
    d = feed(diagnoser, 10, current=-5.0, plating=-0.002)
    assert d.plating_warning and not d.plating and d.fault_code is FaultCode.NONE


def test_non_finite_input_is_refused_by_name():
    with pytest.raises(ValueError, match="predicted_voltage"):
        Diagnoser().step(1.0, 1.0, 3.7, 300.0, math.nan, 300.0)


def test_state_round_trip_replays_exactly():
    from btwin.fmus import state_codec
    diagnoser = Diagnoser(DiagnoserSettings(warmup_time=60.0))
    feed(diagnoser, 100)
    feed(diagnoser, 5, r_v=0.02)
    saved = state_codec.from_bytes(state_codec.to_bytes(diagnoser.get_state()))
    first = feed(diagnoser, 60, r_v=0.02, seed=9).__dict__.copy()
    diagnoser.set_state(saved)
    assert feed(diagnoser, 60, r_v=0.02, seed=9).__dict__ == first


def test_at_a_constant_charge_current_resistance_growth_is_told_from_an_offset_by_its_heat():
    charge = -5.0 + 0 * T
    r_v = noisy(0.015 + 0 * T, 2e-3)  # -dR I with dR = 3 mOhm
    heated = isolate(evidence(T, charge, r_v, noisy(0.004 * T, 0.1), 1, 1, runaway=False), LIMITS)
    cool = isolate(evidence(T, charge, r_v, noisy(0 * T, 0.1), 1, 0, runaway=False), LIMITS)
    assert (heated, cool) == (FaultCode.RESISTANCE_GROWTH, FaultCode.VOLTAGE_SENSOR)


def test_a_low_voltage_while_the_twin_warns_of_plating_is_isolated_not_named_plating():
    """The twin's plating overpotential below zero is a warning: a current-sensor offset in a
    charge moves it too, so the residual alarm is isolated as usual until a relaxation names
    plating (tests/models/test_relaxation.py)."""
    diagnoser = Diagnoser(DiagnoserSettings(warmup_time=60.0, plating_time=5.0))
    feed(diagnoser, 100, current=-5.0, plating=0.01)
    d = feed(diagnoser, 30, r_v=-0.015, current=-5.0, plating=-0.01)
    assert d.plating_warning and not d.plating and d.fault_code is FaultCode.VOLTAGE_SENSOR


# A twin that learns a fault into its parameters: the residual shows a transient,
# the estimate the rest. R = 30 mOhm (an LG M50's ohmic plus charge transfer).
R_TWIN = 0.03
ABSORB = 1.0 - np.exp(-T / 30.0)  # the EKF takes the fault up over half a minute


def twin_symptoms(r_v, factor, offset, factor_std=0.01, offset_std=0.01, current=DRIVE):
    n = T.size
    return isolate_with(r_v, current, np.full(n, R_TWIN), factor, np.full(n, factor_std), offset,
                        np.full(n, offset_std))


def isolate_with(r_v, current, *estimates):
    from dataclasses import replace
    from btwin.models.diagnosis.isolation import parameter_evidence
    alarm = int(np.sign(np.mean(r_v[:20])))
    e = evidence(T, current, r_v, noisy(0 * T, 0.1), alarm, 0, runaway=False)
    return isolate(replace(e, parameters=parameter_evidence(T, current, r_v, *estimates)), LIMITS)


def test_a_current_offset_the_twin_learns_is_named_by_its_offset_estimate():
    d_i = 0.5  # A: the voltage step R dI, then the twin's offset estimate takes it up
    r_v = noisy(R_TWIN * d_i * (1.0 - ABSORB), 2e-3)
    assert twin_symptoms(r_v, np.ones_like(T), d_i * ABSORB) is FaultCode.CURRENT_SENSOR
    # the same step, explained mostly through the twin's SOC (a fifth by its offset): a voltage sensor
    assert twin_symptoms(r_v, np.ones_like(T), 0.2 * d_i * ABSORB) is FaultCode.VOLTAGE_SENSOR


def test_a_resistance_growth_the_twin_learns_is_named_by_its_resistance_factor():
    growth = 0.3  # of theta
    r_v = noisy(-growth * R_TWIN * DRIVE * (1.0 - ABSORB), 2e-3)
    assert twin_symptoms(r_v, 1.0 + growth * ABSORB, 0 * T) is FaultCode.RESISTANCE_GROWTH
    # theta rising while the voltage step goes against -dR I (a confounded twin): not a growth
    charge = -5.0 + 0 * T
    low = noisy(-0.02 * (1.0 - ABSORB) - 0.002, 2e-3)
    assert twin_symptoms(low, 1.0 + growth * ABSORB, 0 * T, current=charge) is not FaultCode.RESISTANCE_GROWTH
    # a rise within the twin's own spread is no evidence
    assert twin_symptoms(r_v, 1.0 + growth * ABSORB, 0 * T, factor_std=0.1) is not FaultCode.RESISTANCE_GROWTH


def test_the_diagnoser_takes_the_twins_estimates_and_refuses_bad_ones():
    from btwin.models.diagnosis import TwinEstimates
    diagnoser = Diagnoser(DiagnoserSettings(warmup_time=60.0))
    feed(diagnoser, 100)
    rng = np.random.default_rng(8)
    for k in range(200):  # a current offset of 0.5 A (the reading steps to 2.5 A) learnt by the twin
        learnt = 0.5 * (1.0 - math.exp(-k / 30.0))
        d = diagnoser.step(1.0, 2.5, 3.7 + R_TWIN * (0.5 - learnt) + rng.normal(0, 2e-3), 300.0, 3.7, 300.0,
                           estimated_resistance=R_TWIN, estimates=TwinEstimates(1.0, 0.01, learnt, 0.01))
    assert d.fault_code is FaultCode.CURRENT_SENSOR
    with pytest.raises(ValueError, match="current_offset_std"):
        diagnoser.step(1.0, 2.0, 3.7, 300.0, 3.7, 300.0, estimates=TwinEstimates(1.0, 0.01, 0.0, -1.0))


def test_a_tracked_mean_ignores_a_wandering_model_error_but_not_an_offset():
    """An EKF's model error wanders by +-8 mV over 20 minutes (what the StateEstimator shows in a
    long charge): with the mean fixed after the warm-up it alarms, tracked over 120 s it does
    not, and a 10 mV step on top is still found within 10 s."""
    t = np.arange(3600.0)
    wander = 0.008 * np.sin(2 * np.pi * (t - 400.0) / 1200.0) * (t > 400.0)
    noise = np.random.default_rng(13).normal(0.0, 2e-3, t.size)

    def first_alarm(tracking_time, step_time=math.inf):
        diagnoser = Diagnoser(DiagnoserSettings(warmup_time=300.0, voltage_tracking_time=tracking_time))
        for k in range(t.size):
            r_v = wander[k] + noise[k] + (0.01 if t[k] >= step_time else 0.0)
            if diagnoser.step(1.0, 2.0, 3.7 + r_v, 300.0, 3.7, 300.0).fault_code >= FaultCode.ANOMALY:
                return t[k]
        return math.inf

    assert first_alarm(0.0) < 3600.0
    assert first_alarm(120.0) == math.inf
    assert 2000.0 <= first_alarm(120.0, step_time=2000.0) <= 2010.0


def test_a_whitener_fitted_on_a_drifting_residual_still_gives_the_glr_a_minimum_change():
    # seed 0 of the GLR campaign: warm-up residuals that drifted gave AR coefficients summing above 1, so a
    # step showed with its sign flipped and the GLR refused the negative minimum size; the size is |gain| x step
    rng = np.random.default_rng(4)
    drift = 1e-3 * np.exp(np.arange(600.0) / 150.0) + rng.normal(0.0, 1e-3, 600)  # V, a residual growing away
    whitener = Whitener.fitted(drift, 2)
    assert whitener.coefficients.sum() > 1.0  # the case itself
    minimum = whitener.step_size(0.01)
    assert minimum == pytest.approx(abs(whitener.step_gain) * 0.01) and minimum > 0.0
    glr = Glr(glr_threshold_for(1e-5, 1.0, 120, minimum), 120, minimum)
    assert glr.push(0.0) == 0
