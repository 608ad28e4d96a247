"""The co-simulation master: FMI 2.0 co-simulation FMUs, SSP 1.0 systems,
Jacobi/Gauss-Seidel stepping, an energy ledger with NEPCE correction and
energy-based step control. Knows FMI only."""
from .graph import AlgebraicLoop
from .master import Master, RunResult, System
from .slave import FmuError, InstancePool
from .ssp import read_ssp, write_ssp
from .structure import Component, Connection, Endpoint, PowerBond, PowerSignal, SystemStructure
from .validation import SystemInvalid, validate

__all__ = ["AlgebraicLoop", "Component", "Connection", "Endpoint", "FmuError", "InstancePool", "Master", "PowerBond",
           "PowerSignal", "RunResult", "System", "SystemInvalid", "SystemStructure", "read_ssp", "validate",
           "write_ssp"]
