"""BatteryCell as an FMU: compliance, equality with the model in fmpy, direct
feedthrough, state, bad input, refused steps, and the C host and libcosim."""
import math

import numpy as np
import pytest
from fmpy import read_model_description, simulate_fmu
from fmpy.fmi1 import FMICallException
from fmpy.validation import validate_fmu

from btwin.models.battery import BatteryParameters, Overpotentials, SPMeBattery
from btwin.models.thermal import CellThermal, ThermalParameters
from tests.fmus.fmi_helpers import Instance, references, run_c_host, unpack

pytestmark = pytest.mark.integration

FMI2_DISCARD, FMI2_ERROR = 2, 3
CONTRACT = ("voltage", "soc", "heat_generation", "ocv", "plating_overpotential", "capacity_loss")
OVERPOTENTIALS = tuple(f"{process}_overpotential" for process in Overpotentials._fields)
FEEDTHROUGH = {"voltage", "power", "heat_generation", "ocv", "plating_overpotential", *OVERPOTENTIALS}
T_25C = 298.15
# a cell that differs from the defaults in every kind of descriptor, tortuosity given for the separator
MICROSTRUCTURE = dict(negative_electrode_porosity=0.3, separator_porosity=0.5, positive_electrode_porosity=0.3,
                      negative_electrode_bruggeman=1.8, positive_electrode_bruggeman=2.0,
                      separator_tortuosity=2.5, negative_particle_radius=7e-6, positive_particle_radius=4e-6,
                      negative_electrode_thickness=70e-6, separator_thickness=15e-6,
                      positive_electrode_thickness=65e-6, negative_active_material_fraction=0.68,
                      positive_active_material_fraction=0.6)


@pytest.fixture
def fmu(fmu_dir):
    return fmu_dir / "BatteryCell.fmu"


def expected_outputs(out, current):
    values = out._asdict()
    values["power"] = out.voltage * current
    return values


def test_fmpy_validation_is_clean_with_units_and_honest_dependencies(fmu):
    assert validate_fmu(str(fmu)) == []
    description = read_model_description(str(fmu))
    reals = [v for v in description.modelVariables if v.type == "Real"]
    assert reals and all(v.unit for v in reals)
    by_name = {v.name: v for v in description.modelVariables}
    assert {"current", "temperature", *CONTRACT, "initial_soc", "n_series", "n_parallel",
            "sei_enabled", "separator_tortuosity", "positive_particle_radius"} <= set(by_name)
    assert (by_name["temperature"].min, by_name["temperature"].max) == ("253.15", "333.15")
    assert (by_name["separator_porosity"].min, by_name["separator_porosity"].max) == ("0.0", "1.0")
    depends = {o.variable.name: {d.name for d in o.dependencies} for o in description.outputs}
    assert {name for name, inputs in depends.items() if inputs} == FEEDTHROUGH
    assert depends["voltage"] == {"current", "temperature"}
    assert depends["soc"] == depends["capacity_loss"] == set()


def test_fmpy_simulation_equals_the_model_at_constant_current(fmu):
    result = simulate_fmu(str(fmu), stop_time=300.0, output_interval=1.0,
                          start_values={"current": 10.0, "initial_soc": 0.9, "n_series": 3, "n_parallel": 2})
    model = SPMeBattery(BatteryParameters(initial_soc=0.9, n_series=3, n_parallel=2))
    rows = [expected_outputs(model.evaluate(10.0, T_25C), 10.0)]
    rows += [expected_outputs(model.step(1.0, 10.0, T_25C), 10.0) for _ in range(300)]
    assert len(result) == len(rows)
    for name in (*CONTRACT, "power"):
        np.testing.assert_allclose(result[name], [row[name] for row in rows], rtol=0, atol=1e-9, err_msg=name)


