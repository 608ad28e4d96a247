"""The cloud's night: from every vehicle's own estimate of the day to the
fleet's distribution and each vehicle's prior for tomorrow.

Each vehicle runs two twins on the same readings (``vehicle_day``): its *own*
twin, which carries its own estimate from day to day and never sees the
fleet (the *individual* estimate), and its *edge* twin, which starts each
day from the cloud's prior. For each slow parameter (capacity, resistance)
the night
  1. takes every vehicle's own estimate with its standard deviation (the
     last one known, for a vehicle whose day failed),
  2. fits the fleet's mean and spread to them (``fit_population``) and shrinks
     each toward it (``shrink``: the *shrunk* twin), keeping the twin's own
     systematic error (``twin_error_std``, shared by every vehicle's twin,
     which pooling cannot average away) in the posterior,
  3. hands the shrunk posterior, widened by one day's drift, to the edge twin
     as its prior for the next day.
The individual estimate keeps its data to itself, so the prior the fleet
hands down never feeds back into what the fleet is fitted to.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from btwin.models.population import fit_population, shrink


@dataclass(frozen=True)
class Quantity:
    """One slow parameter the edge twin estimates and the cloud pools."""

    name: str  # column stem, e.g. "capacity"
    unit: str
    nominal: float  # the edge twin's prior mean before any data
    nominal_std: float  # and its standard deviation
    daily_drift_std: float  # how far the true value may move in one (accelerated) day
    twin_error_std: float = 0.0  # the edge twin's systematic error, the same on every vehicle


@dataclass
class Belief:
    """What the cloud knows of one quantity for every vehicle."""

    own_mean: np.ndarray  # the last individual estimate (nan before the first)
    own_std: np.ndarray
    prior_mean: np.ndarray  # what the edge twin starts the next day with
    prior_std: np.ndarray

    @classmethod
    def start(cls, quantity: Quantity, vehicles: int) -> "Belief":
        return cls(np.full(vehicles, np.nan), np.full(vehicles, np.inf), np.full(vehicles, quantity.nominal),
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


def night(quantity: Quantity, belief: Belief, own_mean: np.ndarray, own_std: np.ndarray,
          reported: np.ndarray) -> tuple[Belief, Night]:
    """One night for one quantity. ``own_*`` are the own twins' end-of-day
    estimates and standard deviations; ``reported`` marks the vehicles whose
    day ran."""
    mean = np.where(reported, own_mean, belief.own_mean)
    std = np.where(reported, own_std, belief.own_std)
    known = np.isfinite(mean) & np.isfinite(std) & (std > 0.0)
    shrunk_mean, shrunk_var = np.array(belief.prior_mean), np.array(belief.prior_std**2)
    factor = np.ones(mean.size)
    fleet_mean, fleet_spread = quantity.nominal, float("nan")
    if known.any():
        population = fit_population(mean[known], std[known] ** 2)
        fleet_mean, fleet_spread = population.mean, population.spread
        posterior = shrink(population, mean[known], std[known] ** 2, quantity.twin_error_std**2)
        shrunk_mean[known], shrunk_var[known], factor[known] = posterior
        # vehicles without data yet: the fleet itself
        shrunk_mean[~known] = population.mean
        shrunk_var[~known] = population.spread**2 + population.mean_variance + quantity.twin_error_std**2
    result = Night(mean, std, shrunk_mean, np.sqrt(shrunk_var), factor, fleet_mean, fleet_spread)
    # tomorrow's prior: tonight's posterior, widened by the drift of one more day
    prior_std = np.sqrt(shrunk_var + quantity.daily_drift_std**2)
    return Belief(mean, std, shrunk_mean, prior_std), result
