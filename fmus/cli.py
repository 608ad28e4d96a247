"""Sub-commands ``btwin build``, ``btwin validate`` and ``btwin fmu-env``."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .build import DEFAULT_OUT, build
from .catalogue import CATALOGUE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("build", help="build FMUs of the catalogue",
                                   description="Build FMUs into DIR/NAME.fmu.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"FMUs to build (default: all of {', '.join(CATALOGUE)})")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"output folder (default: {DEFAULT_OUT}; with --native: build/native)")
    parser.add_argument("--native", action="store_true",
                        help="compiled C FMUs with no Python inside, from the models' CasADi forms, "
                             "into DIR/fmi2/NAME.fmu and DIR/fmi3/NAME.fmu")
    parser.add_argument("--fmi-version", type=int, choices=(2, 3), default=None,
                        help="with --native: build only this FMI version (default: both)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="with --native: a parameter's start value to build with; the cell's "
                             "microstructure is compiled in, so this is how a native cell gets another")
    parser.set_defaults(func=run_build)

    parser = subparsers.add_parser("validate", help="check FMUs: schema, units, load, step",
                                   description="Validate FMUs with fmpy, then load, instantiate and step them.")
    parser.add_argument("fmus", nargs="+", type=Path, metavar="FMU")
    parser.add_argument("--step", type=float, default=None, help="step size to try (default: the FMU's)")
    parser.add_argument("--strict", action="store_true",
                        help="a Real without a unit is an error also in FMUs not ours (else a warning)")
    parser.set_defaults(func=run_validate)

    parser = subparsers.add_parser(
        "fmu-env", help="create the Python environment a Python FMU records and point the FMU at it",
        description="Create DIR as a virtual environment with the Python packages (exact versions) the "
                    "FMU records, and point the FMU's launcher at it (the archive is rewritten).")
    parser.add_argument("fmu", type=Path, metavar="FMU")
    parser.add_argument("--venv", type=Path, required=True, metavar="DIR")
    parser.add_argument("--python", type=Path, default=Path(sys.executable),
                        help="the Python to build the environment on (default: this one); it must have "
                             "the FMU's major.minor version and a shared libpython")
    parser.add_argument("--no-install", action="store_true",
                        help="create the environment and point the FMU at it, installing nothing")
    parser.set_defaults(func=run_fmu_env)


def run_build(args) -> int:
    if (args.fmi_version is not None or args.param) and not args.native:
        print("btwin build: --fmi-version and --param need --native (Python FMUs take parameters when run)")
        return 2
    try:
        if args.native:
            from .native.build import DEFAULT_OUT as NATIVE_OUT, VERSIONS, build_native
            versions = (args.fmi_version,) if args.fmi_version else VERSIONS
            results = build_native(args.names, args.out or NATIVE_OUT, versions, _values(args.param))
        else:
            results = build(args.names, args.out or DEFAULT_OUT)
    except (KeyError, RuntimeError, ValueError) as error:
        print(f"btwin build: {error.args[0] if error.args else error}")
        return 2
    for result in results:
        print(f"{result.path}  ({result.seconds:.2f} s)")
    return 0


def _values(pairs: list[str]) -> dict[str, float]:
    values = {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        try:
            values[name.strip()] = float(text)
        except ValueError:
            raise ValueError(f"--param {pair!r}: expected NAME=NUMBER") from None
    return values


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


def run_fmu_env(args) -> int:
    from .fmu_env import FmuEnvError, create

    try:
        config = create(args.fmu, args.venv, args.python, install=not args.no_install)
    except FmuEnvError as error:
        print(f"btwin fmu-env: {error}")
        return 2
    except subprocess.CalledProcessError as error:
        print(f"btwin fmu-env: {' '.join(map(str, error.cmd))} failed with exit status {error.returncode}")
        return 1
    print(f"{args.fmu} now runs in {args.venv}:\n{config}", end="")
    return 0
