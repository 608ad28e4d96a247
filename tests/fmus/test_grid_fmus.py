"""Charger, FactoryLoads and GridFeeder as FMUs: compliance, fmpy against the models, state,
bad input, an infeasible feeder load, set-point clipping, a plain C host and libcosim."""
import math

import numpy as np
import pytest
from fmpy import read_model_description, simulate_fmu
from fmpy.fmi1 import FMICallException
from fmpy.validation import validate_fmu

from btwin.models.grid import (ChargePhase, Charger, ChargerParameters, FactoryLoads, FactoryParameters,
                               GridFeeder)
from tests.fmus.fmi_helpers import Instance, references, run_c_host, unpack

pytestmark = pytest.mark.integration

FMUS = ("Charger", "FactoryLoads", "GridFeeder")
EXACT = {"rel": 1e-12, "abs": 1e-9}
FMI2_DISCARD, FMI2_ERROR = 2, 3
LOAD_INPUTS = ("load_power_factory", "load_power_charger", "load_power_residential")
FEEDER_OUTPUTS = ("bus_voltage", "feeder_power", "losses", "transformer_loading")


class StandInPack:
    """A pack for the charger to charge: V = OCV(charge) + R c, OCV linear in the charge taken."""

    def __init__(self, capacity_as=190e3, resistance_ohm=0.1):
        self.capacity_as, self.resistance_ohm, self.charge_as = capacity_as, resistance_ohm, 0.0

    def voltage(self, charging_current_a):
        return 340.0 + 70.0 * self.charge_as / self.capacity_as + self.resistance_ohm * charging_current_a

    def take(self, charging_current_a, h):
        self.charge_as += charging_current_a * h


def integers(instance, *names):
    return instance.slave.getInteger([instance.vr[n] for n in names])


def booleans(instance, *names):
    return instance.slave.getBoolean([instance.vr[n] for n in names])


# ------------------------------------------------------------------ compliance
@pytest.mark.parametrize("name", FMUS)
def test_fmpy_validation_is_clean_and_every_real_has_a_unit(fmu_dir, name):
    assert validate_fmu(str(fmu_dir / f"{name}.fmu")) == []
    description = read_model_description(str(fmu_dir / f"{name}.fmu"))
    assert all(v.unit for v in description.modelVariables if v.type == "Real")


def test_names_units_and_feedthrough_are_the_contract(fmu_dir):
    def variables(name):
        description = read_model_description(str(fmu_dir / f"{name}.fmu"))
        return description, {v.name: v for v in description.modelVariables}

    charger, cv = variables("Charger")
    assert {n: cv[n].unit for n in ("battery_voltage", "current_setpoint", "battery_current", "grid_power")} \
        == {"battery_voltage": "V", "current_setpoint": "A", "battery_current": "A", "grid_power": "W"}
    assert (cv["phase"].type, cv["phase"].causality, cv["use_current_setpoint"].type) == \
        ("Integer", "output", "Boolean")
    assert all(unknown.dependencies == [] for unknown in charger.outputs)  # held over the step

    factory, fv = variables("FactoryLoads")
    assert (fv["machine_power"].unit, fv["machine_power"].causality) == ("kW", "output")
    assert (fv["start_date"].type, fv["seed"].type) == ("String", "Integer")
    assert not any(v.causality == "input" for v in fv.values())

    feeder, gv = variables("GridFeeder")
    assert {n for n, v in gv.items() if v.causality == "input"} == set(LOAD_INPUTS)
    assert all(gv[n].unit == "W" for n in LOAD_INPUTS)
    assert {gv[n].unit for n in FEEDER_OUTPUTS} == {"V", "W", "1"}
    solved = {u.variable.name: {d.name for d in u.dependencies} for u in feeder.outputs}
    assert all(solved[n] == set(LOAD_INPUTS) for n in FEEDER_OUTPUTS + ("undervoltage",))


