"""How good an estimate is, against the truth of a simulated plant.

* convergence time: the first time after which the SOC error stays within
  ``band`` (2 %, twice the 1 % RMSE target) to the end of the run;
* RMSE and maximum error of SOC after convergence; of core temperature over
  the whole run (the twin starts at the first reading, so there is nothing
  to converge);
* NEES (normalised estimation error squared, Bar-Shalom et al., "Estimation
  with Applications to Tracking and Navigation", 2001, ch. 5.4) of the
  estimated [soc, T_core] with their 2x2 covariance: for an honest filter it
  is chi-square with 2 degrees of freedom, so about 95 % of the steps lie in
  its two-sided 95 % interval [0.0506, 7.38]. Fewer above: overconfident;
  fewer below: too cautious.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import chi2

CONVERGENCE_BAND = 0.02


def convergence_index(soc_error: np.ndarray, band: float = CONVERGENCE_BAND) -> int | None:
    """First index from which |error| <= band to the end; None if never."""
    outside = np.nonzero(np.abs(soc_error) > band)[0]
    if outside.size == 0:
        return 0
    first = int(outside[-1]) + 1
    return first if first < soc_error.size else None


def nees_within_95(soc_error, soc_std, core_error, core_std, correlation) -> float:
    """Fraction of steps whose 2-D NEES lies in the chi-square(2) 95 % interval."""
    soc_error, core_error = np.asarray(soc_error), np.asarray(core_error)
    a, b, rho = np.asarray(soc_std), np.asarray(core_std), np.clip(np.asarray(correlation), -0.999999, 0.999999)
    u, v = soc_error / a, core_error / b
    nees = (u * u - 2.0 * rho * u * v + v * v) / (1.0 - rho * rho)
    low, high = chi2.ppf(0.025, 2), chi2.ppf(0.975, 2)
    return float(np.mean((nees >= low) & (nees <= high)))


def soc_figures(time: np.ndarray, soc_estimate, soc_true) -> dict:
    error = np.asarray(soc_estimate) - np.asarray(soc_true)
    start = convergence_index(error)
    if start is None:
        return {"soc_rmse": None, "soc_max_error_after_convergence": None, "convergence_time_s": None,
                "soc_rmse_whole_run": float(np.sqrt(np.mean(error**2)))}
    after = error[start:]
    return {"soc_rmse": float(np.sqrt(np.mean(after**2))),
            "soc_max_error_after_convergence": float(np.max(np.abs(after))),
            "convergence_time_s": float(time[start] - time[0]),
            "soc_rmse_whole_run": float(np.sqrt(np.mean(error**2)))}


def temperature_figures(core_estimate, core_true) -> dict:
    error = np.asarray(core_estimate) - np.asarray(core_true)
    return {"core_temperature_rmse_K": float(np.sqrt(np.mean(error**2))),
            "core_temperature_max_error_K": float(np.max(np.abs(error)))}
