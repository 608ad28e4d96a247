"""Scenario parameters: declared once in each scenario, given as
``btwin scenario NAME --param KEY=VALUE`` or as keyword arguments of the
scenario's ``run``.

A scenario module declares ``PARAMS = {name: Param(default, help, ...)}``;
its ``run(out_dir=None, **params)`` calls :func:`resolve` to get every value,
defaults filled in. A value's type is its default's (float, int, str or
bool). Physical quantities are in SI units unless the name says otherwise
(``hours``). A bad key or value raises :class:`ParameterError`, which names
what was wrong and the keys that exist; the command line turns it into
exit 2.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

Value = float | int | str | bool

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ParameterError(ValueError):
    """A scenario parameter that does not exist or whose value is refused."""


@dataclass(frozen=True)
class Param:
    """One scenario parameter: its default (which fixes its type), what it
    means, its unit and the values it may take."""

    default: Value
    help: str
    unit: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False

    def convert(self, name: str, value) -> Value:
        """``value`` (a string from the command line or a Python value) as
        this parameter's type, checked against its choices and bounds."""
        kind = type(self.default)
        try:
            typed = _from_text(kind, value) if isinstance(value, str) and kind is not str else value
            typed = _as_kind(kind, typed)
        except (TypeError, ValueError):
            raise ParameterError(f"parameter {name!r}: {value!r} is not a {kind.__name__}") from None
        self._check(name, typed)
        return typed

    def describe(self) -> str:
        unit = f" [{self.unit}]" if self.unit else ""
        limits = []
        if self.choices:
            limits.append("one of " + ", ".join(self.choices))
        if self.minimum is not None:
            limits.append(f"{'>' if self.exclusive_minimum else '>='} {self.minimum:g}")
        if self.maximum is not None:
            limits.append(f"<= {self.maximum:g}")
        extra = f"; {'; '.join(limits)}" if limits else ""
        return f"{self.help}{unit} (default {self.default!r}{extra})"

    def _check(self, name: str, value: Value) -> None:
        if self.choices and value not in self.choices:
            raise ParameterError(f"parameter {name!r}: {value!r} is not one of {', '.join(self.choices)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        if not math.isfinite(value):
            raise ParameterError(f"parameter {name!r}: {value!r} is not finite")
        low, high = self.minimum, self.maximum
        if low is not None and (value < low or (self.exclusive_minimum and value == low)):
            relation = ">" if self.exclusive_minimum else ">="
            raise ParameterError(f"parameter {name!r}: {value!r} must be {relation} {low:g}")
        if high is not None and value > high:
            raise ParameterError(f"parameter {name!r}: {value!r} must be <= {high:g}")


def _from_text(kind: type, text: str) -> Value:
    if kind is bool:
        lowered = text.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ValueError(text)
    return kind(text.strip())


def _as_kind(kind: type, value) -> Value:
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError(value)
        return value
    if isinstance(value, bool):
        raise TypeError(value)
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    if kind is float:
        return float(value)
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def resolve(declared: dict[str, Param], given: dict) -> dict[str, Value]:
    """Every declared parameter's value: ``given`` (checked and converted)
    over the defaults."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParameterError(_unknown_message(unknown[0], declared))
    values = {name: param.default for name, param in declared.items()}
    values.update({name: declared[name].convert(name, value) for name, value in given.items()})
    return values


def parse_assignments(declared: dict[str, Param], assignments: list[str]) -> dict[str, Value]:
    """``["KEY=VALUE", ...]`` from the command line as typed values."""
    given = {}
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(f"--param {assignment!r} is not KEY=VALUE")
        if key not in declared:
            raise ParameterError(_unknown_message(key, declared))
        given[key] = declared[key].convert(key, text)
    return given


def listing(declared: dict[str, Param]) -> str:
    """One line a parameter, for ``--list-params``."""
    if not declared:
        return "(no parameters)"
    width = max(map(len, declared))
    return "\n".join(f"{name:<{width}}  {param.describe()}" for name, param in declared.items())


def _unknown_message(key: str, declared: dict[str, Param]) -> str:
    close = difflib.get_close_matches(key, declared, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    known = ", ".join(declared) or "none"
    return f"unknown parameter {key!r}{hint}; known parameters: {known}"
