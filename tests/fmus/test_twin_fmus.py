"""Sensors, StateEstimator and Cycler as FMUs: compliance, the same numbers as
their models in fmpy, the plain C host and libcosim, state, bad input."""
import math
from dataclasses import fields

import numpy as np
import pytest
from fmpy import read_model_description, simulate_fmu
from fmpy.fmi1 import FMICallException
from fmpy.validation import validate_fmu

from btwin.models.cycler import Cycler
from btwin.models.estimation.estimator import OFFSET, EstimatorSettings, StateEstimator
from btwin.models.sensors import ChannelSpec, Sensors
from tests.fmus.fmi_helpers import Instance, references, run_c_host, unpack

pytestmark = pytest.mark.integration
TWIN_FMUS = ("Sensors", "StateEstimator", "Cycler")
MEASURED = ("measured_current", "measured_voltage", "measured_surface_temperature", "ambient_temperature")


@pytest.mark.parametrize("name", TWIN_FMUS)
def test_fmpy_validation_is_clean_units_everywhere_and_semantics_inside(fmu_dir, name):
    import zipfile
    fmu = fmu_dir / f"{name}.fmu"
    assert validate_fmu(str(fmu)) == []
    description = read_model_description(str(fmu))
    assert all(v.unit for v in description.modelVariables if v.type == "Real")
    assert description.coSimulation.canGetAndSetFMUstate and description.coSimulation.canSerializeFMUstate
    assert "resources/btwin.ttl" in zipfile.ZipFile(fmu).namelist()


