"""Powertrain: an electric vehicle that drives a speed trace and draws its current from the battery.

Coupling. ``battery_voltage`` is held over each communication step; ``do_step``
drives the step at that voltage and sets ``battery_current`` to the *mean*
current over the step, ``electrical_power / battery_voltage``. No output depends
on the input at the same communication point (no direct feedthrough), so a
master never has to iterate, and ``battery_voltage * battery_current * h`` is
exactly the energy the vehicle took from the battery during the step: the
energies a master books on both sides of this bond agree. Powers are means over
the last step (0 before the first); speeds, distances and energy are values at
its end.

The drive cycle starts with the simulation: the first step begins at the
trace's t = 0 whatever the host's start time.

Vehicle. ``vehicle`` names a preset. Each Real vehicle constant, when set to a
positive value, replaces the preset's; at its start value 0 the preset's value
stands, so a host that writes every start value back changes nothing.
``regen_max_power`` left at 0 is the preset's value capped at ``motor_max_power``.
"""
from dataclasses import replace

from pythonfmu.default_experiment import DefaultExperiment

from btwin.models.powertrain import PRESETS, Powertrain as Model, known_cycles, vehicle_preset

from .bounds import MAX_DC_VOLTAGE
from .declarations import input_, output, parameter
from .slave import BtwinSlave

_FROM_PRESET = " (0: the preset's value)"


def _vehicle_constant(name, unit, description, **bounds):
    return parameter(name, unit, 0.0, description + _FROM_PRESET, min=0.0, **bounds)


# FMU parameter -> VehicleParameters field it overrides
_OVERRIDES = {
    "mass": "mass_kg",
    "drag_coefficient": "drag_coefficient",
    "frontal_area": "frontal_area_m2",
    "rolling_resistance_coefficient": "rolling_resistance_coefficient",
    "wheel_radius": "wheel_radius_m",
    "air_density": "air_density_kg_m3",
    "motor_max_power": "motor_max_power_w",
    "motor_max_torque": "motor_max_torque_nm",
    "final_drive_ratio": "final_drive_ratio",
    "final_drive_efficiency": "final_drive_efficiency",
    "regen_max_power": "regen_max_power_w",
    "aux_power": "aux_power_w",
    "battery_max_discharge_power": "battery_max_discharge_power_w",
    "battery_max_charge_power": "battery_max_charge_power_w",
    "battery_max_discharge_current": "battery_max_discharge_current_a",
    "battery_max_charge_current": "battery_max_charge_current_a",
}

_MEAN = ", mean over the last step"


def _mean(name, unit, description, **kw):
    return output(name, unit, description + _MEAN, step_mean=True, **kw)
# Outputs written from the model's PowertrainOutputs field of the same name.
_STEP_OUTPUTS = (
    _mean("battery_current", "A", "Battery current, > 0 discharges"),
    _mean("electrical_power", "W", "Power at the battery terminals, > 0 discharges"),
    output("electrical_energy", "J", "Energy taken from the battery since the start, net of regen"),
    _mean("traction_power", "W", "Power at the wheels, > 0 propels, < 0 brakes (regen and friction)"),
    output("vehicle_speed", "m/s", "Vehicle speed at the end of the last step", min=0.0),
    output("distance", "m", "Distance driven since the start", min=0.0),
    output("trace_speed", "m/s", "Speed the drive cycle asks for at the end of the last step", min=0.0),
    output("trace_miss", "m/s", "trace_speed - vehicle_speed, > 0 when the vehicle cannot keep up"),
    output("distance_miss", "m", "Distance of the drive cycle minus distance driven"),
    _mean("motor_power", "W", "Motor and inverter DC power, < 0 in regen"),
    _mean("regen_power", "W", "Braking power at the wheels recovered by the motor", min=0.0),
    _mean("friction_brake_power", "W", "Braking power at the wheels lost in the friction brakes",
           min=0.0),
    _mean("loss_power", "W", "Driveline, motor and inverter losses", min=0.0),
)
_STEP_OUTPUT_NAMES = tuple(var.name for var in _STEP_OUTPUTS)


