"""SSP 1.0 systems: read an ``.ssp`` archive or an ``.ssd`` file into a
:class:`SystemStructure`, and write one back.

Power bonds and power signals are not part of SSP 1.0; they travel in an
annotation of our own type on the system::

    <ssd:Annotations>
      <ssc:Annotation type="org.btwin.energy">
        <btw:Energy xmlns:btw="urn:btwin:energy:1" stepSize="0.1">
          <btw:PowerBond name="battery_power" source="battery" sink="powertrain"
                         effort="powertrain.battery_voltage" flow="battery.current"/>
          <btw:PowerSignal name="grid" connection="feeder.load_power"/>
          <btw:StepMean output="powertrain.battery_current"/>
        </btw:Energy>
      </ssc:Annotation>
    </ssd:Annotations>

``effort``, ``flow`` and ``connection`` name a connection by the input it
feeds (``component.variable``). ``StepMean`` declares an output whose value
after a step is its mean over that step, not a sample at its end (the energy
ledger books it so; see :mod:`.energy`). ``stepSize`` is the default macro step, which
SSP 1.0's ``DefaultExperiment`` has no place for.

Parameter values travel as one named parameter set: each component's
``ParameterBinding`` holds a ``ParameterSet`` named ``btwin``
(:data:`PARAMETER_SET`). A tool that applies every binding (OMSimulator,
libcosim, our reader) and a tool that applies one set chosen by name (Ecos:
``init(parameter_set="btwin")``) then configure every component alike.
"""
from __future__ import annotations

import os
import urllib.parse
import zipfile
from pathlib import Path

from lxml import etree

from .fmu_info import BASE_UNITS, UnitDefinition, fmu_info
from .structure import (Component, Connection, Endpoint, PowerBond, PowerSignal,
                        SystemStructure)
from .unpack import UnpackError, remove, unpack

SSD = "http://ssp-standard.org/SSP1/SystemStructureDescription"
SSC = "http://ssp-standard.org/SSP1/SystemStructureCommon"
SSV = "http://ssp-standard.org/SSP1/SystemStructureParameterValues"
BTW = "urn:btwin:energy:1"
ANNOTATION_TYPE = "org.btwin.energy"
NS = {"ssd": SSD, "ssc": SSC, "ssv": SSV, "btw": BTW}
SSD_MEMBER = "SystemStructure.ssd"
PARAMETER_SET = "btwin"  # the one name every component's parameter set carries

_TYPE_NAMES = ("Real", "Integer", "Boolean", "String", "Enumeration")


class SspError(ValueError):
    """A system description that cannot be read."""


# ---------------------------------------------------------------- reading

def _parser() -> etree.XMLParser:
    # No DTDs, no entity expansion, no network: an SSD is data, not a program.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


def parse_xml(source) -> etree._ElementTree:
    """Parse an XML file or file object safely (see :func:`_parser`)."""
    try:
        return etree.parse(source, _parser())
    except etree.XMLSyntaxError as error:
        raise SspError(f"{getattr(source, 'name', source)}: {error}") from None


def extract_ssp(archive: str | Path, into: str | Path | None = None) -> Path:
    """Unpack an ``.ssp`` archive into ``into`` (a fresh temporary folder of
    :mod:`.unpack` by default) within its limits; return that folder."""
    archive = Path(archive)
    with zipfile.ZipFile(archive) as zf:
        if SSD_MEMBER not in zf.namelist():
            raise SspError(f"{archive}: no {SSD_MEMBER} at the root of the archive")
    try:
        return unpack(archive, "btwin-ssp-", into)
    except UnpackError as error:
        raise SspError(str(error)) from None


def _resolve_source(uri: str | None, base: Path) -> Path:
    if not uri:
        raise SspError("a component has no source attribute")
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == "file":
        return Path(urllib.parse.unquote(parsed.path)).resolve()
    if parsed.scheme and len(parsed.scheme) > 1:
        raise SspError(f"component source {uri!r}: only relative paths and file: URIs are supported")
    return (base / urllib.parse.unquote(uri)).resolve()