def test_overpotential_outputs_are_the_models_split_in_fmpy(fmu):
    """Each step's overpotentials as fmpy reads them are the model's, and the
    eight outputs add up to the FMU's own ocv - voltage."""
    result = simulate_fmu(str(fmu), stop_time=120.0, output_interval=1.0, output=OVERPOTENTIALS + CONTRACT,
                          start_values={"current": 5.0, "initial_soc": 0.8, "n_series": 2})
    model = SPMeBattery(BatteryParameters(initial_soc=0.8, n_series=2))
    model.evaluate(5.0, T_25C)
    rows = [model.overpotentials()]
    for _ in range(120):
        model.step(1.0, 5.0, T_25C)
        rows.append(model.overpotentials())
    for index, name in enumerate(OVERPOTENTIALS):
        np.testing.assert_allclose(result[name], [row[index] for row in rows], rtol=0, atol=1e-9, err_msg=name)
    total = sum(result[name] for name in OVERPOTENTIALS)
    np.testing.assert_allclose(total, result["ocv"] - result["voltage"], rtol=0, atol=1e-4)
    assert np.all(result["negative_kinetic_overpotential"] > 0.0)  # discharge: every loss > 0


def test_fmpy_simulation_equals_the_model_for_a_changing_current_and_microstructure(fmu):
    times = np.arange(0.0, 401.0)
    currents = 4.0 * np.sin(2 * np.pi * times / 150.0) + 1.0  # charges and discharges
    signal = np.array(list(zip(times, currents)), dtype=[("time", float), ("current", float)])
    result = simulate_fmu(str(fmu), stop_time=400.0, output_interval=1.0, input=signal,
                          start_values={"initial_soc": 0.5, "sei_enabled": False, **MICROSTRUCTURE})
    tortuosity = MICROSTRUCTURE["separator_tortuosity"]
    model = SPMeBattery(BatteryParameters(initial_soc=0.5, sei_enabled=False, **MICROSTRUCTURE))
    assert model.parameters.transport_efficiency("separator") == 0.5 / tortuosity
    rows = [expected_outputs(model.evaluate(currents[0], T_25C), currents[0])]
    rows += [expected_outputs(model.step(1.0, i, T_25C), i) for i in currents[:-1]]
    for name in (*CONTRACT, "power"):
        np.testing.assert_allclose(result[name], [row[name] for row in rows], rtol=0, atol=1e-9, err_msg=name)
    internals = model.internals()
    assert result["negative_stoichiometry"][-1] == internals["negative_mean_stoichiometry"]
    assert result["electrolyte_concentration_min"][-1] == internals["electrolyte_concentration"].min()
    assert result["capacity_loss"][-1] == 0.0


def test_direct_feedthrough_voltage_follows_current_and_temperature_without_a_step(fmu):
    instance = Instance(fmu).initialize(current=5.0)
    instance.step(1.0, 60)
    model = SPMeBattery()
    for _ in range(60):
        model.step(1.0, 5.0, T_25C)
    soc = instance.get("soc")
    for current, temperature in ((20.0, T_25C), (-8.0, T_25C), (-8.0, 273.15)):
        instance.set(current=current, temperature=temperature)
        expected = expected_outputs(model.evaluate(current, temperature), current)
        expected.update(zip(OVERPOTENTIALS, model.overpotentials()))
        names = sorted(FEEDTHROUGH)
        assert instance.get(*names) == pytest.approx([expected[n] for n in names], abs=1e-12)
    assert instance.get("soc") == soc  # a state moves only with a step
    instance.close()


def test_state_round_trip_restores_everything(fmu):
    instance = Instance(fmu).initialize(current=5.0)
    instance.step(1.0, 30)
    names = [v.name for v in instance.description.modelVariables if v.causality == "output"]
    state = instance.slave.getFMUstate()
    serialized = instance.slave.serializeFMUstate(state)
    t1, at_t1 = instance.time, instance.get(*names)

    def run_on():
        instance.time = t1
        trace = []
        for k in range(20):
            instance.set(current=5.0 - k, temperature=290.0 + k)
            instance.step(0.5 + 0.1 * k)
            trace.append(instance.get(*names))
        return trace

    first = run_on()
    instance.slave.setFMUstate(state)
    assert instance.get(*names) == at_t1
    assert run_on() == first
    instance.slave.setFMUstate(instance.slave.deSerializeFMUstate(serialized))
    assert instance.get(*names) == at_t1
    assert run_on() == first
    instance.slave.freeFMUstate(state)
    instance.close()


