"""The streaming diagnoser: residuals in, alarms and a fault code out.

Per sample (period dt):
  1. residuals r_V = V_measured - V_predicted, r_T = T_measured - T_predicted;
  2. warm-up: while the twin's uncertainty (soc_std) is above ``max_soc_std``
     or fewer than ``warmup_time`` seconds of converged samples were seen, the
     residuals are only collected (fault code WARMING_UP); then an AR(2)
     whitener is fitted to each (``whitening``; the warm-up is assumed
     fault-free); the voltage residual's mean then follows the twin's slowly
     wandering model error with ``voltage_tracking_time`` until an alarm (an
     EKF's reduced model errs by up to 8 mV over minutes in a long charge);
  3. a change detector per whitened residual, its threshold from
     ``false_alarm_rate`` shared by the two: ``detector`` "cusum", a
     two-sided CUSUM (``cusum``) whose reference is half the change to
     detect (``voltage_change``, ``temperature_change``), or "glr", a
     windowed GLR (``glr``) over ``glr_window`` seconds for a change of
     those sizes or larger (its threshold is a bound, so its false-alarm
     rate is lower than stated; it restarts if the sample period changes);
  4. after an alarm the fault is isolated by its signature (``isolation``,
     with the twin's parameter estimates when it gives them: its resistance
     factor and current-sensor offset with their standard deviations, or
     else its resistance)
     over the samples since the estimated change time, re-decided every
     sample while unnamed, then every ``ISOLATION_PERIOD`` and whenever
     another detector alarms; at a steady current also by the measured
     current's step and the heat step around the change (``steady_current``,
     with the cell's ``heat_capacity`` and ``thermal_resistance``), for which
     the anomaly may stay unnamed up to ``steady_current.HEAT_WINDOW``;
  5. plating, from what the BMS measures: the relaxation after a charge
     (``relaxation``): the rest's voltage falls further than the twin's own
     diffusion predicts for it without plating (the nominal cell's, from the
     measured current; ``n_series``, ``n_parallel`` cells), the excess above
     its fault-free bound with the threshold from
     ``plating_false_alarm_probability`` per rest; it needs neither the
     twin's filter nor its warm-up. The twin's plating overpotential below
     ``-plating_margin`` for ``plating_time`` seconds of a charge is only
     ``plating_warning``; a residual alarm during it is isolated as usual
     (a current-sensor offset in a charge also moves the twin's overpotential),
     and once the relaxation names plating, the plating takes over a sensor's
     or a resistance growth's name given in that charge (the twin is least to
     be trusted in a cold fast charge);
  6. runaway: the surface temperature, above ambient and extrapolated
     ``runaway_horizon`` seconds along its slope of the last minute, passes
     ``runaway_temperature`` while the temperature residual has alarmed high.

Alarms latch: a fault stays named until the diagnoser is reset. Limits: the
false-alarm rate holds for residuals as stationary as the warm-up's; faults
present during warm-up are learnt as normal.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, fields, replace
from typing import NamedTuple

import numpy as np

from .. import checks
from .cusum import Cusum, threshold_for
from .glr import Glr, glr_threshold_for, sample_count
from .isolation import FaultCode, Thresholds, evidence, isolate, parameter_evidence
from .relaxation import RelaxationWatch
from .steady_current import HEAT_CAPACITY, PRE_WINDOW, THERMAL_RESISTANCE, steady_current_evidence
from .whitening import Whitener

WHITENING_ORDER = 2
HISTORY = 1800  # samples kept for isolation (at least PRE_WINDOW + the time to name a fault)
SLOPE_WINDOW = 60.0  # s of surface temperature for the runaway slope
ISOLATION_PERIOD = 10.0  # s between isolation decisions (each fits up to HISTORY samples)
DETECTORS = ("cusum", "glr")


@dataclass(frozen=True)
class DiagnoserSettings:
    false_alarm_rate: float = 0.05  # 1/h, both residual detectors together
    voltage_change: float = 0.01  # V, residual step to detect
    temperature_change: float = 1.0  # K, residual step to detect
    voltage_resolution: float = 4e-3  # V, floor of the residual std: the StateEstimator's model error
    voltage_tracking_time: float = 120.0  # s, time constant of the voltage residual's tracked mean; 0: fixed
    temperature_resolution: float = 0.05  # K, likewise
    warmup_time: float = 300.0  # s of converged residuals learnt before detecting
    max_soc_std: float = 0.05  # 1, the twin counts as converged below this
    resistance_change: float = 0.008  # Ohm, smallest resistance growth named (about 20 % of an LG M50's)
    resistance_factor_change: float = 0.09  # 1, smallest rise of the twin's resistance factor named (chosen
    # on the diagnostics campaign's seed 0: the EKF takes up a third or more of a 30 % growth in a charge)
    short_heating_rate: float = 0.005  # K/s, r_T slope only a short's heat explains
    plating_margin: float = 0.0  # V
    plating_time: float = 10.0  # s
    # relaxation after a charge (relaxation.py): the largest excess fall of a noise-free fault-free rest
    # over the twin's prediction (benchmarks/plating_relaxation.py, 0.5C charges at 25 degC and gentle or
    # cold charges that do not plate: 0.002), with 0.018 for the twin's model error (assumption)
    plating_fault_free_excess: float = 0.02  # 1
    plating_false_alarm_probability: float = 0.001  # per rest watched
    rest_current: float = 0.1  # A, |current| below this is a rest (C/50 of an LG M50)
    n_series: int = 1  # cells in series in the measured voltage (the relaxation's prediction is per cell)
    n_parallel: int = 1  # cells in parallel in the measured current
    runaway_temperature: float = 353.15  # K, surface
    runaway_horizon: float = 300.0  # s
    detector: str = "cusum"  # or "glr"
    glr_window: float = 60.0  # s, the longest change the GLR looks back for
    heat_capacity: float = HEAT_CAPACITY  # J/K of the cells whose surface is measured (LG M50: 47.2)
    thermal_resistance: float = THERMAL_RESISTANCE  # K/W, their surface to ambient (LG M50: 18.8)

    def __post_init__(self) -> None:
        if self.detector not in DETECTORS:
            raise ValueError(f"detector must be one of {', '.join(DETECTORS)}, got {self.detector!r}")
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "detector":
                continue
            if field.name in ("plating_margin", "voltage_tracking_time"):
                checks.non_negative(field.name, value)
            elif field.name == "plating_false_alarm_probability" and not 0.0 < value < 0.5:
                raise ValueError(f"{field.name} must lie in (0, 0.5), got {value!r}")
            else:
                checks.positive(field.name, value)


class TwinEstimates(NamedTuple):
    """The twin's slowly varying estimates and their standard deviations (0: not given)."""

    resistance_factor: float = 1.0  # 1, resistances over the nominal cell's
    resistance_factor_std: float = 0.0
    current_offset: float = 0.0  # A, the current sensor's offset: measured = true + offset
    current_offset_std: float = 0.0

    def checked(self) -> "TwinEstimates":
        for name, value in zip(self._fields, self):
            (checks.non_negative if name.endswith("_std") else checks.finite)(name, value)
        return self


