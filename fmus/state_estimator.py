"""StateEstimator: the twin's virtual sensors. From what a battery management
system measures it estimates state of charge and core temperature, and
recalibrates capacity and resistance, each with its standard deviation
(joint extended Kalman filter on a reduced SPMe, see
``btwin.models.estimation``).

Coupling. The measurements set at time t are used by the step from t:
``doStep(t, h)`` updates the estimate with them, then carries it to t + h.
The estimates (``soc``, ``core_temperature``, ...) are values at the end of
the last step and do not depend directly on any input. ``predicted_voltage``
is the voltage expected at the present measured current *before* this time's
measurement is used, and ``voltage_residual`` the measured minus predicted
voltage, the filter's innovation: both follow their inputs at once (direct
feedthrough). A measurement far outside its predicted spread is skipped and
counted (``outliers_rejected``); a repaired covariance is counted too
(``covariance_repairs``); both are logged.
"""
from pythonfmu.default_experiment import DefaultExperiment
from pythonfmu.enums import Fmi2Status

from btwin.models.estimation.estimator import Estimate, EstimatorSettings, StateEstimator as Model
from btwin.models.thermal import ThermalParameters

from .bounds import AMBIENT_TEMPERATURE, MAX_DC_VOLTAGE, MAX_PACK_CURRENT, SURFACE_TEMPERATURE
from .declarations import input_, output, parameter
from .slave import BtwinSlave

