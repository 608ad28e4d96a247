"""Diagnoser: residual-based fault detection and isolation for a battery twin.

The residuals are the measurements minus the twin's predictions (voltage and
surface temperature). The model (``models/diagnosis``) whitens them, runs a
CUSUM or a windowed GLR (``detector``) on each with thresholds from
``false_alarm_rate`` and names the fault
whose signature fits, with the twin's parameter estimates (resistance
factor, current offset) as further symptoms when it gives them. Lithium
plating is named on what the BMS measures: the measured voltage's relaxation
after a charge falls further than the twin's diffusion predicts for the
rest without plating (plated lithium stripping holds it up for minutes). Until the twin's ``soc_std`` is below ``max_soc_std``
and ``warmup_time`` seconds of residuals have been learnt, ``fault_code`` is 1
(warming up) and nothing is alarmed.

fault_code: 0 none, 1 warming up, 2 anomaly not yet isolated, 3 voltage
sensor, 4 current sensor, 5 temperature sensor, 6 internal short,
7 resistance growth, 8 lithium plating, 9 thermal runaway.
"""
from btwin.models.diagnosis import Diagnoser as Model, DiagnoserSettings, FaultCode, TwinEstimates

from .declarations import input_, output, parameter
from .slave import BtwinSlave

_DEFAULT = DiagnoserSettings()
_ALARMS = {
    "voltage_sensor_fault": FaultCode.VOLTAGE_SENSOR,
    "current_sensor_fault": FaultCode.CURRENT_SENSOR,
    "temperature_sensor_fault": FaultCode.TEMPERATURE_SENSOR,
    "internal_short_alarm": FaultCode.INTERNAL_SHORT,
    "resistance_growth_alarm": FaultCode.RESISTANCE_GROWTH,
}
_SETTINGS = (
    parameter("false_alarm_rate", "1/h", _DEFAULT.false_alarm_rate,
              "False alarms per hour of the two residual detectors together (white residuals)", min=0.0),
    parameter("voltage_change", "V", _DEFAULT.voltage_change, "Voltage residual step to detect", min=0.0),
    parameter("temperature_change", "K", _DEFAULT.temperature_change,
              "Temperature residual step to detect", min=0.0),
    parameter("voltage_resolution", "V", _DEFAULT.voltage_resolution,
              "Smallest voltage residual std assumed: the twin's model error (the StateEstimator's "
              "4 mV per cell; times n_series for a pack)", min=0.0),
    parameter("voltage_tracking_time", "s", _DEFAULT.voltage_tracking_time,
              "Time constant of the voltage residual's tracked mean, which follows the twin's slowly "
              "wandering model error; 0: the mean learnt in the warm-up", min=0.0),
    parameter("temperature_resolution", "K", _DEFAULT.temperature_resolution,
              "Smallest temperature residual std assumed (sensor resolution)", min=0.0),
    parameter("warmup_time", "s", _DEFAULT.warmup_time,
              "Converged, fault-free residuals learnt before detecting", min=0.0),
    parameter("max_soc_std", "1", _DEFAULT.max_soc_std, "The twin counts as converged below this soc_std",
              min=0.0),
    parameter("resistance_change", "Ohm", _DEFAULT.resistance_change, "Smallest resistance growth named",
              min=0.0),
    parameter("resistance_factor_change", "1", _DEFAULT.resistance_factor_change,
              "Smallest relative rise of the twin's resistance_factor since the change named a resistance "
              "growth", min=0.0),
    parameter("short_heating_rate", "K/s", _DEFAULT.short_heating_rate,
              "Temperature residual slope that only an internal short's heat explains", min=0.0),
    parameter("plating_margin", "V", _DEFAULT.plating_margin,
              "Plating warned when the twin's plating overpotential is below -margin ...", min=0.0),
    parameter("plating_time", "s", _DEFAULT.plating_time, "... for this long while charging", min=0.0),
    parameter("plating_fault_free_excess", "1", _DEFAULT.plating_fault_free_excess,
              "Largest relative excess of a fault-free rest's voltage fall over the twin's prediction, with "
              "a margin for its model error; plating is named above it plus the noise margin"),
    parameter("plating_false_alarm_probability", "1", _DEFAULT.plating_false_alarm_probability,
              "Probability that a fault-free rest is named plating (sets the noise margin)", min=0.0, max=0.5),
    parameter("rest_current", "A", _DEFAULT.rest_current,
              "Measured |current| below which the cell rests (the relaxation check watches rests after "
              "charges); C/50 of one LG M50 cell, times n_parallel for a pack", min=0.0),
    parameter("n_series", None, _DEFAULT.n_series, "Cells in series in the measured voltage (the "
              "relaxation's prediction is per LG M50 cell)", type=int, min=1),
    parameter("n_parallel", None, _DEFAULT.n_parallel, "Cells in parallel in the measured current",
              type=int, min=1),
    parameter("runaway_temperature", "K", _DEFAULT.runaway_temperature,
              "Surface temperature that, projected along its slope, means thermal runaway", min=0.0),
    parameter("runaway_horizon", "s", _DEFAULT.runaway_horizon, "How far ahead the slope is projected",
              min=0.0),
    parameter("detector", None, _DEFAULT.detector, "Change detector on each whitened residual: cusum (tuned "
              "to the change sizes) or glr (windowed generalised likelihood ratio, the change sizes or "
              "larger)", type=str),
    parameter("glr_window", "s", _DEFAULT.glr_window, "The longest change the GLR looks back for", min=0.0),
    parameter("heat_capacity", "J/K", _DEFAULT.heat_capacity, "Heat capacity of the cells whose surface "
              "temperature is measured (the heat step that tells a resistance growth from a voltage offset "
              "at a steady current)", min=0.0),
    parameter("thermal_resistance", "K/W", _DEFAULT.thermal_resistance,
              "Their thermal resistance from the surface to ambient", min=0.0),
)


