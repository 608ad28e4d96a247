"""The real FMUs, built once per session by the ``fmu_dir`` fixture: their
semantics agree with their modelDescription.xml, and the depot the ontology
wires from them charges a pack in the master."""
from __future__ import annotations

import pytest

from btwin.fmus.catalogue import CATALOGUE
from btwin.master import Master, System
from btwin.master.ssp import read_ssp
from btwin.ontology import wire_to_ssp
from btwin.ontology.wiring import load_system
from fmu_factory import DEPOT

pytestmark = pytest.mark.integration

# A 96s25p pack of LG M50 cells at 20 % SOC: its ~335 V lie in the charger's output
# range (150-500 V), so the charger charges it; the default single cell (4 V) it would not.
PACK = {"BatteryCell": {"n_series": 96, "n_parallel": 25, "initial_soc": 0.2},
        "CellThermal": {"n_cells": 2400.0}}


def test_real_fmus_carry_semantics_that_agree_with_their_xml(fmu_dir):
    fmus = [fmu_dir / f"{name}.fmu" for name in CATALOGUE]
    annotated, _, _ = load_system(fmus)
    assert sorted(fmu.component for fmu in annotated) == sorted(CATALOGUE)
    for fmu in annotated:
        assert fmu.problems == [], fmu.component


def test_real_depot_wires_and_charges_the_pack(fmu_dir, tmp_path):
    wire_to_ssp([fmu_dir / f"{name}.fmu" for name in DEPOT], tmp_path / "depot.ssp")
    structure = read_ssp(tmp_path / "depot.ssp", extract_to=tmp_path / "run")
    assert len(structure.connections) == 6
    for component, values in PACK.items():
        structure.component(component).parameters.update(values)
    master = Master(System(structure), correction="nepce", progress=False)
    result = master.run(stop_time=60.0, step=1.0, out_dir=tmp_path / "results")
    assert result.macro_steps == 60
    bond = {b["name"]: b for b in result.bonds}["BatteryCell_Charger"]
    # source is the battery: energy flowing into it while charging counts negative
    assert -bond["energy_source_J"] > 0.0 and -bond["energy_sink_J"] > 0.0
    assert abs(bond["residual_J"]) < 1e-2 * -bond["energy_sink_J"]
    soc = result.column("BatteryCell.soc")
    assert soc[-1] > soc[0]


def test_twin_wires_by_meaning_readings_to_the_estimator_and_truth_to_the_sensors(fmu_dir):
    """Readings and estimates are their own properties: the sensors take the
    plant's true values, the estimator only readings, and nothing true
    reaches the estimator nor any reading the plant."""
    from btwin.ontology import wire

    names = ("Cycler", "BatteryCell", "CellThermal", "Sensors", "StateEstimator")
    wiring = wire([fmu_dir / f"{name}.fmu" for name in names], "twin")
    feeds = {(str(c.start), str(c.end)) for c in wiring.structure.connections}
    assert {("Cycler.battery_current", "Sensors.current"), ("BatteryCell.voltage", "Sensors.voltage"),
            ("CellThermal.surface_temperature", "Sensors.surface_temperature"),
            ("Sensors.measured_current", "StateEstimator.measured_current"),
            ("Sensors.measured_voltage", "StateEstimator.measured_voltage"),
            ("Sensors.measured_surface_temperature", "StateEstimator.measured_surface_temperature"),
            ("BatteryCell.voltage", "Cycler.battery_voltage"), ("Cycler.battery_current", "BatteryCell.current")} <= feeds
    assert not any(start.startswith(("BatteryCell", "CellThermal", "Cycler")) and end.startswith("StateEstimator")
                   for start, end in feeds)
    assert not any(start.startswith(("Sensors", "StateEstimator")) and end.startswith(("BatteryCell", "Cycler"))
                   for start, end in feeds)