_DEFAULT = EstimatorSettings()
_THERMAL = ThermalParameters()
_MEASURED = ("measured_current", "measured_voltage", "measured_surface_temperature", "ambient_temperature")
_SETTINGS = (
    parameter("initial_soc", "1", _DEFAULT.initial_soc, "The twin's belief of the state of charge at start",
              min=0.0, max=1.0),
    parameter("initial_soc_std", "1", _DEFAULT.initial_soc_std, "Standard deviation of that belief", min=0.0),
    parameter("initial_capacity", "A.h", _DEFAULT.initial_capacity,
              "Belief of one cell's capacity at start; 0: the nominal LG M50's (5.15 A.h)", min=0.0),
    parameter("initial_capacity_std", "A.h", _DEFAULT.initial_capacity_std,
              "Standard deviation of that belief, per cell", min=0.0),
    parameter("initial_resistance_factor", "1", _DEFAULT.initial_resistance_factor,
              "Belief of the resistances over the nominal cell's at start", min=0.0),
    parameter("initial_resistance_factor_std", "1", _DEFAULT.initial_resistance_factor_std,
              "Standard deviation of that belief", min=0.0),
    parameter("initial_temperature_std", "K", _DEFAULT.initial_temperature_std,
              "Standard deviation of the core and surface temperatures about the first reading", min=0.0),
    parameter("estimate_parameters", None, True,
              "Estimate capacity and resistance too (dual estimation); false: keep them at their beliefs",
              type=bool),
    parameter("n_series", None, 1, "Cells in series", type=int, min=1),
    parameter("n_parallel", None, 1, "Cells in parallel", type=int, min=1),
    parameter("n_cells", "1", 0.0, "Cells the pack's heat is shared by; 0: n_series x n_parallel", min=0.0),
    parameter("voltage_noise", "V", _DEFAULT.voltage_noise, "Standard deviation of the voltage sensor", min=0.0),
    parameter("current_noise", "A", _DEFAULT.current_noise, "Standard deviation of the current sensor", min=0.0),
    parameter("temperature_noise", "K", _DEFAULT.temperature_noise,
              "Standard deviation of the temperature sensor", min=0.0),
    parameter("current_bias_std", "A", _DEFAULT.current_bias_std,
              "Standard deviation of an unknown current-sensor offset", min=0.0),
    parameter("voltage_model_error", "V", _DEFAULT.voltage_model_error,
              "Standard deviation of the cell voltage the twin's model misses", min=0.0),
    parameter("resistance_model_error", "Ohm", _DEFAULT.resistance_model_error,
              "Growth of that standard deviation per ampere of cell current", min=0.0),
    parameter("temperature_model_error", "K", _DEFAULT.temperature_model_error,
              "Standard deviation of the surface temperature the twin's model misses", min=0.0),
    parameter("heat_model_error", "W", _DEFAULT.heat_model_error,
              "Standard deviation of one cell's heat the twin's model misses", min=0.0),
    parameter("soc_drift", "1", _DEFAULT.soc_drift,
              "Random walk of the state of charge for model error: standard deviation gained in one hour; "
              "0: none", min=0.0),
    parameter("voltage_bias_std", "V", _DEFAULT.voltage_bias_std,
              "Stationary standard deviation of the slowly varying cell voltage the model misses (a filter "
              "state); near 0: the state is off", min=0.0),
    parameter("voltage_bias_time", "s", _DEFAULT.voltage_bias_time,
              "Correlation time of that voltage bias", min=0.0),
    parameter("capacity_drift", "A.h", _DEFAULT.capacity_drift,
              "Random walk of one cell's capacity: standard deviation gained in one hour", min=0.0),
    parameter("resistance_drift", "1", _DEFAULT.resistance_drift,
              "Random walk of the resistance factor: standard deviation gained in one hour", min=0.0),
    parameter("linearisation_time", "s", _DEFAULT.linearisation_time,
              "0: the voltage is linearised at the estimate; > 0: at a reference SOC that follows Coulomb "
              "counting and relaxes toward the estimate with this time constant", min=0.0),
    parameter("compensate_current_noise", None, False,
              "Remove the mean pull of the current sensor's noise (current_noise) on the update", type=bool),
    parameter("step_mean_current", None, False,
              "The measured current is the mean over the step that ends at the readings (a cycler's); false: "
              "the current read is held over the coming step", type=bool),
    parameter("wide_prior", None, False,
              "The beliefs may be far from the truth: relinearise an update that moves the estimate far, take "
              "capacity's divided differences over its spread", type=bool),
    parameter("capacity_as_loading", None, False,
              "Capacity differences are active material (the OCV window stays that of lost_lithium); false: "
              "all capacity the twin does not find is lost lithium, which moves the window", type=bool),
    parameter("lost_lithium", "A.h", _DEFAULT.lost_lithium,
              "Cyclable lithium one cell has lost, fixing the OCV window when capacity_as_loading", min=0.0),
)
_THERMAL_PARAMETERS = (
    parameter("core_heat_capacity", "J/K", _THERMAL.core_heat_capacity, "C_c of one cell", min=0.0),
    parameter("surface_heat_capacity", "J/K", _THERMAL.surface_heat_capacity, "C_s of one cell", min=0.0),
    parameter("core_to_surface_resistance", "K/W", _THERMAL.core_to_surface_resistance,
              "R_c, centre to can", min=0.0),
    parameter("surface_to_ambient_resistance", "K/W", _THERMAL.surface_to_ambient_resistance,
              "R_u, can to ambient", min=0.0),
)
_AT_END = ", estimate at the end of the last step"
_ESTIMATES = (  # output name (= Estimate field), unit, meaning
    ("soc", "1", "State of charge, PyBaMM's scale on the estimated capacity"),
    ("soc_std", "1", "Standard deviation of soc"),
    ("core_temperature", "K", "Temperature at the cell centre"),
    ("core_temperature_std", "K", "Standard deviation of core_temperature"),
    ("surface_temperature", "K", "Temperature of the cell can"),
    ("capacity", "A.h", "Pack capacity between the cut-off voltages"),
    ("capacity_std", "A.h", "Standard deviation of capacity"),
    ("resistance", "Ohm", "Pack ohmic plus charge-transfer resistance"),
    ("resistance_std", "Ohm", "Standard deviation of resistance"),
    ("soc_core_temperature_correlation", "1", "Correlation of the soc and core_temperature errors"),
    ("resistance_factor", "1", "Resistances over the nominal cell's (the slow state behind resistance)"),
    ("resistance_factor_std", "1", "Standard deviation of resistance_factor"),
)


