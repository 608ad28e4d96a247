"""The ``btwin`` command: one sub-command per task, each parser in the module
that owns the task (``btwin.fmus.cli``, ``btwin.master.cli``,
``btwin.ontology.cli``, ``btwin.scenarios.run``)."""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import exit_code

# Each module has ``register(subparsers)`` that adds its sub-commands and sets
# ``func`` on them; ``func(args)`` returns the process exit code.
COMMAND_MODULES = (
    "btwin.fmus.cli",
    "btwin.master.cli",
    "btwin.ontology.cli",
    "btwin.scenarios.run",
    "btwin.scenarios.fleet.cli",
    "btwin.scenarios.eis_cli",
    "btwin.scenarios.microstructure_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="btwin", description=__doc__.split("\n\n")[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; errors are reported by :mod:`.errors` (exit 2
    for bad input, 1 for a failed run, 128 + N after signal N)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:  # outside a master run (which stops cleanly on its own)
        print(f"btwin {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        code = exit_code(args.command, error)
        if code is None:
            raise
        return code


if __name__ == "__main__":
    sys.exit(main())
