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

Threshold. In control each (S^2 / n) is chi-square with one degree of
freedom, so P(g_t > h) <= M P(|Z| > sqrt(2 h)) (Bonferroni over the M
lengths in N). Asking that exceedance probability per sample to be
rate x period gives h = Phi^-1(1 - rate period / (2 M))^2 / 2. Every alarm
starts with an exceedance, so the false-alarm rate is at most the stated
one; it is lower, as the window statistics are correlated (Monte Carlo in
``tests/models/test_diagnosis.py``). Limits: white Gaussian w (whiten
first); a change smaller than sqrt(2 h / W) standard deviations is never
detected; a sample costs O(W).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

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


def glr_threshold_for(false_alarm_rate: float, sample_period: float, window: int) -> float:
    """h such that the GLR over ``window`` samples raises at most ``false_alarm_rate`` [1/s]."""
    checks.positive("false_alarm_rate", false_alarm_rate)
    checks.positive("sample_period", sample_period)
    tail = min(false_alarm_rate * sample_period / (2.0 * window_lengths(window).size), 0.5)
    return 0.5 * float(ndtri(1.0 - tail)) ** 2


class Glr:
    """Streaming windowed GLR; ``push(w)`` returns +1 / -1 on an alarm, else 0 (like ``Cusum``)."""

    def __init__(self, threshold: float, window: int):
        self.threshold = checks.positive("threshold", threshold)
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
        best = int(np.argmax(scores))
        self.value = float(scores[best])
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
