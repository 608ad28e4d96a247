"""Rules the base class keeps for every FMU, shown on the test-only Heater."""
import ctypes
import json

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


FMI2_ERROR = 3


def _refused(call, capfd, message):
    """``call`` fails with fmi2Error and logs ``message``."""
    from fmpy.fmi1 import FMICallException

    with pytest.raises(FMICallException) as error:
        call()
    assert error.value.status == FMI2_ERROR
    assert message in capfd.readouterr().out


def test_do_step_is_refused_before_initialization_and_after_terminate(fmu_dir, capfd):
    heater = Instance(fmu_dir / "Heater.fmu")
    heater.set(voltage=10.0)
    _refused(lambda: heater.step(1.0), capfd, "fmi2DoStep before initialization")
    heater.slave.enterInitializationMode()
    _refused(lambda: heater.step(1.0), capfd, "fmi2DoStep before initialization")
    heater.slave.exitInitializationMode()
    assert heater.get("energy") == [0.0]  # the refused steps advanced nothing
    heater.step(1.0)
    assert heater.get("energy") == [10.0]
    heater.slave.terminate()
    _refused(lambda: heater.step(1.0), capfd, "fmi2DoStep after fmi2Terminate")
    assert heater.get("energy") == [10.0]
    heater.slave.freeInstance()


def test_a_step_that_would_make_an_output_infinite_fails_and_keeps_the_last_state(fmu_dir, capfd):
    heater = Instance(fmu_dir / "Heater.fmu").initialize(voltage=10.0)
    heater.step(1.0)
    heater.set(voltage=1e200)  # finite, but its power V^2/R overflows
    _refused(lambda: heater.get("power"), capfd, "output power would be inf")
    _refused(lambda: heater.step(1.0), capfd, "output power would be inf")
    assert heater.get("power", "energy") == [10.0, 10.0]  # the last accepted state, fmi2OK
    heater.set(voltage=20.0)
    heater.step(1.0)
    assert heater.get("power", "energy") == [40.0, 50.0]
    heater.close()


def test_a_refused_set_changes_none_of_its_values(fmu_dir, capfd):
    heater = Instance(fmu_dir / "Heater.fmu")
    vr = heater.vr
    _refused(lambda: heater.slave.setReal([vr["voltage"], vr["resistance"]], [5.0, -1.0]), capfd,
             "resistance = -1.0 Ohm is below its minimum")
    heater.initialize()
    assert heater.get("power") == [0.0]  # voltage not set to 5 V
    heater.close()


def _tampered(heater, edit):
    """A serialized state of ``heater`` with ``edit`` applied to its JSON, deserialized again."""
    state = json.loads(bytes(heater.slave.serializeFMUstate(heater.slave.getFMUstate())))
    edit(state)
    return heater.slave.deSerializeFMUstate(json.dumps(state).encode())


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["values"].update(resistance=-5.0), "parameter resistance = -5.0 Ohm is below its minimum"),
    (lambda s: s["values"].update(_initialized=True), "unknown ['_initialized']"),
    (lambda s: s["values"].update(voltage="high"), "state value of voltage must be of type float"),
    (lambda s: s.update(model={"energy": float("nan")}), "model state['energy'] = nan is not a finite"),
    (lambda s: s["values"].update(voltage=30.0, energy=float("inf")), "output energy = inf is not a finite"),
    (lambda s: s.update(model=None, hidden=1), "not an FMU state of this FMU"),
    (lambda s: s.update(model=None), "an initialized state must hold the model's state"),
])
def test_a_restored_state_is_checked_and_a_refused_one_changes_nothing(fmu_dir, capfd, edit, message):
    heater = Instance(fmu_dir / "Heater.fmu").initialize(voltage=10.0)
    heater.step(1.0)
    bad = _tampered(heater, edit)
    heater.set(voltage=20.0)
    heater.step(1.0)
    _refused(lambda: heater.slave.setFMUstate(bad), capfd, message)
    assert heater.get("voltage", "power", "energy") == [20.0, 40.0, 50.0]
    heater.step(1.0)  # and the instance works on
    assert heater.get("energy") == [90.0]
    heater.close()


def test_a_state_with_other_parameters_rebuilds_the_model(fmu_dir):
    first = Instance(fmu_dir / "Heater.fmu", "first").initialize(voltage=10.0, resistance=5.0)
    first.step(1.0)
    saved = first.slave.serializeFMUstate(first.slave.getFMUstate())
    second = Instance(fmu_dir / "Heater.fmu", "second").initialize(voltage=10.0)
    second.slave.setFMUstate(second.slave.deSerializeFMUstate(saved))
    second.step(1.0)
    assert second.get("resistance", "energy") == [5.0, 40.0]  # 20 W from the restored 5 Ohm
    first.close()
    second.close()


def test_outputs_of_a_model_that_cannot_be_built_read_as_an_error_never_as_nan(fmu_dir, capfd):
    heater = Instance(fmu_dir / "Heater.fmu")
    heater.set(resistance=0.0)  # within the declared bounds, refused by the model
    heater.slave.enterInitializationMode()
    _refused(heater.slave.exitInitializationMode, capfd, "resistance must be positive")
    # the raw call, to see what a host that ignores the status reads
    vrs = (ctypes.c_uint * 2)(heater.vr["power"], heater.vr["energy"])
    values = (ctypes.c_double * 2)()
    values[0] = values[1] = 1.0
    _refused(lambda: heater.slave.fmi2GetReal(heater.slave.component, vrs, 2, values), capfd,
             "fmi2GetReal failed: resistance must be positive")
    assert list(values) == [0.0, 0.0]  # never NaN
    heater.slave.freeInstance()


def test_reading_a_non_real_as_real_is_an_error_and_the_instance_lives(fmu_dir):
    from fmpy.fmi1 import FMICallException

    sensors = Instance(fmu_dir / "Sensors.fmu").initialize(voltage=3.7)
    seed = sensors.vr["seed"]  # an Integer
    with pytest.raises(FMICallException):
        sensors.slave.getReal([sensors.vr["measured_voltage"], seed])
    assert sensors.get("voltage") == [3.7]  # the instance lives on
    sensors.close()