# ------------------------------------------------------------- against models
def test_charger_charges_a_pack_through_cc_cv_and_termination_exactly_as_the_model(fmu_dir):
    h = 10.0
    fmu = Instance(fmu_dir / "Charger.fmu").initialize()
    model, pack = Charger(), StandInPack()
    current, phases, energy = 0.0, [], 0.0
    for _ in range(260):
        voltage = pack.voltage(-current)
        fmu.set(battery_voltage=voltage)
        fmu.step(h)
        expected = model.step(h, voltage)
        current, grid_power, efficiency = fmu.get("battery_current", "grid_power", "efficiency")
        assert [current, grid_power, efficiency] == pytest.approx(
            [expected.battery_current_a, expected.grid_power_w, expected.efficiency], **EXACT)
        phases.append(integers(fmu, "phase")[0])
        assert phases[-1] == expected.phase
        pack.take(-current, h)
        energy += voltage * -current * h
    assert [ChargePhase(p) for p in dict.fromkeys(phases)] == [ChargePhase.CC, ChargePhase.CV, ChargePhase.DONE]
    # voltage x held current x step is exactly what the FMU says it delivered
    assert fmu.get("battery_energy")[0] == pytest.approx(energy, rel=1e-12)
    fmu.close()


def test_charger_honours_a_set_point_within_its_limits_and_ignores_it_when_not_used(fmu_dir):
    times = np.arange(0.0, 61.0)
    setpoint = np.where(times < 30.0, -60.0, -90.0)
    signal = np.array(list(zip(times, setpoint)), dtype=[("time", float), ("current_setpoint", float)])
    used = simulate_fmu(str(fmu_dir / "Charger.fmu"), stop_time=60.0, output_interval=1.0, input=signal,
                        start_values={"use_current_setpoint": True, "battery_voltage": 360.0})
    model = Charger()
    expected = [model.step(1.0, 360.0, s).battery_current_a for s in setpoint[:60]]
    assert used["battery_current"][1:] == pytest.approx(expected, **EXACT)
    assert set(used["battery_current"][1:]) == {-60.0, -90.0}
    ignored = simulate_fmu(str(fmu_dir / "Charger.fmu"), stop_time=60.0, output_interval=1.0, input=signal,
                           start_values={"battery_voltage": 360.0})
    assert set(ignored["battery_current"][1:]) == {-125.0}  # the current limit, 125 A x 360 V < 50 kW


def test_charger_logs_a_clipped_set_point_naming_the_limit(fmu_dir, capfd):
    fmu = Instance(fmu_dir / "Charger.fmu")
    fmu.slave.setBoolean([fmu.vr["use_current_setpoint"]], [True])
    fmu.set(power_limit=30e3)
    fmu.initialize(battery_voltage=380.0, current_setpoint=-200.0)
    fmu.step(1.0, n=3)
    expected = Charger(ChargerParameters(max_power_w=30e3)).step(1.0, 380.0, -200.0)
    assert fmu.get("battery_current")[0] == pytest.approx(-30e3 / 380.0, rel=1e-12)
    assert booleans(fmu, "setpoint_clipped") == [True]
    log = capfd.readouterr().out
    assert log.count(expected.message) == 1 and "by the power limit" in log, log  # once for a steady clip
    fmu.set(current_setpoint=10.0)  # a discharge: another limit
    fmu.step(1.0)
    assert fmu.get("battery_current") == [0.0]
    assert "the charger is unidirectional: clipped to 0 A" in capfd.readouterr().out
    fmu.set(current_setpoint=-50.0)  # within the limits again
    fmu.step(1.0)
    assert fmu.get("battery_current") == [-50.0] and booleans(fmu, "setpoint_clipped") == [False]
    assert "clipped" not in capfd.readouterr().out
    fmu.close()


