"""Physics and estimators as plain Python: no FMI anywhere in this package.

Every stateful model follows one small contract so that the FMU layer can wrap
it without knowing its physics:

* parameters arrive as a dataclass whose defaults each cite their source and
  are checked up front (``ValueError`` naming the parameter and the value);
* ``step(...)`` advances the model over one interval with its inputs held;
  a step that cannot be taken raises :class:`~btwin.models.errors.StepRejected`
  and leaves the state as it was;
* ``get_state()`` returns every quantity that evolves (floats and numpy arrays,
  copies, in a flat ``dict``) and ``set_state(state)`` puts it back exactly.
"""
