"""Windowed generalised likelihood ratio (GLR) test for a change of unknown
size in the mean of a white, unit-variance signal.

With w_i ~ N(0, 1) before a change at sample j and N(nu, 1) after it, nu
unknown, the log-likelihood ratio maximised over nu is S^2 / (2 n), where S
is the sum of the n = t - j + 1 samples since j; maximised over the change
time within the last W samples (Basseville & Nikiforov, "Detection of Abrupt
Changes", Prentice Hall 1993, sec. 2.4.3), on a sparse set N of window
lengths growing geometrically by ``GROWTH`` up to W (Lai, J. R. Stat. Soc. B
57 (1995) 613-658: neighbouring lengths see almost the same sum):

    g_t = max_{n in N} (w_{t-n+1} + ... + w_t)^2 / (2 n),

alarm when g_t > h; the sign of that S is the direction of the change and
its n the samples since the estimated change time. Unlike the CUSUM it
needs no change size: it detects any, at the price of a larger threshold
for the same false-alarm rate.

Minimum change size. A twin's model error wanders by a fraction of the
residual's standard deviation over minutes; a test for a change of any size
alarms on it (in the diagnostics campaign, before the StateEstimator's bound
projection, 0.19 false alarms per hour; after it, one alarm in 10.5 h on a
third seed on a 2.6 mV excursion). With the change restricted to |nu| >=
nu_min (Basseville & Nikiforov sec. 2.4.3, a known lower bound on the
magnitude), the maximum over nu of a window is S^2 / (2 n) where |S| / n >=
nu_min and nu_min |S| - n nu_min^2 / 2 below it: a mean shift smaller than
nu_min / 2 makes it fall with n, so it is ignored, like a CUSUM with
reference nu_min / 2, while a change larger than nu_min is found as fast as
by the unrestricted GLR.

Threshold. In control S / sqrt(n) is N(0, 1), and each window's statistic
grows with |S|, so it exceeds h when |S| > s_n(h): s_n = sqrt(2 h n) where
that is >= n nu_min, else (h + n nu_min^2 / 2) / nu_min. Then
P(g_t > h) <= sum_n 2 Q(s_n / sqrt(n)) (Bonferroni over the lengths in N;
without a minimum M 2 Q(sqrt(2 h))); h is solved for that exceedance
probability per sample to be rate x period. Every alarm starts with an
exceedance, so the false-alarm rate is at most the stated one; it is lower,
as the window statistics are correlated (Monte Carlo in
``tests/models/test_diagnosis.py``). Limits: white Gaussian w (whiten
first); a change smaller than sqrt(2 h / W) standard deviations, or than
nu_min / 2, is never detected; a sample costs O(W).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from .. import checks

GROWTH = 1.5  # ratio of neighbouring window lengths


def window_lengths(window: int) -> np.ndarray:
    """The sparse lengths N: 1, 2, 3, 5, 8, ... growing by GROWTH, and ``window`` itself."""
    if int(window) != window or window < 1:
        raise ValueError(f"window must be a whole number of samples >= 1, got {window!r}")
    lengths, n = [], 1.0
    while n < window:
        lengths.append(int(round(n)))
        n = max(n * GROWTH, lengths[-1] + 1.0)
    return np.unique(np.array(lengths + [int(window)]))


def glr_threshold_for(false_alarm_rate: float, sample_period: float, window: int,
                      minimum: float = 0.0) -> float:
    """h such that the GLR over ``window`` samples for a change of at least ``minimum`` standard
    deviations raises at most ``false_alarm_rate`` [1/s] (module docstring)."""
    checks.positive("false_alarm_rate", false_alarm_rate)
    checks.positive("sample_period", sample_period)
    checks.non_negative("minimum", minimum)
    lengths = window_lengths(window).astype(float)
    tail = min(false_alarm_rate * sample_period, 1.0)
    unrestricted = 0.5 * float(ndtri(1.0 - min(tail / (2.0 * lengths.size), 0.5))) ** 2
    if minimum == 0.0:
        return unrestricted

    def log_excess(h: float) -> float:
        crossing = np.maximum(np.sqrt(2.0 * h * lengths), (h + 0.5 * lengths * minimum**2) / minimum)
        return math.log(max(float(np.sum(2.0 * ndtr(-crossing / np.sqrt(lengths)))), 1e-300)) - math.log(tail)

    return brentq(log_excess, 0.0, unrestricted, xtol=1e-6) if log_excess(1e-6) > 0.0 else 1e-6


class Glr:
    """Streaming windowed GLR; ``push(w)`` returns +1 / -1 on an alarm, else 0 (like ``Cusum``)."""

    def __init__(self, threshold: float, window: int, minimum: float = 0.0):
        self.threshold = checks.positive("threshold", threshold)
        self.minimum = checks.non_negative("minimum", minimum)  # nu_min, standard deviations
        self._lengths = window_lengths(window)
        self.window = int(window)
        self.reset()

    def reset(self) -> None:
        self._recent = np.zeros(self.window)  # newest first
        self._count = 0
        self.value = 0.0  # g_t
        self.samples_since_zero = 0  # n of the maximising window: the change-time estimate

    def push(self, white: float) -> int:
        recent = self._recent
        recent[1:] = recent[:-1]
        recent[0] = white
        self._count = min(self._count + 1, self.window)
        lengths = self._lengths[self._lengths <= self._count]
        sums = np.cumsum(recent[:self._count])[lengths - 1]
        scores = sums * sums / (2.0 * lengths)
        if self.minimum > 0.0:
            restricted = np.abs(sums) < lengths * self.minimum
            scores[restricted] = (self.minimum * np.abs(sums) - 0.5 * lengths * self.minimum**2)[restricted]
        best = int(np.argmax(scores))
        self.value = max(float(scores[best]), 0.0)  # 0: no change (nu = 0) is the likeliest
        self.samples_since_zero = int(lengths[best])
        if self.value > self.threshold:
            return 1 if sums[best] > 0.0 else -1
        return 0

    @property
    def statistic(self) -> float:
        """g_t over the threshold: 1 at the alarm level."""
        return self.value / self.threshold

    def get_state(self) -> dict:
        return {"recent": self._recent.copy(), "count": self._count, "value": self.value,
                "samples": self.samples_since_zero}

    def set_state(self, state: dict) -> None:
        recent = np.asarray(state["recent"], dtype=float)
        if recent.shape != (self.window,) or not np.all(np.isfinite(recent)):
            raise ValueError(f"GLR state must hold {self.window} finite samples")
        self._recent[:] = recent
        self._count = int(state["count"])
        self.value = float(state["value"])
        self.samples_since_zero = int(state["samples"])


def sample_count(window: float, sample_period: float) -> int:
    """Samples in a window of ``window`` seconds (at least 1)."""
    return max(1, int(math.floor(window / sample_period + 0.5)))