def _typed_value(element) -> float | int | bool | str:
    for type_name in _TYPE_NAMES:
        typed = element.find(f"ssv:{type_name}", NS)
        if typed is None:
            continue
        value = typed.get("value")
        try:
            return _TYPE_READERS[type_name](value)
        except (TypeError, ValueError):
            raise SspError(f"parameter {element.get('name')!r}: {type_name} value {value!r} is not "
                           f"a valid {type_name}") from None
    raise SspError(f"parameter {element.get('name')!r} has no value of a supported type")


def _boolean(text: str) -> bool:
    if text.strip() not in ("true", "false", "1", "0"):
        raise ValueError(text)
    return text.strip() in ("true", "1")


def _string(text: str | None) -> str:
    if text is None:
        raise ValueError(text)
    return text


_TYPE_READERS = {"Real": float, "Integer": int, "Boolean": _boolean, "String": _string, "Enumeration": _string}


def _parameter_set(root) -> dict[str, float | int | bool | str]:
    return {p.get("name"): _typed_value(p) for p in root.findall("ssv:Parameters/ssv:Parameter", NS)}


def _bindings(element, base: Path) -> dict[str, float | int | bool | str]:
    """All parameter values bound on an element, names with the binding's prefix."""
    values = {}
    for binding in element.findall("ssd:ParameterBindings/ssd:ParameterBinding", NS):
        prefix = binding.get("prefix", "")
        source = binding.get("source")
        if source is not None:
            sets = [parse_xml(str(_resolve_source(source, base))).getroot()]
        else:
            sets = binding.findall("ssd:ParameterValues/ssv:ParameterSet", NS)
        for parameter_set in sets:
            for name, value in _parameter_set(parameter_set).items():
                values[prefix + name] = value
    return values


def _connector_kinds(component) -> dict[str, str]:
    return {c.get("name"): c.get("kind") for c in component.findall("ssd:Connectors/ssd:Connector", NS)}


def _unit_definitions(root) -> dict[str, UnitDefinition]:
    """The system's ``ssd:Units``: name -> definition (SSP's BaseUnit is FMI's)."""
    units = {}
    for unit in root.iterfind("ssd:Units/ssc:Unit", NS):
        base = unit.find("ssc:BaseUnit", NS)
        if base is None:
            units[unit.get("name")] = UnitDefinition(unit.get("name"), None)
            continue
        try:
            units[unit.get("name")] = UnitDefinition(
                unit.get("name"), tuple(int(base.get(k, 0)) for k in BASE_UNITS),
                float(base.get("factor", 1.0)), float(base.get("offset", 0.0)))
        except ValueError:
            raise SspError(f"unit {unit.get('name')!r}: BaseUnit attributes must be numbers") from None
    return units


def _connector_units(component, name: str, units: dict[str, UnitDefinition]) -> dict[Endpoint, UnitDefinition]:
    """Units the system gives the component's Real connectors (with an ``ssd:Units`` definition)."""
    found = {}
    for connector in component.findall("ssd:Connectors/ssd:Connector", NS):
        real = connector.find("ssc:Real", NS)
        unit = real.get("unit") if real is not None else None
        if unit:
            found[Endpoint(name, connector.get("name"))] = units.get(unit, UnitDefinition(unit, None))
    return found


def _connection(element, kinds: dict[str, dict[str, str]]) -> Connection:
    missing = [a for a in ("startElement", "startConnector", "endElement", "endConnector") if not element.get(a)]
    if missing:
        raise SspError(f"connection on line {element.sourceline} has no {' and no '.join(missing)}")
    start = Endpoint(element.get("startElement"), element.get("startConnector"))
    end = Endpoint(element.get("endElement"), element.get("endConnector"))
    factor, offset = 1.0, 0.0
    transformation = element.find("ssc:LinearTransformation", NS)
    if transformation is None:  # some writers put it in the ssd namespace
        transformation = element.find("ssd:LinearTransformation", NS)
    if transformation is not None:
        try:
            factor = float(transformation.get("factor", 1.0))
            offset = float(transformation.get("offset", 0.0))
        except ValueError:
            raise SspError(f"connection {start} -> {end}: LinearTransformation factor "
                           f"{transformation.get('factor')!r} and offset {transformation.get('offset')!r} "
                           f"must be numbers") from None
    start_kind = kinds.get(start.component, {}).get(start.variable)
    end_kind = kinds.get(end.component, {}).get(end.variable)
    if start_kind == "input" and end_kind in ("output", "calculatedParameter"):
        # SSP's start/end do not fix the direction; the kinds do.
        if factor == 0.0:
            raise SspError(f"connection {start} -> {end}: cannot reverse a transformation with factor 0")
        start, end, factor, offset = end, start, 1.0 / factor, -offset / factor
    return Connection(start, end, factor, offset)


