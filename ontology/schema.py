"""The schema (TBox): our vocabulary, the QUDT subset, and its OWL 2 RL closure.

The closure of the shipped schema is computed once with owlrl and committed as
``vocab/schema_closure.nt`` (``python -m btwin.ontology.schema`` rebuilds it; a
test checks that it is current), because owlrl takes about 0.6 s on it and
wiring must stay fast. When FMU annotations bring schema axioms of their own
(``ex:Press rdfs:subClassOf btwin:Machine``), the closure is recomputed with
those axioms included.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .namespaces import (DOMAIN, OWL, QKDV, qudt, RANGE, SCHEMA_PREDICATES, SIGNAL, SUBCLASS, SUBPROPERTY,
                         TYPE, n)
from .turtle import parse_turtle

VOCAB = Path(__file__).parent / "vocab"
SCHEMA_FILES = ("btwin.ttl", "qudt_subset.ttl")
CLOSURE_FILE = VOCAB / "schema_closure.nt"
_DIMENSION = qudt("hasDimensionVector")
_CLASS_TYPES = frozenset(n(OWL + t) for t in ("Class", "ObjectProperty", "DatatypeProperty",
                                              "SymmetricProperty", "FunctionalProperty"))


def schema_triples() -> list[tuple]:
    triples = []
    for name in SCHEMA_FILES:
        path = VOCAB / name
        triples += parse_turtle(path.read_bytes(), str(path))
    return triples


def owlrl_closure(triples) -> set[tuple]:
    """OWL 2 RL closure by owlrl (slow: for the schema only)."""
    import owlrl
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(_as_triples(triples), format=ox.RdfFormat.N_TRIPLES), format="nt")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    for triple in [t for t in graph if isinstance(t[0], rdflib.Literal)]:  # generalised RDF
        graph.remove(triple)
    data = graph.serialize(format="nt", encoding="utf-8")
    return {(t.subject, t.predicate, t.object) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}


def _as_triples(triples):
    return [ox.Triple(s, p, o) for s, p, o in triples]


def write_closure(path: Path = CLOSURE_FILE) -> int:
    closure = sorted(owlrl_closure(schema_triples()), key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    path.write_bytes(ox.serialize(_as_triples(closure), format=ox.RdfFormat.N_TRIPLES))
    return len(closure)


def is_schema_triple(triple) -> bool:
    s, p, o = triple
    return p in SCHEMA_PREDICATES or (p == TYPE and o in _CLASS_TYPES)


@dataclass(frozen=True)
class Schema:
    """The closed schema as look-up tables (every set includes the term itself)."""

    triples: frozenset
    superclasses: dict
    superproperties: dict
    domains: dict
    ranges: dict
    dimensions: dict  # QUDT unit or quantity kind -> dimension vector, e.g. "A0E0L2I0M1H0T-3D0"

    @classmethod
    def from_closure(cls, triples) -> Schema:
        superclasses, superproperties, domains, ranges, dimensions = {}, {}, {}, {}, {}
        for s, p, o in triples:
            if p == _DIMENSION:
                dimensions[s] = o.value[len(QKDV):]
            elif p == SUBCLASS and isinstance(o, ox.NamedNode):
                superclasses.setdefault(s, {s}).add(o)
            elif p == SUBPROPERTY and isinstance(o, ox.NamedNode):
                superproperties.setdefault(s, {s}).add(o)
            elif p == DOMAIN and isinstance(o, ox.NamedNode):
                domains.setdefault(s, set()).add(o)
            elif p == RANGE and isinstance(o, ox.NamedNode):
                ranges.setdefault(s, set()).add(o)
        freeze = lambda table: {k: frozenset(v) for k, v in table.items()}  # noqa: E731
        return cls(frozenset(triples), freeze(superclasses), freeze(superproperties),
                   freeze(domains), freeze(ranges), dimensions)

    def classes_of(self, cls_) -> frozenset:
        return self.superclasses.get(cls_, frozenset((cls_,)))

    def properties_of(self, prop) -> frozenset:
        return self.superproperties.get(prop, frozenset((prop,)))

    def is_signal_property(self, prop) -> bool:
        return SIGNAL in self.superproperties.get(prop, ())

    def extended(self, axioms) -> Schema:
        """This schema with more axioms, closed again (cached per axiom set)."""
        new = frozenset(axioms) - self.triples
        if not new:
            return self
        return _extended(self.triples, new)


@lru_cache(maxsize=8)
def _extended(triples: frozenset, axioms: frozenset) -> Schema:
    return Schema.from_closure(owlrl_closure(triples | axioms))


@lru_cache(maxsize=1)
def base_schema() -> Schema:
    """The shipped schema, closed (read from the committed closure)."""
    closure = ox.parse(CLOSURE_FILE.read_bytes(), format=ox.RdfFormat.N_TRIPLES)
    return Schema.from_closure([(t.subject, t.predicate, t.object) for t in closure])


if __name__ == "__main__":
    print(f"{write_closure()} triples written to {CLOSURE_FILE}")
