"""How the system's connections map onto the master's vectors: every output
of every slave in ``y``, every connected input in ``u``, the index arrays
that form ``u`` from ``y`` (each connection's LinearTransformation), and the
ledger's couplings as indices into both.

Integer, Enumeration and Boolean variables travel in the same float64
vectors as the Reals (exact up to 2**53; Booleans as 0 and 1); their ports
(:meth:`.slave.Slave.port`) convert at the FMI call. String variables are
not connected and not recorded.
"""
from __future__ import annotations

import numpy as np

from .energy import Coupling
from .fmu_info import FmuInfo
from .structure import Endpoint, SystemStructure

NUMERIC = ("Real", "Integer", "Enumeration", "Boolean")


def _by_type(names: list[str], info: FmuInfo) -> list[str]:
    """``names`` with Reals first, then Integers/Enumerations, then Booleans
    (each type one run, so one FMI call per type)."""
    order = {"Real": 0, "Integer": 1, "Enumeration": 1, "Boolean": 2}
    return sorted(names, key=lambda n: order[info.variables[n].type])


class Wiring:
    """Index arrays that turn the output vector ``y`` into the input vector ``u``,
    and the variables each slave contributes to them (outputs, then inputs, in
    slave order: each slave's share is one contiguous slice)."""

    def __init__(self, structure: SystemStructure, infos: dict[str, FmuInfo], record: frozenset[str] | None = None):
        self.out_names, self.out_slices, self.out_vars = [], {}, {}
        for name, info in infos.items():  # the recorded outputs (all unless ``record`` names them) and the connected
            outputs = [v.name for v in info.variables.values() if v.causality == "output" and v.type in NUMERIC
                       and (record is None or f"{name}.{v.name}" in record)]
            outputs += [c.start.variable for c in structure.connections
                        if c.start.component == name and c.start.variable not in outputs]
            outputs = _by_type(outputs, info)
            self.out_slices[name] = slice(len(self.out_names), len(self.out_names) + len(outputs))
            self.out_names += [f"{name}.{v}" for v in outputs]
            self.out_vars[name] = outputs
        position = {n: i for i, n in enumerate(self.out_names)}
        self.in_names, self.in_slices, self.in_vars = [], {}, {}
        sources, factors, offsets = [], [], []
        for name, info in infos.items():
            feeds = {c.end.variable: c for c in structure.connections if c.end.component == name}
            ordered = _by_type(list(feeds), info)
            self.in_slices[name] = slice(len(self.in_names), len(self.in_names) + len(ordered))
            self.in_names += [f"{name}.{v}" for v in ordered]
            self.in_vars[name] = ordered
            sources += [position[str(feeds[v].start)] for v in ordered]
            factors += [feeds[v].factor for v in ordered]
            offsets += [feeds[v].offset for v in ordered]
        self.source = np.array(sources, dtype=np.intp)
        self.factor = np.array(factors, dtype=float)
        self.offset = np.array(offsets, dtype=float)
        self.in_position = {n: i for i, n in enumerate(self.in_names)}
        self.out_position = position

    def feed(self, inputs: slice) -> Feed:
        return Feed(self.source[inputs], self.factor[inputs], self.offset[inputs])


class Feed:
    """A contiguous block of inputs from the outputs, ``u = factor * y[source] + offset``
    (each connection's LinearTransformation), computed in place without temporaries."""

    def __init__(self, source: np.ndarray, factor: np.ndarray, offset: np.ndarray):
        self.source, self.factor, self.offset = source, factor, offset
        self.scaled = bool(np.any(factor != 1.0))  # x * 1.0 is x exactly: skip the product

    def __call__(self, y: np.ndarray, out: np.ndarray) -> np.ndarray:
        y.take(self.source, out=out, mode="clip")  # indices are valid; "clip" avoids a buffered copy
        if self.scaled:
            np.multiply(out, self.factor, out=out)
        np.add(out, self.offset, out=out)  # kept when 0: it turns -0.0 into 0.0, as it always has
        return out


def couplings(structure: SystemStructure, infos: dict[str, FmuInfo], wiring: Wiring, to_si) -> list[Coupling]:
    """The ledger's entries: each power bond and power signal as indices into
    ``y`` and ``u``, with the SI factors ``to_si(endpoint)`` of each side."""
    w, ends = wiring, {c.end: c for c in structure.connections}
    means = set(structure.step_mean_outputs) | {
        Endpoint(component, output) for component, info in infos.items() for output in info.step_means}
    found = []
    for bond in structure.power_bonds:
        effort, flow = ends[bond.effort], ends[bond.flow]
        # does the sink's flow output answer its effort input within the step
        # (direct feedthrough, or a mean over the step at the held effort)?
        sink_answers = (bond.effort.variable in infos[bond.sink].feedthrough.get(flow.start.variable, ())
                        or flow.start in means)
        source_answers = (bond.flow.variable in infos[bond.source].feedthrough.get(effort.start.variable, ())
                          or effort.start in means)
        found.append(Coupling(
            bond.name, "power_bond",
            src_out=w.out_position[str(effort.start)], src_in=w.in_position[str(bond.flow)],
            snk_in=w.in_position[str(bond.effort)], snk_out=w.out_position[str(flow.start)],
            scale_src=to_si(effort.start) * to_si(bond.flow), scale_snk=to_si(bond.effort) * to_si(flow.start),
            correct_sink=(not sink_answers) and source_answers,
            src_mean=effort.start in means, snk_mean=flow.start in means))
    for signal in structure.power_signals:
        c = ends[signal.connection_end]
        found.append(Coupling(
            signal.name, "power_signal", src_out=w.out_position[str(c.start)], src_in=-1,
            snk_in=w.in_position[str(c.end)], snk_out=-1, scale_src=to_si(c.start), scale_snk=to_si(c.end),
            correct_sink=True, src_mean=c.start in means))
    return found
