"""An FMU's semantics as RDF: its ``modelDescription.xml`` variables joined
with the Turtle that annotates them.

The Turtle comes from ``resources/btwin.ttl`` inside the archive (our FMUs
carry one, copied from ``ontology/fmus/<ModelName>.ttl``) and/or from a sidecar
``<archive stem>.ttl`` beside it (how a third-party FMU is annotated). Both
are read with the component's base IRI, so ``<#machine_power>`` names that
component's variable and ``<>`` the FMU. Whatever node carries
``btwin:variableName "x"`` is the variable ``x``.

Disagreements between sources, or between the Turtle and the XML (units,
causality), are collected as problems, never resolved by guessing.
"""
from __future__ import annotations

import difflib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import OntologyError
from .model_description import ModelDescription, read_archive_member, read_model_description
from .namespaces import INSTANCE, TYPE, btwin, qudt
from .schema import Schema, is_schema_triple
from .turtle import parse_turtle
from .units import Unit, UnitCatalogue, equivalent, from_fmi_definition

ARCHIVE_MEMBER = "resources/btwin.ttl"
_NAME, _HAS_UNIT, _HAS_KIND = btwin("variableName"), qudt("hasUnit"), qudt("hasQuantityKind")
_SIGN, _SLOT_OF, _PREFERRED = btwin("signConvention"), btwin("slotOf"), btwin("preferredClass")
_EFFORT, _FLOW, _DIRECTION = btwin("effort"), btwin("flow"), btwin("powerPositive")
_INPUT, _OUTPUT, _PARAMETER = btwin("Input"), btwin("Output"), btwin("Parameter")
_OPTIONAL, _POWER_PORT = btwin("OptionalInput"), btwin("PowerPort")
_CAUSALITY_CLASS = {"input": _INPUT, "output": _OUTPUT, "parameter": _PARAMETER,
                    "calculatedParameter": _PARAMETER}


@dataclass(frozen=True)
class Semantics:
    """An FMU's description and the Turtle found for it, not yet interpreted."""

    component: str
    description: ModelDescription
    base: str
    annotation: list  # triples from the Turtle sources, variables renamed to canonical IRIs
    sources: tuple  # where the Turtle came from, for messages
    problems: tuple


@dataclass
class VariableMeaning:
    name: str
    node: ox.NamedNode
    causality: str
    unit: Unit | None = None
    unit_note: str | None = None  # why the unit is unknown
    unit_from_annotation: bool = False  # modelDescription.xml declares none; the Turtle gives it
    sign: ox.NamedNode | None = None
    optional: bool = False
    slot_group: object | None = None
    preferred: tuple = ()


@dataclass(frozen=True)
class PowerPort:
    node: object
    effort: str
    flow: str
    direction: ox.NamedNode | None


@dataclass
class AnnotatedFmu:
    component: str
    path: Path
    model_name: str
    base: str
    triples: list  # asserted: annotation plus what modelDescription.xml says
    variables: dict  # name -> VariableMeaning (inputs, outputs, parameters)
    ports: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    sources: tuple = ()

    def label(self, variable: str) -> str:
        return f"{self.component}.{variable}"


def component_base(component: str) -> str:
    return f"{INSTANCE}{urllib.parse.quote(component, safe='')}/"


