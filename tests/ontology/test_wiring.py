"""Wiring by meaning: the depot of issue 7, an unseen FMU annotated by a
sidecar, and every kind of bad input."""
from __future__ import annotations

import pytest

from btwin.master.structure import Connection, Endpoint
from btwin.ontology import TurtleSyntaxError, WiringError, units, wire
from btwin.ontology.wiring import load_system
from fmu_factory import CATALOGUE, DEPOT, catalogue_fmu, make_fmu

PREFIXES = """@prefix btwin: <https://w3id.org/btwin/ontology#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
"""


def _connections(wiring) -> dict[str, Connection]:
    return {str(c.end): c for c in wiring.structure.connections}


@pytest.fixture
def depot(tmp_path):
    return [catalogue_fmu(tmp_path, name) for name in DEPOT]


def test_depot_is_wired_from_semantics_alone(depot):
    wiring = wire(depot, "depot")
    feeds = {end: (str(c.start), c.factor, c.offset) for end, c in _connections(wiring).items()}
    assert feeds == {
        "GridFeeder.load_power_factory": ("FactoryLoads.machine_power", 1000.0, 0.0),
        "GridFeeder.load_power_charger": ("Charger.grid_power", 1.0, 0.0),
        "Charger.battery_voltage": ("BatteryCell.voltage", 1.0, 0.0),
        "BatteryCell.current": ("Charger.battery_current", 1.0, 0.0),
        "CellThermal.heat_generation": ("BatteryCell.heat_generation", 1.0, 0.0),
        "BatteryCell.temperature": ("CellThermal.core_temperature", 1.0, 0.0),
    }
    [bond] = wiring.structure.power_bonds
    assert (bond.source, bond.sink) == ("BatteryCell", "Charger")
    assert (str(bond.effort), str(bond.flow)) == ("Charger.battery_voltage", "BatteryCell.current")
    signals = {str(s.connection_end) for s in wiring.structure.power_signals}
    assert signals == {"CellThermal.heat_generation", "GridFeeder.load_power_charger",
                       "GridFeeder.load_power_factory"}  # in W once converted
    unfed = {str(u.endpoint): u.required for u in wiring.unfed}
    assert unfed == {"CellThermal.ambient_temperature": False, "Charger.current_setpoint": False,
                     "GridFeeder.load_power_residential": False}
    assert all(not r.is_violation for r in wiring.shacl)


def test_wiring_does_not_depend_on_the_order_of_the_fmus(depot):
    forward = _connections(wire(depot))
    backward = _connections(wire(list(reversed(depot))))
    assert forward == backward


def test_unseen_machine_in_megawatts_is_wired_through_a_sidecar(tmp_path):
    sidecar = PREFIXES + """
<> a btwin:FMU ; btwin:represents <#line> .
<#line> a btwin:Machine ; btwin:consumesPower <#p_el> .
<#p_el> btwin:variableName "p_el" ; qudt:hasUnit unit:MegaW .
"""
    press = make_fmu(tmp_path, "PressLine", [("p_el", "output", "MW"), ("stroke_rate", "output", "1")],
                     sidecar=sidecar, file_stem="press_line_v3")
    feeder = catalogue_fmu(tmp_path, "GridFeeder")
    wiring = wire([press, feeder])
    connection = _connections(wiring)["GridFeeder.load_power_factory"]
    assert connection.start == Endpoint("PressLine", "p_el")
    assert (connection.factor, connection.offset) == (1e6, 0.0)


def test_third_party_class_reaches_load_through_its_own_axiom(tmp_path):
    sidecar = PREFIXES + """@prefix ex: <https://example.org/plant#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Extruder rdfs:subClassOf btwin:Machine .
<#x> a ex:Extruder ; btwin:consumesPower <#power> .
<#power> btwin:variableName "power" .
"""
    extruder = make_fmu(tmp_path, "Extruder", [("power", "output", "kW")], sidecar=sidecar)
    wiring = wire([extruder, catalogue_fmu(tmp_path, "GridFeeder")])
    assert _connections(wiring)["GridFeeder.load_power_factory"].factor == 1000.0


def test_two_sources_for_one_input_is_an_error_listing_them(tmp_path):
    fmus = [catalogue_fmu(tmp_path, name) for name in ("BatteryCell", "CellThermal", "Charger", "Powertrain")]
    with pytest.raises(WiringError) as error:
        wire(fmus)
    [problem] = [p for p in error.value.problems if "ambiguous" in p]
    assert problem.startswith("BatteryCell.current: ambiguous, 2 outputs")
    assert "Charger.battery_current" in problem and "Powertrain.battery_current" in problem


