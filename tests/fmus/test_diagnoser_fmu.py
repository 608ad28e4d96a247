"""The Diagnoser FMU in fmpy, libcosim and the plain C host: compliance, the
same diagnosis as its model, warm-up, bad input, state."""
import math

import numpy as np
import pytest
from fmpy import read_model_description, simulate_fmu
from fmpy.fmi1 import FMICallException
from fmpy.validation import validate_fmu

from btwin.models.diagnosis import Diagnoser, DiagnoserSettings, FaultCode
from tests.fmus.fmi_helpers import Instance, references, run_c_host, unpack

pytestmark = pytest.mark.integration
START = {"warmup_time": 60.0}


@pytest.fixture
def fmu(fmu_dir):
    return fmu_dir / "Diagnoser.fmu"


def residual_signal(offset_time, offset, seconds=300):
    """Measured voltage with 2 mV noise and a sensor offset from ``offset_time``."""
    t = np.arange(0.0, seconds + 1.0)
    noise = np.random.default_rng(3).normal(0.0, 2e-3, t.size)
    signal = np.zeros(t.size, dtype=[("time", float), ("measured_voltage", float),
                                      ("predicted_voltage", float), ("measured_current", float)])
    signal["time"] = t
    signal["predicted_voltage"] = 3.7
    signal["measured_voltage"] = 3.7 + noise + np.where(t >= offset_time, offset, 0.0)
    signal["measured_current"] = 2.0
    return signal


def test_fmpy_validation_is_clean_and_every_real_has_a_unit(fmu):
    assert validate_fmu(str(fmu)) == []
    description = read_model_description(str(fmu))
    reals = [v for v in description.modelVariables if v.type == "Real"]
    assert reals and all(v.unit for v in reals)
    names = {v.name for v in description.modelVariables}
    assert {"voltage_sensor_fault", "current_sensor_fault", "temperature_sensor_fault", "plating_alarm",
            "internal_short_alarm", "thermal_runaway_alarm", "fault_code"} <= names


@pytest.mark.parametrize("detector", ["cusum", "glr"])
def test_fmpy_flags_a_voltage_offset_like_the_model(fmu, detector):
    signal = residual_signal(200.0, 0.015)
    start = {**START, "detector": detector}
    result = simulate_fmu(str(fmu), stop_time=300.0, step_size=1.0, output_interval=1.0, input=signal,
                          start_values=start, output=["fault_code", "voltage_sensor_fault", "voltage_residual"])
    model = Diagnoser(DiagnoserSettings(**start))
    codes = []
    for row in signal[:-1]:  # the input held over each step is the one at its start
        codes.append(int(model.step(1.0, 2.0, row["measured_voltage"], 298.15, 3.7, 298.15).fault_code))
    assert list(result["fault_code"][1:]) == codes
    assert result["fault_code"][50] == FaultCode.WARMING_UP
    assert result["fault_code"][150] == FaultCode.NONE
    first = int(np.argmax(result["voltage_sensor_fault"]))
    assert 200 < result["time"][first] <= 210 and result["fault_code"][-1] == FaultCode.VOLTAGE_SENSOR


def test_not_ready_while_the_twin_is_uncertain(fmu):
    instance = Instance(fmu).initialize(warmup_time=5.0, soc_std=0.2, measured_voltage=3.9)
    instance.step(1.0, 100)
    assert instance.slave.getInteger([instance.vr["fault_code"]]) == [FaultCode.WARMING_UP]
    instance.close()


@pytest.mark.parametrize("name, value", [("measured_voltage", math.nan),
                                         ("predicted_surface_temperature", math.inf),
                                         ("soc_std", -0.1), ("current_offset_std", -0.1),
                                         ("resistance_factor", math.nan)])
def test_bad_input_is_refused_by_name(fmu, name, value, capfd):
    instance = Instance(fmu).initialize()
    with pytest.raises(FMICallException) as error:
        instance.set(**{name: value})
    assert error.value.status == 3
    assert name in capfd.readouterr().out
    instance.step(1.0)  # the host lives on
    instance.close()


