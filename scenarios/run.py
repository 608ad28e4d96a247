"""``btwin scenario NAME``: run one of the scenarios in this folder."""
from __future__ import annotations

import importlib
from pathlib import Path

# name -> module in btwin.scenarios with run(out_dir) -> summary dict
SCENARIOS = {
    "depot_charging": "depot_charging",
    "fmpy_battery_pulse": "fmpy_battery_pulse",
    "fmpy_thermal_pulse": "fmpy_thermal_pulse",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser("scenario", help="run a scenario",
                                   description="Run a scenario; results go to results/NAME/ unless --out is given.")
    parser.add_argument("name", choices=sorted(SCENARIOS), metavar="NAME",
                        help=f"one of: {', '.join(sorted(SCENARIOS))}")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR")
    parser.set_defaults(func=run_scenario)


def run_scenario(args) -> int:
    module = importlib.import_module(f"btwin.scenarios.{SCENARIOS[args.name]}")
    summary = module.run(args.out)
    print(f"{args.name}:")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    return 0