def _energy_annotation(system, structure: SystemStructure) -> None:
    for energy in system.iterfind(f"ssd:Annotations/ssc:Annotation[@type='{ANNOTATION_TYPE}']/btw:Energy", NS):
        if energy.get("stepSize") is not None:
            structure.step_size = float(energy.get("stepSize"))
        for bond in energy.findall("btw:PowerBond", NS):
            structure.power_bonds.append(PowerBond(
                bond.get("name"), bond.get("source"), bond.get("sink"),
                Endpoint.parse(bond.get("effort")), Endpoint.parse(bond.get("flow"))))
        for signal in energy.findall("btw:PowerSignal", NS):
            structure.power_signals.append(
                PowerSignal(signal.get("name"), Endpoint.parse(signal.get("connection"))))
        for mean in energy.findall("btw:StepMean", NS):
            structure.step_mean_outputs.append(Endpoint.parse(mean.get("output")))


def _read_ssd(ssd_path: Path, base: Path) -> SystemStructure:
    root = parse_xml(str(ssd_path)).getroot()
    if root.tag != f"{{{SSD}}}SystemStructureDescription":
        raise SspError(f"{ssd_path}: not an SSP 1.0 system structure description (root {root.tag})")
    system = root.find("ssd:System", NS)
    if system is None:
        raise SspError(f"{ssd_path}: no System element")
    structure = SystemStructure(name=root.get("name") or system.get("name"))

    kinds, units = {}, _unit_definitions(root)
    for element in system.find("ssd:Elements", NS) if system.find("ssd:Elements", NS) is not None else []:
        if element.tag == f"{{{SSD}}}System":
            raise SspError(f"{ssd_path}: nested system {element.get('name')!r} is not supported; flatten it")
        if element.tag != f"{{{SSD}}}Component":
            continue
        name = element.get("name")
        source = _resolve_source(element.get("source"), base)
        structure.components.append(Component(name, source, _bindings(element, base)))
        kinds[name] = _connector_kinds(element)
        structure.connector_units.update(_connector_units(element, name, units))

    for name, value in _bindings(system, base).items():  # system-level: "component.parameter"
        endpoint = Endpoint.parse(name)
        structure.component(endpoint.component).parameters[endpoint.variable] = value

    for element in system.findall("ssd:Connections/ssd:Connection", NS):
        if element.get("startElement") is None or element.get("endElement") is None:
            raise SspError(f"{ssd_path}: connections to system connectors are not supported "
                           f"({element.get('startConnector')} -> {element.get('endConnector')})")
        structure.connections.append(_connection(element, kinds))

    experiment = root.find("ssd:DefaultExperiment", NS)
    if experiment is not None:
        if experiment.get("startTime") is not None:
            structure.start_time = float(experiment.get("startTime"))
        if experiment.get("stopTime") is not None:
            structure.stop_time = float(experiment.get("stopTime"))
    _energy_annotation(system, structure)
    return structure


def read_ssp(path: str | Path, extract_to: str | Path | None = None) -> SystemStructure:
    """Read an SSP 1.0 system from an ``.ssp`` archive or an ``.ssd`` file.

    An archive is unpacked (into ``extract_to`` or a temporary directory) after
    refusing members with absolute or ``..`` paths. Component sources come back
    as absolute paths.
    """
    path = Path(path).resolve()
    if zipfile.is_zipfile(path):
        root = extract_ssp(path, extract_to)
        try:
            structure = _read_ssd(root / SSD_MEMBER, root)
        except BaseException:
            remove(root)
            raise
        structure.unpacked_to = root if extract_to is None else None
        return structure
    return _read_ssd(path, path.parent)


