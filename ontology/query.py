"""SPARQL over the annotated system graph (pyoxigraph).

The graph holds the closed schema and every FMU's variables, features,
units and power ports with what reasoning entails, so that
``?x a btwin:Load`` finds the factory's machines."""
from __future__ import annotations

import re
from typing import Sequence

import pyoxigraph as ox

from .errors import OntologyError
from .namespaces import PREFIXES


def system_store(fmus: Sequence, annotations: Sequence = ()) -> ox.Store:
    from .wiring import load_system
    _, schema, closed = load_system(fmus, annotations)
    store = ox.Store()
    store.bulk_extend(ox.Quad(s, p, o) for s, p, o in (*schema.triples, *closed))
    return store


def with_prefixes(sparql: str) -> str:
    """Declare btwin's usual prefixes the query uses but does not declare."""
    declared = {m.lower() for m in re.findall(r"(?i)prefix\s+([\w-]*):", sparql)}
    lines = [f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items() if p not in declared]
    return "\n".join(lines + [sparql])


def query(fmus: Sequence, sparql: str, annotations: Sequence = ()) -> tuple[list[str], list[list]]:
    """Column names and rows (pyoxigraph terms, None where unbound) of a SELECT;
    an ASK gives one row with a boolean."""
    store = system_store(fmus, annotations)
    try:
        result = store.query(with_prefixes(sparql))
    except SyntaxError as error:
        raise OntologyError(f"malformed SPARQL: {error}") from None
    if isinstance(result, ox.QueryBoolean):
        return ["ask"], [[bool(result)]]
    if isinstance(result, ox.QueryTriples):
        return ["subject", "predicate", "object"], [[t.subject, t.predicate, t.object] for t in result]
    columns = [v.value for v in result.variables]
    return columns, [[solution[c] for c in columns] for solution in result]
