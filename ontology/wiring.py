"""Wiring a system by meaning: which output feeds which input, with what
unit conversion, and which connections form power bonds.

An input is fed by an output of another component when, after reasoning,
the output carries the input's signal property (or a sub-property of it)
and the two features of interest are of one kind: the classes of one are
among the classes of the other (the grid's {Load} and the factory's
{Machine, EnergyConsumer, Load}). Interchangeable inputs (``btwin:Slot``, e.g. a
feeder's load points) take one matching output each, preferred classes
first. Everything that goes wrong is collected and raised at once as a
:class:`WiringError`: several candidates for one input, units with no
conversion path, conflicting annotations, incomplete power bonds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from btwin.master.fmu_info import BASE_UNITS, UnitDefinition
from btwin.master.structure import (Component, Connection, Endpoint, PowerBond, PowerSignal,
                                    SystemStructure)

from .annotation import AnnotatedFmu, annotate, read_semantics, schema_axioms, sidecar_path
from .errors import UnitConversionError, WiringError
from .namespaces import btwin
from .reasoning import materialize, types_index
from .schema import Schema, base_schema
from .units import UnitCatalogue, catalogue, conversion, fmi_definition

_OPPOSITE = btwin("opposite")
_OUT, _IN = btwin("OutOfComponent"), btwin("IntoComponent")
_POWER_DIMENSION = "A0E0L2I0M1H0T-3D0"


@dataclass(frozen=True)
class Unfed:
    """An input no output feeds; ``required`` inputs make the system invalid."""

    endpoint: Endpoint
    required: bool
    reason: str

    def __str__(self) -> str:
        kind = "required input" if self.required else "optional input"
        return f"{self.endpoint}: {kind} not fed ({self.reason})"


@dataclass
class Wiring:
    """The result of :func:`wire`: the system, and what could not be fed."""

    structure: SystemStructure
    fmus: list  # AnnotatedFmu, in component order
    unfed: list = field(default_factory=list)
    shacl: list = field(default_factory=list)  # ShapeResult
    triples: set = field(default_factory=set)  # the materialized system graph
    schema: Schema | None = None
    notes: list = field(default_factory=list)  # what the user should know: FMUs without semantics

    def report(self) -> str:
        s = self.structure
        lines = [f"system {s.name!r}: {len(s.components)} components, {len(s.connections)} connections, "
                 f"{len(s.power_bonds)} power bonds, {len(s.power_signals)} power signals"]
        for c in s.connections:
            transform = "" if (c.factor, c.offset) == (1.0, 0.0) else f"  (x {c.factor:g} + {c.offset:g})"
            lines.append(f"  {c.start} -> {c.end}{transform}")
        lines += [f"  bond {b.name}: {b.source} -> {b.sink} (effort {b.effort}, flow {b.flow})"
                  for b in s.power_bonds]
        lines += [f"  unfed: {u}" for u in self.unfed]
        unfed = {str(u.endpoint) for u in self.unfed}
        lines += [f"  {r}" for r in self.shacl if r.focus not in unfed]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def component_names(paths: Sequence[Path], model_names: Sequence[str]) -> list[str]:
    """The model name, made unique with ``_2``, ``_3``... in order."""
    names, seen = [], {}
    for model in model_names:
        seen[model] = seen.get(model, 0) + 1
        names.append(model if seen[model] == 1 else f"{model}_{seen[model]}")
    return names


def load_system(fmus: Sequence[str | Path], annotations: Sequence[str | Path] = ()):
    """Annotated FMUs, the schema they need, and the reasoned system graph."""
    from .model_description import read_model_description
    paths = [Path(p) for p in fmus]
    names = component_names(paths, [read_model_description(p).model_name for p in paths])
    semantics = [read_semantics(p, name, tuple(annotations)) for p, name in zip(paths, names)]
    axioms = [t for s in semantics for t in schema_axioms(s)]
    schema = base_schema().extended(axioms)
    units = catalogue() if schema is base_schema() else UnitCatalogue(schema.triples)
    annotated = [annotate(s, schema, units) for s in semantics]
    closed = materialize([t for fmu in annotated for t in fmu.triples], schema)
    return annotated, schema, closed


def wire(fmus: Sequence[str | Path], name: str = "system", *, annotations: Sequence[str | Path] = (),
         validate: bool = True) -> Wiring:
    """Wire FMUs into a :class:`SystemStructure` by what their variables mean.

    ``annotations``: extra Turtle files read for every FMU (system-wide
    facts). Raises :class:`WiringError` listing every problem; with
    ``validate`` the SHACL shapes run on the result and their violations
    are problems too (warnings land in ``Wiring.shacl``)."""
    annotated, schema, closed = load_system(fmus, annotations)
    problems = [p for fmu in annotated for p in fmu.problems]
    wiring = Wiring(SystemStructure(name, [Component(f.component, f.path) for f in annotated]),
                    annotated, triples=closed, schema=schema)
    matcher = _Matcher(annotated, schema, closed)
    problems += matcher.match()
    wiring.unfed = matcher.unfed
    connections, conversion_problems = _connections(matcher.feeds, annotated, schema)
    problems += conversion_problems
    wiring.structure.connections = connections
    bonds, incomplete, unoriented = _power_bonds(annotated, connections)
    problems += unoriented
    if not validate:  # else the SHACL shapes report these
        problems += incomplete + [str(u) for u in matcher.unfed if u.required]
    wiring.structure.power_bonds = bonds
    wiring.structure.power_signals = _power_signals(connections, annotated)
    if validate:
        from .shacl import validate_system
        wiring.shacl = validate_system(wiring)
        problems += [str(r) for r in wiring.shacl if r.is_violation]
    bare = [fmu for fmu in annotated if not fmu.sources]
    wiring.notes = [_without_semantics(fmu) for fmu in bare]
    wiring.structure.connector_units = _annotated_units(annotated)
    if problems:  # one message per FMU without semantics instead of one per variable it has
        problems = [p for p in problems if not any(p.startswith(_unfed_prefixes(fmu)) for fmu in bare)]
        raise WiringError(wiring.notes + _unique(problems))
    if not connections:
        raise WiringError(wiring.notes + [f"nothing to wire: no output of the {len(annotated)} FMU(s) means what "
                                          f"an input of another needs, so the system would have no connection"])
    return wiring


def _without_semantics(fmu: AnnotatedFmu) -> str:
    return (f"{fmu.component} ({fmu.path}) has no semantics: no resources/btwin.ttl inside and no sidecar "
            f"{sidecar_path(fmu.path)} beside it; write that sidecar in Turtle (which variable means what, "
            f"with its unit; ontology/fmus/*.ttl are examples) to wire it")


def _unfed_prefixes(fmu: AnnotatedFmu) -> tuple[str, ...]:
    return (f"{fmu.component}.", f"SHACL violation: {fmu.component}.")


def _annotated_units(annotated) -> dict[Endpoint, UnitDefinition]:
    """The units only the Turtle gives (modelDescription.xml declares none),
    for the system's connectors, so the master converts with them too."""
    units = {}
    for fmu in annotated:
        for meaning in fmu.variables.values():
            if meaning.unit_from_annotation and meaning.causality in ("input", "output"):
                exponents, factor, offset = fmi_definition(meaning.unit)
                units[Endpoint(fmu.component, meaning.name)] = UnitDefinition(
                    meaning.unit.name, tuple(exponents.get(b, 0) for b in BASE_UNITS), factor, offset)
    return units



