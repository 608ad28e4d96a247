"""Power bonds recognised from units: a voltage connection one way and a
current connection back between the same two components form a bond."""
from __future__ import annotations

from .fmu_info import fmu_info
from .structure import PowerBond, SystemStructure

VOLT = (1, 2, -3, -1, 0, 0, 0, 0)  # kg m2 s-3 A-1 (SI brochure, 9th ed., table 4)
AMPERE = (0, 0, 0, 1, 0, 0, 0, 0)


def recognise_power_bonds(structure: SystemStructure) -> list[PowerBond]:
    """Bonds not declared yet: for each voltage connection A -> B with a
    current connection B -> A, a bond from A (source) to B (sink)."""
    infos = {c.name: fmu_info(c.source) for c in structure.components}

    def dimension(endpoint):
        info = infos[endpoint.component]
        unit = info.units.get(info.variables[endpoint.variable].unit or "")
        return unit.exponents if unit is not None else None

    declared = {(b.source, b.sink) for b in structure.power_bonds}
    bonds = []
    for voltage in structure.connections:
        if dimension(voltage.start) != VOLT:
            continue
        source, sink = voltage.start.component, voltage.end.component
        for current in structure.connections:
            if ((current.start.component, current.end.component) == (sink, source)
                    and dimension(current.start) == AMPERE and (source, sink) not in declared):
                bonds.append(PowerBond(f"{source}_to_{sink}", source, sink, effort=voltage.end, flow=current.end))
                declared.add((source, sink))
                break
    return bonds
