"""Fleet throughput on this machine: vehicle-days per minute with 1 and 2
Dask workers (scaling efficiency = rate(2) / (2 rate(1))), worker memory
(RSS) after every day of a longer run, and the shrinkage figures of that run.

    .venv/bin/python benchmarks/fleet_throughput.py                  # 20 vehicles x 3 days, then 40 x 25
    .venv/bin/python benchmarks/fleet_throughput.py --vehicles 40 --days 25 --long-only

Every run goes into a fresh temporary folder (no resume)."""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from btwin.scenarios.fleet.fleet import run


def _worker_rss(client) -> list[float]:
    import psutil

    sizes = client.run(lambda: psutil.Process().memory_info().rss)
    return [sizes[worker] / 2**20 for worker in sorted(sizes)]


def throughput(vehicles: int, days: int, workers: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="btwin-fleet-bench-") as out:
        started = time.perf_counter()
        summary = run(Path(out), vehicles=vehicles, days=days, seed=seed, workers=workers)
        wall = time.perf_counter() - started
    return {"workers": workers, "vehicle_days": summary["vehicle_days"],
            "fleet_wall_s": round(summary["wall_time_s"], 2), "total_wall_s": round(wall, 2),
            "vehicle_days_per_minute": round(60.0 * summary["vehicle_days"] / summary["wall_time_s"], 1),
            "failed": summary["failed_vehicle_days"]}


def long_run(vehicles: int, days: int, workers: int, seed: int) -> dict:
    memory = []
    with tempfile.TemporaryDirectory(prefix="btwin-fleet-bench-") as out:
        summary = run(Path(out), vehicles=vehicles, days=days, seed=seed, workers=workers,
                      after_day=lambda day, client: memory.append([day, *_worker_rss(client)]))
    return {"summary": summary, "worker_rss_MiB_by_day": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=40)
    parser.add_argument("--days", type=int, default=25)
    parser.add_argument("--scaling-vehicles", type=int, default=20)
    parser.add_argument("--scaling-days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--long-only", action="store_true")
    args = parser.parse_args()
    if not args.long_only:
        rates = [throughput(args.scaling_vehicles, args.scaling_days, w, args.seed) for w in (1, 2)]
        efficiency = rates[1]["vehicle_days_per_minute"] / (2.0 * rates[0]["vehicle_days_per_minute"])
        print(json.dumps({"scaling": rates, "scaling_efficiency": round(efficiency, 3)}, indent=2))
    result = long_run(args.vehicles, args.days, 2, args.seed)
    rss = result["worker_rss_MiB_by_day"]
    first, last = rss[min(1, len(rss) - 1)][1:], rss[-1][1:]
    print(json.dumps({"long_run": {k: result["summary"][k] for k in
                                   ("vehicle_days", "wall_time_s", "sparse_data", "data_rich", "coverage_90",
                                    "failed_vehicle_days")},
                      "worker_rss_MiB_day1": [round(x, 1) for x in first],
                      "worker_rss_MiB_last_day": [round(x, 1) for x in last],
                      "vehicle_days_per_minute": round(60.0 * result["summary"]["vehicle_days"]
                                                       / result["summary"]["wall_time_s"], 1)}, indent=2))


if __name__ == "__main__":
    main()
