"""What the ontology needs from an FMU's ``modelDescription.xml``: the model
name, each variable's causality and unit, and the unit definitions.

Read with lxml straight from the archive (an ``.fmu`` zip or an unpacked
directory); nothing is extracted to disk."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .errors import OntologyError

_TYPES = ("Real", "Integer", "Boolean", "String", "Enumeration")
_BASE_UNITS = ("kg", "m", "s", "A", "K", "mol", "cd", "rad")


@dataclass(frozen=True)
class FmiVariable:
    name: str
    causality: str  # parameter, calculatedParameter, input, output, local, independent
    type: str
    unit: str | None
    has_start: bool


@dataclass(frozen=True)
class FmiUnitDefinition:
    name: str
    exponents: dict | None  # None when the unit has no BaseUnit
    factor: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True)
class ModelDescription:
    path: Path
    model_name: str
    variables: dict  # name -> FmiVariable, in document order
    units: dict  # name -> FmiUnitDefinition


def read_archive_member(fmu: Path, member: str) -> bytes | None:
    """A file inside an FMU (zip or directory), or None when it has none."""
    if fmu.is_dir():
        path = fmu / member
        return path.read_bytes() if path.is_file() else None
    try:
        with zipfile.ZipFile(fmu) as archive:
            try:
                return archive.read(member)
            except KeyError:
                return None
    except zipfile.BadZipFile:
        raise OntologyError(f"{fmu}: not an FMU (not a zip archive)") from None


def read_model_description(fmu: str | Path) -> ModelDescription:
    fmu = Path(fmu)
    if not fmu.exists():
        raise OntologyError(f"{fmu}: no such FMU")
    data = read_archive_member(fmu, "modelDescription.xml")
    if data is None:
        raise OntologyError(f"{fmu}: the archive has no modelDescription.xml")
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as error:
        raise OntologyError(f"{fmu}!modelDescription.xml, line {error.lineno}: malformed XML: {error.msg}") from None
    units = {u.get("name"): _unit_definition(u) for u in root.iterfind("UnitDefinitions/Unit")}
    declared_units = {t.get("name"): t.find("Real").get("unit")
                      for t in root.iterfind("TypeDefinitions/SimpleType") if t.find("Real") is not None}
    variables = {}
    for element in root.iterfind("ModelVariables/ScalarVariable"):
        variable = _variable(element, declared_units)
        variables[variable.name] = variable
    return ModelDescription(fmu, root.get("modelName") or fmu.stem, variables, units)


def _variable(element, declared_units: dict) -> FmiVariable:
    type_element = next((child for child in element if child.tag in _TYPES), None)
    type_name = type_element.tag if type_element is not None else "Real"
    unit = None
    if type_element is not None and type_name == "Real":
        unit = type_element.get("unit") or declared_units.get(type_element.get("declaredType"))
    return FmiVariable(element.get("name"), element.get("causality", "local"), type_name, unit,
                       type_element is not None and type_element.get("start") is not None)


def _unit_definition(element) -> FmiUnitDefinition:
    base = element.find("BaseUnit")
    if base is None:
        return FmiUnitDefinition(element.get("name"), None)
    exponents = {b: int(base.get(b, 0)) for b in _BASE_UNITS}
    return FmiUnitDefinition(element.get("name"), exponents, float(base.get("factor", 1.0)),
                             float(base.get("offset", 0.0)))
