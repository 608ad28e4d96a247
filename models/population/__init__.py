"""The population twin: a fleet's distribution of slow parameters and each
asset's estimate shrunk toward it (partial pooling)."""
from .evidence import Evidence, day_evidence, own_estimate
from .shrinkage import Population, Posterior, fit_population, linear_trend, shrink

__all__ = ["Evidence", "Population", "Posterior", "day_evidence", "fit_population", "linear_trend",
           "own_estimate", "shrink"]
