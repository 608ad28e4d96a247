"""One run of the diagnostics campaign: plant, sensors, twin and diagnoser, per second.

The plant is one LG M50 cell (SPMe) with its two-node thermal model and the
abuse reactions switched on (dormant unless it gets hot); faults are injected
in it or in its sensors. The twin is the nominal cell and thermal model driven
open loop by the *measured* current and ambient temperature: its predictions
are what the cell should do if nothing were wrong. Assumption: the twin shares
the plant's parameters and initial state, so fault-free residuals are sensor
noise; plant-twin model mismatch is not part of this campaign.

Sensor noise (one standard deviation, assumptions in the range of automotive
BMS front ends): voltage 2 mV, current 20 mA, temperature 0.1 K.
Electrochemistry above the cell model's validity (60 degC) is evaluated at
60 degC (assumption; above it the abuse reactions' heat dominates).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from btwin.models.abuse import AbuseReactions
from btwin.models.battery import BatteryParameters, SPMeBattery
from btwin.models.battery.short import ShortedBattery
from btwin.models.diagnosis import Diagnoser, DiagnoserSettings, FaultCode, TwinEstimates
from btwin.models.errors import StepRejected
from btwin.models.estimation.estimator import EstimatorSettings, StateEstimator
from btwin.models.thermal import SURFACE_TO_AMBIENT_RESISTANCE, CellThermal, ThermalParameters

CAPACITY_AH = 5.0  # LG M50 nominal capacity [LG M50 data sheet]
MAX_VOLTAGE = 4.2  # V, charge cut-off [LG M50 data sheet]
NOISE = {"voltage": 2e-3, "current": 0.02, "temperature": 0.1}  # V, A, K (assumptions, see docstring)
RUNAWAY_CORE = 393.15  # K, 120 degC: the core temperature the warning must precede
_CELL_T_MIN, _CELL_T_MAX = 253.15, 333.15  # K, the cell model's validity range [M50 spec]


@dataclass(frozen=True)
class Fault:
    """What is injected: ``kind`` is a campaign class or "none"."""

    kind: str
    time: float = math.inf  # s
    size: float = 0.0  # V, A, K, Ohm, 1 (resistance growth), C-rate (plating) or W / Ohm (runaway)
    trigger: str = ""  # runaway: "short" or "heating"


@dataclass(frozen=True)
class Profile:
    """The duty: "drive" (WLTC, one cell of a 96s40p Bolt-sized pack) or "charge" (CC-CV,
    then a rest from ``charge_time`` on)."""

    kind: str
    duration: float  # s
    initial_soc: float
    ambient_temperature: float  # K
    charge_rate: float = 0.5  # C, for "charge"
    charge_time: float = math.inf  # s, for "charge": the charger stops then and the cell rests
    cooling: float = SURFACE_TO_AMBIENT_RESISTANCE  # K/W, R_u of the cell's surface to ambient

    def thermal(self) -> ThermalParameters:
        return ThermalParameters(surface_to_ambient_resistance=self.cooling)


@dataclass
class Trace:
    """Per-second record of a run, for the summary and the plots."""

    time: list = field(default_factory=list)
    voltage_residual: list = field(default_factory=list)
    temperature_residual: list = field(default_factory=list)
    voltage_statistic: list = field(default_factory=list)
    temperature_statistic: list = field(default_factory=list)
    fault_code: list = field(default_factory=list)
    core_temperature: list = field(default_factory=list)
    plating_overpotential: list = field(default_factory=list)
    measured_voltage: list = field(default_factory=list)
    measured_current: list = field(default_factory=list)


@dataclass
class Outcome:
    fault: Fault
    profile: Profile
    detection_time: float = math.nan  # s, first alarm at or after the fault (plating: after onset)
    early_alarm: bool = False  # an alarm before the fault appeared
    diagnosed: FaultCode = FaultCode.NONE
    runaway_alarm_time: float = math.nan
    runaway_core_time: float = math.nan  # s, plant core reaches 120 degC
    plating_onset: float = math.nan  # s, the plant first holds plated lithium
    plating_flagged: bool = False  # the diagnoser raised its plating alarm
    plating_alarm_time: float = math.nan  # s, when it did
    plating_by_relaxation: bool = False  # ... backed by the relaxation after the charge (its excess above threshold)
    relaxation_share: float = math.nan  # the last rest's late share of its voltage drop
    relaxation_excess: float = math.nan  # its fall beyond the twin's fault-free prediction, and its threshold
    relaxation_threshold: float = math.nan
    plated_lithium: float = 0.0  # A.h, most the plant held
    false_alarms: int = 0  # fault-free runs: alarms, the diagnoser restarting after each
    monitored_time: float = 0.0  # s the diagnoser was past its warm-up
    trace: Trace = field(default_factory=Trace)


@lru_cache(maxsize=1)
def drive_current() -> np.ndarray:
    """Cell current [A] per second over one WLTC class 3b, from the Bolt EV powertrain at a
    nominal 355 V (96 x 3.7 V), shared by 40 cells in parallel."""
    from btwin.models.powertrain.presets import vehicle_preset
    from btwin.models.powertrain.vehicle import Powertrain

    vehicle = Powertrain(vehicle_preset("bolt_ev"), "wltc_class3b")
    return np.array([vehicle.step(1.0, 355.0).battery_current / 40.0 for _ in range(1800)])


class Plant:
    """The cell with its faults; ``step`` returns the true (V, I, T_surface, T_core, eta_plating,
    plated lithium [A.h])."""

    def __init__(self, profile: Profile, fault: Fault):
        self.fault = fault
        self._parameters = BatteryParameters(initial_soc=profile.initial_soc, sei_enabled=False,
                                             initial_temperature=_cell_temperature(profile.ambient_temperature))
        battery = SPMeBattery(self._parameters)
        short = _short_resistance(fault)
        self.battery = ShortedBattery(battery, short, fault.time) if short else battery
        self.thermal = CellThermal(profile.thermal(), profile.ambient_temperature, AbuseReactions())

    def step(self, dt: float, time: float, current: float, ambient: float):
        f = self.fault
        active = time >= f.time
        if active and f.kind == "resistance_growth" and self.battery.parameters.resistance_growth == 0.0:
            self._grow_resistance(f.size)
        temperature = _cell_temperature(self.thermal.core_temperature)
        out = self.battery.step(dt, current, temperature)
        voltage, heat = out.voltage, out.heat_generation
        if active and f.kind == "thermal_runaway" and f.trigger == "heating":
            heat += f.size  # W from outside the cell (a heater, a neighbour in runaway)
        self.thermal.step(dt, heat, ambient)
        return (voltage, current, self.thermal.surface_temperature, self.thermal.core_temperature,
                out.plating_overpotential, out.plated_lithium)


    def _grow_resistance(self, growth: float) -> None:
        """From now on the cell's ohmic and charge-transfer resistances are (1 + growth) times
        larger (BatteryCell's ``resistance_growth``), its state carried over."""
        grown = SPMeBattery(replace(self._parameters, resistance_growth=growth))
        grown.set_state(self.battery.get_state())
        self.battery = grown


class Twin:
    """The nominal cell and thermal model, open loop on the measured current and ambient;
    without the plating reaction (a twin does not know what it has not seen), so plated
    lithium shows in its residual and its plating overpotential is the early warning."""

    def __init__(self, profile: Profile):
        self.battery = SPMeBattery(BatteryParameters(initial_soc=profile.initial_soc, sei_enabled=False,
                                                     plating_enabled=False,
                                                     initial_temperature=_cell_temperature(
                                                         profile.ambient_temperature)))
        self.thermal = CellThermal(profile.thermal(), profile.ambient_temperature)

    def step(self, dt: float, current: float, voltage: float, surface: float, ambient: float):
        """Predictions from the measured current and ambient (the voltage and surface
        readings are not used: open loop); soc_std 0, no parameter estimates."""
        out = self.battery.step(dt, current, _cell_temperature(self.thermal.core_temperature))
        self.thermal.step(dt, out.heat_generation, ambient)
        return (out.voltage, self.thermal.surface_temperature, out.plating_overpotential, 0.0, 0.0,
                TwinEstimates())


class EstimatorTwin:
    """The StateEstimator (joint EKF) on the measurements: its predictions before each
    update are the residuals' reference, its soc_std tells when it has converged. It
    starts with a wrong SOC belief; the plating overpotential comes from the nominal
    cell model run open loop on the measured current (the EKF does not give one).
    Its resistance factor and current-offset estimates go to the diagnoser as
    symptoms."""

    def __init__(self, profile: Profile, soc_error: float):
        # For residuals a diagnoser reads, the twin must not learn a sensor fault away:
        # no voltage-bias state and no SOC random walk (both absorb a voltage offset
        # within seconds), and a constant model-error allowance instead of one growing
        # with the current (issue 11's defaults are tuned for estimation, not detection).
        settings = EstimatorSettings(initial_soc=min(max(profile.initial_soc + soc_error, 0.0), 1.0),
                                     initial_soc_std=0.1, voltage_noise=NOISE["voltage"],
                                     current_noise=NOISE["current"], temperature_noise=NOISE["temperature"],
                                     voltage_model_error=0.004, resistance_model_error=0.0, soc_drift=0.0,
                                     voltage_bias_std=1e-6)
        self.estimator = StateEstimator(settings, thermal=profile.thermal())
        self.plating = Twin(profile)

    def step(self, dt: float, current: float, voltage: float, surface: float, ambient: float):
        estimate = self.estimator.step(dt, current, voltage, surface, ambient)
        eta = self.plating.step(dt, current, voltage, surface, ambient)[2]
        estimates = TwinEstimates(estimate.resistance_factor, estimate.resistance_factor_std,
                                  *self.estimator.current_offset())
        return (voltage - self.estimator.voltage_residual, surface - self.estimator.temperature_residual,
                eta, estimate.soc_std, estimate.resistance, estimates)


def default_settings(twin_kind: str) -> DiagnoserSettings:
    """The Diagnoser's defaults; on the open-loop twin (the plant's own model, so the residual
    is sensor noise) a 1 mV voltage resolution instead of the EKF's 4 mV model error."""
    return DiagnoserSettings(voltage_resolution=1e-3) if twin_kind == "open_loop" else DiagnoserSettings()


def run(profile: Profile, fault: Fault, seed, settings: DiagnoserSettings | None = None,
        record: bool = False, stop_after_runaway: float = 30.0, twin_kind: str = "estimator") -> Outcome:
    """Simulate one run at 1 s; ``seed`` fixes the sensor noise."""
    rng = np.random.default_rng(seed)
    plant = Plant(profile, fault)
    twin = Twin(profile) if twin_kind == "open_loop" else EstimatorTwin(profile, rng.uniform(-0.05, 0.05))
    diagnoser = Diagnoser(settings or default_settings(twin_kind))
    outcome = Outcome(fault, profile)
    ambient = profile.ambient_temperature
    current, measured_voltage = 0.0, plant.battery.outputs.voltage
    cycle = drive_current()
    for k in range(int(profile.duration)):
        t = float(k + 1)
        current = _duty(profile, k, cycle, current, measured_voltage)
        try:
            v, i, surface, core, eta, plated = plant.step(1.0, t - 1.0, current, ambient)
        except StepRejected:
            break  # the cell is empty (a short drained it) or the run asks the impossible
        measured_current = i + _offset(fault, "current_offset", t) + rng.normal(0.0, NOISE["current"])
        measured_voltage = v + _offset(fault, "voltage_offset", t) + rng.normal(0.0, NOISE["voltage"])
        measured_surface = (surface + _offset(fault, "temperature_offset", t)
                            + rng.normal(0.0, NOISE["temperature"]))
        try:
            predicted_voltage, predicted_surface, predicted_eta, soc_std, resistance, estimates = twin.step(
                1.0, measured_current, measured_voltage, measured_surface, ambient)
        except StepRejected:
            break
        d = diagnoser.step(1.0, measured_current, measured_voltage, measured_surface, predicted_voltage,
                           predicted_surface, soc_std, predicted_eta, ambient, resistance, estimates)
        _book(outcome, t, d, core, plated)
        if d.fault_code is not FaultCode.WARMING_UP:
            outcome.monitored_time += 1.0
        if fault.kind == "none" and _alarmed(d):
            outcome.false_alarms += 1
            diagnoser.reset()
        if record:
            _record(outcome.trace, t, d, core, eta, measured_voltage, measured_current)
        if not math.isnan(outcome.runaway_core_time) and t > outcome.runaway_core_time + stop_after_runaway:
            break
    outcome.diagnosed = diagnoser.diagnosis.fault_code
    return outcome


def _duty(profile: Profile, k: int, cycle: np.ndarray, current: float, measured_voltage: float) -> float:
    if profile.kind == "drive":
        return float(cycle[k % cycle.size])
    if k >= profile.charge_time:
        return 0.0
    return _cc_cv(profile.charge_rate * CAPACITY_AH, current, measured_voltage)


def _cc_cv(charge_current: float, current: float, measured_voltage: float) -> float:
    """Constant current until the measured voltage reaches 4.2 V, then hold it (proportional,
    1/(30 mOhm)); rest once the current falls below C/20. Charging current is negative."""
    if current == 0.0 and measured_voltage >= MAX_VOLTAGE - 0.05:
        return 0.0
    proposal = current + (measured_voltage - MAX_VOLTAGE) / 0.03 if current < 0.0 else -charge_current
    proposal = min(max(proposal, -charge_current), 0.0)
    return 0.0 if -proposal < CAPACITY_AH / 20.0 and measured_voltage >= MAX_VOLTAGE - 0.01 else proposal


def _book(outcome: Outcome, t: float, d, core: float, plated: float) -> None:
    f = outcome.fault
    alarmed = _alarmed(d)
    if math.isnan(outcome.plating_onset) and plated > 0.0:
        outcome.plating_onset = t
    outcome.plated_lithium = max(outcome.plated_lithium, plated)
    if d.plating and not outcome.plating_flagged:
        outcome.plating_alarm_time = t
        outcome.plating_by_relaxation = d.relaxation_excess > d.relaxation_threshold > 0.0
    if d.relaxation_threshold > 0.0:
        outcome.relaxation_share, outcome.relaxation_excess = d.relaxation_share, d.relaxation_excess
        outcome.relaxation_threshold = d.relaxation_threshold
    start = outcome.plating_onset if f.kind == "plating" else f.time
    if alarmed and math.isnan(outcome.detection_time):
        if t < start:
            outcome.early_alarm = True
        else:
            outcome.detection_time = t
    outcome.plating_flagged |= d.plating
    if d.runaway and math.isnan(outcome.runaway_alarm_time):
        outcome.runaway_alarm_time = t
    if core >= RUNAWAY_CORE and math.isnan(outcome.runaway_core_time):
        outcome.runaway_core_time = t


def _alarmed(d) -> bool:
    return d.fault_code >= FaultCode.ANOMALY or d.plating or d.runaway


def _record(trace: Trace, t: float, d, core: float, eta: float, voltage: float, current: float) -> None:
    trace.time.append(t)
    trace.voltage_residual.append(d.voltage_residual)
    trace.temperature_residual.append(d.temperature_residual)
    trace.voltage_statistic.append(d.voltage_statistic)
    trace.temperature_statistic.append(d.temperature_statistic)
    trace.fault_code.append(int(d.fault_code))
    trace.core_temperature.append(core)
    trace.plating_overpotential.append(eta)
    trace.measured_voltage.append(voltage)
    trace.measured_current.append(current)


def _offset(fault: Fault, kind: str, t: float) -> float:
    return fault.size if fault.kind == kind and t >= fault.time else 0.0


def _short_resistance(fault: Fault) -> float:
    if fault.kind == "internal_short" or (fault.kind == "thermal_runaway" and fault.trigger == "short"):
        return fault.size
    return 0.0


def _cell_temperature(temperature: float) -> float:
    return min(max(temperature, _CELL_T_MIN), _CELL_T_MAX)
