"""The ev_wltc car with native BatteryCell and CellThermal FMUs (compiled C,
no Python inside) beside the Python Powertrain: FMI 3.0 and FMI 2.0 FMUs in
one system in our master, and the same system in libcosim."""
import shutil

import numpy as np
import pytest

from btwin.fmus.build import build
from btwin.master import Master, System
from btwin.scenarios import ev_wltc

pytestmark = pytest.mark.integration
STOP_S = 300.0
WATCH = ("battery.voltage", "battery.soc", "thermal.core_temperature", "powertrain.battery_current")


@pytest.fixture(scope="module")
def python_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("ev_python")
    build(["BatteryCell", "CellThermal", "Powertrain"], out)
    return out


def _mixed(python_dir, native_dir, version, folder):
    """Powertrain (Python FMU, FMI 2.0) with the native pack of one FMI version."""
    folder.mkdir()
    shutil.copy(python_dir / "Powertrain.fmu", folder)
    for name in ("BatteryCell", "CellThermal"):
        shutil.copy(native_dir / f"fmi{version}" / f"{name}.fmu", folder)
    return folder


def _run(fmu_dir, out, algorithm="gauss-seidel", correction="nepce"):
    system = System(ev_wltc.structure(fmu_dir))
    result = Master(system, algorithm=algorithm, correction=correction).run(stop_time=STOP_S, step=1.0,
                                                                          out_dir=out)
    return {name: result.column(name) for name in WATCH}, {b["name"]: b for b in result.bonds}


def test_master_runs_native_fmi3_pack_as_the_python_fmus(python_dir, native_dir, tmp_path):
    reference, reference_bonds = _run(python_dir, tmp_path / "python")
    native, bonds = _run(_mixed(python_dir, native_dir, 3, tmp_path / "fmi3"), tmp_path / "out3")
    for name in WATCH:
        assert np.allclose(native[name], reference[name], rtol=0.0, atol=1e-8), name
    delivered = bonds[ev_wltc.BOND]["energy_source_J"]
    assert delivered == pytest.approx(reference_bonds[ev_wltc.BOND]["energy_source_J"], rel=1e-9)
    assert native["battery.soc"][-1] < native["battery.soc"][0] - 1e-3  # the car drove


def _run_libcosim(fmu_dir) -> dict[str, float]:
    """The car in libcosim (fixed step, 1 s): the last value of each watched variable."""
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    system = System(ev_wltc.structure(fmu_dir))
    structure, infos = system.structure, system.infos
    execution = CosimExecution.from_step_size(int(1e9))
    index = {c.name: execution.add_local_slave(CosimLocalSlave(str(c.source), c.name))
             for c in structure.components}
    for c in structure.components:
        for name, value in c.parameters.items():
            variable = infos[c.name].variables[name]
            setter = {"Real": execution.real_initial_value, "Integer": execution.integer_initial_value,
                      "String": execution.string_initial_value}[variable.type]
            setter(index[c.name], variable.value_reference, value)
    for c in structure.connections:
        execution.connect_real_variables(
            index[c.start.component], infos[c.start.component].variables[c.start.variable].value_reference,
            index[c.end.component], infos[c.end.component].variables[c.end.variable].value_reference)
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    assert execution.simulate_until(int(STOP_S * 1e9))
    values = {}
    for watched in WATCH:
        component, variable = watched.split(".")
        values[watched], = observer.last_real_values(index[component],
                                                     [infos[component].variables[variable].value_reference])
    return values


def test_libcosim_runs_the_car_with_the_native_pack_as_with_the_python_fmus(python_dir, native_dir, tmp_path):
    native = _run_libcosim(_mixed(python_dir, native_dir, 2, tmp_path / "fmi2"))
    python = _run_libcosim(python_dir)
    for name in WATCH:
        assert native[name] == pytest.approx(python[name], rel=1e-10, abs=1e-10), name
    assert native["battery.soc"] < ev_wltc.INITIAL_SOC - 1e-3


def test_fmi3_integer_and_boolean_values_reach_the_master(native_dir):
    """The master's Integer and Boolean ports on an FMI 3.0 FMU (Int32 and a
    C bool underneath): the native BatteryCell's n_parallel and sei_enabled."""
    import numpy as np

    from btwin.master.slave import DiscretePort, Slave

    slave = Slave("battery", native_dir / "fmi3" / "BatteryCell.fmu")
    slave.set_value("n_parallel", 3)
    slave.set_value("sei_enabled", False)
    values = np.zeros(2)
    integers = DiscretePort(slave, "Integer", [slave.vr("n_parallel")], values[:1])
    booleans = DiscretePort(slave, "Boolean", [slave.vr("sei_enabled")], values[1:])
    integers.read()
    booleans.read()
    assert list(values) == [3.0, 0.0]
    values[:] = [5.0, 1.0]
    integers.write()
    booleans.write()
    values[:] = 0.0
    integers.read()
    booleans.read()
    assert list(values) == [5.0, 1.0]
    slave.close()