@pytest.mark.parametrize("name, value, message", [
    ("current", math.nan, "input current = nan is not a finite number"),
    ("temperature", 400.0, "input temperature = 400.0 K is above its maximum 333.15"),
    ("temperature", 200.0, "input temperature = 200.0 K is below its minimum 253.15"),
    ("negative_electrode_porosity", 1.2, "parameter negative_electrode_porosity = 1.2 1 is above its maximum"),
    ("positive_particle_radius", -1e-6, "parameter positive_particle_radius = -1e-06 m is below its minimum"),
])
def test_bad_values_are_refused_with_fmi2error_naming_them(fmu, name, value, message, capfd):
    instance = Instance(fmu)
    with pytest.raises(FMICallException) as error:
        instance.set(**{name: value})
    assert error.value.status == FMI2_ERROR
    assert message in capfd.readouterr().out
    instance.slave.freeInstance()


@pytest.mark.parametrize("name, value, message", [
    ("separator_tortuosity", 0.5, "separator_tortuosity is a tortuosity factor and must be >= 1, got 0.5"),
    ("negative_electrode_porosity", 0.9, "negative_electrode_porosity + negative_active_material_fraction"),
])
def test_non_physical_parameters_fail_initialization_with_their_name(fmu, name, value, message, capfd):
    instance = Instance(fmu)
    instance.set(**{name: value})
    instance.slave.enterInitializationMode()
    with pytest.raises(FMICallException) as error:
        instance.slave.exitInitializationMode()
    assert error.value.status == FMI2_ERROR
    assert message in capfd.readouterr().out
    instance.slave.freeInstance()


def test_over_discharge_is_discarded_with_its_time_and_the_state_kept(fmu, capfd):
    instance = Instance(fmu).initialize(initial_soc=0.0, current=5.0)
    with pytest.raises(FMICallException) as error:
        for _ in range(100):
            before = instance.get("soc", "voltage")
            instance.step(10.0)
    assert error.value.status == FMI2_DISCARD
    log = capfd.readouterr().out
    assert f"step at t={instance.time:g} s rejected" in log
    assert f"from t = {instance.time:g} s to t = {instance.time + 10:g} s" in log
    assert "cell over-discharged" in log and "state unchanged" in log
    assert 0 < instance.time < 1000
    assert instance.get("soc", "voltage") == before
    instance.set(current=-5.0)  # the host may go on with what the cell can take
    instance.step(10.0)
    assert instance.get("soc")[0] > before[0]
    instance.close()