def test_factory_profile_over_a_weekend_matches_the_model_for_the_same_seed(fmu_dir):
    h, days = 300.0, 2
    start = {"start_date": "2024-01-12", "start_time": 18.0, "seed": 7, "machine_count": 12}  # a Friday
    result = simulate_fmu(str(fmu_dir / "FactoryLoads.fmu"), stop_time=days * 86400.0, output_interval=h,
                          start_values=start)
    model = FactoryLoads(FactoryParameters(start_date="2024-01-12", start_time_h=18.0, seed=7, machine_count=12))
    p = model.params
    assert result["machine_power"][0] == p.base_power_kw + p.machine_power_kw * model.running_machines
    expected = [model.step(h) for _ in range(len(result) - 1)]
    assert result["machine_power"][1:] == pytest.approx(expected, **EXACT)
    assert result["running_machines"][-1] == model.running_machines
    assert result["energy"][-1] == pytest.approx(sum(expected) * h / 3600.0, rel=1e-12)
    # Friday 18:00 to Sunday 18:00: the day and night shifts of a workday and of the weekend
    assert set(np.round(result["utilisation"], 6)) == {p.workday_day_factor, p.workday_night_factor,
                                                         p.weekend_day_factor, p.weekend_night_factor}
    other = simulate_fmu(str(fmu_dir / "FactoryLoads.fmu"), stop_time=86400.0, output_interval=h,
                         start_values={**start, "seed": 8})
    assert not np.array_equal(other["machine_power"], result["machine_power"][:len(other)])


def feeder_loads(n):
    """Three load profiles [W]: a factory ramp; a charger and a house that repeat every 20 steps."""
    k = np.arange(n, dtype=float)
    house = 15e3 + 5e3 * np.sin(2.0 * np.pi * k / 20.0)
    return np.column_stack((100e3 + 1e3 * k, np.where(k % 20 < 10, 50e3, 0.0), house))


def test_feeder_in_fmpy_matches_the_model_and_books_power_as_loads_plus_losses(fmu_dir):
    n, h = 120, 60.0
    loads = feeder_loads(n + 1)
    signal = np.array([(k * h, *row) for k, row in enumerate(loads)],
                      dtype=[("time", float)] + [(name, float) for name in LOAD_INPUTS])
    result = simulate_fmu(str(fmu_dir / "GridFeeder.fmu"), stop_time=n * h, output_interval=h, input=signal)
    model = GridFeeder()
    assert model.load_names == ("factory", "charger", "residential")
    expected = [model.step(h, row) for row in loads[:n]]
    for name, field in zip(FEEDER_OUTPUTS, ("bus_voltage_v", "feeder_power_w", "losses_w", "transformer_loading")):
        assert result[name][1:] == pytest.approx([getattr(e, field) for e in expected], **EXACT), name
    assert result["feeder_power"][1:] - result["losses"][1:] == pytest.approx(loads[:n].sum(axis=1), rel=1e-12)
    # more load, lower voltage: the factory ramps up while the rest repeats every 20 steps
    assert np.all(np.diff(result["bus_voltage"][1::20]) < 0.0)
    assert result["feeder_energy"][-1] == pytest.approx(h * result["feeder_power"][1:].sum(), rel=1e-12)


def test_feeder_outputs_follow_new_loads_before_any_step(fmu_dir):
    fmu = Instance(fmu_dir / "GridFeeder.fmu").initialize()
    loads = {"load_power_factory": 200e3, "load_power_charger": 50e3, "load_power_residential": 30e3}
    fmu.set(**loads)
    solved = GridFeeder().solve(list(loads.values()))
    assert fmu.get(*FEEDER_OUTPUTS) == pytest.approx(
        [solved.bus_voltage_v, solved.feeder_power_w, solved.losses_w, solved.transformer_loading], rel=1e-9)
    fmu.close()


# ---------------------------------------------------------------------- state
def drive_charger(fmu, k):
    fmu.set(battery_voltage=360.0 + 0.2 * k)


def drive_feeder(fmu, k):
    fmu.set(**dict(zip(LOAD_INPUTS, feeder_loads(k + 1)[k])))


