"""Fleet throughput on this machine: vehicle-days per minute with 1 and 2
Dask workers (scaling efficiency = rate(2) / (2 rate(1))), then a long run
of 1,000 vehicle-days (40 vehicles x 25 days) on 2 workers: its wall time
and each worker's memory (RSS) after every day, which should stay flat.

    .venv/bin/python benchmarks/fleet_throughput.py                  # scaling (20 x 3), then 40 x 25
    .venv/bin/python benchmarks/fleet_throughput.py --long-only --vehicles 40 --days 25
    nice .venv/bin/python benchmarks/fleet_throughput.py --json results/fleet_throughput.json --keep results/fleet_1000
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/fleet_throughput.py --cpu-only 12   # no Dask
    .venv/bin/python benchmarks/fleet_throughput.py --cpu-only 3 --against 589cbc5 --rounds 3

Every run goes into a fresh temporary folder (no resume); ``--keep`` keeps
the long run's (the same table and plot as ``btwin fleet --vehicles 40 --days
25 --seed 11 --workers 2``). The machine's load
average is recorded beside the figures: other work on the same cores slows
the rates down, and the workers' CPU seconds per vehicle-day say what a
vehicle-day costs whatever the load (less so on a machine whose cores are
shared: a busy sibling hyperthread makes every instruction slower). So
``--against REV`` measures this checkout and git revision REV (its code and
its FMUs, built from it in a temporary folder) in alternation on the same
vehicle-days, ``--rounds`` times each, and reports the ratio of their CPU
seconds per vehicle-day, which the load changes much less than either."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from btwin.scenarios.fleet.fleet import run


def _worker_usage(client) -> list[tuple[float, float]]:
    """(RSS in MiB, CPU seconds) of each worker process."""
    import psutil

    def usage():
        process = psutil.Process()
        times = process.cpu_times()
        return process.memory_info().rss / 2**20, times.user + times.system

    found = client.run(usage)
    return [found[worker] for worker in sorted(found)]


def fleet_run(vehicles: int, days: int, workers: int, seed: int, keep: Path | None = None) -> dict:
    """One fleet run (into ``keep``, which must not hold another run, or a
    temporary folder); its rate, the workers' CPU time and their RSS after every day."""
    by_day = []
    load_before, started = os.getloadavg()[0], time.perf_counter()

    def after_day(day: int, client) -> None:  # also to stderr, so that a run stopped early still tells
        by_day.append(_worker_usage(client))
        print(f"day {day + 1:3d} at {time.perf_counter() - started:7.1f} s (load {os.getloadavg()[0]:.1f}): "
              + "  ".join(f"{rss:6.1f} MiB" for rss, _ in by_day[-1]), file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="btwin-fleet-bench-") as temporary:
        summary = run(keep or Path(temporary), vehicles=vehicles, days=days, seed=seed, workers=workers,
                      after_day=after_day)
    done, wall = summary["vehicle_days"], summary["wall_time_s"]
    cpu = sum(seconds for _, seconds in by_day[-1])
    return {"workers": workers, "vehicles": vehicles, "days": days, "vehicle_days": done,
            "failed": summary["failed_vehicle_days"], "wall_time_s": round(wall, 1),
            "vehicle_days_per_minute": round(60.0 * done / wall, 1),
            "worker_cpu_s_per_vehicle_day": round(cpu / done, 3),
            "worker_rss_MiB_by_day": [[round(rss, 1) for rss, _ in day] for day in by_day],
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "summary": {k: summary[k] for k in ("sparse_data", "data_rich", "coverage_90")}}


def cpu_per_vehicle_day(vehicles: int, seed: int) -> dict:
    """Day 0 of ``vehicles`` vehicles one after the other in this process, as
    a worker runs a batch (after one to warm up): CPU seconds per vehicle-day
    without Dask, the figure that bounds the rate on free cores."""
    from btwin.scenarios.common import fmu_path
    from btwin.scenarios.fleet.draws import draw_fleet
    from btwin.scenarios.fleet.runner import SIMULATE, FleetSettings, _replay, run_batch
    from btwin.scenarios.fleet.vehicle_day import FMUS, QUANTITIES

    settings = FleetSettings(vehicles=vehicles + 1, days=1, seed=seed, quantities=QUANTITIES)
    fleet = draw_fleet(seed, vehicles + 1)
    specs = [_replay(settings, fleet, []).spec(vehicle, 0) for vehicle in fleet]
    shipped = {name: fmu_path(name).read_bytes() for name in FMUS}
    run_batch(SIMULATE, specs[:1], shipped)
    started, wall = time.process_time(), time.perf_counter()
    rows = run_batch(SIMULATE, specs[1:], shipped)
    return {"vehicle_days": len(rows), "failed": sum(bool(row["error"]) for row in rows),
            "cpu_s_per_vehicle_day": round((time.process_time() - started) / len(rows), 3),
            "wall_s_per_vehicle_day": round((time.perf_counter() - wall) / len(rows), 3),
            "load_average_1min": round(os.getloadavg()[0], 2)}


