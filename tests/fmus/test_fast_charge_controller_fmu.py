"""FastChargeController as an FMU: compliance, fmpy against the model, state,
bad input and infeasible requests, a plain C host and libcosim."""
import math

import pytest
from fmpy import read_model_description
from fmpy.fmi1 import FMICallException
from fmpy.validation import validate_fmu

from btwin.models.control import ControllerSettings, FastChargeController
from tests.fmus.fmi_helpers import Instance, references, run_c_host, unpack

pytestmark = pytest.mark.integration

# a cell at 30 % and 25 degC, rested: the MPC charges it above 1C. A generous solve
# budget keeps the decisions independent of the machine's load (no fallback on time).
INPUTS = {"soc": 0.3, "core_temperature": 298.15, "measured_voltage": 3.75, "measured_current": 0.0,
          "ambient_temperature": 298.15, "solve_budget": 5.0}
OUTPUTS = ("current_setpoint", "predicted_plating_overpotential", "worst_predicted_plating_overpotential",
           "plating_tightening")


@pytest.fixture
def fmu(fmu_dir):
    return fmu_dir / "FastChargeController.fmu"


def integer(instance, name):
    return instance.slave.getInteger([instance.vr[name]])[0]


def test_fmpy_validation_is_clean_and_every_real_has_a_unit(fmu):
    assert validate_fmu(str(fmu)) == []
    description = read_model_description(str(fmu))
    reals = [v for v in description.modelVariables if v.type == "Real"]
    assert reals and all(v.unit for v in reals)
    assert description.coSimulation.canGetAndSetFMUstate is True


def test_the_fmu_decides_as_the_model_does_for_a_pack(fmu):
    """A 2s3p pack: the FMU's set-point is three cells' worth of the model's."""
    instance = Instance(fmu)
    instance.slave.setInteger([instance.vr["n_series"], instance.vr["n_parallel"]], [2, 3])
    instance.initialize(**{**INPUTS, "measured_voltage": 7.5, "max_charge_current": 30.0})
    instance.step(1.0)
    model = FastChargeController(ControllerSettings(solve_budget=5.0), n_series=1, n_parallel=1)
    expected = model.step(1.0, 0.3, 298.15, 3.75, 0.0, 298.15)
    got = instance.get(*OUTPUTS)
    assert got[0] == pytest.approx(3 * expected.current_setpoint, rel=1e-6)
    assert got[0] < -5.0 * 3  # above 1C per cell
    assert got[1] == pytest.approx(expected.predicted_plating_overpotential, abs=1e-6)
    assert integer(instance, "status") == 1
    instance.close()


def test_the_set_point_is_held_between_decisions_and_the_state_round_trips(fmu):
    instance = Instance(fmu).initialize(control_period=10.0, horizon=60.0, **INPUTS)
    instance.step(1.0, 3)
    state = instance.slave.getFMUstate()
    serialized = instance.slave.serializeFMUstate(state)
    t = instance.time

    def run_on():
        instance.time = t
        trace = []
        for k in range(12):
            instance.set(soc=0.3 + 0.001 * k, measured_current=-8.0)
            instance.step(1.0)
            trace.append(instance.get(*OUTPUTS))
        return trace

    first = run_on()
    assert first[0] == first[5]  # held until the decision at t = 10 s
    assert first[7] != first[5]
    instance.slave.setFMUstate(state)
    assert sum(run_on(), []) == pytest.approx(sum(first, []), rel=1e-6, abs=1e-6)
    instance.slave.setFMUstate(instance.slave.deSerializeFMUstate(serialized))
    assert sum(run_on(), []) == pytest.approx(sum(first, []), rel=1e-6, abs=1e-6)
    instance.close()


@pytest.mark.parametrize("values, status, says", [
    ({"target_soc": 0.2}, 4, "target_soc"),  # the SOC is already above the target
    ({"plating_margin": 0.5}, 5, "plating_margin"),  # no current keeps 0.5 V
])
def test_an_infeasible_request_commands_zero_current_and_says_why(fmu, values, status, says, capfd):
    instance = Instance(fmu).initialize(**values, **INPUTS)
    instance.step(1.0, 2)
    got = instance.get(*OUTPUTS)
    assert got[0] == 0.0
    assert all(math.isfinite(v) for v in got)
    assert integer(instance, "status") == status
    captured = capfd.readouterr()
    assert says in captured.out + captured.err
    instance.close()


def test_an_unknown_mode_fails_initialization_with_its_name(fmu, capfd):
    instance = Instance(fmu)
    instance.slave.setString([instance.vr["mode"]], ["robust"])
    instance.slave.enterInitializationMode()
    with pytest.raises(FMICallException) as error:
        instance.slave.exitInitializationMode()
    assert error.value.status == 3
    assert "mode must be one of" in capfd.readouterr().out
    instance.slave.freeInstance()


def test_a_nan_measurement_is_refused_and_the_host_lives_on(fmu, capfd):
    instance = Instance(fmu).initialize(**INPUTS)
    with pytest.raises(FMICallException):
        instance.set(measured_voltage=math.nan)
    assert "measured_voltage" in capfd.readouterr().out
    instance.step(1.0)
    assert math.isfinite(instance.get("current_setpoint")[0])
    instance.close()


def test_plain_c_host_runs_the_controller(fmu, c_host, tmp_path):
    folder = unpack(fmu, tmp_path / "controller")
    r = references(fmu)
    starts = ",".join(f"{r[name]}={value}" for name, value in INPUTS.items())
    result = run_c_host(c_host, 3, 1.0, f"{folder}|FastChargeController|{starts}|"
                                        f"{r['current_setpoint']},{r['predicted_plating_overpotential']}")
    assert result.returncode == 0, result.stderr
    line = result.stdout.split()
    model = FastChargeController(ControllerSettings(solve_budget=5.0)).step(1.0, 0.3, 298.15, 3.75, 0.0, 298.15)
    assert line[1] == "0"
    assert float(line[3]) == pytest.approx(model.current_setpoint, rel=1e-6)


def test_libcosim_runs_a_nominal_and_a_tube_controller_at_once(fmu):
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    vr = references(fmu)
    execution = CosimExecution.from_step_size(int(1e9))
    slaves = {mode: execution.add_local_slave(CosimLocalSlave(fmu_path=str(fmu), instance_name=mode))
              for mode in ("nominal", "tube")}
    for mode, index in slaves.items():
        execution.string_initial_value(index, vr["mode"], mode)
        for name, value in INPUTS.items():
            execution.real_initial_value(index, vr[name], value)
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    assert execution.simulate_until(int(2e9))
    setpoint = {mode: observer.last_real_values(index, [vr["current_setpoint"], vr["plating_tightening"]])
                for mode, index in slaves.items()}
    assert setpoint["tube"][0] > setpoint["nominal"][0] < -5.0  # the tube charges more gently
    assert setpoint["tube"][1] > 0.0 == setpoint["nominal"][1]
