"""What an FMU declares about one variable: the single source of its name,
causality, unit, bounds, start value and direct dependencies."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .units import lookup

CAUSALITIES = ("parameter", "input", "output", "local")
TYPES = (float, int, bool, str)


@dataclass(frozen=True)
class Var:
    """One FMU variable.

    ``depends_on`` names the inputs an output depends on *directly* at a
    communication point (direct feedthrough); an output computed only by
    ``do_step`` depends on none. ``step_mean`` marks an output that is the
    mean over the last step rather than a value at its end, so that a master
    books its energy right (written as a vendor annotation, see
    ``model_description``). ``unit`` is ``None`` only for non-Real types.
    """

    name: str
    causality: str
    description: str
    unit: str | None = None
    start: float | int | bool | str | None = None
    min: float | None = None
    max: float | None = None
    type: type = float
    depends_on: tuple[str, ...] = ()
    step_mean: bool = False

    def __post_init__(self) -> None:
        if self.causality not in CAUSALITIES:
            raise ValueError(f"{self.name}: causality must be one of {CAUSALITIES}, got {self.causality!r}")
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: type must be one of float, int, bool, str")
        if self.type is float:
            if self.unit is None:
                raise ValueError(f"{self.name}: every Real variable needs a unit")
            lookup(self.unit)
        if self.causality in ("parameter", "input") and self.start is None:
            raise ValueError(f"{self.name}: a {self.causality} needs a start value")
        if (self.depends_on or self.step_mean) and self.causality != "output":
            raise ValueError(f"{self.name}: only outputs have dependencies or step means")

    @property
    def variability(self) -> str:
        if self.causality == "parameter":
            return "fixed"
        if self.type is float:
            return "continuous"
        return "discrete"


def parameter(name, unit, start, description, **kw) -> Var:
    return Var(name, "parameter", description, unit, start, **kw)


def input_(name, unit, start, description, **kw) -> Var:
    return Var(name, "input", description, unit, start, **kw)


def output(name, unit, description, **kw) -> Var:
    return Var(name, "output", description, unit, **kw)


class Limit(NamedTuple):
    """A bound on an input that follows from the parameters (a C-rate of the
    pack, a power per cell), enforced like a declared min/max once the model
    exists. ``basis`` says where the numbers come from, for the message."""

    low: float
    high: float
    basis: str

    @classmethod
    def symmetric(cls, largest: float, basis: str) -> "Limit":
        """|value| <= largest."""
        return cls(-largest, largest, basis)
