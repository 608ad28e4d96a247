"""Check a system before stepping it and report every problem at once."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .fmu_info import FmuInfo, fmu_info
from .structure import Endpoint, SystemStructure


class SystemInvalid(ValueError):
    """A system that cannot be run; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"the system has {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    unconnected_inputs: list[str] = field(default_factory=list)

    def raise_if_invalid(self) -> None:
        if self.problems:
            raise SystemInvalid(self.problems)


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Checker:
    def __init__(self, structure: SystemStructure):
        self.structure = structure
        self.report = Report()
        self.infos: dict[str, FmuInfo] = {}
        seen = set()
        for component in structure.components:
            if component.name in seen:
                self.problem(f"component name {component.name!r} is used twice")
            seen.add(component.name)
            try:
                self.infos[component.name] = fmu_info(component.source)
            except (OSError, ValueError) as error:
                self.problem(f"component {component.name!r}: {error}")

    def problem(self, text: str) -> None:
        self.report.problems.append(text)

    def variable(self, endpoint: Endpoint, role: str):
        """The variable an endpoint names, or None after reporting why not."""
        known = {c.name for c in self.structure.components}
        if endpoint.component not in known:
            self.problem(f"{role} {endpoint}: unknown component {endpoint.component!r}"
                         f"{_suggest(endpoint.component, known)}")
            return None
        info = self.infos.get(endpoint.component)
        if info is None:
            return None
        variable = info.variables.get(endpoint.variable)
        if variable is None:
            self.problem(f"{role} {endpoint}: {info.model_name} has no variable {endpoint.variable!r}"
                         f"{_suggest(endpoint.variable, info.variables)}")
        return variable

    def unit(self, endpoint: Endpoint, variable):
        """(name, definition) of the variable's unit: its FMU's, or the one
        the system gives the connector when the FMU declares none."""
        given = self.structure.connector_units.get(endpoint)
        if not variable.unit and given is not None:
            return given.name, given
        return variable.unit or "", self.infos[endpoint.component].units.get(variable.unit or "")

    def same_unit(self, start: Endpoint, end: Endpoint, a, b) -> bool:
        (name_a, ua), (name_b, ub) = self.unit(start, a), self.unit(end, b)
        if name_a == name_b:
            return True
        return (ua is not None and ub is not None and ua.exponents is not None
                and (ua.exponents, ua.factor, ua.offset) == (ub.exponents, ub.factor, ub.offset))


# (start type, end type) a connection may join: the value is carried exactly
_CONNECTABLE = {("Real", "Real"), ("Integer", "Integer"), ("Enumeration", "Enumeration"),
                ("Integer", "Enumeration"), ("Enumeration", "Integer"), ("Boolean", "Boolean"),
                ("Integer", "Real"), ("Enumeration", "Real"), ("Boolean", "Real")}


def _check_connections(check: _Checker) -> set[Endpoint]:
    fed: dict[Endpoint, Endpoint] = {}
    for c in check.structure.connections:
        start = check.variable(c.start, "connection start")
        end = check.variable(c.end, f"connection {c.start} -> end")
        if start is not None and start.causality not in ("output", "calculatedParameter"):
            check.problem(f"connection {c.start} -> {c.end}: start {c.start} is a {start.causality}, "
                          f"not an output")
        if end is not None and end.causality != "input":
            check.problem(f"connection {c.start} -> {c.end}: end {c.end} is a {end.causality}, not an input")
        if start is not None and end is not None:
            if (start.type, end.type) not in _CONNECTABLE:
                check.problem(f"connection {c.start} -> {c.end}: a {start.type} cannot feed a {end.type} "
                              f"(Real, Integer, Enumeration and Boolean feed their own type; Integer, "
                              f"Enumeration and Boolean also feed a Real)")
            elif end.type != "Real" and (c.factor, c.offset) != (1.0, 0.0):
                check.problem(f"connection {c.start} -> {c.end}: a LinearTransformation needs a Real end, "
                              f"not a {end.type}")
            elif (start.type == "Real" and c.factor == 1.0 and c.offset == 0.0
                  and not check.same_unit(c.start, c.end, start, end)):
                check.problem(f"connection {c.start} -> {c.end}: unit clash [{check.unit(c.start, start)[0]}] "
                              f"-> [{check.unit(c.end, end)[0]}] without a LinearTransformation")
        if c.end in fed:
            check.problem(f"input {c.end} is fed twice: by {fed[c.end]} and by {c.start}")
        else:
            fed[c.end] = c.start
    return set(fed)


def _check_energy(check: _Checker, ends: dict[Endpoint, object]) -> None:
    names = set()
    for bond in check.structure.power_bonds:
        if bond.name in names:
            check.problem(f"power bond name {bond.name!r} is used twice")
        names.add(bond.name)
        for role, endpoint, fed_from, into in (("effort", bond.effort, bond.source, bond.sink),
                                               ("flow", bond.flow, bond.sink, bond.source)):
            connection = ends.get(endpoint)
            if connection is None:
                check.problem(f"power bond {bond.name!r}: its {role} {endpoint} is not the end of a connection"
                              f"{_suggest(str(endpoint), [str(e) for e in ends])}")
            elif (connection.start.component, connection.end.component) != (fed_from, into):
                check.problem(f"power bond {bond.name!r}: {role} must run {fed_from} -> {into}, "
                              f"but its connection runs {connection.start} -> {connection.end}")
    for signal in check.structure.power_signals:
        if signal.connection_end not in ends:
            check.problem(f"power signal {signal.name!r}: {signal.connection_end} is not the end of a connection"
                          f"{_suggest(str(signal.connection_end), [str(e) for e in ends])}")
    for endpoint in check.structure.step_mean_outputs:
        variable = check.variable(endpoint, "step-mean output")
        if variable is not None and variable.causality != "output":
            check.problem(f"step-mean output {endpoint}: causality {variable.causality!r}, not an output")


def _check_parameters(check: _Checker) -> None:
    for component in check.structure.components:
        info = check.infos.get(component.name)
        if info is None:
            continue
        for name in component.parameters:
            variable = info.variables.get(name)
            if variable is None:
                check.problem(f"parameter {component.name}.{name}: {info.model_name} has no such variable"
                              f"{_suggest(name, info.variables)}")
            elif variable.causality not in ("parameter", "input") and variable.variability == "constant":
                check.problem(f"parameter {component.name}.{name}: a constant cannot be set")


def validate(structure: SystemStructure) -> Report:
    """Every problem of ``structure`` (unknown names with suggestions,
    causality, units, inputs fed twice, bonds that do not match connections,
    step-mean declarations of variables that are not outputs),
    plus the inputs left unconnected (they keep their start values)."""
    check = _Checker(structure)
    fed = _check_connections(check)
    _check_energy(check, {c.end: c for c in structure.connections})
    _check_parameters(check)
    for component in structure.components:
        info = check.infos.get(component.name)
        for name in info.inputs() if info else []:
            if Endpoint(component.name, name) not in fed:
                check.report.unconnected_inputs.append(f"{component.name}.{name}")
    return check.report
