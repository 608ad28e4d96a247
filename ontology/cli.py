"""``btwin wire`` and ``btwin query``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    wire = subparsers.add_parser(
        "wire", help="wire FMUs into an SSP system by what their variables mean",
        description="Match inputs to outputs by meaning (ontology), add unit conversions and "
                    "power bonds, validate with SHACL and write a standard SSP 1.0 system.")
    wire.add_argument("fmus", nargs="+", metavar="FMU", type=Path)
    wire.add_argument("--out", required=True, type=Path, metavar="SYSTEM.ssp",
                      help="the system to write (.ssp archive or .ssd file)")
    wire.add_argument("--name", help="system name (default: the file name)")
    _annotations(wire)
    wire.add_argument("--no-shacl", action="store_true", help="skip the SHACL validation")
    wire.add_argument("--step", type=float, metavar="H", help="default macro step [s] written to the system")
    wire.add_argument("--stop-time", type=float, metavar="T", help="default stop time [s]")
    wire.set_defaults(func=run_wire)

    query = subparsers.add_parser(
        "query", help="SPARQL over the annotated system graph",
        description="Run a SPARQL query over the FMUs' semantics after reasoning; the usual prefixes "
                    "(btwin, qudt, unit, quantitykind, sosa, ssn, saref, cim, rdf, rdfs, owl) are declared.")
    query.add_argument("fmus", nargs="+", metavar="FMU", type=Path)
    query.add_argument("--sparql", required=True, metavar="QUERY",
                       help="the query text, or @FILE to read it from a file")
    _annotations(query)
    query.set_defaults(func=run_query)


def _annotations(parser) -> None:
    parser.add_argument("--annotations", nargs="*", default=[], type=Path, metavar="TTL",
                        help="more Turtle read for every FMU (system-wide facts)")


def run_wire(args) -> int:
    from . import wire
    from btwin.master.ssp import write_ssp
    wiring = wire(args.fmus, args.name or args.out.stem, annotations=args.annotations, validate=not args.no_shacl)
    wiring.structure.step_size = args.step
    wiring.structure.stop_time = args.stop_time
    path = write_ssp(wiring.structure, args.out)
    print(wiring.report())
    print(f"written {path}")
    return 0


def run_query(args) -> int:
    from . import query
    from .namespaces import prefixed
    text = args.sparql
    if text.startswith("@"):
        text = Path(text[1:]).read_text()
    columns, rows = query(args.fmus, text, annotations=args.annotations)
    print("\t".join(columns))
    for row in rows:
        print("\t".join("" if v is None else str(v) if isinstance(v, bool) else prefixed(v) for v in row))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="btwin")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
