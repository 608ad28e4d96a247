"""FactoryLoads: the machines of a factory as a shift-based, seeded random load profile.

``machine_power`` is in kW on purpose: the ontology says so and a wiring tool
converts it for a grid that expects W. After ``doStep(t, h)`` it is the mean
power over [t, t + h], so ``machine_power * h`` is exactly the energy of the
step; before the first step it is the power drawn at the start instant. The
machines switch on and off at random instants drawn from ``seed`` in event
order, so the profile depends on the seed, ``start_date`` and
``start_time``, not on the communication steps a host chooses.

Schedule: from ``day_start`` to ``day_end`` (local hours) the day factor of
the day type applies, otherwise the night factor; a factor is the expected
fraction of machines running. Monday to Friday are workdays.
"""
from pythonfmu.default_experiment import DefaultExperiment

from btwin.models.grid import FactoryLoads as Model, FactoryParameters

from . import parameter_map
from .declarations import output, parameter
from .slave import BtwinSlave

_DEFAULT = FactoryParameters()

# FMU parameter -> FactoryParameters field
_PARAMETERS = {
    "machine_count": "machine_count",
    "peak_power": "peak_power_kw",
    "base_power": "base_power_kw",
    "mean_on_duration": "mean_on_duration_s",
    "day_start": "day_start_h",
    "day_end": "day_end_h",
    "workday_day_factor": "workday_day_factor",
    "workday_night_factor": "workday_night_factor",
    "weekend_day_factor": "weekend_day_factor",
    "weekend_night_factor": "weekend_night_factor",
    "start_date": "start_date",
    "start_time": "start_time_h",
    "seed": "seed",
}


def _factor(name, when):
    return parameter(name, "1", getattr(_DEFAULT, name),
                     f"Expected fraction of machines running {when}", min=0.0, max=1.0)


class FactoryLoads(BtwinSlave):
    description = ("Factory machines as a shift-based load profile: seeded on/off machines around the "
                   "schedule's utilisation (workday/weekend, day/night); machine_power in kW, "
                   "mean over each step")
    default_experiment = DefaultExperiment(start_time=0.0, stop_time=7 * 86400.0, step_size=60.0)
    variables = (
        output("machine_power", "kW",
               "Power drawn by the factory (machines and base load), mean over the last step", min=0.0,
               step_mean=True),
        output("running_machines", None, "Machines running at the end of the last step", type=int, min=0),
        output("utilisation", "1", "Expected fraction of machines running at the present time by the schedule",
               min=0.0, max=1.0),
        output("energy", "kW.h", "Energy drawn since the start", min=0.0),
        parameter("machine_count", None, _DEFAULT.machine_count, "Number of identical machines",
                  type=int, min=1),
        parameter("peak_power", "kW", _DEFAULT.peak_power_kw, "Power with every machine running, base included",
                  min=0.0),
        parameter("base_power", "kW", _DEFAULT.base_power_kw,
                  "Always-on power: lighting, ventilation, compressors", min=0.0),
        parameter("mean_on_duration", "s", _DEFAULT.mean_on_duration_s, "Mean duration of one machine run",
                  min=0.0),
        parameter("day_start", "h", _DEFAULT.day_start_h, "Local time the day shift starts", min=0.0, max=24.0),
        parameter("day_end", "h", _DEFAULT.day_end_h, "Local time the day shift ends", min=0.0, max=24.0),
        _factor("workday_day_factor", "during a workday's day shift"),
        _factor("workday_night_factor", "during a workday's night"),
        _factor("weekend_day_factor", "during a weekend day's day shift"),
        _factor("weekend_night_factor", "during a weekend night"),
        parameter("start_date", None, _DEFAULT.start_date, "Calendar date at t = 0, YYYY-MM-DD", type=str),
        parameter("start_time", "h", _DEFAULT.start_time_h, "Local time of day at t = 0", min=0.0, max=24.0),
        parameter("seed", None, _DEFAULT.seed, "Seed of the machines' random switching", type=int, min=0),
    )

    def create_model(self) -> Model:
        return Model(parameter_map.from_slave(FactoryParameters, _PARAMETERS, self))

    def read_outputs(self) -> None:
        model = self.model
        parameters = model.params
        self.machine_power = parameters.base_power_kw + parameters.machine_power_kw * model.running_machines
        self._read_state()

    def advance(self, current_time: float, step_size: float) -> None:
        self.machine_power = self.model.step(step_size)
        self._read_state()

    def _read_state(self) -> None:
        model = self.model
        self.running_machines = model.running_machines
        self.utilisation = model.utilisation(model.time_s)
        self.energy = model.get_state()["energy_kj"] / 3600.0
