"""Cycler: a battery test cycler that drives a vehicle's drive cycle until a
set charge is drawn, rests, charges CC-CV, rests and drives again.

Coupling. ``battery_voltage`` is held over each step; ``doStep(t, h)`` decides
the phase from it and sets ``battery_current`` to the mean current over the
step (no direct feedthrough), so a master books the energy of the bond
exactly, as with the Powertrain.
"""
from pythonfmu.default_experiment import DefaultExperiment

from btwin.models.cycler import Cycler as Model, CyclerParameters
from btwin.models.powertrain import PRESETS, known_cycles

from .bounds import MAX_DC_VOLTAGE
from .declarations import input_, output, parameter
from .slave import BtwinSlave

_DEFAULT = CyclerParameters()
_PARAMETERS = (
    parameter("drive_cycle", None, _DEFAULT.drive_cycle,
              f"Drive cycle: one of {', '.join(known_cycles())}, or a CSV file of time [s], speed [m/s]", type=str),
    parameter("vehicle", None, _DEFAULT.vehicle, f"Vehicle preset: {' or '.join(sorted(PRESETS))}", type=str),
    parameter("vehicle_series", None, _DEFAULT.vehicle_series, "Cells in series in the vehicle's pack",
              type=int, min=1),
    parameter("vehicle_parallel", None, _DEFAULT.vehicle_parallel,
              "Cells in parallel in the vehicle's pack: each cell carries 1/(series x parallel) of its power",
              type=int, min=1),
    parameter("discharge_capacity", "A.h", _DEFAULT.discharge_capacity, "Charge drawn per cell in one drive",
              min=0.0),
    parameter("min_voltage", "V", _DEFAULT.min_voltage, "Cell voltage below which a drive stops", min=0.0),
    parameter("charge_current", "A", _DEFAULT.charge_current, "Constant charging current per cell", min=0.0),
    parameter("cv_voltage", "V", _DEFAULT.cv_voltage, "Constant-voltage limit per cell", min=0.0),
    parameter("termination_current", "A", _DEFAULT.termination_current,
              "Charging current per cell at which the CV phase ends", min=0.0),
    parameter("cv_loop_resistance", "Ohm", _DEFAULT.cv_loop_resistance,
              "Gain of the CV control law per cell; stable for cell resistances below twice this", min=0.0),
    parameter("rest_time", "s", _DEFAULT.rest_time, "Rest after each drive and each charge", min=0.0),
    parameter("n_series", None, _DEFAULT.n_series, "Cells in series in the pack on the cycler", type=int, min=1),
    parameter("n_parallel", None, _DEFAULT.n_parallel, "Cells in parallel in the pack on the cycler",
              type=int, min=1),
    parameter("max_drives", None, _DEFAULT.max_drives,
              "After this many drives and their charges the cycler rests for good; 0: no end", type=int, min=0),
)


class Cycler(BtwinSlave):
    description = ("Battery test cycler: repeated drive cycles of a vehicle scaled to the cells, rest, CC-CV "
                   "charge, rest, again; battery current is the mean over each step, without direct feedthrough")
    default_experiment = DefaultExperiment(start_time=0.0, stop_time=21600.0, step_size=1.0)
    variables = (
        input_("battery_voltage", "V", 3.7, "Pack terminal voltage, held over each step; must be > 0",
               min=0.0, max=MAX_DC_VOLTAGE),
        output("battery_current", "A", "Pack current, > 0 discharges, mean over the last step", step_mean=True),
        output("phase", None, "Phase of the last step: 0 rest after a drive, 1 drive, 2 charge, "
               "3 rest after a charge", type=int, min=0, max=3),
        output("drives_completed", None, "Drives completed since the start", type=int, min=0),
        *_PARAMETERS,
    )

    def create_model(self) -> Model:
        return Model(CyclerParameters(**{var.name: getattr(self, var.name) for var in _PARAMETERS}))

    def read_outputs(self) -> None:
        self.battery_current = 0.0  # no step yet: the mean over it is 0
        self.phase, self.drives_completed = int(self.model.phase), self.model.drives

    def advance(self, current_time: float, step_size: float) -> None:
        self.battery_current = self.model.step(step_size, self.battery_voltage)
        self.phase, self.drives_completed = int(self.model.phase), self.model.drives
