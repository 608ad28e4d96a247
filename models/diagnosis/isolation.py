"""Fault isolation by signature: which fault explains the residual pattern.

Residuals are measurement minus twin prediction: r_V (voltage), r_T (surface
temperature). Each fault leaves its own pattern (signs for a discharging cell):

| fault              | r_V                         | r_T                          |
|--------------------|-----------------------------|------------------------------|
| voltage offset     | step                        | none                         |
| current offset     | step, then a ramp of the same sign (the twin's SOC drifts) | small |
| temperature offset | none                        | step                         |
| internal short     | negative (self-discharge)   | positive, rising fast (V^2/R_s heat) |
| resistance growth  | -dR x I: follows the current (sign of -I at a constant current) | positive, slow (dR I^2) |
| thermal runaway    | any                         | positive, projected past the runaway temperature |

The features are least-squares fits over the samples since the estimated
change time: r_V = a + b I + c t (t-statistics of b and c), the slope of r_T
and the mean current.

A twin that estimates parameters (a joint EKF) absorbs part of a fault into
them, so its residual shows only a transient; its estimates are then symptoms
too (parameter-estimation-based diagnosis, Isermann, "Fault-Diagnosis
Systems", Springer 2006, ch. 8). ``parameter_evidence`` compares them at the
change time and now, in units of the standard deviation the twin reports:
* the resistance factor theta (resistances over the nominal cell's): only a
  resistance growth raises it by a fraction and many standard deviations,
  and its voltage step then follows -dR I (``step_resistance``, the least-
  squares dR of r_V = -dR I over the step, is positive; a twin confounded at
  a constant current may move theta either way);
* the current-sensor offset: a current offset dI shifts the predicted
  voltage by R dI at once, and an EKF that learns dI explains the whole step
  (``offset_explained`` = R d(offset) / voltage step near 1), while one that
  meets a voltage offset explains it mostly through its SOC (well below 1).

At a steady current (a constant-current charge) a voltage offset, a current
offset and a resistance growth give the same voltage step (R dI = -dR I =
dV); ``steady_current`` measures what separates them: a step of the measured
current itself at the onset (a current sensor) and the heat step -dV I that
the surface temperature shows (a resistance growth; a voltage offset adds no
heat). ``steady_current_fault`` waits, keeping the anomaly unnamed, until the
heat step tells the two apart by SEPARATION standard deviations, at most
``steady_current.HEAT_WINDOW`` after the onset; then the rules below decide.

The rules are applied in the order of ``isolate``; a
fault is named only with its evidence, else the anomaly stays unnamed.
Limits: the t-statistics assume white residual noise (5 sigma is used for
safety); a resistance change shows in the voltage only while the current
varies, and at a steady current by its heat alone; the
parameter symptoms trust the twin's standard deviations (an EKF that is
inconsistent, as in charges where SOC, resistance and offset are confounded
at a constant current, moves its estimates without a fault); a short
and a runaway are told apart by the projected temperature, not by physics.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .steady_current import SteadyCurrentEvidence


class FaultCode(IntEnum):
    """The Diagnoser's ``fault_code``."""

    NONE = 0
    WARMING_UP = 1  # the twin has not converged or the residual statistics are being learnt
    ANOMALY = 2  # a residual changed; not yet isolated
    VOLTAGE_SENSOR = 3
    CURRENT_SENSOR = 4
    TEMPERATURE_SENSOR = 5
    INTERNAL_SHORT = 6
    RESISTANCE_GROWTH = 7
    PLATING = 8
    THERMAL_RUNAWAY = 9


SIGNIFICANT = 5.0  # |t| of a fitted coefficient that counts as evidence
EXPLAINED = 0.5  # share of the voltage step a current-offset estimate explains: a current fault
STEP_WINDOW = 20.0  # s after the change over which the voltage step is averaged
SEPARATION = 3.0  # standard deviations of the heat step between a resistance growth's heat and none


