"""The ev_wltc scenario, shortened to the first 300 s of the cycle: physics
of the result, the energy books, and the SSP export."""
from __future__ import annotations

import json

import numpy as np
import pytest
from fmpy.ssp.ssd import read_ssd

from btwin.fmus.build import build
from btwin.master.ssp import read_ssp
from btwin.models.battery import BatteryParameters
from btwin.models.battery.soc import stoichiometry_window
from btwin.models.thermal import ThermalParameters
from btwin.scenarios import ev_wltc
from btwin.scenarios.cli import main

STOP_S = 300.0
AMBIENT_K = ev_wltc.AMBIENT_K


@pytest.fixture(scope="module")
def fmus(tmp_path_factory):
    out = tmp_path_factory.mktemp("ev_fmus")
    build(["BatteryCell", "CellThermal", "Powertrain"], out)
    return out


@pytest.fixture(scope="module")
def drive(fmus, tmp_path_factory):
    out = tmp_path_factory.mktemp("ev_wltc")
    summary = ev_wltc.run(out, stop_time=STOP_S, fmu_dir=fmus)
    data = np.genfromtxt(out / "results.csv", delimiter=",", names=True, deletechars="")
    energy = json.loads((out / "energy.json").read_text())
    return summary, data, {b["name"]: b for b in energy["bonds"]}, out


def test_writes_results_energy_report_and_plots(drive):
    summary, data, _, out = drive
    assert data["time"][-1] == pytest.approx(STOP_S)
    for name in ("speed", "pack_current", "pack_voltage", "soc", "temperature", "plating_overpotential"):
        assert (out / f"{name}.png").stat().st_size > 10_000
    assert summary["simulated_s"] == pytest.approx(STOP_S)


def test_soc_falls_by_the_charge_drawn(drive):
    """Coulomb counting: the SOC drop times the pack's capacity in the SOC
    window is the charge the powertrain drew, within 1 % (NEPCE moves the
    battery's current a little off the powertrain's; SEI takes a trace)."""
    summary, data, _, _ = drive
    soc = data["battery.soc"]
    assert soc[-1] < soc[0] - 1e-3
    assert summary["final_soc"] == pytest.approx(soc[-1], abs=1e-6)
    p = BatteryParameters()
    window = stoichiometry_window(p)
    pack_ah = ev_wltc.N_PARALLEL * p.capacity("negative") * (window.x_100 - window.x_0)
    drawn_ah = np.sum(np.diff(data["time"]) * data["powertrain.battery_current"][1:]) / 3600.0
    assert (soc[0] - soc[-1]) * pack_ah == pytest.approx(drawn_ah, rel=0.01)


def test_energy_books_close_to_a_tenth_of_a_percent(drive):
    summary, data, bonds, _ = drive
    bond = bonds[ev_wltc.BOND]
    delivered = bond["energy_source_J"]
    assert delivered > 0
    assert abs(bond["residual_J"]) <= 1e-3 * delivered
    assert summary["energy_residual_relative"] == pytest.approx(abs(bond["residual_J"]) / delivered)
    # the ledger's sink side is what the powertrain itself says it took
    assert bond["energy_sink_J"] == pytest.approx(data["powertrain.electrical_energy"][-1], rel=1e-3)
    heat = bonds[ev_wltc.HEAT]
    assert abs(heat["residual_J"]) <= 1e-3 * heat["energy_source_J"]


def test_temperatures_stay_physical_and_the_heat_balances(drive):
    """Between ambient - 1 K and 60 degC; the heat stored in the cells is the
    heat generated minus the heat rejected (first law, within 1 %)."""
    summary, data, _, _ = drive
    core, surface = data["thermal.core_temperature"], data["thermal.surface_temperature"]
    for temperature in (core, surface):
        assert np.all(temperature > AMBIENT_K - 1.0)
        assert np.all(temperature < 273.15 + 60.0)
    assert summary["peak_core_temperature_C"] == pytest.approx(core.max() - 273.15, abs=1e-3)
    h = np.diff(data["time"])
    generated = np.sum(h * data["battery.heat_generation"][1:])
    rejected = np.sum(h * data["thermal.heat_rejected"][1:])
    t = ThermalParameters()
    stored = ev_wltc.N_SERIES * ev_wltc.N_PARALLEL * (
        t.core_heat_capacity * (core[-1] - core[0]) + t.surface_heat_capacity * (surface[-1] - surface[0]))
    assert generated > 0 and stored > 0
    assert stored == pytest.approx(generated - rejected, rel=0.01)


def test_consumption_is_plausible(drive):
    """Above the rolling-resistance floor (m g Crr of the Bolt EV preset, with
    the auxiliary load) and below 300 Wh/km; the car follows the cycle."""
    summary, data, _, _ = drive
    from btwin.models.powertrain import vehicle_preset
    car = vehicle_preset(ev_wltc.VEHICLE)
    distance_km = data["powertrain.distance"][-1] / 1000.0
    floor = (car.mass_kg * 9.80665 * car.rolling_resistance_coefficient / 3.6
             + car.aux_power_w * STOP_S / 3600.0 / distance_km)
    assert floor < summary["consumption_Wh_per_km"] < 300.0
    assert np.max(np.abs(data["powertrain.distance_miss"])) < 1.0


def test_export_writes_a_self_contained_ssp_and_does_not_run(fmus, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ev_wltc, "FMU_DIR", fmus)
    path = tmp_path / "car.ssp"
    assert main(["scenario", "ev_wltc", "--export", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    assert not (tmp_path / "results").exists()
    structure = read_ssp(path, extract_to=tmp_path / "unpacked")
    assert [c.name for c in structure.components] == ["battery", "thermal", "powertrain"]
    assert all(c.source.is_relative_to(tmp_path / "unpacked") for c in structure.components)
    (bond,) = structure.power_bonds
    assert (bond.source, bond.sink, str(bond.effort), str(bond.flow)) == (
        "battery", "powertrain", "powertrain.battery_voltage", "battery.current")
    assert structure.component("battery").parameters["n_series"] == ev_wltc.N_SERIES
    ssd = read_ssd(str(path), validate=True)
    assert {e.name for e in ssd.system.elements} == {"battery", "thermal", "powertrain"}


def test_export_of_a_scenario_without_a_system_is_refused(capsys):
    assert main(["scenario", "fmpy_thermal_pulse", "--export", "x.ssp"]) == 2
    assert "fmpy_thermal_pulse has no SSP export" in capsys.readouterr().err


def test_the_native_pack_drives_the_car_as_the_python_fmus(drive, fmus, native_dir, tmp_path, monkeypatch):
    """--param pack=native-fmi3: BatteryCell and CellThermal as native FMI 3.0
    FMUs (no Python inside) beside the Python Powertrain; the same car."""
    monkeypatch.setattr(ev_wltc, "native_fmu_path", lambda name, version: native_dir / f"fmi{version}" / f"{name}.fmu")
    summary = ev_wltc.run(tmp_path, stop_time=STOP_S, fmu_dir=fmus, pack="native-fmi3")
    python = drive[0]
    assert summary["pack_fmus"] == "native-fmi3"
    for key in ("final_soc", "delivered_kWh", "distance_km", "peak_core_temperature_C"):
        assert summary[key] == pytest.approx(python[key], rel=1e-9, abs=1e-9), key
