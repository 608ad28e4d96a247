"""A model written once as CasADi expression graphs, in one layout shared by
every user: the estimators and the MPC (which differentiate it), the impedance
work (which linearises it) and the native FMUs (which compile it to C).

A form is four ``casadi.Function`` objects over vectors whose entries are
named by the form:

    initial_state(parameters) -> x0
    step(x, inputs, parameters, dt) -> (x_next, outputs, checks)
    outputs(x, inputs, parameters) -> outputs
    derivatives(x, inputs, parameters) -> dx/dt

``step`` advances ``dt`` [s] with the inputs held; its outputs are those at
the end of the step. ``outputs`` gives the outputs of a state for the present
inputs without advancing (the direct feedthrough). ``checks`` are quantities
of the new state that must stay inside ``check_bounds`` for the step to be
valid; a caller refuses the step (state unchanged) when one does not.
``derivatives`` is the continuous-time right-hand side the step integrates.
"""
from __future__ import annotations

from dataclasses import dataclass

import casadi


@dataclass(frozen=True)
class SteppedForm:
    name: str
    state_size: int
    inputs: tuple[str, ...]
    parameters: tuple[str, ...]
    outputs: tuple[str, ...]
    checks: tuple[str, ...]
    check_bounds: tuple[tuple[float, float], ...]  # (low, high) of each check, exclusive
    initial_state: casadi.Function
    step: casadi.Function
    output_function: casadi.Function
    derivatives: casadi.Function

    def functions(self) -> dict[str, casadi.Function]:
        """The four functions by the names C code is generated under."""
        return {f"{self.name}_initial_state": self.initial_state, f"{self.name}_step": self.step,
                f"{self.name}_outputs": self.output_function,
                f"{self.name}_derivatives": self.derivatives}


def make_form(name, x, u, p, dt, *, x0, x_next, y, checks, check_bounds, rhs,
              inputs, parameters, outputs, check_names) -> SteppedForm:
    """Wrap the expressions of a model (symbols ``x``, ``u``, ``p``, ``dt``)
    into a :class:`SteppedForm` with named inputs and outputs. ``y`` is the
    outputs of state ``x``; the step's outputs are ``y`` of ``x_next``."""
    if len(check_bounds) != len(check_names):
        raise ValueError(f"{name}: {len(check_names)} checks but {len(check_bounds)} bounds")
    # the step's outputs and checks reuse what the new state already computed
    step_results = casadi.cse([x_next, casadi.substitute(y, x, x_next), checks])
    return SteppedForm(
        name=name, state_size=x.numel(), inputs=tuple(inputs), parameters=tuple(parameters),
        outputs=tuple(outputs), checks=tuple(check_names), check_bounds=tuple(check_bounds),
        initial_state=casadi.Function(f"{name}_initial_state", [p], [x0], ["parameters"], ["x0"]),
        step=casadi.Function(f"{name}_step", [x, u, p, dt], step_results,
                             ["x", "inputs", "parameters", "dt"], ["x_next", "outputs", "checks"]),
        output_function=casadi.Function(f"{name}_outputs", [x, u, p], [y],
                                        ["x", "inputs", "parameters"], ["outputs"]),
        derivatives=casadi.Function(f"{name}_derivatives", [x, u, p], [rhs],
                                    ["x", "inputs", "parameters"], ["dxdt"]),
    )
