"""OWL 2 RL reasoning over annotated FMUs, fast enough for large systems.

The schema is closed once (owlrl, see :mod:`.schema`); the instance data is
then completed in one pass with the OWL 2 RL rules that the closed schema
leaves to do, in an order that reaches their fixpoint:

1. prp-spo1 (with prp-eqp1/2 folded in by the closure): ``x P y``, ``P ⊑ Q`` ⇒ ``x Q y``;
2. prp-dom, prp-rng: ``x P y``, ``P domain C`` ⇒ ``x a C`` (range likewise);
3. cax-sco (with cax-eqc1/2 folded in): ``x a C``, ``C ⊑ D`` ⇒ ``x a D``.

The closed schema already propagates domains and ranges up the property
hierarchy (scm-dom2, scm-rng2) and subclass links through equivalences
(scm-eqc1), so no rule needs to run twice. The test suite checks the result
against owlrl's full OWL 2 RL closure.
"""
from __future__ import annotations

import pyoxigraph as ox

from .namespaces import TYPE
from .schema import Schema


def materialize(triples, schema: Schema) -> set:
    """The instance triples with everything the rules above entail."""
    closed = set()
    superproperties, domains, ranges = schema.superproperties, schema.domains, schema.ranges
    types = []
    for s, p, o in triples:
        if p == TYPE:
            types.append((s, o))
            continue
        for q in superproperties.get(p, (p,)):
            closed.add((s, q, o))
            for cls in domains.get(q, ()):
                types.append((s, cls))
            if not isinstance(o, ox.Literal):
                for cls in ranges.get(q, ()):
                    types.append((o, cls))
    superclasses = schema.superclasses
    for s, cls in types:
        for sup in superclasses.get(cls, (cls,)):
            closed.add((s, TYPE, sup))
    return closed


def types_index(closed) -> dict:
    """Subject -> the set of its classes."""
    index: dict = {}
    for s, p, o in closed:
        if p == TYPE:
            index.setdefault(s, set()).add(o)
    return index
