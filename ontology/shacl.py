"""SHACL validation of a wired system (pyshacl), reported as readable lines.

The data graph is small on purpose: inputs, connections with the dimension
vectors of both ends, power ports and bonds, each labelled
``component.variable`` so that a violation names what it is about."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef

from .namespaces import BTWIN

SHAPES = Path(__file__).parent / "shapes" / "system.ttl"
B = Namespace(BTWIN)
SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class ShapeResult:
    severity: str  # "Violation", "Warning" or "Info"
    focus: str  # label of the node, e.g. "GridFeeder.load_power_residential"
    message: str

    @property
    def is_violation(self) -> bool:
        return self.severity == "Violation"

    def __str__(self) -> str:
        return f"SHACL {self.severity.lower()}: {self.focus}: {self.message}"


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(SHAPES, format="turtle")
    return graph


def system_graph(wiring) -> rdflib.Graph:
    """The data graph the shapes validate (see module docstring)."""
    graph = rdflib.Graph()
    add = graph.add
    nodes = {}
    for fmu in wiring.fmus:
        for meaning in fmu.variables.values():
            node = URIRef(meaning.node.value)
            nodes[(fmu.component, meaning.name)] = node
            add((node, RDFS.label, Literal(fmu.label(meaning.name))))
            if meaning.causality == "input":
                add((node, RDF.type, B.OptionalInput if meaning.optional else B.Input))
        for port in fmu.ports:
            node = URIRef(f"{fmu.base}#port:{port.effort}:{port.flow}")
            add((node, RDF.type, B.PowerPort))
            add((node, RDFS.label, Literal(f"{fmu.component} port ({port.effort}, {port.flow})")))
            add((node, B.effort, nodes[(fmu.component, port.effort)]))
            add((node, B.flow, nodes[(fmu.component, port.flow)]))
    units = {(f.component, m.name): m.unit for f in wiring.fmus for m in f.variables.values()}
    connection_nodes = {}
    for i, c in enumerate(wiring.structure.connections):
        node = URIRef(f"urn:btwin:connection:{i}")
        connection_nodes[c.end] = node
        add((node, RDF.type, B.Connection))
        add((node, RDFS.label, Literal(f"{c.start} -> {c.end}")))
        add((node, B.start, nodes[(c.start.component, c.start.variable)]))
        add((node, B.end, nodes[(c.end.component, c.end.variable)]))
        add((node, B.factor, Literal(float(c.factor), datatype=XSD.double)))
        add((node, B.offset, Literal(float(c.offset), datatype=XSD.double)))
        for endpoint, predicate in ((c.start, B.startDimension), (c.end, B.endDimension)):
            unit = units.get((endpoint.component, endpoint.variable))
            if unit is not None:
                add((node, predicate, Literal(unit.dimension)))
    ports = {(s, o) for s, p, o in graph.triples((None, B.effort, None))}
    port_of = {var: port for port, var in ports}
    port_of.update({o: s for s, p, o in graph.triples((None, B.flow, None))})
    for bond in wiring.structure.power_bonds:
        node = URIRef(f"urn:btwin:bond:{bond.name}")
        add((node, RDF.type, B.PowerBond))
        add((node, RDFS.label, Literal(f"power bond {bond.name}")))
        for endpoint, predicate in ((bond.effort, B.effortConnection), (bond.flow, B.flowConnection)):
            connection = connection_nodes.get(endpoint)
            if connection is not None:
                add((node, predicate, connection))
                for var in graph.objects(connection, B.start):
                    if var in port_of:
                        add((node, B.joins, port_of[var]))
                var = nodes[(endpoint.component, endpoint.variable)]
                if var in port_of:
                    add((node, B.joins, port_of[var]))
    return graph


def validate_graph(graph: rdflib.Graph) -> list[ShapeResult]:
    import pyshacl
    conforms, results, _ = pyshacl.validate(graph, shacl_graph=shapes_graph(), inference="none",
                                           allow_warnings=True)
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        label = graph.value(focus, RDFS.label) or focus
        severity = str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        message = results.value(result, SH.resultMessage) or "violates " + str(results.value(result, SH.sourceShape))
        found.append(ShapeResult(severity, str(label), str(message)))
    return sorted(found, key=lambda r: (r.severity != "Violation", r.focus, r.message))


def validate_system(wiring) -> list[ShapeResult]:
    return validate_graph(system_graph(wiring))
