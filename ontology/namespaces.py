"""IRIs of the vocabularies btwin uses."""
from __future__ import annotations

import urllib.parse

import pyoxigraph as ox

BTWIN = "https://w3id.org/btwin/ontology#"
QUDT = "http://qudt.org/schema/qudt/"
UNIT = "http://qudt.org/vocab/unit/"
QUANTITYKIND = "http://qudt.org/vocab/quantitykind/"
QKDV = "http://qudt.org/vocab/dimensionvector/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SOSA = "http://www.w3.org/ns/sosa/"
SSN = "http://www.w3.org/ns/ssn/"
SAREF = "https://saref.etsi.org/core/"
CIM = "http://iec.ch/TC57/2013/CIM-schema-cim16#"
INSTANCE = "https://w3id.org/btwin/instance/"

PREFIXES = {
    "btwin": BTWIN, "qudt": QUDT, "unit": UNIT, "quantitykind": QUANTITYKIND, "qkdv": QKDV,
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "sosa": SOSA, "ssn": SSN, "saref": SAREF,
    "cim": CIM,
}


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def btwin(local: str) -> ox.NamedNode:
    return ox.NamedNode(BTWIN + local)


def qudt(local: str) -> ox.NamedNode:
    return ox.NamedNode(QUDT + local)


TYPE = n(RDF + "type")
SUBCLASS = n(RDFS + "subClassOf")
SUBPROPERTY = n(RDFS + "subPropertyOf")
DOMAIN = n(RDFS + "domain")
RANGE = n(RDFS + "range")
LABEL = n(RDFS + "label")
EQUIVALENT_CLASS = n(OWL + "equivalentClass")
EQUIVALENT_PROPERTY = n(OWL + "equivalentProperty")
SIGNAL = btwin("signal")

# Triples with these predicates are schema (TBox) axioms wherever they appear.
SCHEMA_PREDICATES = frozenset(n(RDFS + p) for p in ("subClassOf", "subPropertyOf", "domain", "range")) | \
    frozenset(n(OWL + p) for p in ("equivalentClass", "equivalentProperty", "inverseOf"))


def prefixed(term) -> str:
    """``btwin:Machine`` for a known namespace, else ``<iri>``; literals as their value."""
    if isinstance(term, ox.NamedNode):
        if term.value.startswith(INSTANCE):  # a component's variable or feature
            component, _, local = term.value[len(INSTANCE):].partition("/#")
            return f"{urllib.parse.unquote(component)}.{urllib.parse.unquote(local)}" if local else term.value
        for prefix, iri in PREFIXES.items():
            if term.value.startswith(iri):
                return f"{prefix}:{term.value[len(iri):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)
