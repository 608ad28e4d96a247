"""Sub-commands ``btwin build`` and ``btwin validate``."""
from __future__ import annotations

import argparse
from pathlib import Path

from .build import DEFAULT_OUT, build
from .catalogue import CATALOGUE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("build", help="build FMUs of the catalogue",
                                   description="Build FMUs into DIR/NAME.fmu.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"FMUs to build (default: all of {', '.join(CATALOGUE)})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"output folder (default: {DEFAULT_OUT})")
    parser.set_defaults(func=run_build)

    parser = subparsers.add_parser("validate", help="check FMUs: schema, units, load, step",
                                   description="Validate FMUs with fmpy, then load, instantiate and step them.")
    parser.add_argument("fmus", nargs="+", type=Path, metavar="FMU")
    parser.add_argument("--step", type=float, default=None, help="step size to try (default: the FMU's)")
    parser.add_argument("--strict", action="store_true",
                        help="a Real without a unit is an error also in FMUs not ours (else a warning)")
    parser.set_defaults(func=run_validate)


def run_build(args) -> int:
    try:
        results = build(args.names, args.out)
    except (KeyError, RuntimeError, ValueError) as error:
        print(f"btwin build: {error.args[0] if error.args else error}")
        return 2
    for result in results:
        print(f"{result.path}  ({result.seconds:.2f} s)")
    return 0


def run_validate(args) -> int:
    from .validate import validate

    failed = 0
    for path in args.fmus:
        warnings = []
        problems = validate(path, args.step, args.strict, warnings)
        if problems:
            failed += 1
            print(f"{path}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"{path}: ok" + (f", {len(warnings)} warning(s) (--strict makes them errors)" if warnings else ""))
        for warning in warnings:
            print(f"  warning: {warning}")
    return 1 if failed else 0