@dataclass(frozen=True)
class ParameterEvidence:
    """What the twin's parameter estimates show since the change (see the module docstring)."""

    resistance_factor_rise: float = 0.0  # relative rise of the twin's theta since the change [1]
    resistance_factor_z: float = 0.0  # that rise over theta's standard deviation
    offset_z: float = 0.0  # change of the twin's current-offset estimate over its standard deviation
    offset_explained: float = 0.0  # share of the voltage step R d(offset) explains
    step_resistance: float = 0.0  # dR of r_V = -dR I over the voltage step [Ohm]


@dataclass(frozen=True)
class Evidence:
    """What the residuals since the change show."""

    voltage_alarm: int  # sign of the voltage CUSUM alarm, 0 if none
    temperature_alarm: int  # sign of the temperature CUSUM alarm, 0 if none
    resistance_change: float  # -b of r_V = a + b I + c t [Ohm]
    resistance_t: float  # its t-statistic
    voltage_trend: float  # c [V/s]
    voltage_trend_t: float
    voltage_mean: float  # mean r_V since the change [V]
    current_mean: float  # mean current since the change [A], > 0 discharging
    temperature_rate: float  # slope of r_T [K/s]
    runaway: bool  # surface temperature projected past the runaway temperature
    temperature_first: bool = False  # the temperature residual alarmed before the voltage one
    resistance_rise: float = 0.0  # the twin's resistance estimate above its warm-up value [Ohm]
    parameters: ParameterEvidence = ParameterEvidence()  # what the twin's own estimates show
    steady: SteadyCurrentEvidence = SteadyCurrentEvidence()  # the current step and heat at a steady current
    resistance: float = 0.0  # the twin's resistance at the change [Ohm]


@dataclass(frozen=True)
class Thresholds:
    resistance_change: float  # smallest resistance growth named [Ohm]
    short_heating_rate: float  # r_T slope that only a short's heat explains [K/s]
    resistance_factor_change: float = 0.09  # smallest relative rise of theta named [1]


