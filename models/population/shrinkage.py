"""Partial pooling of per-asset estimates: the population twin's law.

Model (normal-normal hierarchy, parametric empirical Bayes; Efron & Morris,
J. Am. Stat. Assoc. 70 (1975) 311; Morris, J. Am. Stat. Assoc. 78 (1983) 47).
Asset i has a true value theta_i (a capacity, a resistance, an aging rate).
Its own data give an estimate y_i with variance s_i^2, and the assets of one
population scatter around a fleet mean:

    y_i | theta_i ~ N(theta_i, s_i^2),    theta_i ~ N(mu, tau^2).

The fleet mean mu and spread tau are fitted to all assets at once by
restricted maximum likelihood (REML; Viechtbauer, J. Educ. Behav. Stat. 30
(2005) 261): for a given tau the best mu is the precision-weighted mean, so
only tau is searched, a bounded one-dimensional problem for scipy. Given
(mu, tau) each asset's posterior is closed-form:

    B_i    = s_i^2 / (s_i^2 + tau^2)                (how far it is shrunk)
    mean_i = y_i + B_i (mu - y_i)
    var_i  = (1 - B_i) s_i^2 + B_i^2 var(mu)         (Morris's term for mu estimated)

An asset with little data (s_i >> tau) borrows the fleet's mean (B_i -> 1);
one with much data (s_i << tau) keeps its own estimate (B_i -> 0). Credible
intervals are normal quantiles of that posterior.

Why scipy and no probabilistic-programming package: the model is conjugate,
so once tau is fixed every posterior is exact arithmetic; a night's fit of a
thousand assets is a millisecond of REML, where MCMC would take seconds and
add a heavy dependency for the same numbers.

An error every asset's estimate shares (the same estimator with the same
model error on every asset, y_i = theta_i + b + e_i with b ~ N(0, sigma_b^2)
common to all) moves mu-hat by b and every posterior with it; pooling cannot
average it away, so ``shrink(..., shared_variance=sigma_b^2)`` adds it to
every posterior variance. It cannot be estimated from the fleet's scatter
(b moves all assets alike); it comes from the estimator's validation against
a known truth, or from reference checks of a few assets (``calibration``),
which also give b itself to subtract.

A spread hidden by the assets' noise (tau well below s_i, with few assets)
is fitted as 0, and every asset is then given the fleet's mean with an
interval that leaves the spread out; a spread known from production
(``min_spread``) is kept as the least the fleet has.

Limits: the assets are exchangeable (one population; usage or climate are not
covariates, so a vehicle driven harder is shrunk toward a mean that is not
its own), the spread is Gaussian, and tau is treated as known once fitted:
with a handful of assets the intervals are a little too narrow. The asset's
s_i must be honest: an overconfident edge estimate is shrunk too little.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import norm


class Population(NamedTuple):
    """The fleet's distribution of one quantity."""

    mean: float  # mu
    spread: float  # tau, between-asset standard deviation
    mean_variance: float  # var(mu), the uncertainty of the fitted mean
    assets: int


