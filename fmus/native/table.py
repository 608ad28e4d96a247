"""The C table of a native FMU (``const NativeModel native_model``, see
``core.h``): each declared variable with its role in the model's CasADi form.

Value references are the declaration order, as in the Python FMU. An input
or output must exist in the form under the same name; a parameter the form
does not take is compiled in (the microstructure of the cell, which fixes its
discretisation) and the core accepts only its start value.
"""
from __future__ import annotations

import json
import math

from btwin.models.stepped_form import SteppedForm

from ..declarations import Var

_KIND = {float: "KIND_REAL", int: "KIND_INTEGER", bool: "KIND_BOOLEAN"}
_ROLE = {"parameter": "ROLE_PARAMETER", "input": "ROLE_INPUT", "output": "ROLE_OUTPUT"}


def _c_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid C string literal


def _c_double(value: float) -> str:
    if math.isinf(value):
        return "INFINITY" if value > 0 else "-INFINITY"
    return repr(float(value))


def _slot(var: Var, form: SteppedForm) -> int:
    names = {"parameter": form.parameters, "input": form.inputs, "output": form.outputs}[var.causality]
    if var.name in names:
        return names.index(var.name)
    if var.causality != "parameter":
        raise ValueError(f"the CasADi form {form.name!r} has no {var.causality} {var.name!r}; "
                         f"it has {', '.join(names)}")
    return -1


def _variable_row(var: Var, form: SteppedForm, spec) -> str:
    slot = _slot(var, form)
    in_limits = any(var.name in limit.parameters for limit in spec.limits)
    start = 0.0 if var.start is None else float(var.start)
    fields = [_c_string(var.name), _c_string(var.unit or ""), _KIND[var.type], _ROLE[var.causality],
              str(slot), _c_double(start), str(int(var.min is not None)), str(int(var.max is not None)),
              _c_double(var.min if var.min is not None else 0.0),
              _c_double(var.max if var.max is not None else 0.0),
              str(int(var.causality == "parameter" and slot < 0 and not in_limits)),
              str(int(var.name in spec.positive))]
    return "    {" + ", ".join(fields) + "},"


def c_table(name: str, token: str, declarations: tuple[Var, ...], form: SteppedForm, spec) -> str:
    """C source of the table of one ``NativeSpec``: its messages are the
    (below, above) printf formats of each of the form's checks."""
    if len(spec.messages) != len(form.checks):
        raise ValueError(f"{name}: {len(form.checks)} checks but {len(spec.messages)} messages")
    index = {var.name: i for i, var in enumerate(declarations)}
    rows = "\n".join(_variable_row(var, form, spec) for var in declarations)
    checks = "\n".join(f"    {{{_c_double(low)}, {_c_double(high)}, {_c_string(below)}, {_c_string(above)}}},"
                       for (low, high), (below, above) in zip(form.check_bounds, spec.messages))
    limits = "\n".join(f"    {{{index[l.input]}, {index[l.parameters[0]]}, {index[l.parameters[1]]}, "
                       f"{_c_double(l.factor)}, {_c_string(l.basis)}}}," for l in spec.limits)
    prefix = form.name
    functions = ", ".join(f"{{{prefix}_{f}, {prefix}_{f}_work}}" for f in ("initial_state", "step", "outputs"))
    return f"""/* Written by `btwin build --native`: the variables of {name} and its CasADi form. */
#include <math.h>
#include <stddef.h>
#include "core.h"
#include "model.h"

static const NativeVariable variables[] = {{
{rows}
}};

static const NativeCheck checks[] = {{
{checks or "    {0.0, 0.0, NULL, NULL},"}
}};

static const NativeLimit limits[] = {{
{limits or "    {0, 0, 0, 0.0, NULL},"}
}};

const NativeModel native_model = {{
    {_c_string(name)}, {_c_string(token)}, {len(declarations)}, variables,
    {form.state_size}, {len(form.inputs)}, {len(form.parameters)}, {len(form.outputs)}, {len(form.checks)},
    checks, {len(spec.limits)}, limits, {functions}
}};
"""
