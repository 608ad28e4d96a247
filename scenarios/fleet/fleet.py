"""The fleet run as a whole: a Dask client (a local cluster of processes, or
a running scheduler), the FMUs shipped to the workers, the days, the summary
and the plots. ``btwin fleet`` calls :func:`run`."""
from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

from ..common import fmu_path
from .plots import plot
from .runner import FleetError, FleetSettings, run_fleet
from .summary import summarise
from .vehicle_day import FMUS, QUANTITIES

__all__ = ["FleetError", "run"]

SCHEDULER_TIMEOUT = "5s"
# The local cluster's workers run without Dask's statistical profiler. It samples the running task's stack
# every 10 ms and keeps a call tree of every second for the last 1000 (``distributed.admin.low-level-log-length``):
# on a vehicle-day's deep stacks (master, FMU, model) a worker grew with its running time, by 70 MiB in the
# 14 minutes of a 1,000 vehicle-day run, and would level off only after 1000 s (benchmarks/fleet_memory.py).
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


def run(out: str | Path, vehicles: int, days: int, seed: int = 0, workers: int | None = None,
        scheduler: str | None = None, aging_acceleration: float | None = None, batch_size: int = 0,
        progress: bool = False, fmu_dir: Path | None = None, simulate: str | None = None,
        after_day=None) -> dict:
    """Run (or resume) a fleet into ``out`` and return its summary (also the
    plots); see ``btwin fleet --help``."""
    out = Path(out)
    settings = FleetSettings(vehicles=vehicles, days=days, seed=seed, batch_size=batch_size,
                             quantities=QUANTITIES)
    if aging_acceleration is not None:
        settings = replace(settings, aging_acceleration=aging_acceleration)
    if simulate is not None:
        settings = replace(settings, simulate=simulate)
    settings.check()
    client, cluster = _client(workers, scheduler)  # a bad address fails before any work
    try:
        archives = {name: (fmu_path(name, fmu_dir) if fmu_dir else fmu_path(name)).resolve() for name in FMUS}
        result = run_fleet(settings, out, client, archives, progress=progress, after_day=after_day)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    rows = result.pop("rows")
    summary = summarise(rows, days, tuple(q.name for q in QUANTITIES), result)
    plot(rows, out)
    return summary


def _client(workers: int | None, scheduler: str | None, worker_config: dict | None = None):
    """A client of the scheduler at ``scheduler``, or of a new local cluster of
    ``workers`` processes (and that cluster) configured with ``worker_config``
    (default :data:`WORKER_CONFIG`; an external cluster's workers keep their own)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT), None
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            raise FleetError(f"cannot reach a Dask scheduler at {scheduler!r} within {SCHEDULER_TIMEOUT}: "
                             f"{error}") from None
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise FleetError(f"--workers must be >= 1, got {count}")
    # processes with one thread each: an FMU step holds the GIL
    with dask.config.set(WORKER_CONFIG if worker_config is None else worker_config):  # the nannies pass it on
        cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
    return Client(cluster), cluster
