"""The fleet runner on real Dask clusters with a light vehicle-day
(``fleet_double``): determinism whatever the workers, resume, failures kept
as rows, a wrong --out or scheduler refused; and the cloud's pooling against
the known truth."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pyarrow.parquet as pq
import pytest

from btwin.scenarios.fleet import fleet as fleet_module
from btwin.scenarios.fleet.fleet import FleetError, run

LIGHT = "tests.scenarios.fleet_double:light_day"


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fmus")
    for name in fleet_module.FMUS:
        (folder / f"{name}.fmu").write_bytes(name.encode())  # the light day only checks they arrive
    return folder


def _run(out, archives, **kw):
    settings = dict(vehicles=24, days=6, seed=7, simulate=LIGHT, fmu_dir=archives)
    settings.update(kw)
    return run(out, **settings)


def _table(out):
    return pq.read_table(out / "fleet.parquet").to_pylist()


@pytest.fixture(scope="module")
def one_worker_run(tmp_path_factory, archives):
    out = tmp_path_factory.mktemp("one")
    return out, _run(out, archives, workers=1)


@pytest.mark.slow
def test_same_seed_same_table_with_two_workers_and_other_batches(tmp_path, archives, one_worker_run):
    one, summary = one_worker_run
    _run(tmp_path, archives, workers=2, batch_size=5)
    assert _table(one) == _table(tmp_path)
    assert summary["vehicle_days"] == 24 * 6 and summary["workers"] == 1


@pytest.mark.slow
def test_a_failed_vehicle_day_is_a_row_and_the_fleet_goes_on(one_worker_run):
    out, summary = one_worker_run
    rows = _table(out)
    failed = [r for r in rows if r["error"]]
    assert [(r["vehicle"], r["day"]) for r in failed] == [(3, 1)]
    assert "made to fail" in failed[0]["error"] and summary["failed_vehicle_days"] == 1
    day2 = next(r for r in rows if r["vehicle"] == 3 and r["day"] == 2)
    assert day2["carry_days_driven"] == 2  # carried over the failed day from day 0
    assert (out / "fleet_capacity.png").stat().st_size > 0


@pytest.mark.slow
def test_a_restarted_run_resumes_and_matches_an_uninterrupted_one(tmp_path, archives, one_worker_run):
    whole, _ = one_worker_run
    import pyarrow as pa
    # the table a run stopped after day 2 leaves behind
    first_half = [r for r in _table(whole) if r["day"] < 3]
    pq.write_table(pa.Table.from_pylist(first_half), tmp_path / "fleet.parquet")
    (tmp_path / "fleet.json").write_text((whole / "fleet.json").read_text())
    summary = _run(tmp_path, archives, workers=1)
    assert summary["vehicle_days_this_run"] == 24 * 3
    assert _table(tmp_path) == _table(whole)


def test_an_out_of_another_run_is_refused(tmp_path, archives):
    (tmp_path / "fleet.json").write_text(json.dumps({"vehicles": 3}))
    with pytest.raises(FleetError, match="other settings"):
        _run(tmp_path, archives, workers=1)


def test_a_bad_scheduler_fails_fast_with_its_address(tmp_path, archives):
    with pytest.raises(FleetError, match="tcp://127.0.0.1:9"):
        _run(tmp_path, archives, scheduler="tcp://127.0.0.1:9")


@pytest.mark.slow
def test_pooling_beats_each_vehicle_alone_when_data_are_few(tmp_path, archives, monkeypatch):
    # the stand-in's twin is exact (its errors are its stated noise): no systematic twin error to allow for
    exact = tuple(replace(q, twin_error_std=0.0) for q in fleet_module.QUANTITIES)
    monkeypatch.setattr(fleet_module, "QUANTITIES", exact)
    summary = _run(tmp_path, archives, workers=1, vehicles=60, days=8)
    sparse, rich = summary["sparse_data"], summary["data_rich"]
    # capacity: 0.15 A.h of noise a day against a 0.075 A.h spread between vehicles
    assert sparse["capacity_rmse_shrunk"] < 0.6 * sparse["capacity_rmse_individual"]
    assert rich["capacity_rmse_shrunk"] <= rich["capacity_rmse_individual"] * 1.05
    assert 0.8 <= summary["coverage_90"] <= 0.97
    rows = [r for r in _table(tmp_path) if not r["error"]]
    shrinkage = np.array([[r["day"], r["shrinkage_capacity"]] for r in rows])
    early, late = shrinkage[shrinkage[:, 0] == 0, 1], shrinkage[shrinkage[:, 0] == 7, 1]
    assert late.mean() < early.mean()  # more data, less pull toward the fleet
