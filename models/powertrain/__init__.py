"""Electric-vehicle powertrain: a backward-facing longitudinal model following a drive cycle.

Public API::

    from btwin.models.powertrain import Powertrain, vehicle_preset, known_cycles
    model = Powertrain(vehicle_preset("bolt_ev"), drive_cycle="udds")   # or a CSV path
    out = model.step(1.0, battery_voltage=350.0)   # PowertrainOutputs, means over the step
    out.battery_current, out.vehicle_speed, out.distance, out.traction_power, out.trace_miss
"""
from .drive_cycles import DriveCycle, known_cycles, load_cycle, parse_cycle_csv
from .parameters import VehicleParameters
from .presets import PRESETS, bolt_ev, compact_ev, vehicle_preset
from .vehicle import ENERGY_KEYS, STATE_KEYS, Powertrain, PowertrainOutputs

__all__ = [
    "DriveCycle", "ENERGY_KEYS", "PRESETS", "Powertrain", "PowertrainOutputs", "STATE_KEYS",
    "VehicleParameters", "bolt_ev", "compact_ev", "known_cycles", "load_cycle", "parse_cycle_csv",
    "vehicle_preset",
]