@pytest.mark.parametrize("name, drive, outputs, h", [
    ("Charger", drive_charger, ("battery_current", "grid_power", "grid_energy"), 10.0),
    ("FactoryLoads", None, ("machine_power", "energy", "utilisation"), 600.0),
    ("GridFeeder", drive_feeder, FEEDER_OUTPUTS + ("feeder_energy",), 60.0),
])
def test_state_round_trip_and_serialized_state_in_a_fresh_instance(fmu_dir, name, drive, outputs, h):
    def run(instance, ks):
        trace = []
        for k in ks:
            if drive:
                drive(instance, k)
            instance.step(h)
            trace.append(instance.get(*outputs))
        return trace

    fmu = Instance(fmu_dir / f"{name}.fmu").initialize()
    run(fmu, range(40))
    state = fmu.slave.getFMUstate()
    serialized = fmu.slave.serializeFMUstate(state)
    t1 = fmu.time
    first = run(fmu, range(40, 100))
    fmu.slave.setFMUstate(state)
    fmu.time = t1
    assert run(fmu, range(40, 100)) == first
    fmu.slave.freeFMUstate(state)
    fmu.close()

    fresh = Instance(fmu_dir / f"{name}.fmu", name="fresh").initialize()
    fresh.slave.setFMUstate(fresh.slave.deSerializeFMUstate(serialized))
    fresh.time = t1
    assert run(fresh, range(40, 100)) == first
    fresh.close()


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("name, variable, value, says", [
    ("Charger", "battery_voltage", math.nan, "battery_voltage = nan is not a finite number"),
    ("Charger", "battery_voltage", -5.0, "battery_voltage = -5.0 V is below its minimum"),
    ("Charger", "current_setpoint", math.inf, "current_setpoint = inf is not a finite number"),
    ("GridFeeder", "load_power_charger", math.nan, "load_power_charger = nan is not a finite number"),
    ("FactoryLoads", "peak_power", -1.0, "peak_power = -1.0 kW is below its minimum"),
])
def test_a_bad_value_is_fmi2error_naming_it(fmu_dir, name, variable, value, says, capfd):
    fmu = Instance(fmu_dir / f"{name}.fmu")
    with pytest.raises(FMICallException) as error:
        fmu.set(**{variable: value})
    assert error.value.status == FMI2_ERROR
    assert says in capfd.readouterr().out
    fmu.slave.freeInstance()


@pytest.mark.parametrize("name, values, says", [
    ("FactoryLoads", {"start_date": "2024-13-01"},
     "start_date must be an ISO 8601 date YYYY-MM-DD, got '2024-13-01'"),
    ("FactoryLoads", {"machine_count": 0}, "machine_count = 0 is below its minimum 1"),
    ("FactoryLoads", {"peak_power": 20.0}, "peak_power must exceed base_power (30.0), got 20.0"),
    ("Charger", {"cv_voltage": 600.0}, "cv_voltage must lie in (min_voltage, max_voltage] = (150.0, 500.0]"),
    ("GridFeeder", {"transformer_short_circuit_voltage": 0.01},
     "transformer_short_circuit_resistance (0.01206) must be below transformer_short_circuit_voltage (0.01)"),
    ("GridFeeder", {"transformer_rating": 0.0}, "transformer_rating must be > 0, got 0.0"),
])
def test_bad_parameters_are_fmi2error_naming_the_fmu_parameter(fmu_dir, name, values, says, capfd):
    fmu = Instance(fmu_dir / f"{name}.fmu")
    setters = {str: fmu.slave.setString, int: fmu.slave.setInteger, float: fmu.slave.setReal}
    with pytest.raises(FMICallException) as error:
        for key, value in values.items():
            setters[type(value)]([fmu.vr[key]], [value])
        fmu.initialize()
    assert error.value.status == FMI2_ERROR
    assert says in capfd.readouterr().out
    fmu.slave.freeInstance()


