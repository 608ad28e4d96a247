"""Sensors: what a battery management system reads of the true current,
voltage and surface temperature (noise, offset and drift with an onset time,
quantization, sample-and-hold; seeded).

Coupling. Each measured output depends directly on its true input: set an
input and read the output at the same communication point, and it is the
reading at that time (at a sample instant; between instants, the held
reading). The noise of sample k is fixed by ``seed`` and k alone.
"""
from btwin.models.sensors import CHANNELS, ChannelSpec, Sensors as Model

from .bounds import MAX_DC_VOLTAGE, MAX_PACK_CURRENT, SURFACE_TEMPERATURE
from .declarations import input_, output, parameter
from .slave import BtwinSlave

# prefix and unit of each channel's parameters; noise defaults of a typical
# BMS front end (assumption, of the order of e.g. the Analog Devices ADBMS6815
# data sheet: 1-2 mV cell voltage error; a Hall current sensor ~ 0.1 % of a 50 A range)
_CHANNELS = {  # input: (parameter prefix, unit, noise, start, meaning, (min, max))
    "current": ("current", "A", 0.05, 0.0, "Pack current, > 0 discharges", (-MAX_PACK_CURRENT, MAX_PACK_CURRENT)),
    "voltage": ("voltage", "V", 0.005, 3.7, "Pack terminal voltage", (0.0, MAX_DC_VOLTAGE)),
    "surface_temperature": ("temperature", "K", 0.1, 298.15, "Cell surface temperature", SURFACE_TEMPERATURE),
}


def _channel_parameters(prefix, unit, noise):
    yield parameter(f"{prefix}_noise", unit, noise, f"Standard deviation of the {prefix} noise", min=0.0)
    yield parameter(f"{prefix}_offset", unit, 0.0, f"Offset of the {prefix} reading from {prefix}_offset_time on")
    yield parameter(f"{prefix}_offset_time", "s", 0.0, f"Time the {prefix} offset and drift appear", min=0.0)
    yield parameter(f"{prefix}_drift_rate", f"{unit}/s", 0.0,
                    f"Drift of the {prefix} reading from {prefix}_offset_time on")
    yield parameter(f"{prefix}_quantization", unit, 0.0, f"Resolution of the {prefix} reading; 0: none", min=0.0)
    yield parameter(f"{prefix}_sample_period", "s", 0.0,
                    f"Time between {prefix} samples, held in between; 0: every communication point", min=0.0)


class Sensors(BtwinSlave):
    description = ("Current, voltage and surface-temperature sensors of a battery management system: "
                   "seeded noise, offset and drift from an onset time, quantization, sample-and-hold")
    variables = (
        *(input_(name, unit, start, f"True {text.lower()}", min=low, max=high)
          for name, (_, unit, _, start, text, (low, high)) in _CHANNELS.items()),
        *(output(f"measured_{name}", unit, f"{text} as measured", depends_on=(name,))
          for name, (_, unit, _, _, text, _) in _CHANNELS.items()),
        *(var for prefix, unit, noise, *_ in _CHANNELS.values() for var in _channel_parameters(prefix, unit, noise)),
        parameter("seed", None, 0, "Seed of the noise: same seed, same noise", type=int, min=0),
    )

    def create_model(self) -> Model:
        specs = {name: ChannelSpec(**{field: getattr(self, f"{prefix}_{field}") for field in (
            "noise", "offset", "offset_time", "drift_rate", "quantization", "sample_period")})
            for name, (prefix, *_) in _CHANNELS.items()}
        return Model(specs, seed=self.seed)

    def read_outputs(self) -> None:
        readings = self.model.measure({name: getattr(self, name) for name in CHANNELS})
        for name, value in zip(CHANNELS, readings):
            setattr(self, f"measured_{name}", value)

    def advance(self, current_time: float, step_size: float) -> None:
        self.model.advance(step_size)
        self.read_outputs()