def fit(columns: list[np.ndarray], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coefficients of y on the columns and their t-statistics."""
    design = np.column_stack(columns)
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = max(y.size - design.shape[1], 1)
    sigma2 = float(np.sum((y - design @ coefficients) ** 2)) / dof
    covariance = sigma2 * np.linalg.pinv(design.T @ design)
    std = np.sqrt(np.maximum(np.diag(covariance), 1e-300))
    return coefficients, coefficients / std


def evidence(time, current, voltage_residual, temperature_residual, voltage_alarm: int,
             temperature_alarm: int, runaway: bool, temperature_first: bool = False) -> Evidence:
    """Features of the samples since the change (arrays of equal length >= 4)."""
    t = np.asarray(time, dtype=float) - time[0]
    ones = np.ones_like(t)
    i = np.asarray(current, dtype=float)
    varying = np.ptp(i) > 1e-6
    columns = [ones, i - i.mean(), t - t.mean()] if varying else [ones, t - t.mean()]
    (coefficients, t_stats) = fit(columns, np.asarray(voltage_residual, dtype=float))
    b, b_t = (coefficients[1], t_stats[1]) if varying else (0.0, 0.0)
    (_, slope), _ = fit([ones, t - t.mean()], np.asarray(temperature_residual, dtype=float))
    return Evidence(voltage_alarm, temperature_alarm, -float(b), -float(b_t),
                    float(coefficients[-1]), float(t_stats[-1]), float(np.mean(voltage_residual)),
                    float(i.mean()), float(slope), runaway, temperature_first)


def parameter_evidence(time, current, voltage_residual, resistance, factor, factor_std, offset,
                       offset_std) -> ParameterEvidence:
    """Symptoms in the twin's estimates from the change (first sample) to now (last):
    arrays of equal length; a standard deviation of 0 means the twin gives no such estimate."""
    t = np.asarray(time, dtype=float)
    on_step = t <= t[0] + STEP_WINDOW
    r_v, i = np.asarray(voltage_residual)[on_step], np.asarray(current)[on_step]
    step = float(np.mean(r_v))
    step_resistance = -float(np.dot(r_v, i)) / max(float(np.dot(i, i)), 1e-12)
    factor_rise = factor_z = offset_z = explained = 0.0
    if factor_std[-1] > 0.0 and factor[0] > 0.0:
        factor_rise = (factor[-1] - factor[0]) / factor[0]
        factor_z = (factor[-1] - factor[0]) / factor_std[-1]
    if offset_std[-1] > 0.0:
        shift = offset[-1] - offset[0]
        offset_z = shift / offset_std[-1]
        explained = resistance[-1] * shift / step if step != 0.0 else 0.0
    return ParameterEvidence(float(factor_rise), float(factor_z), float(offset_z), float(explained),
                             step_resistance)


def isolate(e: Evidence, limits: Thresholds) -> FaultCode:
    """The fault that explains the evidence (rules in the module docstring)."""
    if e.runaway:
        return FaultCode.THERMAL_RUNAWAY
    if (e.temperature_alarm > 0 and e.temperature_rate > limits.short_heating_rate
            and e.voltage_mean < 0.0):
        return FaultCode.INTERNAL_SHORT  # its heat outruns any resistance growth's (checked first)
    voltage_led = e.voltage_alarm and not (e.temperature_alarm and e.temperature_first)
    if voltage_led:
        verdict = steady_current_fault(e.steady, e.resistance)
        if verdict is not None:
            return verdict
    p = e.parameters
    if voltage_led and abs(p.offset_z) > SIGNIFICANT and p.offset_explained > EXPLAINED:
        return FaultCode.CURRENT_SENSOR  # the twin's offset estimate took up the voltage step
    if e.voltage_alarm and (e.resistance_rise > limits.resistance_change or (
            e.resistance_t > SIGNIFICANT and e.resistance_change > limits.resistance_change) or (
            p.resistance_factor_z > SIGNIFICANT and p.step_resistance > 0.0
            and p.resistance_factor_rise > limits.resistance_factor_change)):
        return FaultCode.RESISTANCE_GROWTH
    if e.temperature_alarm and (not e.voltage_alarm or e.temperature_first):
        return FaultCode.TEMPERATURE_SENSOR  # a twin that reads the temperature may then err in voltage
    if e.voltage_alarm:
        same_sign = np.sign(e.voltage_trend) == e.voltage_alarm
        if same_sign and abs(e.voltage_trend_t) > SIGNIFICANT:
            return FaultCode.CURRENT_SENSOR
        drop_follows_current = e.voltage_alarm == -np.sign(e.current_mean) and abs(e.current_mean) > 0.0
        if e.temperature_alarm > 0 and drop_follows_current:
            return FaultCode.RESISTANCE_GROWTH
        return FaultCode.VOLTAGE_SENSOR
    return FaultCode.ANOMALY


def steady_current_fault(s: SteadyCurrentEvidence, resistance: float) -> FaultCode | None:
    """The verdict at a steady current (module docstring), None if there is none: the current
    was not steady, or its step does not explain the voltage step, or the heat window ended
    undecided. A step of the measured current that R dI explains is a current sensor; without
    one, a voltage step a resistance growth cannot give (-dV I <= 0, e.g. at rest) is the
    voltage sensor, and otherwise the heat step names a resistance growth if it is nearer -dV I
    than 0, once the two are SEPARATION standard deviations apart (ANOMALY until then)."""
    if not s.steady:
        return None
    if abs(s.current_step_z) > SIGNIFICANT:
        explained = s.explained_by_current_step(resistance)
        return FaultCode.CURRENT_SENSOR if EXPLAINED < explained < 1.0 / EXPLAINED else None
    expected = s.resistance_heat
    if expected <= 0.0:
        return FaultCode.VOLTAGE_SENSOR
    if expected >= SEPARATION * s.heat_step_std:
        return FaultCode.RESISTANCE_GROWTH if s.heat_step > 0.5 * expected else FaultCode.VOLTAGE_SENSOR
    return None if s.complete else FaultCode.ANOMALY
