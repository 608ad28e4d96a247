"""Powertrain as an FMU: compliance, fmpy against the model, state, bad input, C host, libcosim."""
import math

import numpy as np
import pytest
from fmpy import extract, read_model_description, simulate_fmu
from fmpy.fmi1 import FMICallException
from fmpy.fmi2 import FMU2Slave
from fmpy.validation import validate_fmu

from btwin.fmus.powertrain import Powertrain as PowertrainSlave
from btwin.models.powertrain import Powertrain, known_cycles, vehicle_preset
from btwin.models.thermal import CellThermal, ThermalParameters
from tests.fmus.fmi_helpers import references, run_c_host, unpack

pytestmark = pytest.mark.integration

OUTPUTS = ("battery_current", "electrical_power", "electrical_energy", "traction_power", "vehicle_speed",
           "distance", "trace_speed", "trace_miss", "distance_miss", "motor_power", "regen_power",
           "friction_brake_power", "loss_power")
TOLERANCE = {"rel": 1e-9, "abs": 1e-9}


@pytest.fixture
def fmu(fmu_dir):
    return fmu_dir / "Powertrain.fmu"


def voltage_profile(n):
    """A battery voltage that sags and ripples [V], one value per step."""
    k = np.arange(n, dtype=float)
    return 380.0 - 0.05 * k + 4.0 * np.sin(k / 7.0)


def model_outputs(voltages, h=1.0, vehicle="compact_ev", cycle="wltc_class3b", **overrides):
    model = Powertrain(vehicle_preset(vehicle, **overrides), cycle)
    return [model.step(h, float(v)) for v in voltages]


class Slave:
    """One instance driven through fmpy's low-level FMU2Slave, variables by name."""

    def __init__(self, fmu, name="powertrain", strings=None, **reals):
        description = read_model_description(str(fmu))
        self.vr = {v.name: v.valueReference for v in description.modelVariables}
        self.fmu = FMU2Slave(guid=description.guid, unzipDirectory=extract(str(fmu)),
                             modelIdentifier=description.coSimulation.modelIdentifier, instanceName=name)
        self.fmu.instantiate()
        self.fmu.setupExperiment(startTime=0.0)
        self.time = 0.0
        if strings:
            self.fmu.setString([self.vr[k] for k in strings], list(strings.values()))
        if reals:
            self.set(**reals)

    def set(self, **values):
        self.fmu.setReal([self.vr[k] for k in values], list(values.values()))

    def get(self, *names):
        return self.fmu.getReal([self.vr[k] for k in names])

    def initialize(self):
        self.fmu.enterInitializationMode()
        self.fmu.exitInitializationMode()
        return self

    def step(self, h, voltage):
        self.set(battery_voltage=voltage)
        self.fmu.doStep(currentCommunicationPoint=self.time, communicationStepSize=h)
        self.time += h

    def close(self):
        self.fmu.terminate()
        self.fmu.freeInstance()


def test_fmpy_validation_is_clean_and_no_output_feeds_through(fmu):
    assert validate_fmu(str(fmu)) == []
    description = read_model_description(str(fmu))
    variables = {v.name: v for v in description.modelVariables}
    assert all(v.unit for v in variables.values() if v.type == "Real")
    assert {v.name for v in variables.values() if v.causality == "output"} == set(OUTPUTS)
    assert all(unknown.dependencies == [] for unknown in description.outputs)
    assert variables["battery_voltage"].unit == "V" and variables["battery_current"].unit == "A"
    assert variables["drive_cycle"].type == "String" and variables["vehicle"].type == "String"


def test_vehicle_constants_left_at_zero_keep_the_preset_and_regen_follows_a_smaller_motor():
    slave = PowertrainSlave(instance_name="direct")
    slave.vehicle = "bolt_ev"
    assert slave.create_model().parameters == vehicle_preset("bolt_ev")
    slave.motor_max_power = 50e3
    assert slave.create_model().parameters.regen_max_power_w == 50e3