class StateEstimator(BtwinSlave):
    description = ("Twin state estimator: joint extended Kalman filter on a reduced SPMe with a core/surface "
                   "thermal model; SOC, core temperature, capacity and resistance with standard deviations "
                   "from measured current, voltage and surface temperature")
    default_experiment = DefaultExperiment(start_time=0.0, stop_time=3600.0, step_size=1.0)
    variables = (
        input_("measured_current", "A", 0.0, "Measured pack current, > 0 discharges",
               min=-MAX_PACK_CURRENT, max=MAX_PACK_CURRENT),
        input_("measured_voltage", "V", 3.7, "Measured pack terminal voltage", min=0.0, max=MAX_DC_VOLTAGE),
        input_("measured_surface_temperature", "K", 298.15, "Measured cell surface temperature",
               min=SURFACE_TEMPERATURE[0], max=SURFACE_TEMPERATURE[1]),
        input_("ambient_temperature", "K", 298.15, "Temperature of the surrounding air or coolant",
               min=AMBIENT_TEMPERATURE[0], max=AMBIENT_TEMPERATURE[1]),
        *(output(name, unit, text + _AT_END, **({"min": 0.0} if name.endswith("_std") else {}))
          for name, unit, text in _ESTIMATES),
        output("predicted_voltage", "V", "Pack voltage expected at the present measured current before "
               "this time's measurement is used", depends_on=("measured_current",)),
        output("predicted_surface_temperature", "K", "Surface temperature expected now before this time's "
               "measurement is used"),
        output("voltage_residual", "V", "measured_voltage - predicted_voltage: the filter's innovation",
               depends_on=("measured_current", "measured_voltage")),
        output("current_offset", "A", "Offset of the current sensor (measured = true + offset), a nuisance "
               "state of the filter" + _AT_END),
        output("current_offset_std", "A", "Standard deviation of current_offset", min=0.0),
        output("outliers_rejected", None, "Measurements skipped as outliers since the start", type=int, min=0),
        output("covariance_repairs", None, "Covariance repairs since the start", type=int, min=0),
        *_SETTINGS,
        *_THERMAL_PARAMETERS,
    )

    outputs_on_read = True  # the predictions at the inputs the host sets after a step, computed once

    def create_model(self) -> Model:
        settings = EstimatorSettings(**{var.name: getattr(self, var.name) for var in _SETTINGS})
        thermal = ThermalParameters(**{var.name: getattr(self, var.name) for var in _THERMAL_PARAMETERS})
        model = Model(settings, thermal=thermal)
        model.seed_temperature(self.measured_surface_temperature)
        return model

    def read_outputs(self) -> None:
        model = self.model
        if model.time == 0.0:  # before the first step the first reading places the temperatures
            model.seed_temperature(self.measured_surface_temperature)
            self._write_estimates()
        self.predicted_voltage, self.predicted_surface_temperature = model.predict(self.measured_current)
        self.voltage_residual = self.measured_voltage - self.predicted_voltage

    def advance(self, current_time: float, step_size: float) -> None:
        model = self.model
        estimate = model.step(step_size, *(getattr(self, name) for name in _MEASURED))
        for event in model.filter.take_events():
            self.log(f"t={current_time:g} s: {event}", Fmi2Status.warning)
        self._write_estimates(estimate)

    def _write_estimates(self, estimate: Estimate | None = None) -> None:
        """The estimates change only with a step: written then, not on every input change."""
        model = self.model
        for name, value in zip(Estimate._fields, model.estimate() if estimate is None else estimate):
            setattr(self, name, value)
        self.outliers_rejected, self.covariance_repairs = model.filter.outliers, model.filter.repairs
        self.current_offset, self.current_offset_std = model.current_offset()