def test_more_loads_than_slots_names_the_loads_left_over(tmp_path):
    machines = [catalogue_fmu(tmp_path, "FactoryLoads", file_stem=f"hall{i}") for i in range(4)]
    with pytest.raises(WiringError) as error:
        wire([*machines, catalogue_fmu(tmp_path, "GridFeeder")])
    [problem] = error.value.problems
    assert "none is free" in problem and "FactoryLoads_4.machine_power" in problem


def test_required_input_without_source_is_a_shacl_violation(tmp_path):
    with pytest.raises(WiringError) as error:
        wire([catalogue_fmu(tmp_path, "BatteryCell")])
    text = str(error.value)
    assert "BatteryCell.current: required input must be fed by exactly one connection" in text
    assert "BatteryCell.temperature" in text


def test_malformed_turtle_names_file_and_line(tmp_path):
    broken = PREFIXES + '<#p> btwin:variableName "p" ;\n  qudt:hasUnit unit:W\n<#q> btwin:variableName "q" .\n'
    fmu = make_fmu(tmp_path, "Broken", [("p", "output", "W")], sidecar=broken)
    with pytest.raises(TurtleSyntaxError) as error:
        wire([fmu])
    assert error.value.source.endswith("Broken.ttl")
    assert error.value.line in (5, 6)  # the statement missing its '.' ends on line 5
    assert "Broken.ttl, line" in str(error.value)


def test_no_conversion_path_names_both_units(tmp_path):
    sidecar = PREFIXES + """<#m> a btwin:Machine ; btwin:consumesPower <#i> .
<#i> btwin:variableName "i" .
"""
    fmu = make_fmu(tmp_path, "Odd", [("i", "output", "A")], sidecar=sidecar)
    with pytest.raises(WiringError) as error:
        wire([fmu, catalogue_fmu(tmp_path, "GridFeeder")])
    [problem] = [p for p in error.value.problems if "conversion" in p]
    assert "unit:A (A)" in problem and "unit:W (W)" in problem


def test_conflicting_annotations_are_reported_not_guessed(tmp_path):
    sidecar = PREFIXES + '<#machine_power> btwin:variableName "machine_power" ; qudt:hasUnit unit:W .\n'
    fmu = catalogue_fmu(tmp_path, "FactoryLoads", sidecar=sidecar)
    with pytest.raises(WiringError) as error:
        wire([fmu, catalogue_fmu(tmp_path, "GridFeeder")])
    [problem] = [p for p in error.value.problems if "FactoryLoads.machine_power" in p]
    assert "conflicting annotations: units" in problem
    assert "unit/KiloW" in problem and "unit/W" in problem


def test_turtle_that_disagrees_with_model_description_is_reported(tmp_path):
    sidecar = PREFIXES + """<#m> a btwin:Machine ; btwin:consumesPower <#p> .
<#p> btwin:variableName "p" ; qudt:hasUnit unit:KiloW .
<#q> a btwin:Input ; btwin:variableName "q" .
<#r> btwin:variableName "machine_powr" .
"""
    fmu = make_fmu(tmp_path, "Mislabelled", [("p", "output", "W"), ("q", "output", "W")], sidecar=sidecar)
    with pytest.raises(WiringError) as error:
        wire([fmu])
    text = "\n".join(error.value.problems)
    assert "modelDescription.xml says unit:W (W), the Turtle says unit:KiloW (kW)" in text
    assert "Mislabelled.q: conflicting annotations: the Turtle makes it Input" in text
    assert "'machine_powr', which modelDescription.xml does not declare" in text


def test_opposite_sign_conventions_flip_the_connection(tmp_path):
    sidecar = PREFIXES + """<#b> a btwin:Battery ; btwin:terminalCurrent <#i_chg> ; btwin:terminalVoltage <#u> .
<#i_chg> btwin:variableName "i_chg" ; qudt:hasUnit unit:A ; btwin:signConvention btwin:ChargePositive .
<#u> btwin:variableName "u" .
"""
    charger = make_fmu(tmp_path, "OtherCharger", [("u", "input", "V"), ("i_chg", "output", "A")], sidecar=sidecar)
    wiring = wire([charger, catalogue_fmu(tmp_path, "BatteryCell"), catalogue_fmu(tmp_path, "CellThermal")])
    connection = _connections(wiring)["BatteryCell.current"]
    assert connection.start == Endpoint("OtherCharger", "i_chg") and connection.factor == -1.0


def test_catalogue_semantics_agree_with_design_units(tmp_path):
    """Every variable our Turtle annotates has the unit DESIGN.md gives it, and
    no annotation disagrees with the modelDescription.xml."""
    fmus = [catalogue_fmu(tmp_path, name) for name in CATALOGUE]
    annotated, _, _ = load_system(fmus)
    for fmu in annotated:
        assert fmu.problems == []
        for variable, causality, unit in CATALOGUE[fmu.model_name]:
            meaning = fmu.variables[variable]
            assert meaning.unit == units.catalogue().from_fmi(unit), (fmu.component, variable)
