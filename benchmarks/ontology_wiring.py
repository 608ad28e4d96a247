"""Benchmark: wire a system of 50 FMUs (> 2,000 variables) by meaning.

Run with the venv python: ``.venv/bin/python benchmarks/ontology_wiring.py``.
Builds minimal FMUs (modelDescription.xml + resources/btwin.ttl) in a temporary
folder: the depot (BatteryCell, CellThermal, Charger), 46 factory machines with
44 annotated variables each, and a feeder with a load slot for every consumer.
Prints the median wall time of ``wire()`` (SHACL validation included) and of
its stages over several runs. Target (issue 7): <= 2 s.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ontology"))
from fmu_factory import catalogue_fmu, make_fmu  # noqa: E402

from btwin.ontology import wiring  # noqa: E402
from btwin.ontology.annotation import annotate, read_semantics  # noqa: E402
from btwin.ontology.reasoning import materialize  # noqa: E402
from btwin.ontology.schema import base_schema  # noqa: E402
from btwin.ontology.shacl import validate_system  # noqa: E402
from btwin.ontology.units import catalogue  # noqa: E402

MACHINES, DIAGNOSTICS = 46, 43
HEADER = """@prefix btwin: <https://w3id.org/btwin/ontology#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix quantitykind: <http://qudt.org/vocab/quantitykind/> .
"""


def machine(folder: Path, i: int) -> Path:
    variables = [("machine_power", "output", "kW")]
    ttl = [HEADER, '<> a btwin:FMU ; btwin:represents <#machine> .\n<#machine> a btwin:Machine ; '
                   'btwin:consumesPower <#machine_power> .',
           '<#machine_power> btwin:variableName "machine_power" ; qudt:hasUnit unit:KiloW ; '
           'btwin:signConvention btwin:ConsumptionPositive .']
    for k in range(DIAGNOSTICS):
        name = f"spindle_temperature_{k}"
        variables.append((name, "output" if k % 2 else "parameter", "degC"))
        ttl.append(f'<#machine> btwin:surfaceTemperature <#{name}> .\n<#{name}> btwin:variableName "{name}" ; '
                   f'qudt:hasUnit unit:DEG_C ; qudt:hasQuantityKind quantitykind:Temperature .')
    return make_fmu(folder, f"Machine{i:02d}", variables, semantics="\n".join(ttl))


def feeder(folder: Path, slots: int) -> Path:
    variables = [("bus_voltage", "output", "V"), ("feeder_power", "output", "W"), ("losses", "output", "W")]
    ttl = [HEADER, '<> a btwin:FMU .\n<#feeder> a btwin:DistributionFeeder ; btwin:busVoltage <#bus_voltage> .',
           '<#bus_voltage> btwin:variableName "bus_voltage" ; qudt:hasUnit unit:V .', '<#points> a btwin:SlotGroup .']
    for k in range(slots):
        name = f"load_power_{k}"
        variables.append((name, "input", "W"))
        ttl.append(f'<#load_{k}> a btwin:Load ; btwin:powerDemand <#{name}> .\n<#{name}> a btwin:Slot ; '
                   f'btwin:slotOf <#points> ; btwin:variableName "{name}" ; qudt:hasUnit unit:W .')
    return make_fmu(folder, "BigFeeder", variables, semantics="\n".join(ttl))


def build(folder: Path) -> list[Path]:
    depot = [catalogue_fmu(folder, name) for name in ("BatteryCell", "CellThermal", "Charger")]
    return depot + [machine(folder, i) for i in range(MACHINES)] + [feeder(folder, MACHINES + 1)]


def stages(paths) -> dict[str, float]:
    times, t = {}, time.perf_counter()
    names = wiring.component_names(paths, [p.stem for p in paths])
    semantics = [read_semantics(p, n) for p, n in zip(paths, names)]
    times["read XML + Turtle"], t = time.perf_counter() - t, time.perf_counter()
    annotated = [annotate(s, base_schema(), catalogue()) for s in semantics]
    times["annotate"], t = time.perf_counter() - t, time.perf_counter()
    materialize([x for f in annotated for x in f.triples], base_schema())
    times["reason"] = time.perf_counter() - t
    return times


def main(repeats: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = build(Path(tmp))
        result = wiring.wire(paths, "bench")
        n_vars = sum(len(f.variables) for f in result.fmus)
        print(f"{len(paths)} FMUs, {n_vars} variables, {len(result.structure.connections)} connections, "
              f"{len(result.structure.power_bonds)} power bonds")
        totals = []
        for _ in range(repeats):
            t = time.perf_counter()
            wiring.wire(paths, "bench")
            totals.append(time.perf_counter() - t)
        t = time.perf_counter()
        validate_system(result)
        shacl = time.perf_counter() - t
        parts = stages(paths)
    print(f"wire() median of {repeats}: {statistics.median(totals):.3f} s (min {min(totals):.3f} s)  target <= 2 s")
    for name, value in parts.items():
        print(f"  {name:20s} {value:.3f} s")
    print(f"  {'SHACL validation':20s} {shacl:.3f} s")


if __name__ == "__main__":
    main()
