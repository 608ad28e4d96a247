"""An estimator's error learnt from reference checks of a few assets: its
bias, which every asset's estimate shares, and how honest its stated
standard deviations are.

Model (a measurement-error model with internal validation data; Carroll,
Ruppert, Stefanski & Crainiceanu, "Measurement Error in Nonlinear Models",
2nd ed., Chapman & Hall 2006, ch. 2 and 4). A few assets j get a reference
test w_j of the true value theta_j, with a known error of variance
sigma_w^2; the estimator's value y_j on the same day has a stated variance
s_j^2. Their difference

    d_j = y_j - w_j = b + k e_j - u_j,    e_j ~ N(0, s_j^2),  u_j ~ N(0, sigma_w^2),

so d_j ~ N(b, k^2 s_j^2 + sigma_w^2): b is the error every asset's estimate
shares, k scales the stated standard deviations to the errors' real
scatter (k < 1: the estimator says it is less sure than it is). k is
fitted by restricted maximum likelihood (b profiled out, the same restricted
likelihood as the fleet's spread in ``shrinkage``), a bounded
one-dimensional search over log k. The bias then has a conjugate normal
posterior (Gelman et al., "Bayesian Data Analysis", 3rd ed., 2013, ch. 2.5)
from the prior N(0, sigma_0^2) (the estimator's validation before any check)
and the checks:

    1/var(b) = 1/sigma_0^2 + sum_j 1/(k^2 s_j^2 + sigma_w^2),
    b        = var(b) sum_j d_j / (k^2 s_j^2 + sigma_w^2).

With no check this is the prior (b = 0, var(b) = sigma_0^2). k needs a few
checks to be estimated at all: below ``MIN_CHECKS`` it is the validated
scale k_0 (``prior_scale``: what the estimator's validation against a known
truth found; 1 takes the stated standard deviations at their word). The REML variance from n checks
has n - 1 degrees of freedom, so with five its relative standard error is
sqrt(2/4) = 0.7 (assumption: enough to tell a factor of two).

Limits: b and k are constants, the same on every asset and every day; an
error that depends on how an asset is used (its currents, its climate) is
averaged over the checked ones, and the checked assets must be a random
sample of the fleet. var(b) is taken as known once fitted, as k is.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize_scalar

from .shrinkage import restricted_deviance

MIN_CHECKS = 5  # checks before the stated standard deviations are rescaled (see the docstring)
SCALE_RANGE = (0.05, 20.0)  # k searched within (assumption: an estimator off by more is broken, not miscalibrated)


class EstimatorError(NamedTuple):
    """What the checks say of the estimator's error."""

    bias: float  # b, in the estimate's unit
    bias_variance: float  # var(b)
    scale: float  # k, real error std over stated std
    checks: int


def estimator_error(differences, stated_variances, test_variance: float, prior_bias_std: float,
                    min_checks: int = MIN_CHECKS, prior_scale: float = 1.0,
                    min_scale: float = SCALE_RANGE[0]) -> EstimatorError:
    """The bias and the std scale from the checks' differences (estimate
    minus reference), the estimator's stated variances at the checks and the
    reference tests' variances (one, or one per check); the prior's std 0
    means an estimator known to be unbiased; ``prior_scale`` the scale until
    there are ``min_checks`` checks (see the module docstring); ``min_scale``
    the least scale the checks may fit: 1 lets them widen the stated
    standard deviations, never narrow them (for stated stds that overstate
    the error on some assets only, a scale fitted over all of them would
    make the others overconfident)."""
    d = np.asarray(differences, dtype=float)
    s2 = np.asarray(stated_variances, dtype=float)
    if d.ndim != 1 or d.shape != s2.shape:
        raise ValueError(f"differences and stated_variances must be two 1-D arrays of one length, "
                         f"got shapes {d.shape} and {s2.shape}")
    if not (np.all(np.isfinite(d)) and np.all(np.isfinite(s2)) and np.all(s2 > 0.0)):
        raise ValueError("differences must be finite and stated variances finite and > 0")
    w2 = np.broadcast_to(np.asarray(test_variance, dtype=float), d.shape)
    if not (np.all(w2 >= 0.0) and prior_bias_std >= 0.0):
        raise ValueError(f"test variances and prior_bias_std must be >= 0, got {test_variance!r} "
                         f"and {prior_bias_std!r}")
    if not SCALE_RANGE[0] <= prior_scale <= SCALE_RANGE[1]:
        raise ValueError(f"prior_scale must lie in {SCALE_RANGE}, got {prior_scale!r}")
    if not SCALE_RANGE[0] <= min_scale <= SCALE_RANGE[1]:
        raise ValueError(f"min_scale must lie in {SCALE_RANGE}, got {min_scale!r}")
    scale = max(_fitted_scale(d, s2, w2), min_scale) if d.size >= max(min_checks, 2) else prior_scale
    if prior_bias_std == 0.0:  # an estimator known to be unbiased
        return EstimatorError(0.0, 0.0, scale, int(d.size))
    weights = 1.0 / (scale**2 * s2 + w2)
    precision = 1.0 / prior_bias_std**2 + float(weights.sum())
    return EstimatorError(float(weights @ d) / precision, 1.0 / precision, scale, int(d.size))


def _fitted_scale(d: np.ndarray, s2: np.ndarray, w2: np.ndarray) -> float:
    def deviance(log_scale: float) -> float:
        return restricted_deviance(d, np.exp(2.0 * log_scale) * s2 + w2)

    low, high = np.log(SCALE_RANGE)
    best = minimize_scalar(deviance, bounds=(low, high), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(best.x))
