"""Residual-based fault diagnosis: whitening, change detection, isolation."""
from .cusum import Cusum, average_run_length, threshold_for
from .diagnoser import Diagnoser, DiagnoserSettings, Diagnosis, TwinEstimates
from .glr import Glr, glr_threshold_for
from .isolation import FaultCode
from .whitening import Whitener, fit_autoregression

__all__ = ["Cusum", "Diagnoser", "DiagnoserSettings", "Diagnosis", "FaultCode", "Glr", "TwinEstimates", "Whitener",
           "average_run_length", "fit_autoregression", "glr_threshold_for", "threshold_for"]
