"""Ecos (ecospy, a C++ FMI/SSP engine) joins fmpy, libcosim and the plain C
host as an importer of our FMUs: the exported ev_wltc system runs there with
every component configured by the one parameter set btwin names, and agrees
with btwin's own Jacobi run (as does libcosim, which applies every binding);
with no set applied, the single default cell asked to drive the car refuses
what it cannot take and stays finite and physical."""
import re

import numpy as np
import pytest

from btwin.master import Master, System
from btwin.master.ssp import PARAMETER_SET
from btwin.models.thermal import ThermalParameters
from btwin.scenarios import ev_wltc
from tests.fmus.ecos_host import run_in_ecos

pytestmark = pytest.mark.integration

AMBIENT = 298.15  # K, the thermal FMU's default ambient
STEPS = 1799  # the WLTC class 3b is 1800 s; at t = 1799 s the car stands
WATCH = ("battery.soc", "battery.voltage", "powertrain.distance", "powertrain.electrical_energy",
         "thermal.core_temperature")


@pytest.fixture(scope="module")
def car_ssp(fmu_dir, tmp_path_factory):
    return ev_wltc.export(tmp_path_factory.mktemp("ecos") / "car.ssp", fmu_dir)


@pytest.fixture(scope="module")
def jacobi(car_ssp, tmp_path_factory):
    out = tmp_path_factory.mktemp("jacobi")
    system = System.from_ssp(car_ssp, extract_to=out / "unpacked")
    result = Master(system, algorithm="jacobi", correction="none").run(stop_time=float(STEPS), step=1.0,
                                                                        out_dir=out)
    return {name: result.column(name)[-1] for name in WATCH}


def test_ecos_with_the_btwin_parameter_set_agrees_with_btwin_jacobi(car_ssp, jacobi, tmp_path):
    ecos = run_in_ecos(car_ssp, STEPS, tmp_path, parameter_set=PARAMETER_SET, watch=WATCH)
    assert ecos.time == pytest.approx(STEPS)
    assert jacobi["battery.voltage"] > 96 * 3.0  # every component configured: the 96s40p pack drove it
    assert ecos.values["battery.soc"] == pytest.approx(jacobi["battery.soc"], abs=2e-4)
    assert ecos.values["powertrain.distance"] == pytest.approx(jacobi["powertrain.distance"], rel=1e-3)
    assert ecos.values["powertrain.electrical_energy"] == pytest.approx(
        jacobi["powertrain.electrical_energy"], rel=1e-3)
    assert ecos.values["thermal.core_temperature"] == pytest.approx(jacobi["thermal.core_temperature"], abs=0.05)


def test_libcosim_applies_the_same_parameters_from_the_archive(car_ssp, jacobi):
    from libcosimpy.CosimExecution import CosimExecution
    from libcosimpy.CosimObserver import CosimObserver

    execution = CosimExecution.from_ssp_file(str(car_ssp), step_size=int(1e9))  # libcosim counts ns
    observer = CosimObserver.create_last_value()
    execution.add_observer(observer)
    assert execution.simulate_until(int(STEPS * 1e9))
    index = {info.name.decode(): info.index for info in execution.slave_infos()}
    values = {}
    for name in ("battery.soc", "battery.voltage", "powertrain.distance"):
        component, variable = name.split(".")
        reference = {v.name.decode(): v.reference for v in execution.slave_variables(index[component])}[variable]
        values[name] = observer.last_real_values(index[component], [reference])[0]
    assert values["battery.voltage"] == pytest.approx(jacobi["battery.voltage"], rel=1e-3)  # 96s40p again
    assert values["battery.soc"] == pytest.approx(jacobi["battery.soc"], abs=2e-4)
    assert values["powertrain.distance"] == pytest.approx(jacobi["powertrain.distance"], rel=1e-3)


def test_ecos_without_a_parameter_set_stays_finite_and_physical_and_logs_the_refusals(car_ssp, capfd, tmp_path):
    names = (*WATCH, "battery.current", "battery.heat_generation", "thermal.surface_temperature",
             "powertrain.battery_current", "powertrain.vehicle_speed")
    ecos = run_in_ecos(car_ssp, 600, tmp_path, watch=names, every_step=True, log_level="debug")
    trace = {name: np.array(values) for name, values in ecos.trace.items()}
    assert all(np.all(np.isfinite(values)) for values in trace.values())
    # one default LG M50 cell, held within 10 C (50 A): no negative or absurd voltage (the run this
    # replaces read -7.8 V, -30 V, then NaN), SOC within the particles' range
    assert np.all(np.abs(trace["battery.current"]) <= 50.0)
    assert np.all((trace["battery.voltage"] > 2.0) & (trace["battery.voltage"] < 5.0))
    assert np.all((trace["battery.soc"] > -0.03) & (trace["battery.soc"] < 1.10))
    # the two-node thermal network from ambient never rises above ambient + q_max (R_c + R_u)
    thermal = ThermalParameters()
    ceiling = AMBIENT + trace["battery.heat_generation"].max() * (
        thermal.core_to_surface_resistance + thermal.surface_to_ambient_resistance)
    for name in ("thermal.core_temperature", "thermal.surface_temperature"):
        assert np.all((trace[name] >= AMBIENT - 1e-9) & (trace[name] <= ceiling)), name
    assert np.all(trace["powertrain.vehicle_speed"] >= 0.0)
    log = capfd.readouterr().out
    refusals = re.findall(r"fmi2SetReal failed: input current = (\S+) A is (?:above|below) its limit", log)
    assert refusals and all(abs(float(value)) > 50.0 for value in refusals)
    assert " nan" not in log.lower()
