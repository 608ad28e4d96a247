"""The fmpy-scripted scenarios: plain ``fmpy.simulate_fmu`` with input signals,
checked against charge and heat balances."""
from __future__ import annotations

import numpy as np
import pytest

from btwin.models.battery import BatteryParameters
from btwin.models.battery.soc import stoichiometry_window
from btwin.models.thermal import ThermalParameters
from btwin.scenarios import fmpy_battery_pulse, fmpy_thermal_pulse
from btwin.scenarios.cli import main

pytestmark = pytest.mark.integration

PULSE_STOP_S = fmpy_battery_pulse.FIRST_REST_S + 2 * (fmpy_battery_pulse.PULSE_S + fmpy_battery_pulse.REST_S)


def _csv(path):
    return np.genfromtxt(path, delimiter=",", names=True, deletechars="")


@pytest.fixture(scope="module")
def pulses(fmu_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("battery_pulse")
    summary = fmpy_battery_pulse.run(out, stop_time=PULSE_STOP_S, fmu_dir=fmu_dir)
    return summary, _csv(out / "results.csv"), out


def test_pulse_train_writes_results_and_plot(pulses):
    summary, data, out = pulses
    assert (out / "pulses.png").stat().st_size > 0
    assert data["time"][-1] == pytest.approx(PULSE_STOP_S)
    assert summary["pulses"] == 2


def test_pulse_train_steps_exactly_at_the_edges(pulses):
    _, data, _ = pulses
    on = data["current"] > 0.0  # the current held over the step ending at each row
    assert np.all(data["current"][on] == fmpy_battery_pulse.PULSE_A)
    assert np.count_nonzero(on) == 2 * fmpy_battery_pulse.PULSE_S / fmpy_battery_pulse.STEP_S


def test_soc_falls_by_the_charge_drawn(pulses):
    summary, data, _ = pulses
    cell = BatteryParameters()
    window = stoichiometry_window(cell)
    capacity_ah = (window.x_100 - window.x_0) * cell.capacity("negative")
    charge_ah = np.sum(data["current"][1:] * np.diff(data["time"])) / 3600.0
    assert charge_ah == pytest.approx(2 * fmpy_battery_pulse.PULSE_A * fmpy_battery_pulse.PULSE_S / 3600.0)
    assert summary["charge drawn [A.h]"] == pytest.approx(charge_ah, abs=1e-4)
    # Coulomb counting; SEI growth takes a few 1e-9 of SOC per second besides.
    assert data["soc"][0] - data["soc"][-1] == pytest.approx(charge_ah / capacity_ah, rel=1e-4)


def test_voltage_sags_under_load_and_relaxes_at_rest(pulses):
    summary, data, _ = pulses
    voltage, ocv, on = data["voltage"], data["ocv"], data["current"] > 0.0
    assert np.all(voltage[on] < ocv[on])
    ends = np.flatnonzero(np.diff(on.astype(int)) == -1)  # last row of each pulse
    for end in ends:
        assert np.all(np.diff(voltage[end + 1:end + 60]) > 0.0)  # relaxation towards the OCV
        assert voltage[end + 60] - voltage[end] > 0.1
    # A 21700 cell's 10 s pulse resistance is tens of milliohms, not ohms or microohms.
    assert 10.0 < summary["first pulse 10 s resistance [mOhm]"] < 60.0
    assert np.all((voltage > 2.5) & (voltage < 4.2))  # LG M50 cut-offs (Chen et al. 2020)


def test_heat_pulse_balances_and_peaks_below_steady_state(tmp_path, fmu_dir, monkeypatch):
    monkeypatch.setattr(fmpy_thermal_pulse, "fmu_path", lambda name: fmu_dir / f"{name}.fmu")
    summary = fmpy_thermal_pulse.run(tmp_path)
    data = _csv(tmp_path / "results.csv")
    assert (tmp_path / "temperatures.png").stat().st_size > 0
    core, surface = data["core_temperature"], data["surface_temperature"]
    cell = ThermalParameters()
    heat_per_cell = fmpy_thermal_pulse.PULSE_W / fmpy_thermal_pulse.N_CELLS
    steady_rise = heat_per_cell * (cell.core_to_surface_resistance + cell.surface_to_ambient_resistance)
    rise = core.max() - fmpy_thermal_pulse.AMBIENT_K
    assert 0.0 < rise < steady_rise  # a step of heat from rest approaches the steady state from below
    assert summary["at [s]"] == pytest.approx(fmpy_thermal_pulse.PULSE_S, abs=10.0)
    heating = data["time"] <= fmpy_thermal_pulse.PULSE_S
    assert np.all(core[heating] >= surface[heating])
    assert core[-1] < core.max() and surface[-1] > fmpy_thermal_pulse.AMBIENT_K


def test_btwin_scenario_runs_the_pulse_train(tmp_path, fmu_dir, capsys, monkeypatch):
    monkeypatch.setattr(fmpy_battery_pulse, "FMU_DIR", fmu_dir)
    assert main(["scenario", "fmpy_battery_pulse", "--out", str(tmp_path)]) == 0
    assert "fmpy_battery_pulse:" in capsys.readouterr().out
    assert (tmp_path / "results.csv").is_file()
