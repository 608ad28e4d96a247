"""A real fleet: vehicle-days co-simulated by the master on a Dask worker
with the built FMUs, the edge twin's estimates against the plant's truth,
the plant aging from day to day, and ``btwin fleet`` on the command line."""
from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from btwin.scenarios.cli import main
from btwin.scenarios.fleet import vehicle_day

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, fmu_dir):
    out = tmp_path_factory.mktemp("fleet")
    code = main(["fleet", "--vehicles", "2", "--days", "2", "--seed", "3", "--workers", "1",
                 "--fmu-dir", str(fmu_dir), "--out", str(out)])
    return out, code


def test_btwin_fleet_writes_the_table_summary_and_plot(fleet):
    out, code = fleet
    assert code == 0
    rows = pq.read_table(out / "fleet.parquet").to_pylist()
    assert sorted((r["vehicle"], r["day"]) for r in rows) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert all(not r["error"] for r in rows), [r["error"] for r in rows]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["vehicle_days"] == 4 and summary["workers"] == 1
    assert (out / "fleet_capacity.png").stat().st_size > 0


def test_the_edge_twin_tracks_the_plant(fleet):
    rows = pq.read_table(fleet[0] / "fleet.parquet").to_pylist()
    for row in rows:
        # the edge twin's capacity within three of its own standard deviations (plus 1 %) of the
        # plant's, and that standard deviation a few per cent at most; resistance factor within 15 %
        error = abs(row["edge_capacity"] - row["true_capacity"])
        assert error <= 3.0 * row["edge_capacity_std"] + 0.01 * row["true_capacity"]
        assert row["edge_capacity_std"] < 0.05 * row["true_capacity"]
        assert row["edge_resistance_factor"] == pytest.approx(row["true_resistance_factor"], rel=0.15)
        assert row["edge_soc"] == pytest.approx(row["true_soc"], abs=0.03)
        assert row["drawn_Ah_per_cell"] > 0.05
        # the owner's habit decides: a charge puts back at least the day's draw, a drive alone only its regeneration
        assert (row["charged_Ah_per_cell"] > row["drawn_Ah_per_cell"]) == row["charged_today"]
        assert 250.0 < row["max_core_temperature_K"] < 330.0


def test_the_plant_ages_from_day_to_day(fleet):
    rows = {(r["vehicle"], r["day"]): r for r in pq.read_table(fleet[0] / "fleet.parquet").to_pylist()}
    for vehicle in (0, 1):
        first, second = rows[vehicle, 0], rows[vehicle, 1]
        assert second["true_capacity"] < first["true_capacity"]  # SEI took lithium overnight
        assert second["carry_sei_thickness"] > first["carry_sei_thickness"]
        assert second["prior_capacity"] == pytest.approx(first["shrunk_capacity"])  # the cloud's prior went down
        # an aging rate beyond the law only once two days after the first told something (test_fleet_workshop)
        for row in (first, second):
            assert row["individual_capacity_rate_beyond_law"] is None and row["shrunk_capacity_rate_beyond_law"] is None


def test_the_own_twin_starts_each_day_afresh_and_its_day_is_evidence_of_the_truth(fleet):
    """The own twin starts a day from its aged estimate of the day before with
    the data sheet's std, so the start divided out of its end (the day's
    evidence, ``day_evidence``) is the truth within three of its stated stds,
    the validated pull removed (seed 41: real scatter half the stated std)."""
    from btwin.models.population import day_evidence

    rows = {(r["vehicle"], r["day"]): r for r in pq.read_table(fleet[0] / "fleet.parquet").to_pylist()}
    capacity = vehicle_day.QUANTITIES[0]
    for (vehicle, day), row in rows.items():
        assert row["own_capacity_prior_std"] == capacity.nominal_std
        assert row["own_capacity_prior"] == (capacity.nominal if day == 0 else
                                             rows[vehicle, day - 1]["carry_own_capacity"])
        pull = capacity.pull([row["vehicle_cycle"]], first_day=day == 0)[0]
        mean, variance = day_evidence(row["own_capacity"] - pull, row["own_capacity_std"] ** 2,
                                      row["own_capacity_prior"], row["own_capacity_prior_std"] ** 2)
        assert abs(mean - row["true_capacity"]) < 3.0 * np.sqrt(variance)


