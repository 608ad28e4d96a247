"""The population twin: a fleet's distribution of slow parameters and each
asset's estimate shrunk toward it (partial pooling); the estimator's own
error learnt from reference checks."""
from .calibration import EstimatorError, estimator_error
from .shrinkage import Population, Posterior, fit_population, linear_trend, shrink

__all__ = ["EstimatorError", "Population", "estimator_error", "Posterior", "fit_population", "linear_trend", "shrink"]
