"""Whitening of autocorrelated residuals by an autoregressive model.

A residual r_t that is stationary but correlated in time (sensor filters,
a twin's slow model error) is described by an AR(p) model

    r_t = a_1 r_{t-1} + ... + a_p r_{t-p} + e_t,   e_t ~ N(0, sigma^2) white,

fitted by least squares on fault-free samples. The whitened residual
w_t = (r_t - sum a_i r_{t-i}) / sigma is then white with unit variance, which is
what the change detectors' false-alarm rates assume. A step of size d in r
appears in w as a step of d (1 - sum a_i) / sigma once the filter has filled.

A twin's model error that wanders over minutes (an EKF's reduced model in a
long charge) is not stationary; the mean can follow it (``tracking``), so that
only changes faster than the tracking time stand out.

Limits: the fit assumes the training residuals are fault-free and stationary;
a model error that drifts slowly is partly absorbed into the coefficients; a
tracked mean also absorbs a fault that grows slower than its tracking time.
"""
from __future__ import annotations

import numpy as np

from .. import checks


def fit_autoregression(samples, order: int) -> tuple[np.ndarray, float]:
    """Least-squares AR(``order``) coefficients a_1..a_p and innovation std of ``samples``."""
    x = np.asarray(samples, dtype=float)
    if order < 0:
        raise ValueError(f"order must be >= 0, got {order!r}")
    if x.ndim != 1 or x.size < 10 * (order + 1) or not np.all(np.isfinite(x)):
        raise ValueError(f"need at least {10 * (order + 1)} finite samples to fit AR({order}), "
                         f"got {x.size}")
    x = x - x.mean()
    if order == 0:
        return np.zeros(0), float(max(x.std(), 1e-300))
    lagged = np.column_stack([x[order - i - 1:x.size - i - 1] for i in range(order)])
    coefficients, *_ = np.linalg.lstsq(lagged, x[order:], rcond=None)
    innovations = x[order:] - lagged @ coefficients
    return coefficients, float(max(innovations.std(), 1e-300))


class Whitener:
    """Streaming AR whitening filter: ``push(r)`` returns w_t (see module docstring)."""

    def __init__(self, coefficients, innovation_std: float, mean: float = 0.0):
        self.coefficients = np.asarray(coefficients, dtype=float)
        self.std = checks.positive("innovation_std", innovation_std)
        self.mean = checks.finite("mean", mean)
        self._past = np.zeros(self.coefficients.size)  # r_{t-1}, r_{t-2}, ... minus the mean

    @classmethod
    def fitted(cls, samples, order: int, std_floor: float = 0.0) -> "Whitener":
        """Fit to fault-free ``samples``; the std is at least ``std_floor`` (a sensor's resolution)."""
        coefficients, std = fit_autoregression(samples, order)
        whitener = cls(coefficients, max(std, std_floor), float(np.mean(samples)))
        whitener.prime(samples)
        return whitener

    @property
    def step_gain(self) -> float:
        """How much of a persistent step in r shows in w, per unit of r: (1 - sum a) / sigma."""
        return (1.0 - float(self.coefficients.sum())) / self.std

    def step_size(self, step: float) -> float:
        """How large a persistent step of ``step`` in r shows in w: |step_gain| step.
        The sign of the gain flips where the fitted coefficients sum above 1
        (a residual that drifted while the fit was made); two-sided detectors
        need the magnitude."""
        return abs(self.step_gain * step)

    def prime(self, samples) -> None:
        """Fill the filter's memory with the last samples."""
        tail = np.asarray(samples, dtype=float)[::-1][:self._past.size] - self.mean
        self._past[:] = 0.0
        self._past[:tail.size] = tail

    def push(self, residual: float, tracking: float = 0.0) -> float:
        """w_t of ``residual``; then the mean moves the fraction ``tracking`` (0 <= tracking < 1)
        towards it: an exponential mean that follows a slowly wandering model error."""
        x = residual - self.mean
        white = (x - float(self.coefficients @ self._past)) / self.std
        if self._past.size:
            self._past[1:] = self._past[:-1]
            self._past[0] = x
        self.mean += tracking * x
        return white

    def get_state(self) -> dict:
        return {"past": self._past.copy()}

    def set_state(self, state: dict) -> None:
        self._past[:] = state["past"]
