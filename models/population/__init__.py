"""The population twin: a fleet's distribution of slow parameters and each
asset's estimate shrunk toward it (partial pooling); the estimator's own
error learnt from reference checks; each asset's own record over its days
and its aging rate beyond the law its twin carries it by."""
from .calibration import EstimatorError, estimator_error
from .own_record import Record, day_evidence
from .rates import own_rates
from .shrinkage import Population, Posterior, fit_population, linear_trend, shrink

__all__ = ["EstimatorError", "Population", "Posterior", "Record", "day_evidence", "estimator_error", "fit_population",
           "linear_trend", "own_rates", "shrink"]
