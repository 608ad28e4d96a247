"""What the master needs to know about an FMU before loading it, read from
its ``modelDescription.xml`` (through fmpy, cached per file)."""
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


@dataclass(frozen=True)
class UnitDefinition:
    """A unit as SI base-unit exponents, ``value_SI = factor * value + offset``."""

    name: str
    exponents: tuple[int, ...] | None  # kg, m, s, A, K, mol, cd, rad
    factor: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True)
class FmuInfo:
    path: Path
    model_name: str
    guid: str
    fmi_version: str
    model_identifier: str | None  # of the co-simulation interface
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


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> FmuInfo:
    description = read_model_description(str(path), validate=False)
    if not description.fmiVersion.startswith(("2.", "3.")):
        raise ValueError(f"{path}: FMI {description.fmiVersion}; the master runs FMI 2.0 and 3.0 "
                         "co-simulation FMUs")
    cs = description.coSimulation
    if cs is None:
        raise ValueError(f"{path}: no CoSimulation interface; the master runs co-simulation FMUs only")
    variables = {
        v.name: Variable(v.name, v.valueReference, _FMI2_TYPE.get(v.type, v.type), v.causality or "local",
                         v.variability or "continuous", _unit_of(v), v.start)
        for v in description.modelVariables
    }
    return FmuInfo(path, description.modelName, description.guid, description.fmiVersion, cs.modelIdentifier,
                   bool(cs.canGetAndSetFMUstate), variables, _units(description), _feedthrough(description),
                   _step_means(path, {v.name for v in variables.values() if v.causality == "output"}))


def fmu_info(path: str | Path) -> FmuInfo:
    """The interface of the FMU at ``path`` (cached until the file changes)."""
    path = Path(path).resolve()
    if not path.exists():
        raise FileNotFoundError(f"FMU not found: {path}")
    return _read(path, path.stat().st_mtime)
