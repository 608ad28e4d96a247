"""Every FMU bounds its inputs physically: declared in modelDescription.xml
where the bound is a number, enforced (fmi2Error naming the input and the
bound) where it follows from the parameters too, and a refused value leaves
the input at its last accepted value."""
import pytest
from fmpy import read_model_description
from fmpy.fmi1 import FMICallException

from tests.fmus.fmi_helpers import Instance

pytestmark = pytest.mark.integration

FMI2_ERROR = 3

# FMU, input, declared (min, max) or None for a bound that follows from parameters
DECLARED = [
    ("BatteryCell", "temperature", ("253.15", "333.15")),
    ("CellThermal", "ambient_temperature", ("213.15", "373.15")),
    ("Powertrain", "battery_voltage", ("0.0", "1500.0")),
    ("Charger", "battery_voltage", ("0.0", "1500.0")),
    ("Charger", "current_setpoint", ("-3000.0", "3000.0")),
    ("Cycler", "battery_voltage", ("0.0", "1500.0")),
    ("Sensors", "surface_temperature", ("173.15", "1273.15")),
    ("StateEstimator", "measured_current", ("-3000.0", "3000.0")),
    ("StateEstimator", "ambient_temperature", ("213.15", "373.15")),
]


@pytest.mark.parametrize("name, variable, bounds", DECLARED)
def test_static_bounds_are_declared_in_the_model_description(fmu_dir, name, variable, bounds):
    by_name = {v.name: v for v in read_model_description(str(fmu_dir / f"{name}.fmu")).modelVariables}
    assert (by_name[variable].min, by_name[variable].max) == bounds


@pytest.mark.parametrize("name, parameters, variable, accepted, refused, message", [
    ("BatteryCell", {"n_parallel": 4}, "current", -199.0, 201.0, "above its limit 200.0 A (10 C of 4 parallel"),
    ("CellThermal", {"n_cells": 10.0}, "heat_generation", 990.0, -1001.0, "below its limit -1000.0 W"),
    ("CellThermal", {}, "ambient_temperature", 233.15, 400.0, "above its maximum 373.15"),
    ("Powertrain", {}, "battery_voltage", 800.0, 2000.0, "above its maximum 1500.0"),
    ("Charger", {}, "current_setpoint", -2500.0, -4000.0, "below its minimum -3000.0"),
    ("GridFeeder", {"transformer_rating": 400e3}, "load_power_factory", -700e3, 801e3,
     "above its limit 800000.0 W (2 x transformer_rating"),
])
def test_a_value_beyond_the_bound_is_refused_and_the_last_accepted_one_stays(
        fmu_dir, capfd, name, parameters, variable, accepted, refused, message):
    instance = Instance(fmu_dir / f"{name}.fmu")
    integers = {k: v for k, v in parameters.items() if isinstance(v, int)}
    if integers:
        instance.slave.setInteger([instance.vr[k] for k in integers], list(integers.values()))
    instance.initialize(**{k: v for k, v in parameters.items() if isinstance(v, float)})
    instance.set(**{variable: accepted})
    with pytest.raises(FMICallException) as error:
        instance.set(**{variable: refused})
    assert error.value.status == FMI2_ERROR
    assert f"input {variable} = {refused!r}" in (log := capfd.readouterr().out) and message in log, log
    assert instance.get(variable) == [accepted]
    instance.close()
