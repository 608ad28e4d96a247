"""Unit conversion from the QUDT subset (values checked against QUDT 3.5.0)."""
from __future__ import annotations

import pytest

from btwin.ontology.errors import UnitConversionError
from btwin.ontology.units import catalogue, conversion, dimension_from_exponents, from_fmi_definition


@pytest.mark.parametrize("source, target, factor, offset", [
    ("kW", "W", 1000.0, 0.0),
    ("MW", "W", 1e6, 0.0),
    ("W", "kW", 1e-3, 0.0),
    ("degC", "K", 1.0, 273.15),
    ("K", "degC", 1.0, -273.15),
    ("km/h", "m/s", 1 / 3.6, 0.0),
    ("A.h", "A.s", 3600.0, 0.0),
    ("kW.h", "J", 3.6e6, 0.0),
])
def test_conversion_factor_and_offset(source, target, factor, offset):
    units = catalogue()
    got = conversion(units.from_fmi(source), units.from_fmi(target))
    assert got == pytest.approx((factor, offset), rel=1e-15, abs=1e-12)


def test_fahrenheit_follows_qudt_offset_convention():
    units = catalogue()
    fahrenheit = units.from_iri("http://qudt.org/vocab/unit/DEG_C")
    factor, offset = conversion(fahrenheit, units.from_fmi("K"))
    assert factor * 100.0 + offset == pytest.approx(373.15)


def test_unit_defined_only_in_model_description():
    megawatt = from_fmi_definition("MWatt", {"kg": 1, "m": 2, "s": -3}, 1e6, 0.0)
    assert megawatt.dimension == catalogue().from_fmi("W").dimension
    assert conversion(megawatt, catalogue().from_fmi("kW")) == (1000.0, 0.0)
    assert dimension_from_exponents({"rad": 1}) == "A0E0L0I0M0H0T0D1"


def test_incompatible_units_name_both():
    units = catalogue()
    with pytest.raises(UnitConversionError, match=r"unit:KiloW \(kW\) to unit:V \(V\)"):
        conversion(units.from_fmi("kW"), units.from_fmi("V"))


def test_every_design_unit_is_known():
    """The unit strings DESIGN.md uses map onto QUDT units."""
    for name in ("V", "A", "W", "kW", "K", "1", "A.h", "m/s", "m", "J", "degC", "Ohm", "s", "h"):
        assert catalogue().from_fmi(name) is not None, name
