"""The twin's state estimator for a pack of identical cells: what the battery
management system measures in (pack current and voltage, surface and
ambient temperature), state of charge, core temperature, capacity and
resistance out, each with its standard deviation.

It runs the joint EKF of ``filter`` on the cell model of ``twin_model``:
fast states (soc, core and surface temperature) and slow ones (capacity,
resistance factor) in one covariance, so their correlations are honest. The
slow states can be frozen at their initial values (``estimate_parameters``
False: zero variance, no process noise), the baseline without dual
estimation.

One ``step(dt, ...)`` takes the measurements at time t: the voltage and the
surface temperature are first *predicted* from the estimate that reached t
(before they are seen), then used to update it, then the estimate is carried
to t + dt with the measured current held. So ``predicted_voltage`` minus the
measured voltage is the filter's innovation at t; ``predict(current)`` gives
the same prediction for any current without a step.

Noise model (variances per step; cell quantities, pack values divided by
n_series or n_parallel):
* r_V = (voltage_noise / n_series)^2 + voltage_model_error^2, the second for
  what the reduced model misses (4 mV RMS against the full SPMe, tests);
* r_T = temperature_noise^2 + temperature_model_error^2;
* soc: (current_noise dt / 3600 Q)^2 + current_bias_std^2 dt^2/3600^2/Q^2,
  the second for an unknown current-sensor offset;
* temperatures: heat_model_error [W] through the thermal input matrix;
* capacity and theta: random walks whose standard deviations grow by
  ``capacity_drift`` [A.h] and ``resistance_drift`` [1] in one hour.
The defaults are the sensors of a typical BMS (5 mV, 50 mA, 0.1 K) and were
set once from the nominal cell, not tuned on the scenario's aged plant.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from .. import checks
from ..battery import BatteryParameters
from ..thermal import ThermalParameters
from .filter import KalmanFilter
from .twin_model import CAPACITY, CORE, N_STATES, SOC, SURFACE, THETA, TwinModel

_SURFACE_ROW = np.eye(N_STATES)[SURFACE]
_THETA_RANGE = (0.2, 5.0)
_SOC_RANGE = (-0.2, 1.2)


@dataclass(frozen=True)
class EstimatorSettings:
    initial_soc: float = 0.5  # 1, the twin's belief (may be wrong)
    initial_soc_std: float = 0.2  # 1
    initial_capacity: float = 0.0  # A.h per cell; 0: the nominal cell's
    initial_capacity_std: float = 0.5  # A.h per cell, about 10 % of nominal
    initial_resistance_factor: float = 1.0  # 1, theta
    initial_resistance_factor_std: float = 0.3  # 1
    initial_temperature_std: float = 1.0  # K, core and surface about the first reading
    estimate_parameters: bool = True  # False: capacity and resistance frozen
    n_series: int = 1
    n_parallel: int = 1
    n_cells: float = 0.0  # cells the pack heat is shared by; 0: n_series * n_parallel
    voltage_noise: float = 0.005  # V, pack voltage sensor, standard deviation
    current_noise: float = 0.05  # A, pack current sensor
    temperature_noise: float = 0.1  # K, surface temperature sensor
    current_bias_std: float = 0.02  # A, pack current-sensor offset, unknown
    voltage_model_error: float = 0.004  # V per cell
    temperature_model_error: float = 0.05  # K
    heat_model_error: float = 0.05  # W per cell
    capacity_drift: float = 1.2e-3  # A.h per cell, random-walk std over one hour
    resistance_drift: float = 0.012  # 1, random-walk std of theta over one hour

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool):
                continue
            checks.non_negative(field.name, value)
        for name in ("n_series", "n_parallel"):
            if int(getattr(self, name)) != getattr(self, name) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {getattr(self, name)!r}")
        checks.fraction("initial_soc", self.initial_soc)
        for name in ("initial_soc_std", "initial_resistance_factor", "initial_temperature_std"):
            checks.positive(name, getattr(self, name))


class Estimate(NamedTuple):
    """Pack estimates at the present time, each with its standard deviation."""

    soc: float  # 1
    soc_std: float
    core_temperature: float  # K
    core_temperature_std: float
    surface_temperature: float  # K
    capacity: float  # A.h, pack
    capacity_std: float
    resistance: float  # Ohm, pack, ohmic + charge transfer
    resistance_std: float
    soc_core_temperature_correlation: float  # 1


class StateEstimator:
    """See the module docstring."""

    def __init__(self, settings: EstimatorSettings | None = None, cell: BatteryParameters | None = None,
                 thermal: ThermalParameters | None = None, model: TwinModel | None = None):
        self.settings = s = settings if settings is not None else EstimatorSettings()
        self.model = model if model is not None else TwinModel(cell, thermal)
        self._cells = s.n_series * s.n_parallel
        self._heat_share = self._cells / s.n_cells if s.n_cells > 0.0 else 1.0
        capacity = s.initial_capacity or self.model.nominal_capacity
        low, high = self.model.capacity_range
        if not low <= capacity <= high:
            raise ValueError(f"initial_capacity {capacity!r} A.h is outside what the twin can "
                             f"represent, [{low:.3f}, {high:.3f}] A.h per cell")
        frozen = 0.0 if s.estimate_parameters else 1.0
        variances = [s.initial_soc_std**2, s.initial_temperature_std**2, s.initial_temperature_std**2,
                     (1.0 - frozen) * s.initial_capacity_std**2,
                     (1.0 - frozen) * s.initial_resistance_factor_std**2]
        x = np.array([s.initial_soc, math.nan, math.nan, capacity, s.initial_resistance_factor])
        self.filter = KalmanFilter(x, np.diag(variances))
        self.time = 0.0
        self.voltage_residual = 0.0  # V, pack, innovation of the last step
        self.temperature_residual = 0.0  # K
        self._f = np.zeros((N_STATES, N_STATES))
        self._h = np.zeros(N_STATES)
        self._noise = np.zeros((N_STATES, N_STATES))
        r_v = (s.voltage_noise / s.n_series) ** 2 + s.voltage_model_error**2
        self._r_voltage = r_v
        self._r_temperature = s.temperature_noise**2 + s.temperature_model_error**2

    # ----------------------------------------------------------------- outputs
    def estimate(self) -> Estimate:
        s, x, p = self.settings, self.filter.x, self.filter.P
        resistance = self.model.resistance(x) * s.n_series / s.n_parallel
        soc_std, core_std = math.sqrt(p[SOC, SOC]), math.sqrt(p[CORE, CORE])
        return Estimate(
            float(x[SOC]), soc_std, float(x[CORE]), core_std, float(x[SURFACE]),
            float(x[CAPACITY]) * s.n_parallel, math.sqrt(p[CAPACITY, CAPACITY]) * s.n_parallel,
            resistance, resistance * math.sqrt(p[THETA, THETA]) / float(x[THETA]),
            float(p[SOC, CORE] / (soc_std * core_std)) if soc_std * core_std > 0.0 else 0.0)

    def predict(self, measured_current: float) -> tuple[float, float]:
        """Pack voltage [V] and surface temperature [K] expected now at this pack
        current, from the estimate before this time's measurements."""
        s = self.settings
        x = self.filter.x
        if math.isnan(x[SURFACE]):
            return math.nan, math.nan
        return self.model.voltage(x, measured_current / s.n_parallel) * s.n_series, float(x[SURFACE])

    def seed_temperature(self, surface_temperature: float) -> None:
        """Before the first step: core and surface start at this reading."""
        if self.time == 0.0:
            self.filter.x[CORE] = self.filter.x[SURFACE] = checks.positive(
                "measured_surface_temperature", surface_temperature)

    # ----------------------------------------------------------------- the step
    def step(self, dt: float, measured_current: float, measured_voltage: float,
             measured_surface_temperature: float, ambient_temperature: float) -> Estimate:
        """Update with the measurements at the present time, then carry the
        estimate dt [s] ahead with the current held."""
        checks.step_size(dt)
        for name, value in (("measured_current", measured_current), ("measured_voltage", measured_voltage)):
            checks.finite(name, value)
        for name, value in (("measured_surface_temperature", measured_surface_temperature),
                            ("ambient_temperature", ambient_temperature)):
            checks.positive(name, value)
        s, kf, model = self.settings, self.filter, self.model
        current = measured_current / s.n_parallel
        voltage = measured_voltage / s.n_series
        if self.time == 0.0:  # the first reading places both temperatures
            self.seed_temperature(measured_surface_temperature)
        predicted = model.voltage(kf.x, current, self._h)
        self.voltage_residual = (voltage - predicted) * s.n_series
        kf.update(voltage - predicted, self._h, self._r_voltage, "voltage")
        self.temperature_residual = measured_surface_temperature - kf.x[SURFACE]
        kf.update(self.temperature_residual, _SURFACE_ROW, self._r_temperature, "surface temperature")
        self._bound()
        x_new = model.predict(kf.x, current, ambient_temperature, voltage, dt, self._f)
        kf.predict(x_new, self._f, self._process_noise(dt, current))
        model.advance_diffusion(current, dt)
        self._bound()
        self.time += dt
        return self.estimate()

    def _process_noise(self, dt: float, current: float) -> np.ndarray:
        s, q = self.settings, self._noise
        capacity = self.filter.x[CAPACITY]
        per_charge = dt / (3600.0 * capacity * s.n_parallel)
        q[:] = 0.0
        q[SOC, SOC] = per_charge**2 * (s.current_noise**2 + s.current_bias_std**2)
        gamma = self.model._propagator(dt)[2]
        q[CORE:SURFACE + 1, CORE:SURFACE + 1] = np.outer(gamma, gamma) * (s.heat_model_error * self._heat_share)**2
        if s.estimate_parameters:
            q[CAPACITY, CAPACITY] = s.capacity_drift**2 * dt / 3600.0
            q[THETA, THETA] = s.resistance_drift**2 * dt / 3600.0
        return q

    def _bound(self) -> None:
        """Keep the estimate where the model is defined (a clamp, counted as an event)."""
        x = self.filter.x
        low, high = self.model.capacity_range
        for index, (lo, hi) in ((SOC, _SOC_RANGE), (CAPACITY, (low, high)), (THETA, _THETA_RANGE)):
            if not lo <= x[index] <= hi:
                x[index] = min(max(x[index], lo), hi)
                self.filter._log(f"state {index} clamped to [{lo:g}, {hi:g}]")

    # ----------------------------------------------------------------- state
    def get_state(self) -> dict:
        return {"x": self.filter.x.copy(), "P": self.filter.P.copy(), "time": self.time,
                "diffusion": [z.copy() for z in self.model.diffusion],
                "outliers": self.filter.outliers, "repairs": self.filter.repairs,
                "voltage_residual": self.voltage_residual, "temperature_residual": self.temperature_residual}

    def set_state(self, state: dict) -> None:
        self.filter.x = np.array(state["x"], dtype=float)
        self.filter.P = np.array(state["P"], dtype=float)
        self.time = float(state["time"])
        self.model.diffusion = [np.array(z, dtype=float) for z in state["diffusion"]]
        self.filter.outliers, self.filter.repairs = int(state["outliers"]), int(state["repairs"])
        self.voltage_residual = float(state["voltage_residual"])
        self.temperature_residual = float(state["temperature_residual"])
