"""``btwin scenario NAME``: run one of the scenarios in this folder."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

# name -> module in btwin.scenarios with run(out_dir) -> summary dict,
# and optionally export(path) that writes the scenario's system as SSP
SCENARIOS = {
    "depot_charging": "depot_charging",
    "ev_wltc": "ev_wltc",
    "fmpy_battery_pulse": "fmpy_battery_pulse",
    "fmpy_thermal_pulse": "fmpy_thermal_pulse",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser("scenario", help="run a scenario",
                                   description="Run a scenario; results go to results/NAME/ unless --out is given.")
    parser.add_argument("name", choices=sorted(SCENARIOS), metavar="NAME",
                        help=f"one of: {', '.join(sorted(SCENARIOS))}")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR")
    parser.add_argument("--export", type=Path, default=None, metavar="FILE.ssp",
                        help="write the scenario's system as a self-contained SSP and do not run it")
    parser.set_defaults(func=run_scenario)


def run_scenario(args) -> int:
    module = importlib.import_module(f"btwin.scenarios.{SCENARIOS[args.name]}")
    if args.export is not None:
        return _export(args.name, module, args.export)
    print(f"{args.name}:")
    _print_summary(module.run(args.out), indent="  ")
    return 0


def _print_summary(summary: dict, indent: str) -> None:
    for key, value in summary.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            _print_summary(value, indent + "  ")
        else:
            print(f"{indent}{key}: {value}")


def _export(name: str, module, path: Path) -> int:
    export = getattr(module, "export", None)
    if export is None:
        exporting = sorted(n for n, m in SCENARIOS.items()
                           if hasattr(importlib.import_module(f"btwin.scenarios.{m}"), "export"))
        print(f"btwin scenario: {name} has no SSP export; "
              f"scenarios that do: {', '.join(exporting) or 'none'}", file=sys.stderr)
        return 2
    print(f"wrote {export(path)}")
    return 0
