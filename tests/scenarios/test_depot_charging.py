"""The depot_charging scenario, shortened to 300 s: the charge, the feeder,
the thermal loop and the energy books, checked against conservation laws."""
from __future__ import annotations

import json

import numpy as np
import pytest

from btwin.master.ssp import read_ssp
from btwin.models.battery import BatteryParameters
from btwin.models.battery.soc import stoichiometry_window
from btwin.models.thermal import ThermalParameters
from btwin.scenarios import depot_charging as depot

pytestmark = pytest.mark.integration

STOP_S = 300.0
STEP_S = 1.0
AMBIENT_K = 298.15  # CellThermal's start value of ambient_temperature, which nothing feeds
PARAMETERS = depot.PARAMETERS


def _run(out, fmu_dir, parameters=None):
    summary = depot.run(out, stop_time=STOP_S, step=STEP_S, fmu_dir=fmu_dir, parameters=parameters)
    data = np.genfromtxt(out / "results.csv", delimiter=",", names=True, deletechars="")
    energy = json.loads((out / "energy.json").read_text())
    return summary, data, {b["name"]: b for b in energy["bonds"]}, out


@pytest.fixture(scope="module")
def charge(fmu_dir, tmp_path_factory):
    return _run(tmp_path_factory.mktemp("depot"), fmu_dir)


def test_writes_systems_results_energy_report_and_plots(charge):
    summary, data, _, out = charge
    for name in ("depot_wired.ssd", "depot.ssp", "results.csv", "energy.json", "summary.json",
                 "battery.png", "grid.png"):
        assert (out / name).stat().st_size > 0, name
    assert data["time"][-1] == pytest.approx(STOP_S)
    assert json.loads((out / "summary.json").read_text()) == json.loads(json.dumps(summary))


def test_the_ontology_wires_it_and_the_ssp_carries_the_parameters(charge):
    summary, _, bonds, out = charge
    system = read_ssp(out / "depot.ssp", extract_to=out / "unpacked")
    for component, values in PARAMETERS.items():
        assert system.component(component).parameters == pytest.approx(values), component
    factory = [c for c in system.connections if str(c.start) == "FactoryLoads.machine_power"]
    assert [(str(c.end), c.factor) for c in factory] == [("GridFeeder.load_power_factory", 1000.0)]
    assert set(bonds) == {"BatteryCell_Charger", "BatteryCell.heat_generation", "Charger.grid_power",
                          "FactoryLoads.machine_power"}
    assert "GridFeeder.load_power_residential" in summary["unfed inputs (start values)"]


def _pack_capacity_ah() -> float:
    """Capacity on the model's SOC scale (the stoichiometry window), whole pack."""
    cell = BatteryParameters()
    window = stoichiometry_window(cell)
    return (window.x_100 - window.x_0) * cell.capacity("negative") * PARAMETERS["BatteryCell"]["n_parallel"]


def test_soc_rises_by_the_charge_the_charger_delivered(charge):
    _, data, _, _ = charge
    soc, current = data["BatteryCell.soc"], data["Charger.battery_current"]
    assert np.all(np.diff(soc)[1:] > 0.0)
    charge_ah = -np.sum(current[1:] * np.diff(data["time"])) / 3600.0  # held over each step
    assert charge_ah == pytest.approx(STOP_S * depot.PACK_CAPACITY_AH / 3600.0, rel=1e-2)  # 1C: 125 A
    # The battery sees the charger's current one Jacobi step late; NEPCE pays that
    # step's energy back at a later (higher) voltage, so the charge agrees to about
    # (1 step / 300 steps) x (voltage rise 8 %) = 3e-4.
    assert soc[-1] - soc[0] == pytest.approx(charge_ah / _pack_capacity_ah(), rel=1e-3)


def test_grid_energy_exceeds_battery_energy(charge):
    summary, data, bonds, _ = charge
    into_battery = -bonds["BatteryCell_Charger"]["energy_source_J"]
    from_grid = bonds["Charger.grid_power"]["energy_source_J"]
    assert into_battery > 0.0
    assert 0.85 < into_battery / from_grid < 1.0
    # the charger's own meters agree with the ledger
    assert data["Charger.grid_energy"][-1] == pytest.approx(from_grid, rel=1e-9)
    assert data["Charger.battery_energy"][-1] == pytest.approx(-bonds["BatteryCell_Charger"]["energy_sink_J"],
                                                               rel=1e-9)
    assert summary["charger efficiency"] == pytest.approx(into_battery / from_grid, abs=1e-4)


def test_feeder_power_is_the_loads_plus_the_losses(charge):
    _, data, _, _ = charge
    loads = data["Charger.grid_power"] + 1e3 * data["FactoryLoads.machine_power"]  # residential: 0 W
    assert data["GridFeeder.feeder_power"] == pytest.approx(loads + data["GridFeeder.losses"], rel=1e-9)
    assert np.all(data["GridFeeder.losses"] > 0.0)
    assert np.all(data["GridFeeder.bus_voltage"] < 400.0 * 1.10)  # EN 50160 band of the 400 V feeder
    assert np.all(data["GridFeeder.bus_voltage"] > 400.0 * 0.90)


def test_energy_books_close_to_a_tenth_of_a_percent(charge):
    _, _, bonds, _ = charge
    for name, bond in bonds.items():
        assert abs(bond["energy_source_J"]) > 0.0, name
        assert depot.relative_residual(bond) < 1e-3, (name, bond)


def test_heat_goes_into_the_cells_or_out_to_ambient(charge):
    _, data, bonds, _ = charge
    core, surface = data["CellThermal.core_temperature"], data["CellThermal.surface_temperature"]
    assert np.all(core >= surface - 1e-9) and np.all(surface >= AMBIENT_K - 1e-9)
    assert core[-1] > AMBIENT_K + 1.0 and core.max() < 273.15 + 60.0
    cell = ThermalParameters()
    n_cells = PARAMETERS["CellThermal"]["n_cells"]
    stored = n_cells * (cell.core_heat_capacity * (core[-1] - core[0])
                        + cell.surface_heat_capacity * (surface[-1] - surface[0]))
    rejected = np.sum(data["CellThermal.heat_rejected"][1:] * np.diff(data["time"]))  # step means
    heat_in = bonds["BatteryCell.heat_generation"]["energy_sink_J"]
    assert stored + rejected == pytest.approx(heat_in, rel=1e-6)


def test_the_charger_holds_the_pack_at_its_cv_voltage(fmu_dir, tmp_path):
    summary, data, bonds, _ = _run(tmp_path, fmu_dir, {"BatteryCell": {"initial_soc": 0.75}})
    cv_voltage = PARAMETERS["Charger"]["cv_voltage"]
    voltage, current = data["BatteryCell.voltage"], -data["Charger.battery_current"]
    assert voltage.max() < cv_voltage * 1.005  # the CV loop's lag (btwin.models.grid.charger)
    tapering = current[60:]
    assert np.all(np.diff(tapering) < 0.0) and tapering[-1] < 0.8 * depot.PACK_CAPACITY_AH
    assert np.all(np.diff(data["BatteryCell.soc"])[1:] > 0.0)
    assert summary["CV from [min]"] is not None and summary["CV from [min]"] < 2.0
    assert depot.relative_residual(bonds["BatteryCell_Charger"]) < 1e-3
