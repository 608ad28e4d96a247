"""The ontology: what every signal of an FMU means, and systems wired by it.

Public API::

    wire(fmus, name="system", *, annotations=(), validate=True) -> Wiring
    wire_to_ssp(fmus, out, name=None, *, annotations=(), validate=True) -> Wiring
    query(fmus, sparql, annotations=()) -> (columns, rows)
    Wiring.structure   # btwin.master.structure.SystemStructure
    Wiring.unfed       # [Unfed(endpoint, required, reason)]
    Wiring.shacl       # [ShapeResult(severity, focus, message)]
    Wiring.report()    # readable summary

Errors (all ``OntologyError``, a ``ValueError``): ``WiringError`` (every
problem at once: ambiguity, units, conflicting annotations, SHACL
violations), ``TurtleSyntaxError`` (file and line), ``UnitConversionError``.

Vocabulary and data: ``vocab/btwin.ttl`` (our terms and their alignments),
``vocab/qudt_subset.ttl`` (QUDT 3.5.0 excerpt, CC BY 4.0), ``fmus/<Model>.ttl``
(semantics of our FMUs), ``shapes/system.ttl`` (SHACL). The package reads
``modelDescription.xml`` and RDF only; it never imports ``btwin.models``.
"""
from __future__ import annotations

from pathlib import Path

from .errors import OntologyError, TurtleSyntaxError, UnitConversionError, WiringError
from .query import query
from .wiring import Unfed, Wiring, wire


def wire_to_ssp(fmus, out, name: str | None = None, *, annotations=(), validate: bool = True) -> Wiring:
    """Wire ``fmus`` and write the system as SSP 1.0 (``.ssp`` or ``.ssd``)."""
    from btwin.master.ssp import write_ssp
    out = Path(out)
    wiring = wire(fmus, name or out.stem, annotations=annotations, validate=validate)
    write_ssp(wiring.structure, out)
    return wiring


__all__ = ["OntologyError", "TurtleSyntaxError", "UnitConversionError", "WiringError", "Unfed", "Wiring",
           "query", "wire", "wire_to_ssp"]
