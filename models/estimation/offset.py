"""The current-sensor offset the StateEstimator carries as a nuisance state,
read out for a diagnoser (its ``Estimate`` does not list it).

measured current = true current + offset; pack amperes, the cell state
times n_parallel. A change of this estimate is a symptom of a current-sensor
fault (``btwin.models.diagnosis.isolation``).
"""
from __future__ import annotations

import math

from .estimator import OFFSET, StateEstimator


def current_offset(estimator: StateEstimator) -> tuple[float, float]:
    """The pack current-sensor offset estimate [A] and its standard deviation [A]."""
    n_parallel = estimator.settings.n_parallel
    kf = estimator.filter
    return float(kf.x[OFFSET]) * n_parallel, math.sqrt(max(float(kf.P[OFFSET, OFFSET]), 0.0)) * n_parallel