def _measurements(steps=400, seed=5):
    """A plausible BMS record: a pulsed current, a voltage that sags with it."""
    rng = np.random.default_rng(seed)
    current = np.repeat(rng.normal(1.0, 3.0, steps // 20 + 1), 20)[:steps]
    voltage = 3.95 - 0.035 * current - np.cumsum(current) / 3600.0 / 5.0 * 0.6 + rng.normal(0, 0.005, steps)
    surface = 298.15 + np.cumsum(0.02 * current**2) / 200.0
    return current, voltage, surface


def test_state_estimator_through_fmi_is_the_model_step_for_step(fmu_dir):
    current, voltage, surface = _measurements()
    instance = Instance(fmu_dir / "StateEstimator.fmu")
    instance.slave.setBoolean([instance.vr["estimate_parameters"]], [True])
    instance.initialize(initial_soc=0.6, measured_voltage=voltage[0], measured_surface_temperature=surface[0])
    model = StateEstimator(EstimatorSettings(initial_soc=0.6))
    model.seed_temperature(surface[0])
    names = ("soc", "soc_std", "core_temperature", "capacity", "resistance", "predicted_voltage", "voltage_residual",
             "current_offset", "current_offset_std")
    for k in range(len(current)):
        instance.set(measured_current=current[k], measured_voltage=voltage[k], measured_surface_temperature=surface[k])
        estimate = model.estimate()
        predicted, _ = model.predict(current[k])
        expected = [estimate.soc, estimate.soc_std, estimate.core_temperature, estimate.capacity,
                    estimate.resistance, predicted, voltage[k] - predicted,
                    model.filter.x[OFFSET], model.filter.P[OFFSET, OFFSET] ** 0.5]
        assert instance.get(*names) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        instance.step(1.0)
        model.step(1.0, current[k], voltage[k], surface[k], 298.15)
    assert 0.0 < instance.get("soc")[0] < 1.0
    instance.close()


def test_every_estimator_option_is_an_fmu_parameter_starting_at_the_model_default(fmu_dir):
    """An FMU rig can configure the twin as a Python user can (the diagnostics
    campaign sets the model-error terms), and gets the model's defaults otherwise."""
    starts = {v.name: v.start for v in read_model_description(str(fmu_dir / "StateEstimator.fmu")).modelVariables
              if v.causality == "parameter"}
    for field in fields(EstimatorSettings):
        default = getattr(EstimatorSettings(), field.name)
        assert field.name in starts, f"StateEstimator FMU lacks the estimator option {field.name}"
        start = starts[field.name]
        assert (start == "true" if isinstance(default, bool) else float(start)) == pytest.approx(default, rel=1e-15), \
            field.name


@pytest.mark.parametrize("option, value", [
    # the diagnostics campaign's twin (scenarios/diagnostics_runs.py) and the other model-error terms
    ("voltage_bias_std", 1e-6), ("soc_drift", 0.0), ("resistance_model_error", 0.0),
    ("voltage_bias_time", 60.0), ("temperature_model_error", 0.3), ("heat_model_error", 2.0),
])
def test_a_model_error_option_set_through_fmpy_changes_the_estimate_as_the_python_option_does(
        fmu_dir, option, value):
    current, voltage, surface = _measurements(steps=120)
    instance = Instance(fmu_dir / "StateEstimator.fmu")
    instance.initialize(initial_soc=0.6, measured_voltage=voltage[0], measured_surface_temperature=surface[0],
                        **{option: value})
    models = [StateEstimator(EstimatorSettings(initial_soc=0.6, **{option: value})),
              StateEstimator(EstimatorSettings(initial_soc=0.6))]
    names = ("soc", "soc_std", "core_temperature", "core_temperature_std", "capacity", "resistance",
             "voltage_residual")
    traces = [[], [], []]
    for model in models:
        model.seed_temperature(surface[0])
    for k in range(len(current)):
        instance.set(measured_current=current[k], measured_voltage=voltage[k], measured_surface_temperature=surface[k])
        instance.step(1.0)
        traces[0].append(instance.get(*names))
        for trace, model in zip(traces[1:], models):
            e = model.step(1.0, current[k], voltage[k], surface[k], 298.15)
            trace.append([e.soc, e.soc_std, e.core_temperature, e.core_temperature_std, e.capacity, e.resistance,
                          voltage[k] - model.predict(current[k])[0]])
    instance.close()
    fmu, with_option, default = (np.array(t) for t in traces)
    assert fmu == pytest.approx(with_option, rel=1e-12, abs=1e-12)
    assert np.max(np.abs(with_option - default) / (np.abs(default) + 1e-9)) > 1e-4  # the option does something


def test_predicted_voltage_and_residual_follow_the_inputs_before_any_step(fmu_dir):
    instance = Instance(fmu_dir / "StateEstimator.fmu").initialize(measured_voltage=3.9)
    at_rest, = instance.get("predicted_voltage")
    instance.set(measured_current=10.0, measured_voltage=3.5)
    loaded, residual = instance.get("predicted_voltage", "voltage_residual")
    assert loaded < at_rest - 0.1  # ohmic and charge-transfer drop of 10 A
    assert residual == pytest.approx(3.5 - loaded, abs=1e-12)
    instance.close()


def test_predictions_after_a_step_are_those_of_the_new_estimate_even_from_a_saved_state(fmu_dir):
    """The predictions are computed when read (a host that sets new inputs
    after a step pays for them once): read after the step, after new inputs
    (and a read of an estimate alone), and from a state saved between the
    step and any read, they are the model's at the stepped estimate and the
    inputs then set."""
    current, voltage, surface = _measurements(steps=30)
    instance = Instance(fmu_dir / "StateEstimator.fmu").initialize(
        initial_soc=0.6, measured_voltage=voltage[0], measured_surface_temperature=surface[0])
    model = StateEstimator(EstimatorSettings(initial_soc=0.6))
    model.seed_temperature(surface[0])
    for k in range(len(current)):
        instance.set(measured_current=current[k], measured_voltage=voltage[k], measured_surface_temperature=surface[k])
        instance.step(1.0)
        model.step(1.0, current[k], voltage[k], surface[k], 298.15)
    saved = instance.slave.getFMUstate()  # before any read of the stepped predictions
    held, = instance.get("predicted_voltage")
    assert held == pytest.approx(model.predict(current[-1])[0], rel=1e-12)
    instance.set(measured_current=-5.0)
    assert instance.get("soc")[0] == pytest.approx(model.estimate().soc, rel=1e-12)  # leaves the predictions
    assert instance.get("predicted_voltage")[0] == pytest.approx(model.predict(-5.0)[0], rel=1e-12)
    instance.slave.setFMUstate(saved)
    assert instance.get("predicted_voltage")[0] == pytest.approx(held, rel=1e-12)
    instance.slave.freeFMUstate(saved)
    instance.close()


def test_a_voltage_spike_is_skipped_and_counted_never_nan(fmu_dir):
    instance = Instance(fmu_dir / "StateEstimator.fmu").initialize(measured_voltage=3.75, initial_soc=0.5)
    instance.step(1.0, 50)
    soc_before, = instance.get("soc")
    instance.set(measured_voltage=4.75)  # a 1 V glitch
    instance.step(1.0)
    instance.set(measured_voltage=3.75)
    instance.step(1.0, 5)
    count = instance.slave.getInteger([instance.vr["outliers_rejected"]])[0]
    values = instance.get("soc", "soc_std", "capacity", "resistance")
    assert count >= 1
    assert abs(values[0] - soc_before) < 0.01 and all(math.isfinite(v) for v in values)
    instance.close()


@pytest.mark.parametrize("name, value, says", [
    ("measured_voltage", math.nan, "measured_voltage"),
    ("measured_current", math.inf, "measured_current"),
    ("measured_surface_temperature", -3.0, "below its minimum"),
    ("initial_soc", 1.5, "above its maximum"),
])
def test_bad_measurements_and_parameters_are_fmi2error_naming_them(fmu_dir, name, value, says, capfd):
    instance = Instance(fmu_dir / "StateEstimator.fmu")
    with pytest.raises(FMICallException) as error:
        instance.set(**{name: value})
    assert error.value.status == 3
    assert says in capfd.readouterr().out
    instance.slave.freeInstance()


def test_a_zero_voltage_bias_time_is_refused_at_initialization_naming_it(fmu_dir, capfd):
    instance = Instance(fmu_dir / "StateEstimator.fmu")
    with pytest.raises(FMICallException) as error:
        instance.initialize(voltage_bias_time=0.0)
    assert error.value.status == 3
    assert "voltage_bias_time must be > 0" in capfd.readouterr().out
    instance.slave.freeInstance()


def test_state_estimator_state_round_trip_and_serialization(fmu_dir):
    current, voltage, surface = _measurements(120)
    instance = Instance(fmu_dir / "StateEstimator.fmu").initialize(measured_voltage=voltage[0])
    for k in range(60):
        instance.set(measured_current=current[k], measured_voltage=voltage[k], measured_surface_temperature=surface[k])
        instance.step(1.0)
    state = instance.slave.getFMUstate()
    serialized = instance.slave.serializeFMUstate(state)
    t = instance.time

    def run_on():
        instance.time, trace = t, []
        for k in range(60, 120):
            instance.set(measured_current=current[k], measured_voltage=voltage[k],
                         measured_surface_temperature=surface[k])
            instance.step(1.0)
            trace.append(instance.get("soc", "soc_std", "core_temperature", "capacity", "resistance"))
        return trace

    first = run_on()
    instance.slave.setFMUstate(state)
    assert run_on() == first
    instance.slave.setFMUstate(instance.slave.deSerializeFMUstate(serialized))
    assert run_on() == first
    instance.close()


def test_sensors_in_fmpy_are_the_model_and_the_same_seed_gives_the_same_noise(fmu_dir):
    start = {"seed": 11, "current_offset": 0.5, "current_offset_time": 30.0, "voltage_quantization": 0.01}
    outputs = ["measured_current", "measured_voltage", "measured_surface_temperature"]
    signals = np.array([(0.0, 2.0, 3.7, 300.0), (100.0, 2.0, 3.7, 300.0)],
                       dtype=[("time", float), ("current", float), ("voltage", float), ("surface_temperature", float)])
    runs = [simulate_fmu(str(fmu_dir / "Sensors.fmu"), stop_time=100.0, step_size=1.0, output_interval=1.0,
                         start_values=start, input=signals, output=outputs) for _ in range(2)]
    assert np.array_equal(runs[0][outputs], runs[1][outputs])
    model = Sensors({"current": ChannelSpec(noise=0.05, offset=0.5, offset_time=30.0),
                     "voltage": ChannelSpec(noise=0.005, quantization=0.01),
                     "surface_temperature": ChannelSpec(noise=0.1)}, seed=11)
    for k in range(100):
        expected = model.measure({"current": 2.0, "voltage": 3.7, "surface_temperature": 300.0})
        assert [runs[0][name][k] for name in outputs] == pytest.approx(expected, abs=1e-12)
        model.advance(1.0)


def test_cycler_in_fmpy_is_the_model(fmu_dir):
    result = simulate_fmu(str(fmu_dir / "Cycler.fmu"), stop_time=300.0, step_size=1.0, output_interval=1.0,
                          start_values={"battery_voltage": 3.8, "drive_cycle": "udds"}, output=["battery_current"])
    from btwin.models.cycler import CyclerParameters
    model = Cycler(CyclerParameters(drive_cycle="udds"))
    expected = [0.0] + [model.step(1.0, 3.8) for _ in range(300)]
    assert result["battery_current"] == pytest.approx(expected, abs=1e-12)


def test_plain_c_host_runs_sensors_estimator_and_cycler_in_one_process(fmu_dir, c_host, tmp_path):
    specs = []
    for name, inputs, outputs in (
            ("Sensors", "current=2.0,voltage=3.8", "measured_current,measured_voltage"),
            ("StateEstimator", "measured_current=2.0,measured_voltage=3.8", "soc,core_temperature,voltage_residual"),
            ("Cycler", "battery_voltage=3.8", "battery_current")):
        folder = unpack(fmu_dir / f"{name}.fmu", tmp_path / name)
        refs = references(fmu_dir / f"{name}.fmu")
        sets = ",".join(f"{refs[k]}={v}" for k, v in (pair.split("=") for pair in inputs.split(",")))
        gets = ",".join(str(refs[k]) for k in outputs.split(","))
        specs.append(f"{folder}|{name}|{sets}|{gets}")
    result = run_c_host(c_host, 60, 1.0, *specs)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    assert all(lines[name][1] == "0" for name in TWIN_FMUS)
    assert all(math.isfinite(float(v)) for name in TWIN_FMUS for v in lines[name][3:])
    assert 0.0 < float(lines["StateEstimator"][3]) < 1.0


def test_libcosim_runs_two_estimators_with_different_beliefs_at_once(fmu_dir):
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    fmu = str(fmu_dir / "StateEstimator.fmu")
    refs = references(fmu_dir / "StateEstimator.fmu")
    execution = CosimExecution.from_step_size(int(1e9))
    slaves = [execution.add_local_slave(CosimLocalSlave(fmu_path=fmu, instance_name=f"twin{i}")) for i in range(2)]
    for slave, belief in zip(slaves, (0.3, 0.8)):
        execution.real_initial_value(slave, refs["initial_soc"], belief)
        execution.real_initial_value(slave, refs["measured_voltage"], 3.75)
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    assert execution.simulate_until(int(120e9))
    for slave, belief in zip(slaves, (0.3, 0.8)):
        model = StateEstimator(EstimatorSettings(initial_soc=belief))
        model.seed_temperature(298.15)
        for _ in range(120):
            model.step(1.0, 0.0, 3.75, 298.15, 298.15)
        soc, = observer.last_real_values(slave, [refs["soc"]])
        assert soc == pytest.approx(model.estimate().soc, abs=1e-9)