def against(revision: str, vehicles: int, seed: int, rounds: int) -> dict:
    """CPU seconds per vehicle-day of this checkout and of ``revision``,
    measured in turn in fresh processes (see the module docstring)."""
    import statistics
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="btwin-bench-rev-") as temporary:
        tree, shim = Path(temporary) / "tree", Path(temporary) / "path"
        _export(root, revision, tree, shim)
        command = [sys.executable, str(Path(__file__).resolve()), "--cpu-only", str(vehicles), "--seed", str(seed)]
        runs = {"this": (root, os.environ.get("PYTHONPATH", "")), revision: (tree, str(shim))}
        found = {name: [] for name in runs}
        for _ in range(rounds):
            for name, (cwd, path) in runs.items():
                done = subprocess.run(command, cwd=cwd, env={**os.environ, "PYTHONPATH": path,
                                                              "OPENBLAS_NUM_THREADS": "1"},
                                      capture_output=True, text=True, check=True)
                found[name].append(json.loads(done.stdout)["cpu_s_per_vehicle_day"])
    median = {name: statistics.median(values) for name, values in found.items()}
    return {"cpu_s_per_vehicle_day": found, "median": median,
            "ratio_this_over_revision": round(median["this"] / median[revision], 3),
            "load_average_1min": round(os.getloadavg()[0], 2)}


def _export(root: Path, revision: str, tree: Path, shim: Path) -> None:
    """``revision``'s files into ``tree`` and a package folder ``shim/btwin``
    whose subpackages are its folders (as ``setup.py`` maps them), so that
    PYTHONPATH=shim imports that revision instead of this checkout."""
    import subprocess
    import tarfile
    from io import BytesIO

    archive = subprocess.run(["git", "archive", revision], cwd=root, capture_output=True, check=True).stdout
    tree.mkdir(parents=True)
    with tarfile.open(fileobj=BytesIO(archive)) as files:
        files.extractall(tree, filter="data")
    package = shim / "btwin"
    package.mkdir(parents=True)
    (package / "__init__.py").touch()
    for folder in ("models", "fmus", "master", "ontology", "scenarios"):
        (package / folder).symlink_to(tree / folder)


def memory_figures(rss_by_day: list[list[float]], vehicle_days_per_worker_and_day: float) -> dict:
    """Each worker's RSS after the first day and after the last, after days
    1, 5, 10, ..., the growth from the first day's to the last quarter's
    mean, and the slope over the second half of the days in MiB per 100 of
    the worker's vehicle-days (``fleet_memory.slope_per_100``)."""
    from fleet_memory import slope_per_100

    first, last = rss_by_day[0], rss_by_day[-1]
    quarter = rss_by_day[-max(1, len(rss_by_day) // 4):]
    late_mean = [sum(day[w] for day in quarter) / len(quarter) for w in range(len(first))]
    return {"worker_rss_MiB_after_day_1": first, "worker_rss_MiB_after_last_day": last,
            "worker_rss_MiB_after_day": {day: rss_by_day[day - 1] for day in (1, *range(5, len(rss_by_day) + 1, 5))},
            "worker_rss_growth_MiB": [round(b - a, 1) for a, b in zip(first, late_mean)],
            "worker_rss_slope_MiB_per_100_vehicle_days_second_half": [
                round(slope_per_100([day[w] for day in rss_by_day], vehicle_days_per_worker_and_day), 3)
                for w in range(len(first))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=40)
    parser.add_argument("--days", type=int, default=25)
    parser.add_argument("--scaling-vehicles", type=int, default=20)
    parser.add_argument("--scaling-days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--long-only", action="store_true")
    parser.add_argument("--scaling-only", action="store_true")
    parser.add_argument("--cpu-only", type=int, default=0, metavar="N",
                        help="only the CPU seconds per vehicle-day of N vehicle-days in this process")
    parser.add_argument("--against", default=None, metavar="REV",
                        help="with --cpu-only: this checkout against git revision REV, in alternation")
    parser.add_argument("--rounds", type=int, default=3, help="with --against: runs of each")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the long run's fleet.parquet and plot here (a fresh folder)")
    args = parser.parse_args()
    figures = {"cpu_count": os.cpu_count()}
    if args.cpu_only and args.against:
        print(json.dumps(against(args.against, args.cpu_only, args.seed, args.rounds), indent=1))
        return
    if args.cpu_only:
        print(json.dumps(cpu_per_vehicle_day(args.cpu_only, args.seed), indent=1))
        return
    if not args.long_only:
        rates = [fleet_run(args.scaling_vehicles, args.scaling_days, w, args.seed) for w in (1, 2)]
        for rate in rates:
            rate.pop("summary")
        figures["scaling"] = rates
        figures["scaling_efficiency"] = round(
            rates[1]["vehicle_days_per_minute"] / (2.0 * rates[0]["vehicle_days_per_minute"]), 3)
        print(json.dumps({k: figures[k] for k in ("scaling", "scaling_efficiency")}, indent=1), flush=True)
    if not args.scaling_only:
        started = time.perf_counter()
        long = fleet_run(args.vehicles, args.days, 2, args.seed, args.keep)
        long["total_wall_time_s"] = round(time.perf_counter() - started, 1)  # with the cluster's start and stop
        long.update(memory_figures(long["worker_rss_MiB_by_day"], args.vehicles / 2))
        minutes = 1000.0 / long["vehicle_days_per_minute"]  # issue 15: 1,000 vehicle-days within 15 minutes
        long["minutes_per_1000_vehicle_days"] = round(minutes, 1)
        long["target_1000_in_15_minutes"] = "met" if minutes <= 15.0 else "missed"
        figures["long_run"] = long
        print(json.dumps({k: v for k, v in long.items() if k != "worker_rss_MiB_by_day"}, indent=1))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
