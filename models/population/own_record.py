"""An asset's own record of a slow parameter: its estimate from its own days
alone, each day's evidence independent of the others.

Each day the asset's estimator starts from a broad prior N(m0, s0^2) and
ends at N(m, s^2). For a linear-Gaussian estimator the end is the start
times the day's likelihood, so the day's evidence is the start divided out
(Gaussian information subtraction; the "delete" step of expectation
propagation, Minka, UAI 2001):

    1/s_L^2 = 1/s^2 - 1/s0^2,     y_L = s_L^2 (m/s^2 - m0/s0^2).

A day whose end is hardly narrower than its start told almost nothing, and
its y_L divides a difference of two close numbers by a small one: below
``MIN_INFORMATION`` of the start's own information it is no evidence at all.

The days are combined by a Kalman filter over days (Harvey, "Forecasting,
structural time series models and the Kalman filter", 1989, ch. 3): the
true value moves from one day's end to the next by a predicted change delta
(the aging a law predicts) and an error of that prediction, a random walk,

    x_(k+1) = x_k + delta_k + w_k,    w_k ~ N(0, q^2),
    y_L,k   = x_k + b + e_k,          e_k ~ N(0, c^2 s_L,k^2),

where b is the estimator's bias, the same on every day and asset, and c
scales its stated std to its real scatter (both validated against a known
truth, so they are constants of the estimator, not of the asset). The filter
starts from what is known of any asset before its data (a data sheet:
N(nominal, sd^2)) and gives the asset's posterior after each day.

Why: an estimator that carries its own posterior from day to day also
carries any bias its updates have (an EKF's pull on a parameter under
noise), so the bias grows with the days and the estimate drifts away from
the truth as data come in. Started afresh each day, the pull is one day's,
the same every day, and b removes it; the evidence of n days then narrows
the record as 1/sqrt(n) until q limits it (steady std about sqrt(q c s_L)).

Limits: the evidence is exact only for a linear-Gaussian estimator; an EKF
started from different means ends at slightly different evidence (its
linearisation point moves). The days' errors are taken as independent, b
and c as constants, the aging law's error as a random walk.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

MIN_INFORMATION = 1e-3  # of the start's information (1/s0^2), below which a day is no evidence (assumption)


class Record(NamedTuple):
    """An asset's own posterior (arrays over the assets)."""

    mean: np.ndarray
    variance: np.ndarray

    @classmethod
    def start(cls, mean: float, std: float, assets: int) -> "Record":
        """What is known of every asset before its data."""
        if not (np.isfinite(mean) and std > 0.0):
            raise ValueError(f"the start needs a finite mean and a std > 0, got {mean!r} and {std!r}")
        return cls(np.full(assets, float(mean)), np.full(assets, float(std) ** 2))

    def aged(self, change, process_variance: float) -> "Record":
        """Carried to the next day's end: moved by the predicted ``change``,
        widened by the prediction's error variance."""
        if not process_variance >= 0.0:
            raise ValueError(f"process_variance must be >= 0, got {process_variance!r}")
        return Record(self.mean + np.asarray(change, dtype=float), self.variance + process_variance)

    def updated(self, evidence_mean, evidence_variance) -> "Record":
        """With a day's evidence; an infinite variance (no evidence) leaves an asset as it was."""
        y, r = np.asarray(evidence_mean, dtype=float), np.asarray(evidence_variance, dtype=float)
        seen = np.isfinite(r) & np.isfinite(y)
        gain = np.where(seen, self.variance / (self.variance + np.where(seen, r, 1.0)), 0.0)
        return Record(self.mean + gain * np.where(seen, y - self.mean, 0.0), (1.0 - gain) * self.variance)


def day_evidence(end_mean, end_variance, start_mean, start_variance,
                 min_information: float = MIN_INFORMATION) -> tuple[np.ndarray, np.ndarray]:
    """The day's evidence (mean, variance) from an estimator's start and end
    (see the module docstring); variance inf and mean nan where the day told
    less than ``min_information`` of the start's information, or where the
    end or the start is not finite."""
    m, s2 = np.asarray(end_mean, dtype=float), np.asarray(end_variance, dtype=float)
    m0, s02 = np.asarray(start_mean, dtype=float), np.asarray(start_variance, dtype=float)
    if np.any(s02 <= 0.0) or np.any(s2 <= 0.0):
        raise ValueError("the start's and the end's variances must be > 0")
    valid = np.isfinite(m) & np.isfinite(s2) & np.isfinite(m0) & np.isfinite(s02)
    with np.errstate(divide="ignore", invalid="ignore"):
        information = 1.0 / s2 - 1.0 / s02
        told = valid & (information > min_information / s02)
        variance = np.where(told, 1.0 / np.where(told, information, 1.0), np.inf)
        mean = np.where(told, variance * (m / s2 - m0 / s02), np.nan)
    return mean, variance