def test_a_load_the_feeder_cannot_carry_is_fmi2discard_naming_bus_and_power(fmu_dir, capfd):
    fmu = Instance(fmu_dir / "GridFeeder.fmu").initialize(load_power_factory=150e3)
    fmu.step(60.0)
    before = fmu.get("bus_voltage", "feeder_energy")
    fmu.set(load_power_residential=1e6)  # far beyond the nose of the 50 mm2 house cable
    with pytest.raises(FMICallException) as error:
        fmu.step(60.0)
    assert error.value.status == FMI2_DISCARD
    log = capfd.readouterr().out
    assert "load point 'residential' at bus 'residential' draws 1e+06 W" in log, log
    assert "no power-flow solution" in log
    fmu.set(load_power_residential=20e3)  # the state stayed at t: retry with a load it can carry
    fmu.step(60.0)
    assert fmu.get("feeder_energy")[0] > before[1]
    fmu.close()


# ------------------------------------------------------------- other importers


def test_plain_c_host_without_python_in_its_environment_runs_all_three_in_one_process(fmu_dir, c_host, tmp_path):
    steps, h, voltage = 360, 10.0, 380.0
    loads = (150e3, 45e3, 20e3)
    refs = {name: references(fmu_dir / f"{name}.fmu") for name in FMUS}
    c, f, g = refs["Charger"], refs["FactoryLoads"], refs["GridFeeder"]
    specs = [
        f"{unpack(fmu_dir / 'Charger.fmu', tmp_path / 'c')}|Charger|{c['battery_voltage']}={voltage}|"
        f"{c['battery_current']},{c['grid_energy']}",
        f"{unpack(fmu_dir / 'FactoryLoads.fmu', tmp_path / 'f')}|FactoryLoads|{f['peak_power']}=300|"
        f"{f['machine_power']},{f['energy']}",
        f"{unpack(fmu_dir / 'GridFeeder.fmu', tmp_path / 'g')}|GridFeeder|"
        + ",".join(f"{g[n]}={p}" for n, p in zip(LOAD_INPUTS, loads)) + f"|{g['bus_voltage']},{g['losses']}",
    ]
    result = run_c_host(c_host, steps, h, *specs)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: [float(x) for x in line.split()[1:]] for line in result.stdout.splitlines()}
    assert [lines[name][0] for name in FMUS] == [0, 0, 0], result.stderr

    charger = Charger()
    charged = [charger.step(h, voltage) for _ in range(steps)][-1]
    assert lines["Charger"][2:] == pytest.approx([charged.battery_current_a,
                                                  charger.get_state()["energy_grid_j"]], **EXACT)
    factory = FactoryLoads(FactoryParameters(peak_power_kw=300.0))
    power = [factory.step(h) for _ in range(steps)]
    assert lines["FactoryLoads"][2:] == pytest.approx([power[-1], sum(power) * h / 3600.0], **EXACT)
    feeder = GridFeeder()
    solved = [feeder.step(h, loads) for _ in range(steps)][-1]
    assert lines["GridFeeder"][2:] == pytest.approx([solved.bus_voltage_v, solved.losses_w], **EXACT)


def test_libcosim_runs_two_factories_with_their_own_seeds_at_once(fmu_dir):
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    fmu = str(fmu_dir / "FactoryLoads.fmu")
    vr = {v.name: v.valueReference for v in read_model_description(fmu).modelVariables}
    h, steps = 60, 240
    execution = CosimExecution.from_step_size(int(h * 1e9))  # libcosim counts nanoseconds
    slaves = {seed: execution.add_local_slave(CosimLocalSlave(fmu_path=fmu, instance_name=f"factory_{seed}"))
              for seed in (1, 2)}
    for seed, index in slaves.items():
        execution.integer_initial_value(index, vr["seed"], seed)
        execution.string_initial_value(index, vr["start_date"], "2024-01-13")  # a Saturday
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    assert execution.simulate_until(int(steps * h * 1e9))
    got = {}
    for seed, index in slaves.items():
        model = FactoryLoads(FactoryParameters(seed=seed, start_date="2024-01-13"))
        power = [model.step(float(h)) for _ in range(steps)]
        got[seed] = observer.last_real_values(index, [vr["machine_power"], vr["energy"]])
        assert got[seed] == pytest.approx([power[-1], sum(power) * h / 3600.0], **EXACT)
        assert observer.last_integer_values(index, [vr["running_machines"]]) == [model.running_machines]
    assert got[1] != got[2]