def test_state_round_trip(fmu):
    instance = Instance(fmu).initialize(**START)
    instance.step(1.0, 70)
    saved = instance.slave.serializeFMUstate(instance.slave.getFMUstate())

    def run_on():
        trace = []
        for k in range(20):
            instance.set(measured_voltage=3.7 + 0.002 * k)
            instance.step(1.0)
            trace.append(instance.get("voltage_statistic", "voltage_residual"))
        return trace

    first = run_on()
    instance.slave.setFMUstate(instance.slave.deSerializeFMUstate(saved))
    instance.time -= 20.0
    assert run_on() == first
    instance.close()


def test_plain_c_host_steps_it(fmu, c_host, tmp_path):
    folder = unpack(fmu, tmp_path / "diagnoser")
    r = references(fmu)
    result = run_c_host(c_host, 120, 1.0,
                        f"{folder}|Diagnoser|{r['warmup_time']}=30,{r['measured_voltage']}=3.72,"
                        f"{r['predicted_voltage']}=3.7|{r['voltage_residual']},{r['voltage_statistic']}")
    assert result.returncode == 0, result.stderr
    line = result.stdout.split()
    assert line[1] == "0"
    assert float(line[3]) == pytest.approx(0.02, abs=1e-12)
    assert float(line[4]) == 0.0  # a constant residual is learnt in the warm-up: no change


def test_libcosim_sees_an_offset_appear(fmu):
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimManipulator import CosimManipulator
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    r = references(fmu)
    execution = CosimExecution.from_step_size(int(1e9))
    index = execution.add_local_slave(CosimLocalSlave(fmu_path=str(fmu), instance_name="diagnoser"))
    execution.real_initial_value(index, r["warmup_time"], 30.0)
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    override = CosimManipulator.create_override()
    execution.add_manipulator(override)
    assert execution.simulate_until(int(100e9))
    assert observer.last_integer_values(index, [r["fault_code"]]) == [FaultCode.NONE]
    override.slave_real_values(index, [r["measured_voltage"]], [3.72])
    assert execution.simulate_until(int(110e9))
    assert observer.last_boolean_values(index, [r["voltage_sensor_fault"]]) == [True]


def test_an_unknown_detector_is_refused_by_name_and_the_host_lives_on(fmu, capfd):
    instance = Instance(fmu)
    instance.slave.setString([instance.vr["detector"]], ["sprt"])
    with pytest.raises(FMICallException):
        instance.slave.enterInitializationMode()
        instance.slave.exitInitializationMode()
    assert "detector" in capfd.readouterr().out
    instance.close()


def test_fmpy_names_plating_on_the_relaxation_of_a_plant_that_plated(fmu):
    """The measured current and voltage of the plant's cold fast charge (1.5C for 20 min at
    -5 degC, it plates) and rest, 2 mV noise; the twin's prediction equals the measurement, so
    only the relaxation can name the plating."""
    from btwin.models.battery import BatteryParameters, SPMeBattery
    from btwin.models.diagnosis.relaxation import LATE, WINDOW

    cell = SPMeBattery(BatteryParameters(initial_soc=0.2, sei_enabled=False, initial_temperature=268.15))
    current = np.r_[np.full(1200, -7.5), np.zeros(int(LATE + WINDOW) + 10)]
    voltage = [cell.step(1.0, i, 268.15).voltage for i in current]
    signal = np.zeros(current.size, dtype=[("time", float), ("measured_voltage", float),
                                           ("predicted_voltage", float), ("measured_current", float)])
    signal["time"] = np.arange(current.size, dtype=float)
    signal["measured_current"] = current
    signal["measured_voltage"] = np.r_[voltage[0], voltage[:-1]]  # the reading at each step's start
    signal["measured_voltage"] += np.random.default_rng(5).normal(0.0, 2e-3, current.size)
    signal["predicted_voltage"] = signal["measured_voltage"]
    result = simulate_fmu(str(fmu), stop_time=current.size - 1.0, step_size=1.0, output_interval=1.0,
                          input=signal, start_values=START,
                          output=["plating_alarm", "plating_warning", "relaxation_excess", "fault_code"])
    first = int(np.argmax(result["plating_alarm"]))
    assert result["plating_alarm"][-1] and not result["plating_warning"][-1]
    assert result["time"][first] == pytest.approx(1200.0 + LATE + WINDOW, abs=2.0)
    assert result["relaxation_excess"][-1] > DiagnoserSettings().plating_fault_free_excess
    assert result["fault_code"][-1] == FaultCode.PLATING
