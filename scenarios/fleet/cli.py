"""``btwin fleet``: a fleet of edge twins and the cloud's population twin, on Dask."""
from __future__ import annotations

import sys
from pathlib import Path

from ..common import write_summary


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "fleet", help="simulate a fleet day by day on Dask",
        description="Simulate N vehicles for D days: each vehicle-day (plant, sensors, edge twin) is a "
                    "co-simulation on a Dask worker; each night the cloud pools the fleet and sends each "
                    "edge twin its prior. Writes DIR/fleet.parquet and DIR/summary.json; a run restarted "
                    "on the same --out resumes.")
    parser.add_argument("--vehicles", type=int, required=True, metavar="N")
    parser.add_argument("--days", type=int, required=True, metavar="D")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="same seed, same numbers (default 0)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="W",
                       help="worker processes of a local Dask cluster (default: one per core)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="a running Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--aging-acceleration", type=float, default=None, metavar="K",
                        help="calendar days of SEI growth per simulated day (default 30)")
    parser.add_argument("--batch-size", type=int, default=0, metavar="B",
                        help="vehicle-days per Dask task (default: from the fleet and the workers)")
    parser.add_argument("--fmu-dir", type=Path, default=None, metavar="DIR",
                        help="where the FMUs are (built there first if missing; default build/fmus)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.set_defaults(func=run_command)


def run_command(args) -> int:
    from .fleet import FleetError, run

    try:
        summary = run(args.out, vehicles=args.vehicles, days=args.days, seed=args.seed, workers=args.workers,
                      scheduler=args.scheduler, aging_acceleration=args.aging_acceleration,
                      batch_size=args.batch_size, progress=sys.stderr.isatty(), fmu_dir=args.fmu_dir)
    except FleetError as error:
        print(f"btwin fleet: {error}", file=sys.stderr)
        return 2
    write_summary(args.out, summary)
    print(f"fleet: {summary['vehicle_days']} vehicle-days on {summary['workers']} workers "
          f"in {summary['wall_time_s']:.1f} s ({summary['failed_vehicle_days']} failed)")
    for window in ("sparse_data", "data_rich"):
        figures = summary[window]
        print(f"  {window}: capacity RMSE individual {figures.get('capacity_rmse_individual', float('nan')):.4g}, "
              f"shrunk {figures.get('capacity_rmse_shrunk', float('nan')):.4g}")
    for habit, figures in summary.get("data_rich_by_habit", {}).items():
        print(f"    {habit.replace('_', ' ')}: individual {figures.get('capacity_rmse_individual', float('nan')):.4g}, "
              f"shrunk {figures.get('capacity_rmse_shrunk', float('nan')):.4g}")
    print(f"  90 % intervals cover the truth {summary['coverage_90']:.1%} of the time")
    print(f"  results in {args.out}/fleet.parquet, summary.json, fleet_capacity.png")
    return 0
