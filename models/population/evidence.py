"""What one day of an edge twin's data says about a slow parameter, and the
asset's own running estimate built from those days alone.

The edge twin starts a day from a prior N(m0, v0) (the cloud's posterior of
the night before) and ends it with a posterior N(m1, v1). Its filter also let
the parameter wander over the day (a random walk adding ``drift_variance``),
so the prior it really held at the end was N(m0, v0 + drift_variance). For a
linear-Gaussian filter the day's data alone form the likelihood that turns
that prior into the posterior, and dividing one Gaussian by the other gives
it (the product rule run backwards, as in expectation propagation; Minka,
UAI 2001):

    1/v_day = 1/v1 - 1/(v0 + q),    m_day = v_day (m1/v1 - m0/(v0 + q)).

A day that taught nothing (1/v_day <= 0 within round-off, e.g. a parked car)
carries no evidence. Limits: the filter is an EKF, so the division is exact
only as far as its linearisation is; a filter that is overconfident makes the
day look more informative than it was.

The asset's own estimate (no fleet in it) is a one-dimensional Kalman filter
over days on that evidence: the value drifts by ``daily_drift_variance`` a
day, each day's evidence updates it. It starts from no information at all.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

# A day whose information (1/v_day) is below this fraction of the posterior's
# is taken as no evidence: the difference of two nearly equal precisions is
# round-off, not data.
_NEGLIGIBLE_INFORMATION = 1e-6


class Evidence(NamedTuple):
    """A Gaussian in information form: ``information`` = 1/variance (0: no
    evidence at all), ``weighted`` = information * mean."""

    information: np.ndarray
    weighted: np.ndarray

    @classmethod
    def none(cls, assets: int) -> "Evidence":
        return cls(np.zeros(assets), np.zeros(assets))

    @property
    def mean(self) -> np.ndarray:
        known = self.information > 0.0
        return np.where(known, self.weighted / np.where(known, self.information, 1.0), np.nan)

    @property
    def variance(self) -> np.ndarray:
        known = self.information > 0.0
        return np.where(known, 1.0 / np.where(known, self.information, 1.0), np.inf)

    def drifted(self, drift_variance: float) -> "Evidence":
        """The same belief after the value wandered by ``drift_variance``."""
        keep = 1.0 / (1.0 + self.information * drift_variance)
        return Evidence(self.information * keep, self.weighted * keep)

    def __add__(self, other: "Evidence") -> "Evidence":  # the product of two Gaussians
        return Evidence(self.information + other.information, self.weighted + other.weighted)


def day_evidence(prior_mean, prior_variance, posterior_mean, posterior_variance,
                 drift_variance=0.0) -> Evidence:
    """The day's likelihood of the parameter, per asset (see the module docstring)."""
    m0, m1 = np.asarray(prior_mean, dtype=float), np.asarray(posterior_mean, dtype=float)
    v0 = np.asarray(prior_variance, dtype=float) + np.asarray(drift_variance, dtype=float)
    v1 = np.asarray(posterior_variance, dtype=float)
    if np.any(v0 <= 0.0) or np.any(v1 <= 0.0):
        raise ValueError("prior and posterior variances must be > 0")
    information = 1.0 / v1 - 1.0 / v0
    informative = information > _NEGLIGIBLE_INFORMATION / v1
    return Evidence(np.where(informative, information, 0.0),
                    np.where(informative, m1 / v1 - m0 / v0, 0.0))


def own_estimate(previous: Evidence, day: Evidence, daily_drift_variance: float) -> Evidence:
    """An asset's estimate from its own days only, one day later: the value
    drifts, then the day's evidence is added. Start from ``Evidence.none``."""
    return previous.drifted(daily_drift_variance) + day
