"""The fast reasoning path agrees with owlrl, and the committed schema
closure is the one owlrl computes from the vocabulary."""
from __future__ import annotations

import pyoxigraph as ox

from btwin.ontology.namespaces import INSTANCE, TYPE, btwin
from btwin.ontology.reasoning import materialize
from btwin.ontology.schema import base_schema, owlrl_closure, schema_triples
from btwin.ontology.wiring import load_system
from fmu_factory import DEPOT, catalogue_fmu


def _instance(term) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(INSTANCE)


def test_committed_schema_closure_is_current():
    assert owlrl_closure(schema_triples()) == set(base_schema().triples)


def test_materialization_matches_owlrl_on_the_depot(tmp_path):
    annotated, schema, closed = load_system([catalogue_fmu(tmp_path, name) for name in DEPOT])
    asserted = [t for fmu in annotated for t in fmu.triples]
    full = owlrl_closure([*schema_triples(), *asserted])
    # owlrl also derives owl:sameAs, owl:Thing and the like; compare the
    # instance triples wiring relies on: types and object properties between instances.
    relevant = {t for t in full if _instance(t[0]) and (t[1] == TYPE or _instance(t[2]))}
    ours = {t for t in closed if _instance(t[0]) and (t[1] == TYPE or _instance(t[2]))}
    owl_generic = {ox.NamedNode("http://www.w3.org/2002/07/owl#Thing"),
                   ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#Resource")}
    assert {t for t in relevant if t[2] not in owl_generic and t[1].value != "http://www.w3.org/2002/07/owl#sameAs"} \
        == {t for t in ours if t[2] not in owl_generic}


def test_machine_is_a_load_and_consumes_power_is_power_demand(tmp_path):
    _, _, closed = load_system([catalogue_fmu(tmp_path, "FactoryLoads")])
    machines = ox.NamedNode(INSTANCE + "FactoryLoads/#machines")
    power = ox.NamedNode(INSTANCE + "FactoryLoads/#machine_power")
    assert (machines, TYPE, ox.NamedNode("http://iec.ch/TC57/2013/CIM-schema-cim16#EnergyConsumer")) in closed
    assert (machines, TYPE, btwin("Load")) in closed
    assert (machines, btwin("powerDemand"), power) in closed
    assert materialize([], base_schema()) == set()
