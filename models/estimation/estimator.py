"""The twin's state estimator for a pack of identical cells: what the battery
management system measures in (pack current and voltage, surface and
ambient temperature), state of charge, core temperature, capacity and
resistance out, each with its standard deviation.

It runs the joint EKF of ``filter`` on the cell model of ``twin_model``:
fast states (soc, core and surface temperature), slow ones (capacity,
resistance factor) and two nuisance states in one covariance, so their
correlations are honest: a voltage bias, what the reduced model misses over
minutes (first-order Gauss-Markov, ``voltage_bias_std`` and
``voltage_bias_time``), and the current sensor's offset (constant, initial
spread ``current_bias_std``), which Coulomb counting would integrate into a
drift. An innovation far outside its predicted spread is relinearised
(iterated EKF, see ``filter``). The slow states can be frozen at their initial values (``estimate_parameters``
False: zero variance, no process noise), the baseline without dual
estimation.

Where the voltage is linearised. The EKF evaluates the Jacobian H at the
estimate, and the estimate's SOC error delta is correlated with the
innovation it is updated with (nu = v - H delta). The capacity's gain depends
on the SOC through the OCV curve (its window term dV/dQ runs from -0.04 to
-0.004 V/A.h between SOC 0.75 and 0.9), so K(x + delta) nu has a mean,
-dK/dsoc E[delta^2] H_soc, at every update: a pull on capacity that grows
with the number of updates and the SOC jitter, not with information (the
parameter bias of the EKF as a joint estimator, Ljung, IEEE TAC 24 (1979)
36). On shallow fleet days with 5 mV voltage noise it pulls capacity down by
0.09 A.h a day, replayed without the noise by 0.002. With
``linearisation_time`` tau > 0 the Jacobian (not the prediction) is taken at a
reference SOC that follows Coulomb counting and relaxes toward the estimate
with time constant tau, so the point of linearisation no longer carries the
last minutes' noise (the linearised Kalman filter about a reference
trajectory, Gelb, Applied Optimal Estimation (1974) section 6.1, with the
reference kept near the estimate): the pull falls to 0.007 A.h a day. The
cost is a Jacobian up to tau late after a large correction, so the default
(0: at the estimate) suits a twin that starts far from the truth (on the
twin_observer case, 20 % SOC and 10 % capacity off, tau = 600 s took 9200 s
instead of 531 s to converge, in an experiment) and tau of minutes a twin
that starts near it and runs for days (the fleet).

Where the capacity is linearised. Capacity moves the OCV's stoichiometry
window, and near SOC 0.7-0.8 (a graphite stage edge) that term changes sign
within the capacity's initial spread: at the nominal capacity it is -40
mV/A.h, at a cell with 10 % fade +27. Evaluated at the estimate, as a
derivative, it told the filter that a twin started at the nominal capacity
knew it to 1 % after half an hour of driving while it was still 7 % off
(twin_observer with the SOC known: capacity +2.4 % after 6 h, NEES fraction
0.81, benchmarks/estimator_accuracy.py case soc_known). With ``wide_prior``
(twin_observer) the capacity
column of the voltage's gradient is the divided difference over +-sqrt(3)
standard deviations of the capacity (within the range the twin can
represent), with the kinetics' dependence on the window that the analytic
Jacobian drops, and the second difference D adds D^2 / 18 to the voltage's
variance (the DD2 filter of Norgaard, Poulsen and Ravn, Automatica 36 (2000)
1627, in this one direction; a derivative again once the capacity is known
to a few per cent). Three evaluations of the window's part of the voltage
per update (about 15 us of CPU); tests/models/test_estimation_linearisation.py.
A twin whose SOC was 20 % off had the same fault hidden: its first, badly
linearised reading left SOC 5 % low with a 1 % standard deviation, the next
readings took that error for capacity and pulled it 6 % low, near the faded
cell's by chance, and SOC then crept back at the pace of ``soc_drift`` for
ten minutes (631 s to converge on WLTC); ``wide_prior`` also relinearises an
update that would move the estimate far outside the posterior's spread
(``filter.update_iterated``'s ``far_moves``). Why an option, off by default:
the kinetics make the capacity column go with the measured current, so the
current's noise pulls capacity as it pulls the resistance factor (below):
on the shallow fleet day of tests/models, linearised at the reference SOC
and uncompensated, capacity ends 0.025 A.h low (0.003 without the option);
with ``compensate_current_noise``, as the fleet's twins run, 0.000 (0.004 low).
A twin that starts near the truth (the fleet's, the diagnostics') gains
nothing from it.

The current is an input read with noise, so the same kind of pull comes
from it: the voltage is predicted at the measured current, and the update
regresses on a noisy regressor, which pulls the resistance factor toward
zero (by 0.02 in a shallow fleet day with 50 mA noise).
``compensate_current_noise`` adds the noise to the voltage's variance and
subtracts its mean pull, known from ``current_noise`` (``_current_noise_bias``);
off by default, it compensates noise the sensor really has, so a twin told
of more noise than there is is pushed the other way.

One ``step(dt, ...)`` takes the measurements at time t: the voltage and the
surface temperature are first *predicted* from the estimate that reached t
(before they are seen), then used to update it, then the estimate is carried
to t + dt with the measured current held.

Which current a reading is. The step above holds the current read at t over
the coming dt (a sample-and-hold of the current). A cycler or a BMS that
integrates its current sensor between samples gives instead the mean over
the step that *ends* at the readings, the current that made the voltage read
with it. With ``step_mean_current`` the estimate is first carried over dt
with that current, then updated: the model's diffusion then holds the same
history as the cell's. Held the other way, the diffusion lags one step, its
polarisation is missing after every rise of the current, and the filter
makes it up with resistance: on fleet days (5 s steps, a Cycler's drive) the
resistance factor rose ~8 % in the first minutes of every drive and, too
high through the drive, pulled capacity up with its depth (+0.10 A.h after a
97 km HWFET day; +0.016 A.h with ``step_mean_current``, replayed in
benchmarks/fleet_twin_error.py). So ``predicted_voltage`` minus the
measured voltage is the filter's innovation at t; ``predict(current)`` gives
the same prediction for any current without a step.

Noise model (variances per step; cell quantities, pack values divided by
n_series or n_parallel):
* r_V = (voltage_noise / n_series)^2 + (voltage_model_error +
  resistance_model_error |I|)^2, the second for what the reduced model misses
  (against an aged SPMe on drive cycles: 0.7 mV RMS at rest, about 1 mV more
  per ampere: benchmarks/estimator_accuracy.py);
* r_T = temperature_noise^2 + temperature_model_error^2;
* soc: (current_noise dt / 3600 Q)^2 + soc_drift^2 dt / 3600: a random walk
  for the model error that white measurement noise does not describe (it
  is correlated over minutes); without it the SOC spread falls to a third of
  the actual error after the first drive;
* temperatures: heat_model_error [W] through the thermal input matrix;
* capacity and theta: random walks whose standard deviations grow by
  ``capacity_drift`` [A.h] and ``resistance_drift`` [1] in one hour.
The sensor defaults are those of a typical BMS (5 mV, 50 mA, 0.1 K). The
model-error terms were tuned on the default twin_observer case (WLTC, 25 degC,
10 % fade, 30 % growth) at the level of the models; the other cases (10 degC,
UDDS, HWFET, NEDC) were not used for tuning.
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

BIAS = N_STATES  # the voltage the cell model misses [V per cell], slowly varying
OFFSET = N_STATES + 1  # the current sensor's offset [A per cell]: measured = true + offset
_SIZE = N_STATES + 2
_SURFACE_ROW = np.eye(_SIZE)[SURFACE]
_STATE_NAMES = ("soc", "core temperature", "surface temperature", "capacity", "resistance factor",
                "voltage bias", "current offset")
# the capacity's divided differences span +-sqrt(3) of its standard deviations, the DD2
# filter's step for a Gaussian prior (its kurtosis, 3); their second difference D adds
# (h^2 - 1) / (4 h^4) D^2 = D^2 / 18 to the voltage's variance (Norgaard et al. 2000)
_CAPACITY_SPAN = math.sqrt(3.0)
_SECOND_DIFFERENCE_WEIGHT = 1.0 / 18.0
_THETA_RANGE = (0.2, 5.0)
_SOC_RANGE = (-0.2, 1.2)


@dataclass(frozen=True)
class EstimatorSettings:
    initial_soc: float = 0.5  # 1, the twin's belief (may be wrong)
    initial_soc_std: float = 0.25  # 1
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
    voltage_model_error: float = 0.001  # V per cell, at rest
    resistance_model_error: float = 0.001  # Ohm per cell: model error growing with |current|
    temperature_model_error: float = 0.05  # K
    heat_model_error: float = 0.2  # W per cell
    soc_drift: float = 0.03  # 1, random-walk std of soc over one hour, for model error
    voltage_bias_std: float = 0.003  # V per cell: stationary std of the slowly varying model error
    voltage_bias_time: float = 600.0  # s: its correlation time
    capacity_drift: float = 1.2e-3  # A.h per cell, random-walk std over one hour
    resistance_drift: float = 0.012  # 1, random-walk std of theta over one hour
    linearisation_time: float = 0.0  # s: 0 linearises the voltage at the estimate; > 0 see the module docstring
    compensate_current_noise: bool = False  # remove the current noise's pull on the update (``_current_noise_bias``)
    step_mean_current: bool = False  # the current read is the mean over the dt that ends at the readings (docstring)
    wide_prior: bool = False  # beliefs far from the truth: relinearise far moves, capacity's divided differences (docstring)
    # capacity as loading: the OCV window that of a cell that lost ``lost_lithium`` A.h per cell (an aging law's), not
    # moved by capacity (``TwinModel.fix_window``); False: all capacity the twin does not find is lost lithium
    capacity_as_loading: bool = False
    lost_lithium: float = 0.0  # A.h per cell

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
        for name in ("initial_soc_std", "initial_resistance_factor", "initial_temperature_std", "voltage_bias_time"):
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
    resistance_factor: float  # 1, theta: resistances over the nominal cell's
    resistance_factor_std: float


class StateEstimator:
    """See the module docstring."""

    def __init__(self, settings: EstimatorSettings | None = None, cell: BatteryParameters | None = None,
                 thermal: ThermalParameters | None = None, model: TwinModel | None = None):
        self.settings = s = settings if settings is not None else EstimatorSettings()
        self.model = model if model is not None else TwinModel(cell, thermal)
        if s.capacity_as_loading:
            self.model.fix_window(s.lost_lithium)
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
                     (1.0 - frozen) * s.initial_resistance_factor_std**2, s.voltage_bias_std**2,
                     (s.current_bias_std / s.n_parallel)**2]
        x = np.array([s.initial_soc, math.nan, math.nan, capacity, s.initial_resistance_factor, 0.0, 0.0])
        self.filter = KalmanFilter(x, np.diag(variances))
        self.time = 0.0
        self._capacity_step = 0.0  # A.h: half the span of the capacity's divided differences in this update
        self._capacity_second_difference = 0.0  # V, at the last voltage evaluation
        self.reference_soc = math.nan  # where the voltage is linearised (linearisation_time > 0)
        self.voltage_residual = 0.0  # V, pack, innovation of the last step
        self.temperature_residual = 0.0  # K
        self._f = np.zeros((_SIZE, _SIZE))
        self._h = np.zeros(_SIZE)
        self._h[BIAS] = 1.0
        self._noise = np.zeros((_SIZE, _SIZE))
        self._r_sensor = (s.voltage_noise / s.n_series) ** 2
        self._r_temperature = s.temperature_noise**2 + s.temperature_model_error**2
        self._bounds = ((SOC, _SOC_RANGE), (CAPACITY, self.model.capacity_range), (THETA, _THETA_RANGE))
        self.filter.bounds = self._bounds  # the filter projects an update that leaves them (filter)

    # ----------------------------------------------------------------- outputs
    def estimate(self) -> Estimate:
        s, x, p = self.settings, self.filter.x, self.filter.P
        resistance = self.model.resistance(x) * s.n_series / s.n_parallel
        soc_std, core_std = math.sqrt(p[SOC, SOC]), math.sqrt(p[CORE, CORE])
        return Estimate(
            float(x[SOC]), soc_std, float(x[CORE]), core_std, float(x[SURFACE]),
            float(x[CAPACITY]) * s.n_parallel, math.sqrt(p[CAPACITY, CAPACITY]) * s.n_parallel,
            resistance, resistance * math.sqrt(p[THETA, THETA]) / float(x[THETA]),
            float(p[SOC, CORE] / (soc_std * core_std)) if soc_std * core_std > 0.0 else 0.0,
            float(x[THETA]), math.sqrt(p[THETA, THETA]))

    def current_offset(self) -> tuple[float, float]:
        """The pack current sensor's offset estimate [A] (measured = true +
        offset; a nuisance state ``estimate`` does not list) and its standard
        deviation [A]: a change of it is a symptom of a current-sensor fault
        (``btwin.models.diagnosis.isolation``)."""
        n_parallel, x, p = self.settings.n_parallel, self.filter.x, self.filter.P
        return float(x[OFFSET]) * n_parallel, math.sqrt(max(float(p[OFFSET, OFFSET]), 0.0)) * n_parallel

    def predict(self, measured_current: float) -> tuple[float, float]:
        """Pack voltage [V] and surface temperature [K] expected now at this pack
        current, from the estimate before this time's measurements."""
        s = self.settings
        x = self.filter.x
        if math.isnan(x[SURFACE]):
            return math.nan, math.nan
        voltage = self.model.voltage(x, measured_current / s.n_parallel - x[OFFSET]) + x[BIAS]
        return voltage * s.n_series, float(x[SURFACE])

    def seed_temperature(self, surface_temperature: float) -> None:
        """Before the first step: core and surface start at this reading."""
        if self.time == 0.0:
            self.filter.x[CORE] = self.filter.x[SURFACE] = checks.positive(
                "measured_surface_temperature", surface_temperature)

    # ----------------------------------------------------------------- the step
    def step(self, dt: float, measured_current: float, measured_voltage: float,
             measured_surface_temperature: float, ambient_temperature: float) -> Estimate:
        """Update with the measurements at the present time, then carry the
        estimate dt [s] ahead with the current held (``step_mean_current``:
        first carry it over the dt the current flowed, then update); returns
        ``estimate()``."""
        checks.step_size(dt)
        for name, value in (("measured_current", measured_current), ("measured_voltage", measured_voltage)):
            checks.finite(name, value)
        for name, value in (("measured_surface_temperature", measured_surface_temperature),
                            ("ambient_temperature", ambient_temperature)):
            checks.positive(name, value)
        s, kf, model = self.settings, self.filter, self.model
        current = measured_current / s.n_parallel - kf.x[OFFSET]
        voltage = measured_voltage / s.n_series
        if self.time == 0.0:  # the first reading places both temperatures
            self.seed_temperature(measured_surface_temperature)
        if s.step_mean_current:  # the readings close the step the current flowed over: carry the estimate across it first
            self._carry(dt, current, voltage, ambient_temperature)
        model_error = s.voltage_model_error + s.resistance_model_error * abs(current)
        noise = self._r_sensor + model_error * model_error
        self._capacity_step = _CAPACITY_SPAN * math.sqrt(kf.P[CAPACITY, CAPACITY]) if s.wide_prior else 0.0
        compensation = self._current_noise_bias(measured_current) if s.compensate_current_noise else None
        if compensation is not None:
            noise += compensation[1]
        at_prior = compensation[3] if compensation is not None else self._measure_voltage(kf.x, measured_current)
        noise += _SECOND_DIFFERENCE_WEIGHT * self._capacity_second_difference ** 2
        innovation = kf.update_iterated(lambda x: self._measure_voltage(x, measured_current), voltage, noise,
                                        "voltage", bound=self._clamp, at_prior=at_prior, far_moves=s.wide_prior)
        if compensation is not None:
            kf.x += compensation[0] / (compensation[2] + noise)
        self.voltage_residual = innovation * s.n_series
        self.temperature_residual = measured_surface_temperature - kf.x[SURFACE]
        kf.update(self.temperature_residual, _SURFACE_ROW, self._r_temperature, "surface temperature")
        self._bound()
        if not s.step_mean_current:
            self._carry(dt, current, voltage, ambient_temperature)
        self.time += dt
        return self.estimate()

    def _carry(self, dt: float, current: float, voltage: float, ambient_temperature: float) -> None:
        """The estimate dt [s] on, with this cell current held over dt."""
        s, kf = self.settings, self.filter
        self._advance_reference(current, dt)
        x_new = self.model.predict(kf.x, current, ambient_temperature, voltage, dt, self._f)
        self._f[BIAS, BIAS] = decay = math.exp(-dt / s.voltage_bias_time)
        self._f[OFFSET, OFFSET] = 1.0
        self._f[SOC, OFFSET] = dt / (3600.0 * kf.x[CAPACITY])
        x_new[BIAS] *= decay
        kf.predict(x_new, self._f, self._process_noise(dt, current))
        self.model.advance_diffusion(current, dt)
        self._bound()

    def _measure_voltage(self, x: np.ndarray, measured_current: float):
        """Cell voltage in state x for this pack current reading, and its
        gradient (at the reference SOC, if there is one), in capacity the
        divided difference over the capacity's spread (module docstring)."""
        current = measured_current / self.settings.n_parallel - x[OFFSET]
        if math.isnan(self.reference_soc):
            value = self.model.voltage(x, current, self._h) + x[BIAS]
            at = x
        else:
            value = self.model.voltage(x, current) + x[BIAS]
            at = x.copy()
            at[SOC] = self.reference_soc
            self.model.voltage(at, current, self._h)
        if self._capacity_step > 0.0:
            self._h[CAPACITY], self._capacity_second_difference = self.model.capacity_differences(
                at, current, self._capacity_step, self.model.window_voltage)
        else:  # capacity frozen (or known exactly): the derivative does
            self._capacity_second_difference = 0.0
        return value, self._h

    def _current_noise_bias(self, measured_current: float):
        """Errors in variables: the voltage is predicted at the *measured*
        current, so its noise e (variance sigma^2) is in the innovation,
        nu = -h_I e + n, and in the Jacobian, H + H_I e. The update's mean
        is then P E[H^T nu] / S = -P H_I h_I sigma^2 / S, which pulls the
        resistance factor toward zero (the attenuation bias of regression on a
        noisy regressor; Soderstrom, Automatica 43 (2007) 939). Returns the
        numerator of its compensation, P H_I h_I sigma^2, the variance the
        noise adds to the voltage, (h_I sigma)^2, H P H^T (all before the
        update) and the voltage and its gradient at the estimate (the update's
        first evaluation), or None at zero current noise."""
        s, x = self.settings, self.filter.x
        sigma = s.current_noise / s.n_parallel
        if sigma == 0.0:
            return None
        delta = max(sigma, 1e-3)
        v_high, high = self._measure_voltage(x, measured_current + delta * s.n_parallel)[0], self._h.copy()
        v_low, low = self._measure_voltage(x, measured_current - delta * s.n_parallel)[0], self._h.copy()
        value, h = self._measure_voltage(x, measured_current)
        h_i = (v_high - v_low) / (2.0 * delta)
        p = self.filter.P
        return (p @ ((high - low) / (2.0 * delta)) * h_i * sigma**2, (h_i * sigma) ** 2, float(h @ p @ h),
                (value, h))

    def _advance_reference(self, current: float, dt: float) -> None:
        """The reference SOC after the update: relaxed toward the estimate over
        ``linearisation_time``, then carried over dt by Coulomb counting."""
        tau = self.settings.linearisation_time
        if tau <= 0.0:
            return
        soc = self.filter.x[SOC]
        reference = soc if math.isnan(self.reference_soc) else \
            self.reference_soc + (soc - self.reference_soc) * -math.expm1(-dt / tau)
        self.reference_soc = reference - current * dt / (3600.0 * self.filter.x[CAPACITY])

    def _process_noise(self, dt: float, current: float) -> np.ndarray:
        s, q = self.settings, self._noise
        capacity = self.filter.x[CAPACITY]
        per_charge = dt / (3600.0 * capacity * s.n_parallel)
        q[:] = 0.0
        q[SOC, SOC] = (per_charge * s.current_noise)**2 + s.soc_drift**2 * dt / 3600.0
        gamma = self.model.heat_input(dt)
        q[CORE:SURFACE + 1, CORE:SURFACE + 1] = np.outer(gamma, gamma) * (s.heat_model_error * self._heat_share)**2
        q[BIAS, BIAS] = s.voltage_bias_std**2 * -math.expm1(-2.0 * dt / s.voltage_bias_time)
        if s.estimate_parameters:
            q[CAPACITY, CAPACITY] = s.capacity_drift**2 * dt / 3600.0
            q[THETA, THETA] = s.resistance_drift**2 * dt / 3600.0
        return q

    def _clamp(self, x: np.ndarray) -> None:
        for index, (lo, hi) in self._bounds:
            x[index] = min(max(x[index], lo), hi)

    def _bound(self) -> None:
        """Keep the estimate where the model is defined (a clamp, logged as an event)."""
        x = self.filter.x
        for index, (lo, hi) in self._bounds:
            value = x[index]
            if not lo <= value <= hi:
                x[index] = min(max(value, lo), hi)
                self.filter._log(f"{_STATE_NAMES[index]} estimate {value:.4g} clamped to [{lo:g}, {hi:g}]")

    # ----------------------------------------------------------------- state
    def get_state(self) -> dict:
        return {"x": self.filter.x.copy(), "P": self.filter.P.copy(), "time": self.time,
                "diffusion": self.model.diffusion.copy(),
                "outliers": self.filter.outliers, "repairs": self.filter.repairs,
                "reference_soc": None if math.isnan(self.reference_soc) else self.reference_soc,
                "rejected_in_a_row": dict(self.filter.rejected_in_a_row),
                "voltage_residual": self.voltage_residual, "temperature_residual": self.temperature_residual}

    def set_state(self, state: dict) -> None:
        self.filter.x = np.array(state["x"], dtype=float)
        self.filter.P = np.array(state["P"], dtype=float)
        self.time = float(state["time"])
        reference = state.get("reference_soc")
        self.reference_soc = math.nan if reference is None else float(reference)
        diffusion = np.array(state["diffusion"], dtype=float)
        if diffusion.shape != self.model.diffusion.shape or not np.all(np.isfinite(diffusion)):
            raise ValueError(f"state diffusion must be {self.model.diffusion.size} finite numbers")
        self.model.diffusion = diffusion
        self.filter.outliers, self.filter.repairs = int(state["outliers"]), int(state["repairs"])
        self.filter.rejected_in_a_row = {k: int(v) for k, v in state["rejected_in_a_row"].items()}
        self.voltage_residual = float(state["voltage_residual"])
        self.temperature_residual = float(state["temperature_residual"])
