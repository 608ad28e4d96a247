"""The twin's rig, wired once for every scenario that uses it: a Cycler
drives the plant (``battery``: BatteryCell, ``thermal``: CellThermal) through
a voltage/current bond, ``sensors`` read the plant, and each named
StateEstimator watches the readings only, never the plant's states."""
from __future__ import annotations

from btwin.master import Connection, Endpoint, PowerBond

BOND = "battery_to_cycler"
MEASURED = ("current", "voltage", "surface_temperature")


def connections(twins: tuple[str, ...]) -> list[Connection]:
    """Cycler <-> battery, battery <-> thermal, plant -> sensors -> each twin."""
    e = Endpoint
    return [
        Connection(e("battery", "voltage"), e("cycler", "battery_voltage")),
        Connection(e("cycler", "battery_current"), e("battery", "current")),
        Connection(e("thermal", "core_temperature"), e("battery", "temperature")),
        Connection(e("battery", "heat_generation"), e("thermal", "heat_generation")),
        Connection(e("cycler", "battery_current"), e("sensors", "current")),
        Connection(e("battery", "voltage"), e("sensors", "voltage")),
        Connection(e("thermal", "surface_temperature"), e("sensors", "surface_temperature")),
        *(Connection(e("sensors", f"measured_{name}"), e(twin, f"measured_{name}"))
          for twin in twins for name in MEASURED),
    ]


def bond() -> PowerBond:
    """The battery -> cycler power bond (effort: the cycler's voltage input, flow: the battery's current)."""
    return PowerBond(BOND, source="battery", sink="cycler",
                     effort=Endpoint("cycler", "battery_voltage"), flow=Endpoint("battery", "current"))