HISTORY_COLUMNS = 7 + len(TwinEstimates._fields)


@dataclass
class Diagnosis:
    fault_code: FaultCode = FaultCode.WARMING_UP
    voltage_statistic: float = 0.0  # detector statistic / threshold (1: alarm)
    temperature_statistic: float = 0.0
    voltage_residual: float = 0.0  # V
    temperature_residual: float = 0.0  # K
    plating: bool = False  # the alarm: on the relaxation after a charge
    plating_warning: bool = False  # the twin's plating overpotential below -margin while charging
    relaxation_share: float = 0.0  # late share of the last watched rest's voltage drop (0: none yet)
    relaxation_excess: float = 0.0  # its fall beyond the twin's fault-free prediction, over that (0: none yet)
    relaxation_threshold: float = 0.0  # the excess's threshold
    runaway: bool = False
    detection_time: float = math.nan  # s, first residual alarm


class Diagnoser:
    """Streaming residual diagnosis; see the module docstring."""

    def __init__(self, settings: DiagnoserSettings | None = None):
        self.settings = settings or DiagnoserSettings()
        self.reset()

    def reset(self) -> None:
        self.time = 0.0
        self.diagnosis = Diagnosis()
        self._warmup: list[tuple[float, float]] = []
        self._converged_time = 0.0
        self._whiteners: tuple[Whitener, Whitener] | None = None
        self._detectors: tuple[Cusum | Glr, Cusum | Glr] | None = None
        self._period = math.nan
        self._alarms = [0, 0]
        self._alarm_times = [math.inf, math.inf]
        self._resistance = self._resistance_baseline = 0.0
        self._onset = math.nan
        self._history: deque = deque(maxlen=HISTORY)  # (t, I, r_V, r_T, T_s, T_amb, R, theta, std, offset, std)
        self._plating_time = 0.0
        s = self.settings
        previous = getattr(self, "_relaxation", None)
        self._relaxation = RelaxationWatch(s.plating_fault_free_excess, s.plating_false_alarm_probability,
                                           s.rest_current, s.n_series, s.n_parallel)
        if previous is not None:  # the cell's concentration gradients do not restart with the diagnosis
            self._relaxation.prediction.modes = previous.prediction.modes
        self._ambient = 0.0
        self._isolated, self._isolated_at, self._isolated_alarms = FaultCode.ANOMALY, -math.inf, [0, 0]

    def step(self, dt: float, current: float, voltage: float, surface_temperature: float,
             predicted_voltage: float, predicted_surface_temperature: float,
             soc_std: float = 0.0, plating_overpotential: float = math.inf,
             ambient_temperature: float = 0.0, estimated_resistance: float = 0.0,
             estimates: TwinEstimates | None = None) -> Diagnosis:
        """One sample at the end of a step of ``dt`` seconds; returns the diagnosis.
        ``estimates``: the twin's parameter estimates, if it gives them."""
        checks.step_size(dt)
        self._ambient = checks.non_negative("ambient_temperature", ambient_temperature)
        self._resistance = checks.non_negative("estimated_resistance", estimated_resistance)
        estimates = (estimates or TwinEstimates()).checked()
        r_v = checks.finite("voltage", voltage) - checks.finite("predicted_voltage", predicted_voltage)
        r_t = (checks.finite("surface_temperature", surface_temperature)
               - checks.finite("predicted_surface_temperature", predicted_surface_temperature))
        checks.finite("current", current)
        self.time += dt
        d = self.diagnosis
        d.voltage_residual, d.temperature_residual = r_v, r_t
        self._history.append((self.time, current, r_v, r_t, surface_temperature, self._ambient,
                              self._resistance, *estimates))
        self._check_plating(dt, current, plating_overpotential)
        self._check_relaxation(dt, current, voltage, surface_temperature)
        if self._detectors is None:
            self._learn(dt, r_v, r_t, soc_std)
        else:
            self._detect(dt, r_v, r_t)
        d.fault_code = self._fault_code()
        return d

    # --- warm-up ------------------------------------------------------------
    def _learn(self, dt, r_v, r_t, soc_std) -> None:
        if soc_std > self.settings.max_soc_std:
            self._warmup.clear()
            self._converged_time = 0.0
            return
        self._warmup.append((r_v, r_t))
        self._converged_time += dt
        if self._converged_time >= self.settings.warmup_time and len(self._warmup) >= 30:
            s = self.settings
            samples = np.array(self._warmup)
            self._whiteners = (Whitener.fitted(samples[:, 0], WHITENING_ORDER, s.voltage_resolution),
                               Whitener.fitted(samples[:, 1], WHITENING_ORDER, s.temperature_resolution))
            self._set_detectors(dt)
            self._warmup.clear()
            self._resistance_baseline = self._resistance

    def _tracking(self, dt: float) -> float:
        """The fraction of a sample's deviation the voltage residual's mean takes up."""
        tau = self.settings.voltage_tracking_time
        return -math.expm1(-dt / tau) if tau > 0.0 else 0.0

    def _set_detectors(self, dt: float) -> None:
        s = self.settings
        rate = s.false_alarm_rate / 3600.0 / 2.0  # per detector, 1/s
        detectors = []
        for whitener, change in zip(self._whiteners, (s.voltage_change, s.temperature_change)):
            if s.detector == "glr":
                window, minimum = sample_count(s.glr_window, dt), whitener.step_size(change)
                detectors.append(Glr(glr_threshold_for(rate, dt, window, minimum), window, minimum))
            else:
                reference = max(0.5 * whitener.step_size(change), 0.25)
                detectors.append(Cusum(reference, threshold_for(rate, dt, reference)))
        self._detectors = tuple(detectors)
        self._period = dt

    # --- detection and isolation ---------------------------------------------
    def _detect(self, dt, r_v, r_t) -> None:
        if abs(dt - self._period) > 1e-9 * self._period:  # thresholds follow the sample period
            old = [c.get_state() for c in self._detectors]
            self._set_detectors(dt)
            if self.settings.detector == "cusum":  # a GLR's window of samples restarts
                for c, state in zip(self._detectors, old):
                    c.set_state(state)
        d = self.diagnosis
        tracking = (0.0 if any(self._alarms) else self._tracking(dt), 0.0)  # voltage only, until an alarm
        for k, (whitener, detector, r) in enumerate(zip(self._whiteners, self._detectors, (r_v, r_t))):
            sign = detector.push(whitener.push(r, tracking[k]))
            if sign and not self._alarms[k]:
                self._alarms[k] = sign
                self._alarm_times[k] = self.time
                onset = self.time - detector.samples_since_zero * dt
                self._onset = onset if math.isnan(self._onset) else min(self._onset, onset)
                if math.isnan(d.detection_time):
                    d.detection_time = self.time
        d.voltage_statistic = self._detectors[0].statistic
        d.temperature_statistic = self._detectors[1].statistic
        if self._alarms[1] > 0 and not d.runaway:
            d.runaway = self._projected_runaway()

    def _projected_runaway(self) -> bool:
        recent = [(row[0], row[4]) for row in self._history if row[0] >= self.time - SLOPE_WINDOW]
        if len(recent) < 3:
            return False
        t, temperature = np.array(recent).T
        slope = np.polyfit(t - t[-1], temperature, 1)[0]
        s = self.settings
        self_heating = temperature[-1] > self._ambient  # heat comes from the cell, not the room
        return (self_heating and slope > 0.0
                and temperature[-1] + slope * s.runaway_horizon >= s.runaway_temperature)

    def _check_plating(self, dt, current, overpotential) -> None:
        s = self.settings
        if current < 0.0 and overpotential < -s.plating_margin:
            self._plating_time += dt
        if self._plating_time >= s.plating_time:
            self.diagnosis.plating_warning = True

    def _check_relaxation(self, dt, current, voltage, temperature) -> None:
        verdict = self._relaxation.step(dt, current, voltage, temperature)
        if verdict is not None:
            d = self.diagnosis
            d.relaxation_share, d.relaxation_excess = verdict.share, verdict.excess
            d.relaxation_threshold = verdict.threshold
            d.plating |= verdict.plated

    def _fault_code(self) -> FaultCode:
        d = self.diagnosis
        if d.runaway:
            return FaultCode.THERMAL_RUNAWAY
        if self._detectors is None:
            return FaultCode.PLATING if d.plating else FaultCode.WARMING_UP
        if any(self._alarms):
            due = self.time >= self._isolated_at + ISOLATION_PERIOD or self._isolated is FaultCode.ANOMALY
            if due or self._alarms != self._isolated_alarms:
                self._isolated = self._isolate()
                self._isolated_at, self._isolated_alarms = self.time, list(self._alarms)
            plating_explains = d.plating and d.plating_warning and self._isolated in (  # the twin is not
                FaultCode.VOLTAGE_SENSOR, FaultCode.CURRENT_SENSOR, FaultCode.RESISTANCE_GROWTH,  # trusted in
                FaultCode.TEMPERATURE_SENSOR)  # a plating charge: its alarm was the plating
            if self._isolated is not FaultCode.ANOMALY and not plating_explains:
                return self._isolated
        return FaultCode.PLATING if d.plating else (FaultCode.ANOMALY if any(self._alarms)
                                                     else FaultCode.NONE)

    def _isolate(self) -> FaultCode:
        rows = np.array([row for row in self._history if row[0] >= self._onset - PRE_WINDOW])
        since = rows[:, 0] >= self._onset
        if np.count_nonzero(since) < 4:
            return FaultCode.ANOMALY
        t, current, r_v, r_t, _, _, resistance, *estimates = rows[since].T
        s = self.settings
        e = evidence(t, current, r_v, r_t, self._alarms[0], self._alarms[1], False,
                     self._alarm_times[1] < self._alarm_times[0])
        steady = steady_current_evidence(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 4], rows[:, 5],
                                         self._onset, s.heat_capacity, s.thermal_resistance)
        e = replace(e, parameters=parameter_evidence(t, current, r_v, resistance, *estimates),
                    steady=steady, resistance=float(resistance[0]))
        if self._resistance_baseline > 0.0 and estimates[1][-1] == 0.0:  # no factor: the resistance
            e = replace(e, resistance_rise=self._resistance - self._resistance_baseline)
        return isolate(e, Thresholds(s.resistance_change, s.short_heating_rate, s.resistance_factor_change))

    # --- state ------------------------------------------------------------------
    def get_state(self) -> dict:
        """Everything that evolves, as plain numbers and arrays (copies)."""
        d = self.diagnosis
        return {
            "time": self.time, "converged_time": self._converged_time, "period": _known(self._period),
            "alarms": list(self._alarms), "alarm_times": [_known(t) for t in self._alarm_times],
            "onset": _known(self._onset),
            "resistance": self._resistance, "resistance_baseline": self._resistance_baseline,
            "plating_time": self._plating_time, "relaxation": self._relaxation.get_state(),
            "isolated": int(self._isolated), "isolated_at": _known(self._isolated_at),
            "isolated_alarms": list(self._isolated_alarms),
            "diagnosis": {**d.__dict__, "fault_code": int(d.fault_code),
                          "detection_time": _known(d.detection_time)},
            "warmup": np.array(self._warmup, dtype=float).reshape(-1, 2),
            "history": np.array(self._history, dtype=float).reshape(-1, HISTORY_COLUMNS),
            "whiteners": None if self._whiteners is None else [
                {"coefficients": w.coefficients.copy(), "std": w.std, "mean": w.mean, **w.get_state()}
                for w in self._whiteners],
            "detectors": None if self._detectors is None else [
                {"threshold": c.threshold, "size": c.reference if isinstance(c, Cusum) else c.window,
                 "minimum": 0.0 if isinstance(c, Cusum) else c.minimum, **c.get_state()}
                for c in self._detectors],
        }

    def set_state(self, state: dict) -> None:
        self.time, self._converged_time = float(state["time"]), float(state["converged_time"])
        self._period, self._onset = _unknown(state["period"], math.nan), _unknown(state["onset"], math.nan)
        self._alarms = [int(a) for a in state["alarms"]]
        self._alarm_times = [_unknown(t, math.inf) for t in state["alarm_times"]]
        self._resistance = float(state["resistance"])
        self._resistance_baseline = float(state["resistance_baseline"])
        self._plating_time = float(state["plating_time"])
        self._relaxation.set_state(state["relaxation"])
        self._isolated = FaultCode(state["isolated"])
        self._isolated_at = _unknown(state["isolated_at"], -math.inf)
        self._isolated_alarms = [int(a) for a in state["isolated_alarms"]]
        d = state["diagnosis"]
        self.diagnosis = Diagnosis(**{**d, "fault_code": FaultCode(d["fault_code"]),
                                      "detection_time": _unknown(d["detection_time"], math.nan)})
        self._warmup = [tuple(row) for row in np.asarray(state["warmup"])]
        self._history = deque((tuple(row) for row in np.asarray(state["history"])), maxlen=HISTORY)
        self._whiteners = self._detectors = None
        if state["whiteners"] is not None:
            self._whiteners = tuple(self._whitener(w) for w in state["whiteners"])
        if state["detectors"] is not None:
            self._detectors = tuple(self._detector(c) for c in state["detectors"])

    @staticmethod
    def _whitener(state: dict) -> Whitener:
        whitener = Whitener(state["coefficients"], state["std"], state["mean"])
        whitener.set_state(state)
        return whitener

    def _detector(self, state: dict) -> Cusum | Glr:
        """The detector saved in ``state``: "size" is a CUSUM's reference or a GLR's window."""
        if self.settings.detector == "glr":
            detector = Glr(state["threshold"], int(state["size"]), float(state.get("minimum", 0.0)))
        else:
            detector = Cusum(state["size"], state["threshold"])
        detector.set_state(state)
        return detector


def _known(value: float) -> float | None:
    """A number for a saved state: None stands for "not yet" (nan, +-inf)."""
    return float(value) if math.isfinite(value) else None


def _unknown(value, default: float) -> float:
    return default if value is None else float(value)
