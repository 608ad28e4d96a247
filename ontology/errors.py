"""Errors of the ontology package. Each message names the file, the FMU or
the variables involved, so that it can be acted on without a debugger."""
from __future__ import annotations


class OntologyError(ValueError):
    """Base class: something about the semantics of a system is wrong."""


class TurtleSyntaxError(OntologyError):
    """A Turtle file that does not parse; ``source`` and ``line`` locate it."""

    def __init__(self, source: str, line: int | None, detail: str):
        self.source, self.line, self.detail = source, line, detail
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: malformed Turtle: {detail}")


class UnitConversionError(OntologyError):
    """Two units with no conversion path between them (different dimensions)."""


class WiringError(OntologyError):
    """Every problem found while wiring a system, reported at once."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the system cannot be wired ({len(self.problems)} problem(s)):\n{lines}")
