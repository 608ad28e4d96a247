"""Fleet worker memory, fast: the same vehicle-days run again and again on
the workers of the fleet's own local Dask cluster, each worker's resident
set (RSS) and Python objects sampled after every round, and the slope of the
RSS over the second half of the rounds (MiB per 100 vehicle-days, a least
squares line; the first rounds warm caches up and are left out).

    .venv/bin/python benchmarks/fleet_memory.py                       # 1 worker, 4 vehicle-days a round, 15 rounds
    .venv/bin/python benchmarks/fleet_memory.py --profiler            # with Dask's statistical profiler on
    .venv/bin/python benchmarks/fleet_memory.py --workers 2 --rounds 30 --json results/fleet_memory.json

A round is day 0 of ``--vehicles`` vehicles (seed ``--seed``), one batch per
worker, as ``btwin fleet`` ships them (``runner.run_batch``). The specs are
the same every round, so what grows is the worker's, not the fleet's: a
fleet run's per-day figures come from ``benchmarks/fleet_throughput.py``,
which reports the same slope over its days. ``--profiler`` runs the workers
as Dask starts them by default (the profiler keeps a call tree per second of
the last 1000, ``profile_trees`` below); ``--malloc-trim`` calls glibc's
``malloc_trim(0)`` before each sample (what is left is not memory freed but
kept by the allocator). The machine's load average is recorded beside the
figures: the RSS does not depend on it, the rounds' time does.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from btwin.scenarios.common import fmu_path
from btwin.scenarios.fleet.draws import draw_fleet
from btwin.scenarios.fleet.fleet import WORKER_CONFIG, _client
from btwin.scenarios.fleet.runner import SIMULATE, FleetSettings, _replay, run_batch
from btwin.scenarios.fleet.vehicle_day import FMUS, QUANTITIES


def sample(malloc_trim: bool = False, dask_worker=None) -> dict:
    """On a worker: its RSS [MiB], Python's objects after a collection, and
    the profiler's call trees kept."""
    import ctypes
    import gc

    import psutil

    if malloc_trim:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    gc.collect()
    return {"rss_MiB": psutil.Process().memory_info().rss / 2**20, "python_objects": len(gc.get_objects()),
            "profile_trees": len(dask_worker.profile_history)}


def slope_per_100(rss: list[float], vehicle_days_per_sample: float) -> float:
    """MiB per 100 vehicle-days: a least squares line through the second half of ``rss``."""
    late = np.asarray(rss[len(rss) // 2:], dtype=float)
    if len(late) < 2:
        return float("nan")
    return float(np.polyfit(np.arange(len(late)) * vehicle_days_per_sample, late, 1)[0] * 100.0)


def day_specs(vehicles: int, seed: int) -> list[dict]:
    settings = FleetSettings(vehicles=vehicles, days=1, seed=seed, quantities=QUANTITIES)
    fleet = draw_fleet(seed, vehicles)
    state = _replay(settings, fleet, [])
    return [state.spec(vehicle, 0) for vehicle in fleet]


def measure(workers: int, vehicles: int, rounds: int, seed: int, profiler: bool, malloc_trim: bool) -> dict:
    specs = day_specs(vehicles, seed)
    client, cluster = _client(workers, None, worker_config={} if profiler else WORKER_CONFIG)
    try:
        addresses = sorted(client.scheduler_info()["workers"])
        shipped = {name: client.scatter(fmu_path(name).read_bytes(), broadcast=True, hash=False) for name in FMUS}
        by_round, seconds, load = [], [], [os.getloadavg()[0]]
        for number in range(rounds):
            started = time.perf_counter()
            futures = [client.submit(run_batch, SIMULATE, specs, shipped, pure=False, workers=[address],
                                     key=f"memory-{number}-{i}-{os.urandom(4).hex()}")
                       for i, address in enumerate(addresses)]
            failed = sum(bool(row["error"]) for future in futures for row in future.result())
            if failed:
                raise RuntimeError(f"{failed} vehicle-days failed in round {number}")
            del futures
            seconds.append(time.perf_counter() - started)
            found = client.run(sample, malloc_trim)
            by_round.append([found[address] for address in addresses])
            print(f"round {number + 1:3d} ({seconds[-1]:5.1f} s): " + "  ".join(
                f"{s['rss_MiB']:6.1f} MiB {s['python_objects']:7d} objects {s['profile_trees']:4d} trees"
                for s in by_round[-1]), flush=True)
        load.append(os.getloadavg()[0])
    finally:
        client.close()
        cluster.close()
    rss = [[round(s["rss_MiB"], 2) for s in samples] for samples in by_round]
    objects = [[s["python_objects"] for s in samples] for samples in by_round]
    return {"workers": workers, "vehicle_days_per_round_and_worker": vehicles, "rounds": rounds,
            "profiler": profiler, "malloc_trim": malloc_trim,
            "worker_rss_MiB_by_round": rss,
            "worker_rss_MiB_first_last": [[rss[0][w], rss[-1][w]] for w in range(workers)],
            "slope_MiB_per_100_vehicle_days_second_half": [
                round(slope_per_100([r[w] for r in rss], vehicles), 3) for w in range(workers)],
            "python_objects_growth_second_half_per_vehicle_day": [
                round((objects[-1][w] - objects[len(objects) // 2][w])
                      / max(1, (rounds - 1 - len(objects) // 2) * vehicles), 1) for w in range(workers)],
            "round_wall_s_median": round(float(np.median(seconds)), 1),
            "load_average_1min": [round(value, 2) for value in load]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--vehicles", type=int, default=4, help="vehicle-days per round and worker")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profiler", action="store_true", help="Dask's statistical profiler on (its default)")
    parser.add_argument("--malloc-trim", action="store_true", help="malloc_trim(0) on the workers before sampling")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    figures = measure(args.workers, args.vehicles, args.rounds, args.seed, args.profiler, args.malloc_trim)
    print(json.dumps({k: v for k, v in figures.items() if k != "worker_rss_MiB_by_round"}, indent=1))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
