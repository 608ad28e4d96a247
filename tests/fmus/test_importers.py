"""Our FMUs in real importers other than fmpy's high-level API: a plain C host
with no Python in its environment, and libcosim through libcosimpy."""
import pytest

from btwin.models.thermal import CellThermal, ThermalParameters
from tests.fmus.fmi_helpers import references, run_c_host, unpack

pytestmark = pytest.mark.integration






def thermal_after(steps, h, q):
    model = CellThermal(ThermalParameters(), 298.15)
    for _ in range(steps):
        model.step(h, q, 298.15)
    return model




def test_plain_c_host_runs_two_different_fmus_in_one_process(fmu_dir, c_host, tmp_path):
    thermal = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    heater = unpack(fmu_dir / "Heater.fmu", tmp_path / "heater")
    t, hv = references(fmu_dir / "CellThermal.fmu"), references(fmu_dir / "Heater.fmu")
    result = run_c_host(
        c_host, 600, 1.0,
        f"{thermal}|CellThermal|{t['heat_generation']}=2.0|{t['core_temperature']},{t['surface_temperature']}",
        f"{heater}|Heater|{hv['voltage']}=12.0|{hv['power']},{hv['energy']}",
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    expected = thermal_after(600, 1.0, 2.0)
    assert lines["CellThermal"][1] == "0"
    assert float(lines["CellThermal"][3]) == pytest.approx(expected.core_temperature, abs=1e-9)
    assert float(lines["CellThermal"][4]) == pytest.approx(expected.surface_temperature, abs=1e-9)
    assert lines["Heater"][1] == "0"
    assert float(lines["Heater"][3]) == pytest.approx(14.4)
    assert float(lines["Heater"][4]) == pytest.approx(14.4 * 600)


def test_plain_c_host_gets_fmi2error_for_a_bad_input(fmu_dir, c_host, tmp_path):
    thermal = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    t = references(fmu_dir / "CellThermal.fmu")
    result = run_c_host(c_host, 1, 1.0, f"{thermal}|CellThermal|{t['ambient_temperature']}=-4|{t['core_temperature']}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "3"  # fmi2Error, and the host lives on
    assert "ambient_temperature = -4.0 K is below its minimum" in result.stderr


def test_missing_python_fails_instantiation_saying_what_was_looked_for(fmu_dir, c_host, tmp_path):
    thermal = unpack(fmu_dir / "CellThermal.fmu", tmp_path / "thermal")
    result = run_c_host(c_host, 1, 1.0, f"{thermal}|CellThermal|0=1.0|2",
                        env={"BTWIN_LIBPYTHON": "/nonexistent/libpython3.11.so.1.0"})
    assert "instantiate-failed" in result.stdout
    assert "/nonexistent/libpython3.11.so.1.0" in result.stderr
    assert "BTWIN_LIBPYTHON" in result.stderr


def test_libcosim_runs_two_instances_at_once(fmu_dir):
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver
    from libcosimpy.CosimSlave import CosimLocalSlave

    fmu = str(fmu_dir / "CellThermal.fmu")
    t = references(fmu_dir / "CellThermal.fmu")
    execution = CosimExecution.from_step_size(int(1e9))  # libcosim counts nanoseconds
    first = execution.add_local_slave(CosimLocalSlave(fmu_path=fmu, instance_name="first"))
    second = execution.add_local_slave(CosimLocalSlave(fmu_path=fmu, instance_name="second"))
    execution.real_initial_value(first, t["heat_generation"], 1.0)
    execution.real_initial_value(second, t["heat_generation"], 2.0)
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    assert execution.simulate_until(int(900e9))
    outputs = [t["core_temperature"], t["surface_temperature"]]
    for index, q in ((first, 1.0), (second, 2.0)):
        expected = thermal_after(900, 1.0, q)
        core, surface = observer.last_real_values(index, outputs)
        assert core == pytest.approx(expected.core_temperature, abs=1e-9)
        assert surface == pytest.approx(expected.surface_temperature, abs=1e-9)
