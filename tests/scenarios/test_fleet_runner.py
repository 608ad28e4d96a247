"""The fleet runner on real Dask clusters with a light vehicle-day
(``fleet_double``): determinism whatever the workers (local, or a cluster
started by hand), a worker killed mid-run, resume, failures kept as rows, a
wrong --out or scheduler refused; and the cloud's pooling against the known
truth."""
from __future__ import annotations

import json
import os
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from distributed import Client

from btwin.scenarios.fleet import fleet as fleet_module
from btwin.scenarios.fleet.fleet import FleetError, run
from btwin.scenarios.fleet.runner import BATCHES_PER_WORKER, _batches

from .conftest import EVENTS
from .dask_cluster import external_cluster
from .fleet_double import KILLING_DAY, OWN_START

LIGHT = "tests.scenarios.fleet_double:light_day"
LOGGED = "tests.scenarios.fleet_double:logged_day"


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fmus")
    for name in fleet_module.FMUS:  # the light day only checks that they arrive unpacked
        with zipfile.ZipFile(folder / f"{name}.fmu", "w") as archive:
            archive.writestr("modelDescription.xml", f"<fmiModelDescription modelName='{name}'/>")
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


@pytest.mark.slow
def test_an_external_cluster_gives_the_same_table(tmp_path, archives, one_worker_run, dask_cluster):
    address, _ = dask_cluster
    summary = _run(tmp_path, archives, scheduler=address)
    assert summary["workers"] == 2
    assert _table(tmp_path) == _table(one_worker_run[0])


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_only_its_batch_which_runs_again(tmp_path, archives, one_worker_run,
                                                                       dask_cluster):
    address, events = dask_cluster
    for leftover in ("runs.log", "killed"):
        (events / leftover).unlink(missing_ok=True)
    batch = 4
    _run(tmp_path, archives, scheduler=address, simulate=LOGGED, batch_size=batch)
    assert (events / "killed").exists()  # a worker did die
    assert _table(tmp_path) == _table(one_worker_run[0])
    runs = Counter(tuple(map(int, line.split()[:2])) for line in (events / "runs.log").read_text().splitlines())
    vehicle, day = KILLING_DAY
    first = vehicle - vehicle % batch
    lost = {(v, day) for v in range(first, first + batch)}
    assert set(runs) == {(v, d) for v in range(24) for d in range(6)}
    assert {key: n for key, n in runs.items() if key not in lost and n != 1} == {}  # nothing else ran twice
    assert runs[KILLING_DAY] == 2 and all(runs[key] <= 2 for key in lost)
    with Client(address) as client:  # the killed worker's nanny restarts it: the session's cluster whole again
        client.wait_for_workers(2, timeout=60)


@pytest.mark.slow
def test_archives_lost_with_the_only_worker_are_sent_again(tmp_path_factory, tmp_path, archives, one_worker_run):
    """The FMU archives are scattered once; the scheduler keeps one copy once
    no task waits for them, and here the one worker holding them dies. The
    batches that needed them come back cancelled; the runner sends the
    archives again with them, and the table is the one-worker run's."""
    folder = tmp_path_factory.mktemp("lone_worker")
    events = folder / "events"
    events.mkdir()
    path = os.pathsep.join(filter(None, [str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH")]))
    with external_cluster(1, folder, env={EVENTS: str(events), "PYTHONPATH": path}) as address:
        _run(tmp_path, archives, scheduler=address, simulate=LOGGED, batch_size=4)
    assert (events / "killed").exists()
    assert _table(tmp_path) == _table(one_worker_run[0])


def test_a_day_is_cut_into_tasks_that_keep_every_worker_busy_alike():
    """Every vehicle once, in order; without a batch size BATCHES_PER_WORKER
    tasks per worker whose sizes differ by one at most (20 vehicles on 2
    workers: four of 3 and four of 2, not six of 3 and one of 2)."""
    for vehicles, workers in ((20, 2), (41, 2), (3, 2), (7, 1)):
        tasks = _batches(vehicles, 0, workers)
        assert [v for task in tasks for v in task] == list(range(vehicles))
        assert len(tasks) == min(vehicles, BATCHES_PER_WORKER * workers)
        assert max(map(len, tasks)) - min(map(len, tasks)) <= 1
    assert [len(task) for task in _batches(20, 0, 2)] == [3, 3, 3, 3, 2, 2, 2, 2]
    assert [len(task) for task in _batches(10, 3, 2)] == [3, 3, 3, 1]  # a batch size given is kept


def test_an_out_of_another_run_is_refused(tmp_path, archives):
    (tmp_path / "fleet.json").write_text(json.dumps({"vehicles": 3}))
    with pytest.raises(FleetError, match="other settings"):
        _run(tmp_path, archives, workers=1)


def test_a_bad_scheduler_fails_fast_with_its_address(tmp_path, archives):
    with pytest.raises(FleetError, match="tcp://127.0.0.1:9"):
        _run(tmp_path, archives, scheduler="tcp://127.0.0.1:9")


@pytest.mark.slow
def test_the_local_cluster_keeps_no_profile_of_its_tasks():
    """Dask's statistical profiler keeps a worker's call tree of every second for the last 1000: a
    fleet's workers grew by 3 MiB a day from them. The fleet's local cluster runs without it; with
    Dask's defaults the same worker holds a tree after a task of 1.5 s."""
    import time

    def trees(worker_config):
        client, cluster = fleet_module._client(1, None, worker_config)
        try:
            client.submit(time.sleep, 1.5, pure=False).result()
            return client.run(lambda dask_worker: len(dask_worker.profile_history))
        finally:
            client.close()
            cluster.close()

    assert list(trees(None).values()) == [0]
    assert list(trees({}).values())[0] >= 1


@pytest.mark.slow
def test_pooling_beats_each_vehicle_alone_when_data_are_few(tmp_path, archives, monkeypatch):
    # the stand-in's twin is exact (its errors are its stated noise): no systematic twin error to allow for; its
    # data sheet is its own start (the real cell's nominal lies 0.15 A.h from the stand-in's)
    exact = tuple(replace(q, twin_error_std=0.0, twin_std_scale=1.0, twin_error_drift_std=0.0, twin_error_rate=0.0,
                          end_pull=0.0, kind_pull=(), kind_evidence_bias=(), vehicle_error_std=0.0, evidence_std_scale=1.0, aging_error_std=0.0,
                          nominal=OWN_START[q.name][0],
                          nominal_std=OWN_START[q.name][1])
                  for q in fleet_module.QUANTITIES)
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