class Diagnoser(BtwinSlave):
    description = ("Residual-based diagnosis of a battery from its twin: whitening, CUSUM with thresholds "
                   "from a false-alarm rate, isolation by fault signature, plating and runaway alarms")
    variables = (
        input_("measured_current", "A", 0.0, "Measured pack current, > 0 discharges"),
        input_("measured_voltage", "V", 3.7, "Measured pack voltage"),
        input_("measured_surface_temperature", "K", 298.15, "Measured cell surface temperature", min=0.0),
        input_("ambient_temperature", "K", 298.15, "Ambient temperature; a runaway heats the cell above it",
               min=0.0),
        input_("predicted_voltage", "V", 3.7, "The twin's predicted pack voltage"),
        input_("predicted_surface_temperature", "K", 298.15, "The twin's predicted surface temperature",
               min=0.0),
        input_("soc_std", "1", 0.0, "The twin's SOC standard deviation (its convergence)", min=0.0),
        input_("estimated_resistance", "Ohm", 0.0, "The twin's resistance estimate; a rise since the "
               "warm-up names a resistance growth; leave at 0 if the twin has none", min=0.0),
        input_("resistance_factor", "1", 1.0, "The twin's resistance factor (StateEstimator."
               "resistance_factor); its rise since the change names a resistance growth", min=0.0),
        input_("resistance_factor_std", "1", 0.0, "Its standard deviation; leave at 0 if the twin has none",
               min=0.0),
        input_("current_offset", "A", 0.0, "The twin's current-sensor offset estimate (StateEstimator."
               "current_offset); its change since the change names a current-sensor fault"),
        input_("current_offset_std", "A", 0.0, "Its standard deviation; leave at 0 if the twin has none",
               min=0.0),
        input_("predicted_plating_overpotential", "V", 1.0,
               "The twin's plating overpotential (below 0: plating favoured); leave at 1 V if unknown"),
        *(output(name, None, f"Alarm: fault_code is {code.value} ({code.name.lower()})", type=bool)
          for name, code in _ALARMS.items()),
        output("plating_alarm", None, "Alarm: lithium plating, on the voltage relaxation after a charge "
               "(latched)", type=bool),
        output("plating_warning", None, "Early warning: the twin's plating overpotential below -plating_margin "
               "for plating_time while charging (latched; not an alarm by itself)", type=bool),
        output("relaxation_share", "1", "Late share of the last watched rest's voltage drop (plating holds the "
               "voltage up while it strips); 0 until a rest after a charge has been watched", min=0.0),
        output("relaxation_excess", "1", "How much further the last watched rest's voltage fell than the "
               "twin's fault-free prediction of it, over the predicted fall; plating above its threshold"),
        output("thermal_runaway_alarm", None, "Alarm: thermal runaway projected (latched)", type=bool),
        output("fault_code", None, "0 none, 1 warming up, 2 anomaly, 3 voltage sensor, 4 current sensor, "
               "5 temperature sensor, 6 internal short, 7 resistance growth, 8 plating, 9 runaway", type=int),
        output("voltage_residual", "V", "Measured minus predicted voltage"),
        output("temperature_residual", "K", "Measured minus predicted surface temperature"),
        output("voltage_statistic", "1", "Voltage detector statistic over its threshold (1: alarm)", min=0.0),
        output("temperature_statistic", "1", "Temperature detector statistic over its threshold (1: alarm)",
               min=0.0),
        *_SETTINGS,
    )

    def create_model(self) -> Model:
        return Model(DiagnoserSettings(**{var.name: getattr(self, var.name) for var in _SETTINGS}))

    def read_outputs(self) -> None:
        d = self.model.diagnosis
        for name, code in _ALARMS.items():
            setattr(self, name, d.fault_code is code)
        self.plating_alarm = d.plating
        self.plating_warning = d.plating_warning
        self.relaxation_share = max(d.relaxation_share, 0.0)
        self.relaxation_excess = d.relaxation_excess
        self.thermal_runaway_alarm = d.runaway
        self.fault_code = int(d.fault_code)
        self.voltage_residual = d.voltage_residual
        self.temperature_residual = d.temperature_residual
        self.voltage_statistic = d.voltage_statistic
        self.temperature_statistic = d.temperature_statistic

    def advance(self, current_time: float, step_size: float) -> None:
        self.model.step(step_size, self.measured_current, self.measured_voltage,
                        self.measured_surface_temperature, self.predicted_voltage,
                        self.predicted_surface_temperature, self.soc_std,
                        self.predicted_plating_overpotential, self.ambient_temperature,
                        self.estimated_resistance,
                        TwinEstimates(*(getattr(self, name) for name in TwinEstimates._fields)))
        self.read_outputs()
