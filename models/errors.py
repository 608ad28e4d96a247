"""Errors shared by the models."""


class StepRejected(RuntimeError):
    """A step that cannot be taken as asked; the model's state is unchanged.

    Raised, for example, when a step would drive a quantity outside the range
    in which the model is defined. A caller may retry with a smaller step or
    stop; the message says what would have happened and when.
    """
