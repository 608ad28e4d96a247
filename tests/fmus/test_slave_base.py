"""Rules the base class keeps for every FMU, shown on the test-only Heater."""
import pytest

from tests.fmus.fmi_helpers import Instance

pytestmark = pytest.mark.integration


def test_direct_feedthrough_output_follows_its_input_without_a_step(fmu_dir):
    heater = Instance(fmu_dir / "Heater.fmu").initialize(voltage=10.0)
    assert heater.get("power") == [10.0]
    heater.set(voltage=20.0)
    assert heater.get("power") == [40.0]  # read again, same time instant
    assert heater.get("energy") == [0.0]  # a state changes only with a step
    heater.step(2.0)
    assert heater.get("energy") == [80.0]
    heater.close()


def test_parameters_are_fixed_after_initialization(fmu_dir):
    from fmpy.fmi1 import FMICallException

    heater = Instance(fmu_dir / "Heater.fmu").initialize()
    with pytest.raises(FMICallException):
        heater.set(resistance=5.0)
    heater.close()


def test_outputs_cannot_be_set(fmu_dir):
    from fmpy.fmi1 import FMICallException

    heater = Instance(fmu_dir / "Heater.fmu").initialize()
    with pytest.raises(FMICallException):
        heater.set(power=5.0)
    heater.close()