class Posterior(NamedTuple):
    """Per-asset posterior of one quantity (arrays over the assets)."""

    mean: np.ndarray
    variance: np.ndarray
    shrinkage: np.ndarray  # B_i in [0, 1]

    def interval(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """The central credible interval holding ``level`` of the posterior."""
        half = norm.ppf(0.5 + level / 2.0) * np.sqrt(self.variance)
        return self.mean - half, self.mean + half


def _checked(estimates, variances) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(estimates, dtype=float)
    s2 = np.asarray(variances, dtype=float)
    if y.ndim != 1 or y.shape != s2.shape or y.size == 0:
        raise ValueError(f"estimates and variances must be two 1-D arrays of one length, "
                         f"got shapes {y.shape} and {s2.shape}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s2))):
        raise ValueError("estimates and variances must be finite")
    if np.any(s2 <= 0.0):
        raise ValueError(f"variances must be > 0, got {s2.min():g}")
    return y, s2


def _weighted_mean(y, s2, tau2) -> tuple[float, float]:
    weights = 1.0 / (s2 + tau2)
    return float(weights @ y / weights.sum()), float(1.0 / weights.sum())


def restricted_deviance(y: np.ndarray, total: np.ndarray) -> float:
    """-2 log restricted likelihood of y_i ~ N(mu, total_i), mu profiled out
    (its precision-weighted mean), constants dropped."""
    weights = 1.0 / total
    mu = float(weights @ y / weights.sum())
    return float(np.sum(np.log(total)) + np.log(np.sum(weights)) + np.sum((y - mu) ** 2 * weights))


def _restricted_deviance(tau2: float, y: np.ndarray, s2: np.ndarray) -> float:
    """-2 log restricted likelihood of tau^2."""
    return restricted_deviance(y, s2 + tau2)


def fit_population(estimates, variances, min_spread: float = 0.0) -> Population:
    """Fleet mean and spread of one quantity from each asset's estimate and
    its variance (REML). ``min_spread``: a spread the fleet is known to have
    at least (its production scatter, from a data sheet or the literature),
    which the fit can only widen: where the assets' own noise hides a real
    spread, REML finds tau = 0 and every interval would leave it out."""
    y, s2 = _checked(estimates, variances)
    if not min_spread >= 0.0:
        raise ValueError(f"min_spread must be >= 0, got {min_spread!r}")
    if y.size == 1:
        return Population(float(y[0]), float(min_spread), float(s2[0]), 1)
    # tau^2 between 0 and a bound no plausible spread exceeds: the estimates' own scatter plus their noise
    upper = float(np.var(y) + s2.max()) * 4.0 + 1e-300
    best = minimize_scalar(_restricted_deviance, bounds=(0.0, upper), args=(y, s2), method="bounded",
                           options={"xatol": upper * 1e-9})
    tau2 = float(best.x)
    if _restricted_deviance(0.0, y, s2) <= best.fun:  # the boundary: no spread beyond the noise
        tau2 = 0.0
    tau2 = max(tau2, min_spread**2)
    mu, mu_var = _weighted_mean(y, s2, tau2)
    return Population(mu, float(np.sqrt(tau2)), mu_var, int(y.size))


def shrink(population: Population, estimates, variances, shared_variance: float = 0.0) -> Posterior:
    """Each asset's posterior given the fleet (see the module docstring);
    ``shared_variance``: that of an error common to every estimate."""
    y, s2 = _checked(estimates, variances)
    if not shared_variance >= 0.0:
        raise ValueError(f"shared_variance must be >= 0, got {shared_variance!r}")
    tau2 = population.spread**2
    factor = s2 / (s2 + tau2)
    mean = y + factor * (population.mean - y)
    variance = (1.0 - factor) * s2 + factor**2 * population.mean_variance + shared_variance
    return Posterior(mean, variance, factor)


def linear_trend(times, values, variances) -> tuple[float, float, float, float]:
    """Weighted least-squares line through one asset's estimates over time:
    (slope, slope variance, value at the last time, its variance). The
    variances are the estimates' own; the line's are those of the fit."""
    t, y = np.asarray(times, dtype=float), np.asarray(values, dtype=float)
    w = 1.0 / np.asarray(variances, dtype=float)
    if t.size < 2 or np.ptp(t) == 0.0:
        raise ValueError("a trend needs estimates at two or more distinct times")
    t_bar = float(w @ t / w.sum())
    sxx = float(w @ (t - t_bar) ** 2)
    slope = float(w @ ((t - t_bar) * y) / sxx)
    level = float(w @ y / w.sum())
    last = level + slope * (t.max() - t_bar)
    last_variance = 1.0 / w.sum() + (t.max() - t_bar) ** 2 / sxx
    return slope, 1.0 / sxx, last, last_variance