def _unique(items):
    return list(dict.fromkeys(items))


class _Matcher:
    """Finds, for every input, the outputs that mean what it needs."""

    def __init__(self, annotated: list[AnnotatedFmu], schema: Schema, closed: set):
        self.annotated = annotated
        self.owner = {}  # variable node -> (fmu, VariableMeaning)
        for fmu in annotated:
            for meaning in fmu.variables.values():
                self.owner[meaning.node] = (fmu, meaning)
        self.types = types_index(closed)
        self.order = {m.node: i for i, m in enumerate(m for f in annotated for m in f.variables.values())}
        self.features_of: dict = {}  # output node -> its features of interest
        self._candidates: dict = {}
        self.outputs_by_property: dict = {}  # signal property -> [(feature, output node)]
        self.needs: dict = {}  # input node -> [(feature, property)] as asserted
        for s, p, o in closed:
            entry = self.owner.get(o)
            if entry is None or not schema.is_signal_property(p):
                continue
            if entry[1].causality == "output":
                self.outputs_by_property.setdefault(p, []).append((s, o))
                self.features_of.setdefault(o, set()).add(s)
        for fmu in annotated:
            for s, p, o in fmu.triples:
                entry = self.owner.get(o)
                if entry is not None and entry[1].causality == "input" and schema.is_signal_property(p):
                    self.needs.setdefault(o, []).append((s, p))
        self.feeds: list = []  # (output node, input node)
        self.unfed: list[Unfed] = []

    def candidates(self, input_node) -> list:
        if input_node not in self._candidates:
            self._candidates[input_node] = self._find(input_node)
        return self._candidates[input_node]

    def _find(self, input_node) -> list:
        fmu, _ = self.owner[input_node]
        found = None
        for feature, prop in self.needs[input_node]:
            wanted = self.types.get(feature, set())
            matches = {out for f, out in self.outputs_by_property.get(prop, ())
                       if self.owner[out][0] is not fmu and _same_kind(wanted, self.types.get(f, set()))}
            found = matches if found is None else found & matches
        return sorted(found or (), key=self.order.__getitem__)

    def match(self) -> list[str]:
        problems, groups = [], {}
        for fmu in self.annotated:
            for meaning in fmu.variables.values():
                if meaning.causality != "input":
                    continue
                if meaning.node not in self.needs:
                    self._unfed(fmu, meaning, "no annotation says what it means")
                elif meaning.slot_group is not None:
                    groups.setdefault((fmu.component, meaning.slot_group), []).append(meaning)
                else:
                    problems += self._single(fmu, meaning)
        for (component, _), slots in groups.items():
            problems += self._slots(self.owner[slots[0].node][0], slots)
        return problems

    def _label(self, node) -> str:
        fmu, meaning = self.owner[node]
        return fmu.label(meaning.name)

    def _unfed(self, fmu, meaning, reason: str) -> None:
        self.unfed.append(Unfed(Endpoint(fmu.component, meaning.name), not meaning.optional, reason))

    def _single(self, fmu, meaning) -> list[str]:
        found = self.candidates(meaning.node)
        if len(found) == 1:
            self.feeds.append((found[0], meaning.node))
            return []
        if not found:
            self._unfed(fmu, meaning, "no output of the other components means what it needs")
            return []
        return [f"{fmu.label(meaning.name)}: ambiguous, {len(found)} outputs could feed it: "
                f"{', '.join(self._label(o) for o in found)}"]

    def _slots(self, fmu, slots) -> list[str]:
        free = list(slots)
        waiting = _unique(o for slot in slots for o in self.candidates(slot.node))
        for preferred_pass in (True, False):
            for output in list(waiting):
                out_types = set().union(*(self.types.get(f, set()) for f in self.features_of[output]))
                for slot in free:
                    if output not in self.candidates(slot.node):
                        continue
                    if preferred_pass and not (slot.preferred and set(slot.preferred) <= out_types):
                        continue
                    self.feeds.append((output, slot.node))
                    free.remove(slot)
                    waiting.remove(output)
                    break
        for slot in free:
            self._unfed(fmu, slot, "a free slot")
        if waiting:
            return [f"{fmu.component}: {len(waiting)} output(s) need a slot of "
                    f"{', '.join(fmu.label(s.name) for s in slots)} but none is free: "
                    f"{', '.join(self._label(o) for o in waiting)}"]
        return []