class Powertrain(BtwinSlave):
    description = ("Battery-electric vehicle following a drive cycle (backward-facing longitudinal dynamics, "
                   "motor/inverter efficiency map, speed-blended regen, power limits); battery current is the "
                   "mean over each step at the held battery voltage, without direct feedthrough")
    default_experiment = DefaultExperiment(start_time=0.0, stop_time=1800.0, step_size=1.0)
    variables = (
        # start: about the nominal voltage of a 96-series NMC pack (96 x 3.65 V)
        input_("battery_voltage", "V", 350.0,
               "Battery terminal voltage, held over each step; must be > 0", min=0.0,
               max=MAX_DC_VOLTAGE),
        *_STEP_OUTPUTS,
        parameter("drive_cycle", None, "wltc_class3b",
                  f"Drive cycle: one of {', '.join(known_cycles())}, or the path of a CSV file of "
                  "time [s], speed [m/s] rows", type=str),
        parameter("vehicle", None, "compact_ev", f"Vehicle preset: {' or '.join(sorted(PRESETS))}", type=str),
        parameter("road_grade", "1", 0.0, "Road grade, rise over run, > 0 uphill", min=-1.0, max=1.0),
        _vehicle_constant("mass", "kg", "Vehicle test mass"),
        _vehicle_constant("drag_coefficient", "1", "Aerodynamic drag coefficient Cd"),
        _vehicle_constant("frontal_area", "m2", "Frontal area A"),
        _vehicle_constant("rolling_resistance_coefficient", "1", "Rolling resistance coefficient Crr"),
        _vehicle_constant("wheel_radius", "m", "Wheel rolling radius"),
        _vehicle_constant("air_density", "kg/m3", "Density of the ambient air"),
        _vehicle_constant("motor_max_power", "W", "Rated (peak) shaft power of the motor"),
        _vehicle_constant("motor_max_torque", "N.m", "Peak shaft torque of the motor"),
        _vehicle_constant("final_drive_ratio", "1", "Motor speed over wheel speed"),
        _vehicle_constant("final_drive_efficiency", "1", "Efficiency from motor shaft to wheels", max=1.0),
        _vehicle_constant("regen_max_power", "W", "Largest shaft power the motor may absorb in regen"),
        _vehicle_constant("aux_power", "W", "Auxiliary electrical load; for none set a negligible value, "
                          "e.g. 1e-6 W"),
        _vehicle_constant("battery_max_discharge_power", "W", "Largest power the battery may deliver"),
        _vehicle_constant("battery_max_charge_power", "W", "Largest power the battery may accept"),
        _vehicle_constant("battery_max_discharge_current", "A", "Largest current the battery may deliver"),
        _vehicle_constant("battery_max_charge_current", "A", "Largest current the battery may accept"),
    )

    def create_model(self) -> Model:
        preset = vehicle_preset(self.vehicle)
        overrides = {field: getattr(self, name) for name, field in _OVERRIDES.items() if getattr(self, name) > 0.0}
        motor = overrides.get("motor_max_power_w", preset.motor_max_power_w)
        overrides.setdefault("regen_max_power_w", min(preset.regen_max_power_w, motor))
        return Model(replace(preset, road_grade=self.road_grade, **overrides), self.drive_cycle)

    def read_outputs(self) -> None:
        model = self.model
        for name in _STEP_OUTPUT_NAMES:  # no step yet: the means over it are 0
            setattr(self, name, 0.0)
        self.electrical_energy = model.get_state()["energy_battery"]
        self.vehicle_speed = model.vehicle_speed
        self.distance = model.distance
        self.trace_speed = model.cycle.speed_at(model.time)
        self.trace_miss = self.trace_speed - self.vehicle_speed
        self.distance_miss = model.cycle.distance_at(model.time) - self.distance

    def advance(self, current_time: float, step_size: float) -> None:
        result = self.model.step(step_size, self.battery_voltage)
        for name in _STEP_OUTPUT_NAMES:
            setattr(self, name, getattr(result, name))