def variable_node(base: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{base}#{urllib.parse.quote(name, safe='')}")


def sidecar_path(fmu: Path) -> Path:
    return fmu.parent / f"{fmu.name[:-4] if fmu.suffix.lower() == '.fmu' else fmu.name}.ttl"


def read_semantics(fmu: str | Path, component: str, extra: tuple = ()) -> Semantics:
    """Read the XML and every Turtle source of one FMU (``extra``: more Turtle files)."""
    fmu = Path(fmu)
    description = read_model_description(fmu)
    base = component_base(component)
    texts = []
    member = read_archive_member(fmu, ARCHIVE_MEMBER)
    if member is not None:
        texts.append((member, f"{fmu}!{ARCHIVE_MEMBER}"))
    for path in (sidecar_path(fmu), *map(Path, extra)):
        if path.is_file():
            texts.append((path.read_bytes(), str(path)))
    triples = []
    for text, source in texts:
        triples += parse_turtle(text, source, base)
    triples, problems = _canonical_variables(triples, base, component)
    return Semantics(component, description, base, triples, tuple(s for _, s in texts), tuple(problems))


def _canonical_variables(triples, base: str, component: str):
    """Rename every node that has a ``btwin:variableName`` to ``<base>#name``."""
    names: dict = {}
    for s, p, o in triples:
        if p == _NAME:
            names.setdefault(s, set()).add(o.value)
    problems, rename = [], {}
    for node, found in names.items():
        if len(found) > 1:
            problems.append(f"{component}: conflicting annotations: one node is named "
                            f"{' and '.join(sorted(map(repr, found)))}")
        rename[node] = variable_node(base, sorted(found)[0])
    if not rename:
        return triples, problems
    return [(rename.get(s, s), p, rename.get(o, o)) for s, p, o in triples], problems


def annotate(semantics: Semantics, schema: Schema, units: UnitCatalogue) -> AnnotatedFmu:
    """Join the XML and the Turtle of one FMU and check that they agree."""
    fmu = AnnotatedFmu(semantics.component, semantics.description.path, semantics.description.model_name,
                       semantics.base, [], {}, problems=list(semantics.problems), sources=semantics.sources)
    facts = _facts_by_subject(semantics.annotation)
    _check_annotated_names(fmu, semantics, facts)
    fmu_node = ox.NamedNode(semantics.base)
    triples = fmu.triples
    triples += semantics.annotation
    triples.append((fmu_node, TYPE, btwin("FMU")))
    triples.append((fmu_node, btwin("modelName"), ox.Literal(fmu.model_name)))
    for variable in semantics.description.variables.values():
        cls = _CAUSALITY_CLASS.get(variable.causality)
        if cls is None:
            continue
        node = variable_node(semantics.base, variable.name)
        meaning = VariableMeaning(variable.name, node, variable.causality)
        fmu.variables[variable.name] = meaning
        triples += [(fmu_node, btwin("hasVariable"), node), (node, TYPE, cls),
                    (node, _NAME, ox.Literal(variable.name)),
                    (node, btwin("causality"), ox.Literal(variable.causality)),
                    (node, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.Literal(fmu.label(variable.name)))]
        _interpret_variable(fmu, meaning, variable, facts.get(node, {}), semantics, schema, units)
    fmu.ports = _ports(fmu, facts, schema)
    return fmu


def _facts_by_subject(triples) -> dict:
    facts: dict = {}
    for s, p, o in triples:
        facts.setdefault(s, {}).setdefault(p, []).append(o)
    return facts


def _check_annotated_names(fmu: AnnotatedFmu, semantics: Semantics, facts: dict) -> None:
    declared = semantics.description.variables
    for node, props in facts.items():
        for name in {lit.value for lit in props.get(_NAME, [])}:
            if name not in declared:
                close = difflib.get_close_matches(name, declared, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                fmu.problems.append(
                    f"{fmu.component}: conflicting annotations: {', '.join(semantics.sources)} describe "
                    f"variable {name!r}, which modelDescription.xml does not declare{hint}")


def _interpret_variable(fmu, meaning, variable, props, semantics, schema, units) -> None:
    label = fmu.label(variable.name)
    xml_unit, xml_note = _xml_unit(variable, semantics.description, units)
    annotated = [units.from_iri(u.value) for u in props.get(_HAS_UNIT, [])]
    iris = [u.value for u in props.get(_HAS_UNIT, [])]
    if len(set(iris)) > 1:
        fmu.problems.append(f"{label}: conflicting annotations: units {', '.join(sorted(iris))}")
    elif iris and annotated[0] is None:
        fmu.problems.append(f"{label}: annotation names unit <{iris[0]}>, which the QUDT subset does not define")
    unit = annotated[0] if iris and annotated[0] is not None else None
    if unit is not None and xml_unit is not None and not equivalent(unit, xml_unit):
        fmu.problems.append(f"{label}: conflicting annotations: modelDescription.xml says {xml_unit}, "
                            f"the Turtle says {unit}")
    meaning.unit = unit or xml_unit
    meaning.unit_from_annotation = unit is not None and variable.unit is None
    meaning.unit_note = None if meaning.unit else xml_note
    if meaning.unit is not None:
        if unit is None and xml_unit.iri:
            fmu.triples.append((meaning.node, _HAS_UNIT, ox.NamedNode(xml_unit.iri)))
        _check_quantity_kind(fmu, label, meaning.unit, props.get(_HAS_KIND, []), schema)
    types = set(props.get(TYPE, []))
    expected = _CAUSALITY_CLASS[variable.causality]
    for cls in types:
        closed = schema.classes_of(cls)
        for other in {_INPUT, _OUTPUT, _PARAMETER} - {expected}:
            if other in closed:
                fmu.problems.append(f"{label}: conflicting annotations: the Turtle makes it "
                                    f"{other.value.split('#')[1]}, modelDescription.xml says causality "
                                    f"{variable.causality!r}")
        meaning.optional |= _OPTIONAL in closed
    signs = set(props.get(_SIGN, []))
    if len(signs) > 1:
        fmu.problems.append(f"{label}: conflicting annotations: sign conventions "
                            f"{', '.join(sorted(s.value.split('#')[-1] for s in signs))}")
    meaning.sign = next(iter(signs)) if len(signs) == 1 else None
    groups = props.get(_SLOT_OF, [])
    meaning.slot_group = groups[0] if groups else None
    meaning.optional |= meaning.slot_group is not None
    meaning.preferred = tuple(props.get(_PREFERRED, []))


def _xml_unit(variable, description: ModelDescription, units: UnitCatalogue):
    if variable.unit is None:
        return None, "modelDescription.xml declares no unit"
    unit = units.from_fmi(variable.unit)
    if unit is not None:
        return unit, None
    definition = description.units.get(variable.unit)
    if definition is not None and definition.exponents is not None:
        return from_fmi_definition(variable.unit, definition.exponent_map(), definition.factor,
                                   definition.offset), None
    return None, f"unit {variable.unit!r} is neither in the QUDT subset nor defined with a BaseUnit"


def _check_quantity_kind(fmu, label, unit: Unit, kinds, schema: Schema) -> None:
    for kind in kinds:
        dimension = schema.dimensions.get(kind)
        if dimension is not None and dimension != unit.dimension:
            fmu.problems.append(f"{label}: conflicting annotations: quantity kind "
                                f"{kind.value.rsplit('/', 1)[-1]} does not fit unit {unit}")


def _ports(fmu: AnnotatedFmu, facts: dict, schema: Schema) -> list[PowerPort]:
    ports = []
    names = {m.node: name for name, m in fmu.variables.items()}
    for node, props in facts.items():
        if not any(_POWER_PORT in schema.classes_of(t) for t in props.get(TYPE, [])):
            continue
        effort, flow = props.get(_EFFORT, []), props.get(_FLOW, [])
        if len(effort) != 1 or len(flow) != 1 or effort[0] not in names or flow[0] not in names:
            fmu.problems.append(f"{fmu.component}: power port {node} needs exactly one effort and one flow "
                                f"variable of the FMU")
            continue
        direction = props.get(_DIRECTION, [None])[0]
        ports.append(PowerPort(node, names[effort[0]], names[flow[0]], direction))
    return ports


def schema_axioms(semantics: Semantics) -> list:
    """The TBox axioms an FMU's Turtle brings (its own classes and properties)."""
    return [t for t in semantics.annotation if is_schema_triple(t)]


__all__ = ["AnnotatedFmu", "PowerPort", "Semantics", "VariableMeaning", "annotate", "read_semantics",
           "schema_axioms", "sidecar_path", "component_base", "variable_node", "OntologyError"]