def test_the_same_table_on_a_hand_started_cluster(fleet, fmu_dir, dask_cluster, tmp_path):
    """The real vehicle-days on two workers started by hand (over TCP) give
    the table of the one-worker local run, to the last bit."""
    code = main(["fleet", "--vehicles", "2", "--days", "2", "--seed", "3", "--scheduler", dask_cluster[0],
                 "--fmu-dir", str(fmu_dir), "--out", str(tmp_path)])
    assert code == 0
    assert json.loads((tmp_path / "summary.json").read_text())["workers"] == 2
    table = pq.read_table(tmp_path / "fleet.parquet").to_pylist()
    assert table == pq.read_table(fleet[0] / "fleet.parquet").to_pylist()


def test_daily_charge_follows_distance():
    assert vehicle_day._daily_charge_per_cell("wltc", 40.0) == pytest.approx(
        2.0 * vehicle_day._daily_charge_per_cell("wltc", 20.0))
    # a Bolt EV uses ~120-160 Wh/km at the battery (ev_wltc: 118 Wh/km); per cell of 3840 at ~3.6 V
    per_km = vehicle_day._daily_charge_per_cell("wltc", 1.0)
    assert 100.0 < per_km * 3.6 * 3840 < 200.0  # Wh/km


def test_the_habits_are_drawn_in_their_shares():
    from btwin.scenarios.fleet.draws import CHARGING_HABITS, draw_fleet

    habits = np.array([v.charge_below for v in draw_fleet(17, 3000)])
    for threshold, share in CHARGING_HABITS:
        assert np.mean(habits == threshold) == pytest.approx(share, abs=4.0 * np.sqrt(share * (1 - share) / 3000))


def test_an_owner_charges_when_the_dashboard_would_fall_below_the_habit():
    spec = {"vehicle_cycle": "wltc", "distance_km": 40.0, "vehicle_fast_charging": False,
            "vehicle_charge_below": 0.5, "carry_plant_soc": 0.7, "carry_twin_soc": 0.7}
    drawn_soc = vehicle_day._daily_charge_per_cell("wltc", 40.0) / vehicle_day.QUANTITIES[0].nominal
    assert 0.05 < drawn_soc < 0.15  # 40 km of WLTC: the dashboard at 0.7 stays above 0.5
    rests = vehicle_day.day_plan(spec)
    assert not rests.charges and rests.rest_time > rests.stop  # the run ends in the rest after the drive
    charges = vehicle_day.day_plan({**spec, "carry_twin_soc": 0.55, "carry_plant_soc": 0.55})
    assert charges.charges and charges.rest_time == vehicle_day.REST_S
    # the charge back to full from 0.55 less the draw at 2.2 A (11 kW) takes over an hour more
    assert charges.stop - rests.stop > 3600.0
    assert vehicle_day.day_plan({**spec, "vehicle_charge_below": 1.0}).charges  # every evening


def test_bad_fleet_sizes_exit_2(tmp_path, capsys):
    assert main(["fleet", "--vehicles", "0", "--days", "1", "--out", str(tmp_path)]) == 2
    assert "--vehicles and --days must be >= 1" in capsys.readouterr().err


def test_the_twins_law_ages_a_nominal_vehicle_as_the_plant_and_a_fast_one_falls_behind():
    """Thirty days at 10 degC: the twins' SEI law (``carry_over_rest``, with
    the plant's activation energy) predicts the capacity a nominal-rate
    vehicle loses to within 2 %; a vehicle whose film grows 1.5 times as
    fast loses more than it predicts, which is the fleet's to learn. Warm
    ages faster: 25 degC loses more than 10 degC."""
    from dataclasses import replace

    from btwin.models.battery.aging import rest
    from btwin.models.estimation.rest_aging import carry_over_rest

    def plant_loss(factor: float, temperature: float) -> float:
        plant = vehicle_day.plant_parameters({"vehicle_loading_factor": 1.0, "vehicle_contact_resistance": 0.002,
                                              "vehicle_sei_rate_factor": factor})
        _, lithium = rest(plant, plant.sei_initial_thickness, 30 * 86400.0, temperature)
        return vehicle_day.true_capacity(plant) - vehicle_day.true_capacity(
            replace(plant, lost_lithium_inventory=lithium))

    twin = vehicle_day._twin_model()
    start = vehicle_day.true_capacity(vehicle_day.plant_parameters({"vehicle_loading_factor": 1.0,
                                                                    "vehicle_contact_resistance": 0.002}))
    predicted = start - carry_over_rest(twin, start, 1.0, twin.cell.sei_initial_thickness, 30 * 86400.0, 283.15)[0]
    assert predicted > 0.0 and plant_loss(1.0, 283.15) == pytest.approx(predicted, rel=0.02)
    assert plant_loss(1.5, 283.15) > 1.2 * predicted
    assert plant_loss(1.0, 298.15) > 1.5 * plant_loss(1.0, 283.15)