def _same_kind(a: set, b: set) -> bool:
    """Two descriptions of a feature can be of one thing when one is a
    specialisation of the other: {Load} and {Machine, EnergyConsumer, Load},
    or a charger's {Battery} and the cell model's {BatteryCell, Battery}."""
    return a <= b or b <= a


def _connections(feeds, annotated, schema) -> tuple[list[Connection], list[str]]:
    owner = {m.node: (f, m) for f in annotated for m in f.variables.values()}
    opposites = {(s, o) for s, p, o in schema.triples if p == _OPPOSITE}
    connections, problems = [], []
    for out_node, in_node in feeds:
        (out_fmu, out), (in_fmu, inp) = owner[out_node], owner[in_node]
        start, end = Endpoint(out_fmu.component, out.name), Endpoint(in_fmu.component, inp.name)
        if out.unit is None or inp.unit is None:
            missing = (start, out) if out.unit is None else (end, inp)
            problems.append(f"{start} -> {end}: {missing[0]} has no usable unit ({missing[1].unit_note})")
            continue
        try:
            factor, offset = conversion(out.unit, inp.unit)
        except UnitConversionError as error:
            problems.append(f"{start} -> {end}: {error}")
            continue
        if out.sign is not None and inp.sign is not None and out.sign != inp.sign:
            if (out.sign, inp.sign) not in opposites:
                problems.append(f"{start} -> {end}: conflicting annotations: sign conventions "
                                f"{out.sign.value.split('#')[-1]} and {inp.sign.value.split('#')[-1]} "
                                f"are not known to be opposite")
                continue
            factor, offset = -factor, -offset
        connections.append(Connection(start, end, factor, offset))
    return connections, problems


