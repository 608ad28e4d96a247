"""Each asset's aging rate from its own days: how much faster or slower it
ages than the law its twin carries it by.

The law (the SEI growth of ``models.battery.aging`` at the asset's
temperature) predicts each asset's change from one day to the next; an
asset's own cells may age faster or slower than that (their film's solvent
diffusivity scatters from cell to cell). Its days' evidence y_k (independent
of each other, ``own_record.day_evidence``) less the law's predicted change
accumulated up to day k, A_k, is what the asset would read had the law been
exact plus a drift:

    y_k - A_k = c + d t_k + e_k,      e_k ~ N(0, v_k),

and the slope d [unit per day] is the asset's aging rate less the law's,
fitted by weighted least squares (``shrinkage.linear_trend``) with its
variance. Those slopes are then pooled across the fleet like any other
quantity (``fit_population``, ``shrink``): with a few days each asset's own
slope is far noisier than the spread of the fleet's rates, and is shrunk
toward the fleet's mean rate.

Limits: the drift is taken as linear over the days seen (the film's square
root law bends it slowly), and the days' errors as independent.
"""
from __future__ import annotations

import numpy as np

from .shrinkage import linear_trend


def own_rates(times, values, variances, predicted) -> tuple[np.ndarray, np.ndarray]:
    """Each asset's rate beyond the law and its variance (arrays over the
    assets; nan and inf where an asset has fewer than two days of evidence).
    Arguments are 2-D, assets x days: the days' evidence (nan: none that
    day), its variances and the law's accumulated change A_k; ``times``
    [day] the same, or one row for every asset."""
    y, v, a = (np.atleast_2d(np.asarray(x, dtype=float)) for x in (values, variances, predicted))
    t = np.atleast_2d(np.asarray(times, dtype=float))
    if t.shape[0] == 1 and t.shape[1] == y.shape[1]:
        t = np.broadcast_to(t, y.shape)
    if not t.shape == y.shape == v.shape == a.shape:
        raise ValueError(f"times, values, variances and predicted must have one shape, got "
                         f"{t.shape}, {y.shape}, {v.shape} and {a.shape}")
    slopes, slope_variances = np.full(y.shape[0], np.nan), np.full(y.shape[0], np.inf)
    for i in range(y.shape[0]):
        seen = np.isfinite(y[i]) & np.isfinite(v[i]) & (v[i] > 0.0) & np.isfinite(a[i])
        if np.unique(t[i, seen]).size >= 2:
            slopes[i], slope_variances[i], _, _ = linear_trend(t[i, seen], y[i, seen] - a[i, seen], v[i, seen])
    return slopes, slope_variances
