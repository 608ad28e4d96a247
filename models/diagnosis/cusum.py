"""Two-sided CUSUM for a change in the mean of a white, unit-variance signal.

Page's test: with w_t white N(0, 1) before the change and reference value
k = delta / 2 (delta: the shift to detect, in standard deviations),

    g+_t = max(0, g+_{t-1} + w_t - k),   g-_t = max(0, g-_{t-1} - w_t - k),

alarm when either exceeds h. The average run length (samples to an alarm)
of one side is computed with the Markov chain of Brook & Evans (g on [0, h]
cut into ``STATES`` intervals, the ARL vector solving (I - Q) L = 1):
D. Brook, D. A. Evans, "An approach to the probability distribution of CUSUM
run length", Biometrika 59 (1972) 539-549. It stays accurate for a large k
(a big change in a quiet signal), where Siegmund's closed form
overestimates the run length by a third at k = 2.5. The two sides together
raise false alarms at 1/ARL+ + 1/ARL-, so h is solved for an in-control
ARL of 2 / (rate x period). Limits: the rate holds for white Gaussian w;
correlated residuals must be whitened first (``whitening``), and heavy tails
raise it.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr

from .. import checks

STATES = 100  # Markov-chain intervals: the ARL within 1 % for k >= 0.25, low, so h errs high


def average_run_length(threshold: float, reference: float, shift: float = 0.0) -> float:
    """ARL [samples] of one side from g = 0, threshold h, reference k, mean of w ``shift``."""
    if threshold <= 0.0:
        return 1.0 / max(float(ndtr(shift - reference)), 1e-300)
    width = 2.0 * threshold / (2 * STATES - 1)
    centres = np.arange(STATES) * width
    upper = (np.arange(STATES) + 0.5) * width
    z = upper[None, :] - centres[:, None] + reference - shift
    below = ndtr(np.maximum(z, -30.0))  # P(next g < upper edge); no subnormal numbers (slow)
    transitions = np.diff(below, axis=1, prepend=0.0)
    transitions[transitions < 1e-150] = 0.0
    lengths = np.linalg.solve(np.eye(STATES) - transitions, np.ones(STATES))
    return float(lengths[0])


def threshold_for(false_alarm_rate: float, sample_period: float, reference: float) -> float:
    """h such that both sides together raise ``false_alarm_rate`` [1/s] at ``sample_period`` [s]."""
    checks.positive("false_alarm_rate", false_alarm_rate)
    checks.positive("sample_period", sample_period)
    checks.positive("reference", reference)
    target = math.log(2.0 / (false_alarm_rate * sample_period))  # samples between false alarms, per side
    gap = lambda h: math.log(average_run_length(h, reference)) - target  # noqa: E731
    if gap(0.0) >= 0.0:
        return 0.0
    high = 1.0
    while gap(high) < 0.0:
        high *= 2.0
    return brentq(gap, 0.0, high, xtol=1e-6)


class Cusum:
    """Streaming two-sided CUSUM; ``push(w)`` returns +1 / -1 on an alarm, else 0."""

    def __init__(self, reference: float, threshold: float):
        self.reference = checks.positive("reference", reference)
        self.threshold = checks.non_negative("threshold", threshold)
        self.reset()

    def reset(self) -> None:
        self.upper = self.lower = 0.0
        self.samples_since_zero = 0  # samples since the alarming side last left 0: the change-time estimate

    def push(self, white: float) -> int:
        self.upper = max(0.0, self.upper + white - self.reference)
        self.lower = max(0.0, self.lower - white - self.reference)
        if self.upper == 0.0 and self.lower == 0.0:
            self.samples_since_zero = 0
        else:
            self.samples_since_zero += 1
        if self.upper > self.threshold:
            return 1
        if self.lower > self.threshold:
            return -1
        return 0

    @property
    def statistic(self) -> float:
        """max(g+, g-) over the threshold: 1 at the alarm level. A threshold of 0 (a change
        so large that one sample tells) alarms on any positive g; g is then scaled by k."""
        return max(self.upper, self.lower) / (self.threshold if self.threshold > 0 else self.reference)

    def get_state(self) -> dict:
        return {"upper": self.upper, "lower": self.lower, "samples": self.samples_since_zero}

    def set_state(self, state: dict) -> None:
        self.upper, self.lower = float(state["upper"]), float(state["lower"])
        self.samples_since_zero = int(state["samples"])
