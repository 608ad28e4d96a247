"""The population twin: a fleet's distribution of slow parameters and each
asset's estimate shrunk toward it (partial pooling)."""
from .shrinkage import Population, Posterior, fit_population, linear_trend, shrink

__all__ = ["Population", "Posterior", "fit_population", "linear_trend", "shrink"]
