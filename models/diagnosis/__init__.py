"""Residual-based fault diagnosis: whitening, change detection, isolation."""
from .cusum import Cusum, average_run_length, threshold_for
from .diagnoser import Diagnoser, DiagnoserSettings, Diagnosis, TwinEstimates
from .isolation import FaultCode
from .whitening import Whitener, fit_autoregression

__all__ = ["Cusum", "Diagnoser", "DiagnoserSettings", "Diagnosis", "FaultCode", "TwinEstimates", "Whitener",
           "average_run_length", "fit_autoregression", "threshold_for"]