def test_simulate_fmu_over_wltc_matches_the_model_and_books_energy_exactly(fmu):
    n = 600  # the low phase of WLTC class 3b and the start of the medium one
    voltages = voltage_profile(n + 1)
    signal = np.array(list(zip(np.arange(n + 1.0), voltages)), dtype=[("time", float), ("battery_voltage", float)])
    result = simulate_fmu(str(fmu), stop_time=float(n), output_interval=1.0, input=signal, output=list(OUTPUTS),
                          start_values={"vehicle": "bolt_ev", "mass": 1800.0, "aux_power": 400.0})
    expected = model_outputs(voltages[:n], vehicle="bolt_ev", mass_kg=1800.0, aux_power_w=400.0)
    assert len(result) == n + 1
    for name in OUTPUTS:
        assert result[name][1:] == pytest.approx([getattr(out, name) for out in expected], **TOLERANCE), name
    assert result["battery_current"][0] == 0.0  # no step yet: the mean over the last step is 0
    # the vehicle both drives and recovers energy on this stretch
    assert result["traction_power"].min() < 0.0 < result["traction_power"].max()
    assert result["regen_power"].max() > 0.0
    # voltage x mean current x step, summed, is the energy the model took: nothing lost at the bond
    delivered = float(np.sum(voltages[:n] * result["battery_current"][1:] * 1.0))
    assert delivered == pytest.approx(result["electrical_energy"][-1], rel=1e-12)


def test_a_user_csv_cycle_through_the_string_parameter(fmu, tmp_path):
    cycle = tmp_path / "ramp.csv"
    cycle.write_text("time_s,speed_m_per_s\n0,0\n20,15\n40,15\n50,0\n")
    result = simulate_fmu(str(fmu), stop_time=60.0, output_interval=0.5,
                          start_values={"drive_cycle": str(cycle), "battery_voltage": 360.0})
    expected = model_outputs([360.0] * 120, h=0.5, cycle=str(cycle))[-1]
    assert result["distance"][-1] == pytest.approx(expected.distance, **TOLERANCE)
    assert result["distance"][-1] == pytest.approx(0.5 * 15 * 20 + 15 * 20 + 0.5 * 15 * 10, rel=1e-9)
    assert result["electrical_energy"][-1] == pytest.approx(expected.electrical_energy, **TOLERANCE)


def test_state_round_trip_and_serialized_state_in_a_fresh_instance(fmu):
    voltages = voltage_profile(160)
    slave = Slave(fmu).initialize()
    for v in voltages[:100]:
        slave.step(1.0, v)
    state = slave.fmu.getFMUstate()
    serialized = slave.fmu.serializeFMUstate(state)
    t1 = slave.time

    def run_on(instance):
        instance.time = t1
        trace = []
        for v in voltages[100:]:
            instance.step(1.0, v)
            trace.append(instance.get(*OUTPUTS))
        return trace

    first = run_on(slave)
    slave.fmu.setFMUstate(state)
    assert run_on(slave) == first
    slave.fmu.freeFMUstate(state)
    slave.close()

    fresh = Slave(fmu, name="fresh").initialize()
    fresh.fmu.setFMUstate(fresh.fmu.deSerializeFMUstate(serialized))
    assert run_on(fresh) == first
    fresh.close()


@pytest.mark.parametrize("voltage", [0.0, -5.0, math.nan, math.inf])
def test_a_bad_battery_voltage_is_fmi2error_naming_it(fmu, voltage, capfd):
    slave = Slave(fmu).initialize()
    with pytest.raises(FMICallException) as error:
        slave.step(1.0, voltage)  # NaN, inf and < 0 are refused when set, 0 when stepped
    assert error.value.status == 3  # fmi2Error
    assert "battery_voltage" in capfd.readouterr().out
    slave.fmu.freeInstance()


