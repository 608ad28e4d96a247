"""The cloud's night: from every vehicle's edge-twin report of the day to the
fleet's distribution and each vehicle's prior for tomorrow.

For each slow parameter (capacity, resistance) the night
  1. takes what the day alone said (the edge prior divided out,
     ``models.population.day_evidence``),
  2. adds it to the vehicle's own running estimate (``own_estimate``: the
     *individual* twin, no fleet in it),
  3. fits the fleet's mean and spread to the individual estimates of every
     vehicle that has one (``fit_population``) and shrinks each toward it
     (``shrink``: the *shrunk* twin),
  4. hands the shrunk posterior back as the edge twin's prior for the next day.
A vehicle with no informative day yet gets the fleet's mean and spread (or
the nominal prior while no vehicle has data).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from btwin.models.population import Evidence, day_evidence, fit_population, own_estimate, shrink


@dataclass(frozen=True)
class Quantity:
    """One slow parameter the edge twin estimates and the cloud pools."""

    name: str  # column stem, e.g. "capacity"
    unit: str
    nominal: float  # the edge twin's prior mean before any data
    nominal_std: float  # and its standard deviation
    daily_drift_std: float  # how far the true value may move in one (accelerated) day


@dataclass
class Belief:
    """What the cloud knows of one quantity for every vehicle."""

    own: Evidence  # the individual estimate, information form
    prior_mean: np.ndarray  # what the edge twin starts the next day with
    prior_std: np.ndarray

    @classmethod
    def start(cls, quantity: Quantity, vehicles: int) -> "Belief":
        return cls(Evidence.none(vehicles), np.full(vehicles, quantity.nominal),
                   np.full(vehicles, quantity.nominal_std))


@dataclass(frozen=True)
class Night:
    """The night's figures of one quantity (arrays over the vehicles)."""

    individual_mean: np.ndarray
    individual_std: np.ndarray
    shrunk_mean: np.ndarray
    shrunk_std: np.ndarray
    shrinkage: np.ndarray
    fleet_mean: float
    fleet_spread: float


def night(quantity: Quantity, belief: Belief, edge_mean: np.ndarray, edge_std: np.ndarray,
          edge_drift_variance: np.ndarray, reported: np.ndarray) -> tuple[Belief, Night]:
    """One night for one quantity. ``edge_*`` are the edge twins' end-of-day
    estimates, standard deviations and the random-walk variance their filter
    added over the day; ``reported`` marks the vehicles whose day ran."""
    day = day_evidence(belief.prior_mean, belief.prior_std**2, np.where(reported, edge_mean, 0.0),
                       np.where(reported, edge_std, 1.0) ** 2, np.where(reported, edge_drift_variance, 0.0))
    day = Evidence(np.where(reported, day.information, 0.0), np.where(reported, day.weighted, 0.0))
    own = own_estimate(belief.own, day, quantity.daily_drift_std**2)
    known = own.information > 0.0
    shrunk_mean, shrunk_var = np.array(belief.prior_mean), np.array(belief.prior_std**2)
    factor = np.ones(own.information.size)
    fleet_mean, fleet_spread = quantity.nominal, float("nan")
    if known.any():
        population = fit_population(own.mean[known], own.variance[known])
        fleet_mean, fleet_spread = population.mean, population.spread
        posterior = shrink(population, own.mean[known], own.variance[known])
        shrunk_mean[known], shrunk_var[known], factor[known] = posterior
        # vehicles without data yet: the fleet itself
        shrunk_mean[~known] = population.mean
        shrunk_var[~known] = population.spread**2 + population.mean_variance
    result = Night(own.mean, np.sqrt(own.variance), shrunk_mean, np.sqrt(shrunk_var), factor,
                   fleet_mean, fleet_spread)
    # tomorrow's prior: tonight's posterior, widened by the drift of one more day
    prior_std = np.sqrt(shrunk_var + quantity.daily_drift_std**2)
    return Belief(own, shrunk_mean, prior_std), result
