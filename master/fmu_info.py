"""What an FMU's ``modelDescription.xml`` says, read once (through fmpy,
cached per file) for the master and for the ontology: :func:`describe` any
FMU; :func:`fmu_info` one the master can run (FMI 2.0 or 3.0 co-simulation;
FMI 3.0's Float64 and Int32 read as Real and Integer).

It lives here because the master may import nothing of ours but FMI
(DESIGN.md), while the ontology, which "reads modelDescription.xml", already
builds on the master's system structure; so the ontology imports this
reader rather than keeping a second one with its own unit classes."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fmpy import read_model_description
from lxml import etree


@dataclass(frozen=True)
class Variable:
    name: str
    value_reference: int
    type: str  # 'Real', 'Integer', 'Boolean', 'String', 'Enumeration' (FMI 3.0's Float64 is 'Real', Int32 'Integer')
    causality: str
    variability: str
    unit: str | None
    start: str | None


BASE_UNITS = ("kg", "m", "s", "A", "K", "mol", "cd", "rad")  # FMI's BaseUnit exponents, in this order


@dataclass(frozen=True)
class UnitDefinition:
    """A unit as SI base-unit exponents, ``value_SI = factor * value + offset``."""

    name: str
    exponents: tuple[int, ...] | None  # in the order of BASE_UNITS
    factor: float = 1.0
    offset: float = 0.0

    def exponent_map(self) -> dict[str, int] | None:
        """The exponents by base unit name (None when the unit has no BaseUnit)."""
        return None if self.exponents is None else dict(zip(BASE_UNITS, self.exponents))


@dataclass(frozen=True)
class FmuInfo:
    path: Path
    model_name: str
    guid: str
    fmi_version: str
    model_identifier: str | None  # of the co-simulation interface (None: the FMU has none)
    can_get_and_set_state: bool
    variables: dict[str, Variable]
    units: dict[str, UnitDefinition]
    # output name -> names of the inputs it depends on directly (feedthrough)
    feedthrough: dict[str, frozenset[str]]
    # outputs that are means over the last step, not values at its end
    # (vendor annotation of tool "org.btwin", see STEP_MEAN_TOOL)
    step_means: frozenset[str] = frozenset()

    def inputs(self) -> list[str]:
        return [v.name for v in self.variables.values() if v.causality == "input"]

    def outputs(self) -> list[str]:
        return [v.name for v in self.variables.values() if v.causality == "output"]

    def to_si(self, variable: str) -> tuple[float, float]:
        """(factor, offset) taking the variable's value to SI base units
        (1, 0 when its unit is undeclared)."""
        unit = self.units.get(self.variables[variable].unit or "")
        return (unit.factor, unit.offset) if unit is not None else (1.0, 0.0)


def _unit_of(variable) -> str | None:
    if variable.unit:
        return variable.unit
    if variable.declaredType is not None:
        return variable.declaredType.unit
    return None


def _units(description) -> dict[str, UnitDefinition]:
    units = {}
    for unit in description.unitDefinitions:
        base = unit.baseUnit
        if base is None:
            units[unit.name] = UnitDefinition(unit.name, None)
        else:
            exponents = (base.kg, base.m, base.s, base.A, base.K, base.mol, base.cd, base.rad)
            units[unit.name] = UnitDefinition(unit.name, exponents, base.factor, base.offset)
    return units


def _feedthrough(description) -> dict[str, frozenset[str]]:
    inputs = frozenset(v.name for v in description.modelVariables if v.causality == "input")
    feedthrough = {}
    for unknown in description.outputs:
        if unknown.dependencies is None:  # FMI 2.0: no attribute means "depends on everything"
            feedthrough[unknown.variable.name] = inputs
        else:
            feedthrough[unknown.variable.name] = frozenset(
                d.name for d in unknown.dependencies if d.causality == "input")
    return feedthrough


# <VendorAnnotations><Tool name="org.btwin"><btwin:Outputs xmlns:btwin="urn:btwin:fmu:1">
#   <btwin:StepMean output="battery_current"/> ...
STEP_MEAN_TOOL = "org.btwin"
STEP_MEAN_NAMESPACE = "urn:btwin:fmu:1"


def _step_means(path: Path, names) -> frozenset[str]:
    """Outputs the FMU's vendor annotation declares as means over the last step
    (FMI 3.0: ``Annotations/Annotation[@type="org.btwin"]``)."""
    if path.is_dir():
        xml = (path / "modelDescription.xml").read_bytes()
    else:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("modelDescription.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml, parser)
    declared = root.xpath("VendorAnnotations/Tool[@name=$tool]/b:Outputs/b:StepMean/@output"
                          " | Annotations/Annotation[@type=$tool]/b:Outputs/b:StepMean/@output",
                          tool=STEP_MEAN_TOOL, namespaces={"b": STEP_MEAN_NAMESPACE})
    return frozenset(name for name in declared if name in names)


# FMI 3.0 types the master handles, by their FMI 2.0 names
_FMI2_TYPE = {"Float64": "Real", "Int32": "Integer"}


class FmuUnreadable(ValueError):
    """A file that is not a readable FMU: not a zip, no or malformed modelDescription.xml."""


def _description(path: Path):
    try:
        return read_model_description(str(path), validate=False)
    except zipfile.BadZipFile:
        raise FmuUnreadable(f"{path}: not an FMU (not a zip archive)") from None
    except KeyError:
        raise FmuUnreadable(f"{path}: not an FMU (no modelDescription.xml in the archive)") from None
    except etree.XMLSyntaxError as error:
        raise FmuUnreadable(f"{path}!modelDescription.xml, line {error.lineno}: malformed XML: {error.msg}") from None
    except Exception as error:  # fmpy raises plain Exceptions for what it cannot interpret
        raise FmuUnreadable(f"{path}!modelDescription.xml: {error}") from None


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> FmuInfo:
    description = _description(path)
    cs = description.coSimulation
    variables = {
        v.name: Variable(v.name, v.valueReference, _FMI2_TYPE.get(v.type, v.type), v.causality or "local",
                         v.variability or "continuous", _unit_of(v), v.start)
        for v in description.modelVariables
    }
    return FmuInfo(path, description.modelName or path.stem, description.guid, description.fmiVersion,
                   cs.modelIdentifier if cs is not None else None, bool(cs is not None and cs.canGetAndSetFMUstate),
                   variables, _units(description), _feedthrough(description),
                   _step_means(path, {v.name for v in variables.values() if v.causality == "output"}))


def describe(path: str | Path) -> FmuInfo:
    """What the ``modelDescription.xml`` of the FMU at ``path`` (an ``.fmu`` or
    an unpacked folder) says, whatever its interface (cached until the file
    changes). Raises FileNotFoundError, or :class:`FmuUnreadable` naming the file."""
    path = Path(path).resolve()
    if not path.exists():
        raise FileNotFoundError(f"FMU not found: {path}")
    return _read(path, path.stat().st_mtime)


def fmu_info(path: str | Path) -> FmuInfo:
    """The interface of an FMU the master can run: FMI 2.0 or 3.0 co-simulation."""
    info = describe(path)
    if not info.fmi_version.startswith(("2.", "3.")):
        raise ValueError(f"{info.path}: FMI {info.fmi_version}; the master runs FMI 2.0 and 3.0 "
                         "co-simulation FMUs")
    if info.model_identifier is None:
        raise ValueError(f"{info.path}: no CoSimulation interface; the master runs co-simulation FMUs only")
    return info