@pytest.mark.parametrize("strings, expected", [
    ({"drive_cycle": "wltc_class9"}, ["unknown drive cycle 'wltc_class9'", *known_cycles()]),
    ({"vehicle": "roadster"}, ["unknown vehicle preset 'roadster'", "bolt_ev", "compact_ev"]),
])
def test_unknown_names_fail_initialization_listing_the_known_ones(fmu, strings, expected, capfd):
    slave = Slave(fmu, strings=strings)
    slave.fmu.enterInitializationMode()
    with pytest.raises(FMICallException) as error:
        slave.fmu.exitInitializationMode()
    assert error.value.status == 3
    log = capfd.readouterr().out
    assert all(text in log for text in expected), log
    slave.fmu.freeInstance()


def test_a_malformed_csv_fails_initialization_naming_file_and_line(fmu, tmp_path, capfd):
    cycle = tmp_path / "broken.csv"
    cycle.write_text("0,0\n1,fast\n")
    slave = Slave(fmu, strings={"drive_cycle": str(cycle)})
    slave.fmu.enterInitializationMode()
    with pytest.raises(FMICallException):
        slave.fmu.exitInitializationMode()
    assert f"{cycle}, line 2" in capfd.readouterr().out
    slave.fmu.freeInstance()


def test_a_vehicle_constant_below_zero_is_refused(fmu, capfd):
    with pytest.raises(FMICallException) as error:
        Slave(fmu, mass=-1.0)
    assert error.value.status == 3
    assert "mass = -1.0 kg is below its minimum" in capfd.readouterr().out




def test_plain_c_host_without_python_in_its_environment_runs_it_beside_cell_thermal(fmu_dir, c_host, tmp_path):
    steps, voltage, heat = 300, 360.0, 2.0
    p, t = references(fmu_dir / "Powertrain.fmu"), references(fmu_dir / "CellThermal.fmu")
    outputs = ("battery_current", "vehicle_speed", "distance", "electrical_energy")
    powertrain = unpack(fmu_dir / "Powertrain.fmu", tmp_path / "powertrain")
    thermal = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    result = run_c_host(
        c_host, steps, 1.0,
        f"{powertrain}|Powertrain|{p['battery_voltage']}={voltage}|{','.join(str(p[o]) for o in outputs)}",
        f"{thermal}|CellThermal|{t['heat_generation']}={heat}|{t['core_temperature']}")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    assert lines["Powertrain"][1] == "0" and lines["CellThermal"][1] == "0", result.stderr
    expected = model_outputs([voltage] * steps)[-1]
    got = [float(x) for x in lines["Powertrain"][3:]]
    assert got == pytest.approx([getattr(expected, o) for o in outputs], **TOLERANCE)
    thermal_model = CellThermal(ThermalParameters(), 298.15)
    for _ in range(steps):
        thermal_model.step(1.0, heat, 298.15)
    assert float(lines["CellThermal"][3]) == pytest.approx(thermal_model.core_temperature, abs=1e-9)


def test_libcosim_runs_two_differently_configured_instances_at_once(fmu):
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    vr = references(fmu)
    execution = CosimExecution.from_step_size(int(1e9))  # libcosim counts nanoseconds
    compact = execution.add_local_slave(CosimLocalSlave(fmu_path=str(fmu), instance_name="compact"))
    bolt = execution.add_local_slave(CosimLocalSlave(fmu_path=str(fmu), instance_name="bolt"))
    execution.real_initial_value(compact, vr["battery_voltage"], 390.0)
    execution.real_initial_value(bolt, vr["battery_voltage"], 330.0)
    execution.string_initial_value(bolt, vr["vehicle"], "bolt_ev")
    execution.string_initial_value(bolt, vr["drive_cycle"], "udds")
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    assert execution.simulate_until(int(300e9))
    outputs = ("battery_current", "vehicle_speed", "distance", "electrical_energy", "trace_miss")
    for index, voltage, vehicle, cycle in ((compact, 390.0, "compact_ev", "wltc_class3b"),
                                           (bolt, 330.0, "bolt_ev", "udds")):
        expected = model_outputs([voltage] * 300, vehicle=vehicle, cycle=cycle)[-1]
        got = observer.last_real_values(index, [vr[o] for o in outputs])
        assert got == pytest.approx([getattr(expected, o) for o in outputs], **TOLERANCE), vehicle