def _power_bonds(annotated, connections) -> tuple[list[PowerBond], list[str], list[str]]:
    """The bonds, the port pairs joined by effort or flow alone, the bonds without a direction."""
    feeds = {(c.start, c.end) for c in connections}
    bonds, incomplete, problems = [], [], []
    ports = [(fmu, port) for fmu in annotated for port in fmu.ports]
    for i, (a_fmu, a) in enumerate(ports):
        for b_fmu, b in ports[i + 1:]:
            if a_fmu is b_fmu:
                continue
            efforts = _directed(feeds, a_fmu.component, a.effort, b_fmu.component, b.effort)
            flows = _directed(feeds, a_fmu.component, a.flow, b_fmu.component, b.flow)
            if not efforts and not flows:
                continue
            name = f"{a_fmu.component}_{b_fmu.component}"
            if not (efforts and flows):
                have = "effort" if efforts else "flow"
                incomplete.append(f"power bond {name}: only the {have} of {a_fmu.component} and "
                                f"{b_fmu.component} is connected; a bond needs effort and flow")
                continue
            if {a.direction, b.direction} != {_OUT, _IN}:
                problems.append(f"power bond {name}: cannot tell source from sink (ports count power "
                                f"{_direction_text(a.direction)} and {_direction_text(b.direction)})")
                continue
            source, sink = (a_fmu, b_fmu) if a.direction == _OUT else (b_fmu, a_fmu)
            name = f"{source.component}_{sink.component}"
            bonds.append(PowerBond(name, source.component, sink.component, efforts[0].end, flows[0].end))
    return bonds, incomplete, problems


def _direction_text(direction) -> str:
    return direction.value.split("#")[-1] if direction is not None else "in no declared direction"


def _directed(feeds, a_component, a_var, b_component, b_var) -> list[Connection]:
    a, b = Endpoint(a_component, a_var), Endpoint(b_component, b_var)
    return [Connection(s, e) for s, e in ((a, b), (b, a)) if (s, e) in feeds]


def _power_signals(connections, annotated) -> list[PowerSignal]:
    """Connections that deliver a power in watts to their input."""
    units = {(f.component, m.name): m.unit for f in annotated for m in f.variables.values()}
    signals = []
    for c in connections:
        unit = units[(c.end.component, c.end.variable)]
        if unit is not None and unit.dimension == _POWER_DIMENSION and unit.multiplier == 1 and unit.offset == 0:
            signals.append(PowerSignal(f"{c.start}", c.end))
    return signals
