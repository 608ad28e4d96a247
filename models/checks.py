"""Up-front checks shared by the models: each raises ValueError naming the offender."""
import math


def finite(name, value):
    """Return ``value`` as a float, or raise ValueError if it is not a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def positive(name, value):
    number = finite(name, value)
    if number <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def non_negative(name, value):
    number = finite(name, value)
    if number < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return number


def fraction(name, value, *, open_low=False):
    """A number in [0, 1] (or (0, 1] with ``open_low``)."""
    number = finite(name, value)
    if number > 1.0 or number < 0.0 or (open_low and number == 0.0):
        low = "(0" if open_low else "[0"
        raise ValueError(f"{name} must lie in {low}, 1], got {value!r}")
    return number


def step_size(dt_s):
    """A macro step must be a finite, positive time in seconds."""
    return positive("dt_s", dt_s)
