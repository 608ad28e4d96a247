"""The FMUs that have a native build: the CasADi form each one compiles and
what the core needs beyond the declarations (messages of refused steps,
parameters that must be positive)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from btwin.models.battery.parameters import BatteryParameters
from btwin.models.stepped_form import SteppedForm


def _battery_form(values: dict) -> SteppedForm:
    """The form of the cell with the FMU's parameter ``values`` (start values)
    that fix its discretisation; a tortuosity of 0 means Bruggeman, as in the FMU."""
    from dataclasses import fields

    from btwin.models.battery.spme_casadi import spme_form
    known = {field.name for field in fields(BatteryParameters)}
    record = {name: (value or None) if name.endswith("_tortuosity") else value
              for name, value in values.items() if name in known}
    return spme_form(BatteryParameters(**record))


def _thermal_form(values: dict) -> SteppedForm:
    from btwin.models.thermal_casadi import thermal_form
    return thermal_form()  # every constant is a run-time parameter


def _stoichiometry(side: str, low_state: str, high_state: str) -> tuple[str, str]:
    text = f"drive the {side} particle stoichiometry to %.6f, outside [0, 1] (cell {{}}); " \
           "step refused, state unchanged"
    return text.format(low_state), text.format(high_state)


_NOMINAL_CAPACITY = BatteryParameters.nominal_capacity  # A.h per cell, the class default
_NEGATIVE = _stoichiometry("negative", "over-discharged", "over-charged")
_POSITIVE = _stoichiometry("positive", "over-charged", "over-discharged")
# (below, above): only a concentration at or below 0 fails this check
_ELECTROLYTE = ("deplete the electrolyte (concentration %.4g mol/m3); current too high for this "
                "state; step refused, state unchanged", "")
def _below_zero_kelvin(node: str) -> tuple[str, str]:
    return f"drive the {node} temperature to %g K, below absolute zero; step refused, state unchanged", ""


@dataclass(frozen=True)
class InputLimit:
    """|input| <= factor x a x b (parameters a, b), as the Python FMU's
    ``input_limits``; ``basis`` is the printf format of (a, b) its message uses."""

    input: str
    factor: float
    parameters: tuple[str, str]
    basis: str


@dataclass(frozen=True)
class NativeSpec:
    form: Callable[[dict], SteppedForm]  # from the FMU's parameter start values
    messages: tuple[tuple[str, str], ...]  # (below, above) printf formats of each check's value
    positive: tuple[str, ...] = ()  # parameters that must be > 0
    limits: tuple[InputLimit, ...] = ()
    fixed: tuple[tuple[str, object], ...] = ()  # parameter start values the form requires


NATIVE = {
    # checks: lowest and highest negative stoichiometry, the same of the
    # positive, lowest electrolyte concentration (spme_casadi.CHECKS)
    "BatteryCell": NativeSpec(
        _battery_form, (_NEGATIVE, _NEGATIVE, _POSITIVE, _POSITIVE, _ELECTROLYTE),
        limits=(InputLimit("current", _NOMINAL_CAPACITY, ("max_c_rate", "n_parallel"),
                           f"%g C of %g parallel cells of {_NOMINAL_CAPACITY:g} A.h, max_c_rate"),),
        fixed=(("plating_enabled", False),)),  # the CasADi form has no plating reaction
    "CellThermal": NativeSpec(_thermal_form, (
        _below_zero_kelvin("core"), _below_zero_kelvin("surface")),
        positive=("core_heat_capacity", "surface_heat_capacity", "core_to_surface_resistance",
                  "surface_to_ambient_resistance", "n_cells"),
        limits=(InputLimit("heat_generation", 1.0, ("max_heat_per_cell", "n_cells"),
                           "max_heat_per_cell %g W x %g cells"),)),
}


def native_spec(name: str) -> NativeSpec:
    try:
        return NATIVE[name]
    except KeyError:
        raise KeyError(f"no native build of {name!r}; native FMUs: {', '.join(NATIVE)}") from None
