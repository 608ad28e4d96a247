"""CellThermal as an FMU: compliance, fmpy, state, bad input."""
import math

import pytest
from fmpy import read_model_description, simulate_fmu
from fmpy.fmi1 import FMICallException
from fmpy.validation import validate_fmu

from btwin.models.thermal import CellThermal, ThermalParameters
from tests.fmus.fmi_helpers import Instance

pytestmark = pytest.mark.integration


@pytest.fixture
def fmu(fmu_dir):
    return fmu_dir / "CellThermal.fmu"


def test_fmpy_validation_is_clean_and_every_real_has_a_unit(fmu):
    assert validate_fmu(str(fmu)) == []
    description = read_model_description(str(fmu))
    reals = [v for v in description.modelVariables if v.type == "Real"]
    assert reals and all(v.unit for v in reals)
    assert description.coSimulation.needsExecutionTool is False
    assert description.coSimulation.canGetAndSetFMUstate is True
    assert description.coSimulation.canSerializeFMUstate is True


def test_simulate_fmu_matches_the_model(fmu):
    result = simulate_fmu(str(fmu), stop_time=600.0, output_interval=10.0,
                          start_values={"heat_generation": 3.0, "n_cells": 2.0})
    model = CellThermal(ThermalParameters(n_cells=2.0), 298.15)
    for _ in range(60):
        model.step(10.0, 3.0, 298.15)
    assert result["time"][-1] == 600.0
    assert result["core_temperature"][-1] == pytest.approx(model.core_temperature, abs=1e-9)
    assert result["surface_temperature"][-1] == pytest.approx(model.surface_temperature, abs=1e-9)


def test_outputs_are_readable_during_initialization(fmu):
    instance = Instance(fmu)
    instance.set(initial_temperature=310.0)
    instance.slave.enterInitializationMode()
    assert instance.get("core_temperature", "surface_temperature") == [310.0, 310.0]
    instance.slave.exitInitializationMode()
    instance.close()


def test_state_round_trip_restores_everything(fmu):
    instance = Instance(fmu).initialize(heat_generation=5.0)
    instance.step(1.0, 30)
    state = instance.slave.getFMUstate()
    serialized = instance.slave.serializeFMUstate(state)
    t1 = instance.time

    def run_on():
        instance.time = t1
        instance.set(heat_generation=5.0)
        trace = []
        for k in range(20):
            instance.set(heat_generation=5.0 + k)
            instance.step(1.0)
            trace.append(instance.get("core_temperature", "surface_temperature", "heat_rejected"))
        return trace

    first = run_on()
    instance.slave.setFMUstate(state)
    assert run_on() == first
    instance.slave.setFMUstate(instance.slave.deSerializeFMUstate(serialized))
    assert run_on() == first
    instance.slave.freeFMUstate(state)
    instance.close()


@pytest.mark.parametrize("name, value, message", [
    ("heat_generation", math.nan, "heat_generation"),
    ("ambient_temperature", math.inf, "ambient_temperature"),
    ("ambient_temperature", -1.0, "below its minimum"),
    ("core_heat_capacity", -5.0, "core_heat_capacity"),
])
def test_bad_values_are_refused_with_fmi2error(fmu, name, value, message, capfd):
    instance = Instance(fmu)
    with pytest.raises(FMICallException) as error:
        instance.set(**{name: value})
    assert error.value.status == 3  # fmi2Error
    assert message in capfd.readouterr().out
    instance.slave.freeInstance()


def test_non_physical_parameter_fails_initialization_with_its_name(fmu, capfd):
    instance = Instance(fmu)
    instance.set(surface_to_ambient_resistance=0.0)
    instance.slave.enterInitializationMode()
    with pytest.raises(FMICallException) as error:
        instance.slave.exitInitializationMode()
    assert error.value.status == 3
    assert "surface_to_ambient_resistance" in capfd.readouterr().out
    instance.slave.freeInstance()


def test_bad_step_size_is_an_error_and_the_host_lives_on(fmu):
    instance = Instance(fmu).initialize()
    with pytest.raises(FMICallException):
        instance.slave.doStep(currentCommunicationPoint=0.0, communicationStepSize=-1.0)
    instance.slave.freeInstance()
    # a fresh instance in the same process still works
    again = Instance(fmu, "again").initialize(heat_generation=1.0)
    again.step(10.0)
    assert again.get("core_temperature")[0] > 298.15
    again.close()
