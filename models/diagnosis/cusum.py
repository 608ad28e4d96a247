"""Two-sided CUSUM for a change in the mean of a white, unit-variance signal.

Page's test: with w_t white N(0, 1) before the change and reference value
k = delta / 2 (delta: the shift to detect, in standard deviations),

    g+_t = max(0, g+_{t-1} + w_t - k),   g-_t = max(0, g-_{t-1} - w_t - k),

alarm when either exceeds h. The in-control average run length (samples
between false alarms) of one side follows Siegmund's approximation

    ARL(mu) = (exp(-2 D b) + 2 D b - 1) / (2 D^2),  D = mu - k,  b = h + 1.166,

(D. Siegmund, Sequential Analysis, Springer 1985, ch. 10; accurate to a few
per cent for k >= 0.25), with mu = 0 in control and mu = delta after the
change. The two sides together raise false alarms at 1/ARL+ + 1/ARL-, so h is
solved for ARL(0) = 2 / (rate x period). Limits: the rate holds for white
Gaussian w; correlated residuals must be whitened first (``whitening``), and
heavy tails raise it.
"""
from __future__ import annotations

import math

from scipy.optimize import brentq

from .. import checks

_SIEGMUND_OFFSET = 1.166


def average_run_length(threshold: float, reference: float, shift: float = 0.0) -> float:
    """Siegmund's ARL [samples] of one side with threshold h, reference k, mean shift mu."""
    return math.exp(_log_average_run_length(threshold, reference, shift))


def _log_average_run_length(threshold: float, reference: float, shift: float) -> float:
    b = threshold + _SIEGMUND_OFFSET
    d = shift - reference
    if abs(d) < 1e-9:
        return 2.0 * math.log(b)
    x = -2.0 * d * b
    if x > 30.0:  # exp(x) dominates; written so that it cannot overflow
        return x + math.log1p((-x - 1.0) * math.exp(-x)) - math.log(2.0 * d * d)
    return math.log((math.exp(x) - x - 1.0) / (2.0 * d * d))


def threshold_for(false_alarm_rate: float, sample_period: float, reference: float) -> float:
    """h such that both sides together raise ``false_alarm_rate`` [1/s] at ``sample_period`` [s]."""
    checks.positive("false_alarm_rate", false_alarm_rate)
    checks.positive("sample_period", sample_period)
    checks.positive("reference", reference)
    one_side = 2.0 / (false_alarm_rate * sample_period)  # samples between false alarms, per side
    target = math.log(one_side)
    if _log_average_run_length(0.0, reference, 0.0) >= target:
        return 0.0
    return brentq(lambda h: _log_average_run_length(h, reference, 0.0) - target, 0.0, 1e4, xtol=1e-10)


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
        """max(g+, g-) over the threshold: 1 at the alarm level."""
        return max(self.upper, self.lower) / self.threshold if self.threshold > 0 else math.inf

    def get_state(self) -> dict:
        return {"upper": self.upper, "lower": self.lower, "samples": self.samples_since_zero}

    def set_state(self, state: dict) -> None:
        self.upper, self.lower = float(state["upper"]), float(state["lower"])
        self.samples_since_zero = int(state["samples"])
