"""The README stays true: it shows the two commands and lists every variable
of every FMU with its causality and unit."""
import re
from pathlib import Path

import pytest

from btwin.fmus.catalogue import CATALOGUE, slave_class

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    head = README[:2500]
    assert "make demo" in head and "make test" in head


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_readme_lists_every_variable_with_its_unit(name):
    section = README.split(f"\n### {name}\n", 1)
    assert len(section) == 2, f"README has no section for {name}"
    table = section[1].split("\n### ", 1)[0]
    for var in slave_class(name).variables:
        unit = var.unit or {int: "Integer", bool: "Boolean", str: "String"}[var.type]
        row = re.compile(rf"^\| `{re.escape(var.name)}` \| {var.causality} \| {re.escape(unit)} \|", re.M)
        assert row.search(table), f"{name}.{var.name} ({var.causality}, {unit}) missing from the README"
