"""Units: QUDT units from the schema, FMI unit strings mapped onto them, and
the linear conversion between two units.

QUDT defines ``value_SI = (value + conversionOffset) * conversionMultiplier``
(unit:DEG_F: offset 459.67, multiplier 5/9). FMI 2.0 (section 2.2.2) defines
``value_SI = factor * value + offset``; a unit known only from an FMU's
``UnitDefinitions`` is converted to QUDT's form.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import pyoxigraph as ox

from .errors import UnitConversionError
from .namespaces import QKDV, TYPE, btwin, n, prefixed, qudt

_MULTIPLIER, _OFFSET = qudt("conversionMultiplier"), qudt("conversionOffset")
_DIMENSION, _SYMBOL, _UCUM = qudt("hasDimensionVector"), qudt("symbol"), qudt("ucumCode")
_FMI_NAME, _UNIT = btwin("fmiUnitName"), qudt("Unit")
# FMI BaseUnit exponents in QUDT dimension-vector order: A (amount), E (current),
# L (length), I (luminous intensity), M (mass), H (temperature), T (time).
_QKDV_ORDER = (("A", "mol"), ("E", "A"), ("L", "m"), ("I", "cd"), ("M", "kg"), ("H", "K"), ("T", "s"))


@dataclass(frozen=True)
class Unit:
    """A unit with its conversion to SI: ``SI = (value + offset) * multiplier``.

    Multiplier and offset are exact fractions of the decimal values QUDT
    states, so that a conversion factor is the correctly rounded ratio
    (kW to W is exactly 1000, km/h to m/s 1/3.6)."""

    iri: str | None  # QUDT unit IRI; None for a unit known only from an FMU
    name: str  # how to show it: the FMI unit string or the QUDT symbol
    multiplier: Fraction
    offset: Fraction
    dimension: str  # QUDT dimension vector, e.g. "A0E0L2I0M1H0T-3D0"

    def __str__(self) -> str:
        tag = prefixed(ox.NamedNode(self.iri)) if self.iri else "FMI unit"
        return f"{tag} ({self.name})"


def dimension_from_exponents(exponents: dict[str, int]) -> str:
    """QUDT dimension vector of FMI BaseUnit exponents (rad is dimensionless)."""
    parts = "".join(f"{letter}{int(exponents.get(base, 0))}" for letter, base in _QKDV_ORDER)
    dimensionless = all(int(exponents.get(base, 0)) == 0 for _, base in _QKDV_ORDER)
    return f"{parts}D{1 if dimensionless else 0}"


def from_fmi_definition(name: str, exponents: dict[str, int], factor: float, offset: float) -> Unit:
    """A unit an FMU defines itself, ``SI = factor * value + offset``."""
    if factor == 0.0:
        raise UnitConversionError(f"FMI unit {name!r} has factor 0: no conversion to SI")
    factor, offset = Fraction(factor), Fraction(offset)
    return Unit(None, name, factor, offset / factor, dimension_from_exponents(exponents))


def fmi_definition(unit: Unit) -> tuple[dict[str, int], float, float]:
    """The inverse of :func:`from_fmi_definition`: FMI BaseUnit exponents,
    ``factor`` and ``offset`` (``SI = factor * value + offset``) of ``unit``."""
    exponents, rest = {}, unit.dimension
    for letter, base in _QKDV_ORDER:
        rest = rest[len(letter):]
        digits = len(rest) - len(rest.lstrip("-0123456789"))
        exponents[base], rest = int(rest[:digits]), rest[digits:]
    return exponents, float(unit.multiplier), float(unit.offset * unit.multiplier)


def conversion(source: Unit, target: Unit) -> tuple[float, float]:
    """``(factor, offset)`` with ``target_value = factor * source_value + offset``."""
    if source.dimension != target.dimension:
        raise UnitConversionError(
            f"no conversion path from {source} to {target}: dimensions "
            f"{source.dimension} and {target.dimension} differ")
    factor = source.multiplier / target.multiplier
    offset = source.offset * factor - target.offset
    return float(factor), float(offset)


class UnitCatalogue:
    """The QUDT units of the schema, by IRI and by FMI unit string."""

    def __init__(self, triples):
        values: dict = {}
        for s, p, o in triples:
            if p in (_MULTIPLIER, _OFFSET, _DIMENSION, _SYMBOL, _UCUM, _FMI_NAME) or (p == TYPE and o == _UNIT):
                values.setdefault(s, {}).setdefault(p, []).append(o)
        self.by_iri: dict[str, Unit] = {}
        self.by_fmi_name: dict[str, Unit] = {}
        names_by_rank: list[dict[str, Unit]] = [{}, {}, {}]
        for subject, props in values.items():
            if _MULTIPLIER not in props or _DIMENSION not in props:
                continue
            symbol = props.get(_SYMBOL, [None])[0]
            fmi_names = [lit.value for lit in props.get(_FMI_NAME, [])]
            ucum = [lit.value for lit in props.get(_UCUM, [])]
            shown = fmi_names[0] if fmi_names else (symbol.value if symbol else subject.value)
            unit = Unit(subject.value, shown, Fraction(props[_MULTIPLIER][0].value),
                        Fraction(props[_OFFSET][0].value) if _OFFSET in props else Fraction(0),
                        props[_DIMENSION][0].value[len(QKDV):])
            self.by_iri[subject.value] = unit
            for rank, names in enumerate((fmi_names, ucum, [symbol.value] if symbol else [])):
                for name in names:
                    names_by_rank[rank].setdefault(name, unit)
        for table in reversed(names_by_rank):  # an explicit FMI name wins over UCUM, UCUM over symbol
            self.by_fmi_name.update(table)

    def from_fmi(self, name: str) -> Unit | None:
        return self.by_fmi_name.get(name)

    def from_iri(self, iri: str) -> Unit | None:
        return self.by_iri.get(iri)


@lru_cache(maxsize=1)
def catalogue() -> UnitCatalogue:
    from .schema import base_schema
    return UnitCatalogue(base_schema().triples)


def equivalent(a: Unit, b: Unit) -> bool:
    """Same dimension and the same conversion to SI (unit:UNITLESS and FMI "1")."""
    return a.dimension == b.dimension and a.multiplier == b.multiplier and a.offset == b.offset


__all__ = ["Unit", "UnitCatalogue", "catalogue", "conversion", "equivalent", "from_fmi_definition",
           "dimension_from_exponents", "fmi_definition", "n"]
