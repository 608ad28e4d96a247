"""Units that our FMUs declare, as FMI 2.0 ``UnitDefinitions`` need them.

Each unit is ``factor * (SI base units) + offset`` with the exponents of
kg, m, s, A, K, mol, cd and rad (FMI 2.0 standard, section 2.2.2).
"""
from __future__ import annotations

from dataclasses import dataclass

BASE_UNITS = ("kg", "m", "s", "A", "K", "mol", "cd", "rad")


@dataclass(frozen=True)
class Unit:
    name: str
    exponents: dict[str, int]
    factor: float = 1.0
    offset: float = 0.0


def _unit(name: str, factor: float = 1.0, offset: float = 0.0, **exponents: int) -> Unit:
    unknown = set(exponents) - set(BASE_UNITS)
    if unknown:
        raise ValueError(f"unit {name!r}: unknown base units {sorted(unknown)}")
    return Unit(name, exponents, factor, offset)


UNITS = {u.name: u for u in (
    _unit("1"),
    _unit("s", s=1),
    _unit("h", 3600.0, s=1),
    _unit("1/h", 1.0 / 3600.0, s=-1),
    _unit("m", m=1),
    _unit("m2", m=2),
    _unit("m3", m=3),
    _unit("kg", kg=1),
    _unit("m/s", m=1, s=-1),
    _unit("m/s2", m=1, s=-2),
    _unit("rad", rad=1),
    _unit("rad/s", rad=1, s=-1),
    _unit("N", kg=1, m=1, s=-2),
    _unit("N.m", kg=1, m=2, s=-2),
    _unit("K", K=1),
    _unit("degC", 1.0, 273.15, K=1),
    _unit("A", A=1),
    _unit("A.h", 3600.0, A=1, s=1),
    _unit("V", kg=1, m=2, s=-3, A=-1),
    _unit("Ohm", kg=1, m=2, s=-3, A=-2),
    _unit("S/m", kg=-1, m=-3, s=3, A=2),
    _unit("W", kg=1, m=2, s=-3),
    _unit("kW", 1e3, kg=1, m=2, s=-3),
    _unit("MW", 1e6, kg=1, m=2, s=-3),
    _unit("var", kg=1, m=2, s=-3),
    _unit("V.A", kg=1, m=2, s=-3),
    _unit("kV.A", 1e3, kg=1, m=2, s=-3),
    _unit("J", kg=1, m=2, s=-2),
    _unit("W.h", 3600.0, kg=1, m=2, s=-2),
    _unit("kW.h", 3.6e6, kg=1, m=2, s=-2),
    _unit("J/K", kg=1, m=2, s=-2, K=-1),
    _unit("K/W", kg=-1, m=-2, s=3, K=1),
    _unit("W/K", kg=1, m=2, s=-3, K=-1),
    _unit("W/(m2.K)", kg=1, s=-3, K=-1),
    _unit("mol/m3", mol=1, m=-3),
    _unit("m2/s", m=2, s=-1),
    _unit("J/mol", kg=1, m=2, s=-2, mol=-1),
    _unit("A/m2", A=1, m=-2),
    _unit("Pa", kg=1, m=-1, s=-2),
    _unit("kg/m3", kg=1, m=-3),
    _unit("A/s", A=1, s=-1),
    _unit("V/s", kg=1, m=2, s=-4, A=-1),
    _unit("K/s", K=1, s=-1),
)}


def lookup(name: str) -> Unit:
    try:
        return UNITS[name]
    except KeyError:
        import difflib
        by_lower = {unit.lower(): unit for unit in UNITS}
        close = [by_lower[u] for u in difflib.get_close_matches(name.lower(), by_lower, n=3)]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown unit {name!r}{hint} (known: {', '.join(sorted(UNITS))})") from None