# ---------------------------------------------------------------- writing

def _e(parent, tag: str, **attributes):
    prefix, local = tag.split(":")
    attributes = {k: str(v) for k, v in attributes.items() if v is not None}
    return etree.SubElement(parent, f"{{{NS[prefix]}}}{local}", attributes)


def _fmu_member_names(components: list[Component]) -> dict[Path, str]:
    """One archive member per distinct FMU file, ``resources/<stem>.fmu``."""
    names, taken = {}, set()
    for component in components:
        source = Path(component.source).resolve()
        if source in names:
            continue
        stem, n = source.stem, 1
        while f"{stem}.fmu" in taken:
            n += 1
            stem = f"{source.stem}_{n}"
        taken.add(f"{stem}.fmu")
        names[source] = f"resources/{stem}.fmu"
    return names


def _connector_names(structure: SystemStructure, component: Component, info) -> list[str]:
    """Every input and output, then each connected or bound variable that is neither."""
    names = [v.name for v in info.variables.values() if v.causality in ("input", "output")]
    used = [e.variable for c in structure.connections for e in (c.start, c.end) if e.component == component.name]
    used += list(component.parameters)
    for name in used:
        if name not in names and name in info.variables:
            names.append(name)
    return names


_KINDS = {"input": "input", "output": "output", "parameter": "parameter",
          "calculatedParameter": "calculatedParameter"}


def _write_connectors(element, names, info, units_used: dict, system_units: dict) -> None:
    """Each connector with its kind and, for a Real, its unit: the FMU's, or
    the one the system gives it (``system_units``: name -> UnitDefinition)."""
    if not names:
        return
    connectors = _e(element, "ssd:Connectors")
    for name in names:
        variable = info.variables[name]
        kind = _KINDS.get(variable.causality, "output" if variable.causality == "local" else "parameter")
        connector = _e(connectors, "ssd:Connector", name=name, kind=kind)
        if variable.type == "Real":
            given = system_units.get(name) if not variable.unit else None
            unit = given.name if given is not None else variable.unit
            _e(connector, "ssc:Real", unit=unit)
            if unit:
                units_used.setdefault(unit, given if given is not None else info.units.get(unit))
        elif variable.type in ("Integer", "Boolean", "String"):
            _e(connector, f"ssc:{variable.type}")


def _ssv_value(parent, value) -> None:
    if isinstance(value, bool):
        _e(parent, "ssv:Boolean", value="true" if value else "false")
    elif isinstance(value, int):
        _e(parent, "ssv:Integer", value=value)
    elif isinstance(value, float):
        _e(parent, "ssv:Real", value=repr(value))
    else:
        _e(parent, "ssv:String", value=value)


def _write_parameters(element, component: Component) -> None:
    if not component.parameters:
        return
    binding = _e(_e(element, "ssd:ParameterBindings"), "ssd:ParameterBinding")
    parameter_set = _e(_e(binding, "ssd:ParameterValues"), "ssv:ParameterSet",
                       version="1.0", name=PARAMETER_SET)
    parameters = _e(parameter_set, "ssv:Parameters")
    for name, value in component.parameters.items():
        _ssv_value(_e(parameters, "ssv:Parameter", name=name), value)


def _write_units(root, units_used: dict) -> None:
    units_used = {name: unit for name, unit in units_used.items() if unit is not None}
    if not units_used:
        return
    units = _e(root, "ssd:Units")
    for name, unit in sorted(units_used.items()):
        base = {}
        if unit.exponents is not None:
            base = {k: e for k, e in unit.exponent_map().items() if e}
        if unit.factor != 1.0:
            base["factor"] = repr(unit.factor)
        if unit.offset != 0.0:
            base["offset"] = repr(unit.offset)
        _e(_e(units, "ssc:Unit", name=name), "ssc:BaseUnit", **base)


