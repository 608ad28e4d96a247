"""``btwin scenario NAME``: run one of the scenarios in this folder."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from .params import ParameterError, listing, parse_assignments

# name -> module in btwin.scenarios with PARAMS (see .params), run(out_dir,
# **params) -> summary dict (also written to summary.json), and optionally
# export(path) that writes the scenario's system as SSP
SCENARIOS = {
    "depot_charging": "depot_charging",
    "diagnostics": "diagnostics",
    "eis_aging": "eis_aging",
    "electrode_design": "electrode_design",
    "ev_wltc": "ev_wltc",
    "fast_charge": "fast_charge",
    "fmpy_battery_pulse": "fmpy_battery_pulse",
    "fmpy_thermal_pulse": "fmpy_thermal_pulse",
    "microstructure_to_twin": "microstructure_to_twin",
    "twin_observer": "twin_observer",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser("scenario", help="run a scenario",
                                   description="Run a scenario; results go to results/NAME/ unless --out is given.")
    parser.add_argument("name", choices=sorted(SCENARIOS), metavar="NAME",
                        help=f"one of: {', '.join(sorted(SCENARIOS))}")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="set a scenario parameter (repeatable); see --list-params")
    parser.add_argument("--list-params", action="store_true",
                        help="list the scenario's parameters with their units and defaults, and exit")
    parser.add_argument("--export", type=Path, default=None, metavar="FILE.ssp",
                        help="write the scenario's system as a self-contained SSP and do not run it")
    parser.set_defaults(func=run_scenario)


def run_scenario(args) -> int:
    module = importlib.import_module(f"btwin.scenarios.{SCENARIOS[args.name]}")
    declared = getattr(module, "PARAMS", {})
    if args.list_params:
        print(listing(declared))
        return 0
    try:
        params = parse_assignments(declared, args.param)
    except ParameterError as error:
        print(f"btwin scenario {args.name}: {error}", file=sys.stderr)
        return 2
    if args.export is not None:
        return _export(args.name, module, args.export)
    print(f"{args.name}:")
    try:  # a scenario may refuse a combination of values that are each fine
        summary = module.run(args.out, **params)
    except ParameterError as error:
        print(f"btwin scenario {args.name}: {error}", file=sys.stderr)
        return 2
    _print_summary(summary, indent="  ")
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
