"""Build a model's parameter record from FMU parameters whose names differ from its fields.

A model refuses a bad value with a ValueError that names its own field
(``max_current_a``); the user set the FMU parameter (``current_limit``). The
message is reworded with the FMU's names so that it points at what to change.
"""
from __future__ import annotations

import re


def from_slave(record_type, mapping: dict[str, str], slave, **extra):
    """``record_type(**{field: slave.<name>})`` for ``mapping`` = {FMU name: field}."""
    values = {field: getattr(slave, name) for name, field in mapping.items()}
    try:
        return record_type(**values, **extra)
    except ValueError as error:
        raise ValueError(fmu_names(str(error), mapping)) from None


def fmu_names(message: str, mapping: dict[str, str]) -> str:
    """``message`` with every whole-word model field replaced by its FMU name."""
    by_field = {field: name for name, field in mapping.items()}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(by_field, key=len, reverse=True))) + r")\b")
    return pattern.sub(lambda match: by_field[match.group(1)], message)