def _write_energy(system, structure: SystemStructure) -> None:
    if not (structure.power_bonds or structure.power_signals or structure.step_mean_outputs
            or structure.step_size):
        return
    annotation = _e(_e(system, "ssd:Annotations"), "ssc:Annotation", type=ANNOTATION_TYPE)
    energy = etree.SubElement(annotation, f"{{{BTW}}}Energy", nsmap={"btw": BTW})
    if structure.step_size:
        energy.set("stepSize", repr(float(structure.step_size)))
    for bond in structure.power_bonds:
        etree.SubElement(energy, f"{{{BTW}}}PowerBond", name=bond.name, source=bond.source,
                         sink=bond.sink, effort=str(bond.effort), flow=str(bond.flow))
    for signal in structure.power_signals:
        etree.SubElement(energy, f"{{{BTW}}}PowerSignal", name=signal.name,
                         connection=str(signal.connection_end))
    for output in structure.step_mean_outputs:
        etree.SubElement(energy, f"{{{BTW}}}StepMean", output=str(output))


def system_structure_xml(structure: SystemStructure, sources: dict[str, str]) -> bytes:
    """The ``SystemStructure.ssd`` document; ``sources`` maps each component
    name to the URI written as its ``source``."""
    root = etree.Element(f"{{{SSD}}}SystemStructureDescription", nsmap={"ssd": SSD, "ssc": SSC, "ssv": SSV},
                         version="1.0", name=structure.name, generationTool="btwin")
    system = _e(root, "ssd:System", name=structure.name)
    elements = _e(system, "ssd:Elements")
    units_used = {}
    for component in structure.components:
        info = fmu_info(component.source)
        element = _e(elements, "ssd:Component", name=component.name, source=sources[component.name],
                     type="application/x-fmu-sharedlibrary")
        system_units = {e.variable: u for e, u in structure.connector_units.items() if e.component == component.name}
        _write_connectors(element, _connector_names(structure, component, info), info, units_used, system_units)
        _write_parameters(element, component)
    if structure.connections:
        connections = _e(system, "ssd:Connections")
        for c in structure.connections:
            connection = _e(connections, "ssd:Connection", startElement=c.start.component,
                            startConnector=c.start.variable, endElement=c.end.component,
                            endConnector=c.end.variable)
            if c.factor != 1.0 or c.offset != 0.0:
                _e(connection, "ssc:LinearTransformation", factor=repr(float(c.factor)),
                   offset=repr(float(c.offset)))
    _write_energy(system, structure)
    _write_units(root, units_used)
    if structure.stop_time is not None or structure.start_time:
        _e(root, "ssd:DefaultExperiment", startTime=repr(float(structure.start_time)),
           stopTime=None if structure.stop_time is None else repr(float(structure.stop_time)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_ssp(structure: SystemStructure, path: str | Path) -> Path:
    """Write ``structure`` as SSP 1.0 and return the path written.

    ``.ssp``: a zip archive with ``SystemStructure.ssd`` and each FMU under
    ``resources/``. ``.ssd``: the description alone, referring to the FMUs by
    paths relative to the file. Connector kinds and units come from each FMU's
    ``modelDescription.xml``.
    """
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".ssp":
        members = _fmu_member_names(structure.components)
        sources = {c.name: urllib.parse.quote(members[Path(c.source).resolve()]) for c in structure.components}
        xml = system_structure_xml(structure, sources)
        tmp = path.with_name(path.name + ".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(SSD_MEMBER, xml)
            for source, member in members.items():
                zf.write(source, member)
        os.replace(tmp, path)
    elif path.suffix.lower() == ".ssd":
        sources = {c.name: urllib.parse.quote(Path(os.path.relpath(Path(c.source).resolve(), path.parent)).as_posix())
                   for c in structure.components}
        path.write_bytes(system_structure_xml(structure, sources))
    else:
        raise ValueError(f"write_ssp: {path.name!r} must end in .ssp or .ssd")
    return path