def test_plain_c_host_runs_battery_and_thermal_in_one_process(fmu_dir, c_host, tmp_path):
    battery = unpack(fmu_dir / "BatteryCell.fmu", tmp_path / "battery")
    thermal = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    b, t = references(fmu_dir / "BatteryCell.fmu"), references(fmu_dir / "CellThermal.fmu")
    result = run_c_host(
        c_host, 300, 1.0,
        f"{battery}|BatteryCell|{b['current']}=7.5,{b['temperature']}=288.15"
        f"|{b['voltage']},{b['soc']},{b['sei_thickness']}",
        f"{thermal}|CellThermal|{t['heat_generation']}=2.0|{t['core_temperature']}",
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    model = SPMeBattery()
    for _ in range(300):
        out = model.step(1.0, 7.5, 288.15)
    status, _, voltage, soc, sei = lines["BatteryCell"][1:]
    assert status == "0"
    assert [float(voltage), float(soc), float(sei)] == pytest.approx(
        [out.voltage, out.soc, model.internals()["sei_thickness"]], abs=1e-12)
    thermal_model = CellThermal(ThermalParameters(), 298.15)
    for _ in range(300):
        thermal_model.step(1.0, 2.0, 298.15)
    assert lines["CellThermal"][1] == "0"
    assert float(lines["CellThermal"][3]) == pytest.approx(thermal_model.core_temperature, abs=1e-9)


def test_libcosim_runs_two_battery_cells_at_once(fmu):
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    b = references(fmu)
    execution = CosimExecution.from_step_size(int(1e9))  # libcosim counts nanoseconds
    first = execution.add_local_slave(CosimLocalSlave(fmu_path=str(fmu), instance_name="first"))
    second = execution.add_local_slave(CosimLocalSlave(fmu_path=str(fmu), instance_name="second"))
    execution.real_initial_value(first, b["current"], 5.0)
    execution.real_initial_value(second, b["current"], -2.0)
    execution.real_initial_value(second, b["initial_soc"], 0.3)
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    assert execution.simulate_until(int(300e9))
    for index, current, soc in ((first, 5.0, 1.0), (second, -2.0, 0.3)):
        model = SPMeBattery(BatteryParameters(initial_soc=soc))
        for _ in range(300):
            out = model.step(1.0, current, T_25C)
        voltage, soc_now = observer.last_real_values(index, [b["voltage"], b["soc"]])
        assert [voltage, soc_now] == pytest.approx([out.voltage, out.soc], abs=1e-9)


@pytest.mark.parametrize("current", [1e4, 1000.0, -1000.0])
def test_a_current_beyond_the_c_rate_limit_is_refused_and_outputs_stay_readable(fmu, current, capfd):
    instance = Instance(fmu).initialize(current=5.0)
    instance.step(1.0, 10)
    before = instance.get("voltage", "soc", "heat_generation")
    with pytest.raises(FMICallException) as error:
        instance.set(current=current)
    assert error.value.status == FMI2_ERROR
    log = capfd.readouterr().out
    assert f"input current = {current!r} A is " in log
    assert "limit 50.0 A (10 C of 1 parallel cells of 5 A.h" in log or "limit -50.0 A (10 C" in log
    assert instance.get("voltage", "soc", "heat_generation") == before  # fmi2OK, last accepted inputs
    instance.step(1.0)
    assert 3.0 < instance.get("voltage")[0] < 4.2
    instance.close()


def test_the_c_rate_limit_scales_with_the_pack_and_gives_a_physical_voltage_at_1000_a(fmu):
    # 1000 A on 96s40p is 25 A (5 C) per cell: accepted, whatever the order parameters and current are set in
    instance = Instance(fmu)
    instance.set(current=1000.0, initial_soc=0.9)
    instance.slave.setInteger([instance.vr["n_series"], instance.vr["n_parallel"]], [96, 40])
    instance.initialize()
    instance.step(1.0, 10)
    model = SPMeBattery(BatteryParameters(initial_soc=0.9, n_series=96, n_parallel=40))
    for _ in range(10):
        out = model.step(1.0, 1000.0, T_25C)
    voltage = instance.get("voltage")[0]
    assert voltage == pytest.approx(out.voltage, abs=1e-9)
    assert 3.0 * 96 < voltage < 4.2 * 96


def test_a_current_set_before_initialization_is_checked_when_the_pack_is_known(fmu, capfd):
    instance = Instance(fmu)
    instance.set(current=100.0)  # 20 C of the default single cell
    instance.slave.enterInitializationMode()
    with pytest.raises(FMICallException) as error:
        instance.slave.exitInitializationMode()
    assert error.value.status == FMI2_ERROR
    assert "input current = 100.0 A is above its limit 50.0 A" in capfd.readouterr().out
    instance.slave.freeInstance()


def test_after_a_discarded_step_outputs_are_those_of_the_last_accepted_state(fmu, capfd):
    instance = Instance(fmu).initialize(initial_soc=0.02, current=5.0)
    instance.step(10.0, 3)
    before = instance.get("voltage", "soc", "heat_generation", "ocv")
    instance.set(current=45.0)  # within 10 C, but it empties the particles within the step
    with pytest.raises(FMICallException) as error:
        instance.step(60.0)
    assert error.value.status == FMI2_DISCARD
    assert instance.get("voltage", "soc", "heat_generation", "ocv") == before  # fmi2OK
    instance.set(current=1.0)
    instance.step(10.0)
    assert all(math.isfinite(v) for v in instance.get("voltage", "soc", "heat_generation"))
    instance.close()


def test_a_restored_state_out_of_bounds_is_refused_and_changes_nothing(fmu, capfd):
    import json

    instance = Instance(fmu).initialize(current=5.0)
    instance.step(1.0, 5)
    saved = json.loads(bytes(instance.slave.serializeFMUstate(instance.slave.getFMUstate())))
    after = instance.get("voltage", "soc", "temperature")
    for name, value, message in (("temperature", 5000.0, "temperature = 5000.0 K is above its maximum"),
                                 ("n_parallel", 0, "n_parallel = 0 is below its minimum 1")):
        bad = json.loads(json.dumps(saved))
        bad["values"][name] = value
        with pytest.raises(FMICallException) as error:
            instance.slave.setFMUstate(instance.slave.deSerializeFMUstate(json.dumps(bad).encode()))
        assert error.value.status == FMI2_ERROR
        assert message in capfd.readouterr().out
        assert instance.get("voltage", "soc", "temperature") == after
    instance.close()
