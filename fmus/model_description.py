"""Completes the ``modelDescription.xml`` that pythonfmu writes.

pythonfmu 0.7.0 leaves out units, bounds, ``InitialUnknowns`` and
dependencies, and declares ``needsExecutionTool="true"``. This module rewrites
the document from the slave's declarations so that it says everything an
importer needs, in the element order of the FMI 2.0 schema, plus which
outputs are means over the last step (``VendorAnnotations``, tool
``org.btwin``: ``<btwin:Outputs><btwin:StepMean output="name"/>...``).
"""
from __future__ import annotations

from lxml import etree

from .declarations import Var
from .units import BASE_UNITS, lookup

COSIMULATION_FLAGS = {
    "needsExecutionTool": "false",
    "canHandleVariableCommunicationStepSize": "true",
    "canBeInstantiatedOnlyOncePerProcess": "false",
    "canNotUseMemoryManagementFunctions": "true",
    "canGetAndSetFMUstate": "true",
    "canSerializeFMUstate": "true",
}

# fmiModelDescription's children, in schema order
_ORDER = ("ModelExchange", "CoSimulation", "UnitDefinitions", "TypeDefinitions", "LogCategories",
          "DefaultExperiment", "VendorAnnotations", "ModelVariables", "ModelStructure")


def complete(xml: bytes, declarations: tuple[Var, ...], description: str) -> bytes:
    """Return ``xml`` with units, bounds, flags and model structure added."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    root = etree.fromstring(xml, parser)
    declared = {var.name: var for var in declarations}
    root.set("description", description)
    for name, value in COSIMULATION_FLAGS.items():
        root.find("CoSimulation").set(name, value)

    variables = root.find("ModelVariables").findall("ScalarVariable")
    index_of = {sv.get("name"): i + 1 for i, sv in enumerate(variables)}
    missing = set(index_of) ^ set(declared)
    if missing:
        raise ValueError(f"declarations and model description disagree on {sorted(missing)}")
    for sv in variables:
        _complete_variable(sv, declared[sv.get("name")])

    _replace(root, _unit_definitions(declarations))
    _replace(root, _vendor_annotations(declarations))
    _replace(root, _model_structure(declarations, index_of))
    root[:] = sorted(root, key=lambda child: _ORDER.index(child.tag))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _complete_variable(sv: etree._Element, var: Var) -> None:
    sv.set("description", var.description)
    set_unit_and_bounds(sv[0], var)


def set_unit_and_bounds(element: etree._Element, var: Var) -> None:
    """The unit (Real) and the declared min/max (Real, Integer) as attributes."""
    if var.type is float:
        element.set("unit", var.unit)
    for bound in ("min", "max"):
        value = getattr(var, bound)
        if value is not None and var.type in (float, int):
            element.set(bound, repr(var.type(value)))


def _unit_definitions(declarations: tuple[Var, ...]) -> etree._Element:
    element = etree.Element("UnitDefinitions")
    for name in sorted({var.unit for var in declarations if var.type is float}):
        unit = lookup(name)
        base = etree.SubElement(etree.SubElement(element, "Unit", name=unit.name), "BaseUnit")
        for base_name in BASE_UNITS:
            if unit.exponents.get(base_name):
                base.set(base_name, str(unit.exponents[base_name]))
        if unit.factor != 1.0:
            base.set("factor", repr(unit.factor))
        if unit.offset != 0.0:
            base.set("offset", repr(unit.offset))
    return element


# Vendor annotation read by btwin's master (and by anyone): the outputs that
# are means over the last communication step, not values at its end. The
# schema allows one element of another namespace inside a Tool.
VENDOR_TOOL = "org.btwin"
VENDOR_NAMESPACE = "urn:btwin:fmu:1"


def _vendor_annotations(declarations: tuple[Var, ...]) -> etree._Element:
    annotations = etree.Element("VendorAnnotations")
    means = [var.name for var in declarations if var.step_mean]
    if means:
        tool = etree.SubElement(annotations, "Tool", name=VENDOR_TOOL)
        outputs = etree.SubElement(tool, f"{{{VENDOR_NAMESPACE}}}Outputs", nsmap={"btwin": VENDOR_NAMESPACE})
        for name in means:
            etree.SubElement(outputs, f"{{{VENDOR_NAMESPACE}}}StepMean", output=name)
    return annotations


def _model_structure(declarations: tuple[Var, ...], index_of: dict[str, int]) -> etree._Element:
    structure = etree.Element("ModelStructure")
    outputs = [var for var in declarations if var.causality == "output"]
    if outputs:
        listing = etree.SubElement(structure, "Outputs")
        for var in outputs:
            dependencies = " ".join(str(index_of[name]) for name in var.depends_on)
            kinds = " ".join("dependent" for _ in var.depends_on)
            unknown = etree.SubElement(listing, "Unknown", index=str(index_of[var.name]),
                                       dependencies=dependencies)
            if kinds:
                unknown.set("dependenciesKind", kinds)
        # Initial values of the outputs follow from the parameters and the
        # inputs' start values: no dependencies attribute means "on all of them".
        initial = etree.SubElement(structure, "InitialUnknowns")
        for var in outputs:
            etree.SubElement(initial, "Unknown", index=str(index_of[var.name]))
    return structure


def _replace(root: etree._Element, element: etree._Element) -> None:
    old = root.find(element.tag)
    if old is not None:
        root.remove(old)
    if len(element) or element.tag == "ModelStructure":
        root.append(element)
