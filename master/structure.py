"""The description of a co-simulation system, independent of any file format.

`btwin.master.ssp` reads and writes it as SSP 1.0; `btwin.ontology` builds it
by inference; `btwin.master` runs it. Names are SSP's: a *component* is an FMU
instance, a *connector* one of its variables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .fmu_info import UnitDefinition


@dataclass(frozen=True)
class Endpoint:
    """One variable of one component, written ``component.variable``."""

    component: str
    variable: str

    def __str__(self) -> str:
        return f"{self.component}.{self.variable}"

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        component, sep, variable = text.partition(".")
        if not sep or not component or not variable:
            raise ValueError(f"expected 'component.variable', got {text!r}")
        return cls(component, variable)


@dataclass(frozen=True)
class Connection:
    """An output feeding an input, with SSP's LinearTransformation
    ``end = factor * start + offset`` (factor 1, offset 0 when there is none)."""

    start: Endpoint
    end: Endpoint
    factor: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True)
class PowerBond:
    """An effort/flow pair that carries power between two components.

    ``effort`` and ``flow`` each name a connection of the system by its end
    (the input it feeds). The power through the bond is effort times flow and
    is counted positive from ``source`` to ``sink``: for a battery feeding a
    powertrain, effort is the battery voltage, flow the current the
    powertrain draws, source the battery.
    """

    name: str
    source: str
    sink: str
    effort: Endpoint
    flow: Endpoint


@dataclass(frozen=True)
class PowerSignal:
    """A connection whose value is a power in watts (after its transformation),
    counted positive from the start component to the end component."""

    name: str
    connection_end: Endpoint


@dataclass
class Component:
    name: str
    source: Path
    parameters: dict[str, float | int | bool | str] = field(default_factory=dict)


@dataclass
class SystemStructure:
    name: str
    components: list[Component] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    power_bonds: list[PowerBond] = field(default_factory=list)
    power_signals: list[PowerSignal] = field(default_factory=list)
    # Outputs whose value after a step is their mean over that step (at the
    # inputs held over it), not a sample at its end: the energy ledger books
    # h * y(t+h) for them instead of the trapezoid of y(t) and y(t+h).
    step_mean_outputs: list[Endpoint] = field(default_factory=list)
    start_time: float = 0.0
    stop_time: float | None = None
    step_size: float | None = None
    # Units the system gives connectors whose FMU declares none (an SSP
    # connector's unit; a sidecar annotation's unit when wired by the ontology).
    connector_units: dict[Endpoint, UnitDefinition] = field(default_factory=dict)
    # The temporary folder an .ssp archive was unpacked into (removed by System.close).
    unpacked_to: Path | None = field(default=None, compare=False, repr=False)

    def component(self, name: str) -> Component:
        for component in self.components:
            if component.name == name:
                return component
        raise KeyError(f"no component {name!r}; the system has {[c.name for c in self.components]}")
