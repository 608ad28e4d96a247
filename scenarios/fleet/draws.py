"""The fleet's vehicles: what the factory made (a pack's capacity, resistance
and thermal contact scatter around the design) and how each is used (cycle,
daily distance, climate, charging habit). Every draw comes from a seed that
names the vehicle (and the day), so a vehicle is the same whatever the fleet
size, the worker or the order in which days are computed.

Spreads (one standard deviation, relative):
  * capacity 0.3 %: production cells scatter by 0.2-0.3 % in capacity
    (Wildfeuer & Lienkamp, eTransportation 9 (2021) 100129, their review of
    recent batches); drawn as the coating thickness (loading) of both
    electrodes, which moves capacity and reaction area together;
  * contact resistance: impedance scatters by 0.7-3.8 % between cells of a
    batch (the same review); here a pack's tab/weld/collector resistance
    per cell, mean 2 mOhm (assumption: a few mOhm per cell path in a module)
    with a 20 % spread (assumption, so that resistance differs visibly);
  * thermal contact: the cell-to-coolant resistance scatters 10 % (assumption);
  * aging: the SEI film's growth rate (its solvent diffusivity) scatters
    20 % (lognormal; assumption: cells of one batch aged alike fade at
    visibly different rates, Baumhoefer et al., J. Power Sources 247 (2014)
    332, "production caused variation in capacity aging trend"). The twins'
    law knows the nominal rate at the vehicle's temperature, not this
    factor: each vehicle's rate beyond the law is for the fleet to learn.
Usage: a cycle (WLTC, UDDS, HWFET), a daily distance (lognormal, median
40 km: the order of European daily car use, assumption), an ambient
temperature (uniform 10-25 degC: the range the edge twin was validated over
by ``twin_observer``, assumption), fast or
slow charging (30 % fast, assumption) and how deep the pack goes before it
is charged: half the owners plug in every evening, a quarter when the
dashboard would show less than 50 % after the day's drive, a quarter below
30 % (assumption: habits spread between daily top-ups and range-anxious
charging at about a third). Every charge ends full (CC-CV to the upper
cut-off, ``vehicle_day``); a day without a charge ends after the drive and
its rest, and the next starts where it ended, rested overnight.

Workshop checks: a share of the vehicles (20 % by default, assumption: a
fleet operator's sample) goes once, on a day drawn uniformly over the run,
to a workshop whose cycler measures the pack's capacity by a full
charge-discharge to within 0.5 % (one standard deviation, assumption: the
0.02-0.1 % of full-scale current accuracy of laboratory cyclers, widened for
a workshop's temperature and the cut-off's rest). That measures the plant;
the cloud may use it, the edge twin never sees it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

CYCLES = ("wltc", "udds", "hwfet")
CAPACITY_SPREAD = 0.003  # relative [Wildfeuer & Lienkamp 2021]
CONTACT_RESISTANCE_MEAN = 2.0e-3  # Ohm per cell, assumption
CONTACT_RESISTANCE_SPREAD = 0.2  # relative, assumption
THERMAL_SPREAD = 0.1  # relative, assumption
SEI_RATE_SPREAD = 0.2  # lognormal sigma of the SEI growth rate's factor, assumption (Baumhoefer et al. 2014)
MEDIAN_DAILY_KM = 40.0  # assumption
DAILY_KM_LOG_SPREAD = 0.5  # lognormal sigma, assumption
AMBIENT_RANGE_K = (283.15, 298.15)  # 10-25 degC, the edge twin's validated range, assumption
FAST_CHARGING_SHARE = 0.3  # assumption
# (charge when the SOC after the day's drive would fall below this, share of the owners); 1: every evening
CHARGING_HABITS = ((1.0, 0.5), (0.5, 0.25), (0.3, 0.25))  # assumption
WORKSHOP_SHARE = 0.2  # of the vehicles, each checked once, assumption
WORKSHOP_CAPACITY_STD = 0.005  # relative, one standard deviation of the workshop's capacity test, assumption
_WORKSHOP_STREAM = 1_000_003  # a word that keeps the workshop's draws apart from the vehicle's own


@dataclass(frozen=True)
class Vehicle:
    """One vehicle as built and as its owner uses it."""

    index: int
    loading_factor: float  # 1, scales both electrodes' coating thickness (active-material loading)
    contact_resistance: float  # Ohm per cell
    thermal_resistance_factor: float  # 1, scales the cell-to-ambient resistance
    cycle: str
    median_daily_km: float
    ambient_temperature: float  # K
    fast_charging: bool
    charge_below: float  # 1, the SOC after the day's drive below which the owner charges that evening (1: always)
    sei_rate_factor: float  # 1, scales the SEI film's solvent diffusivity, so its growth rate at a given thickness

    def as_dict(self) -> dict:
        return asdict(self)


def vehicle_rng(seed: int, vehicle: int, day: int | None = None) -> np.random.Generator:
    """The random stream of one vehicle (or of one vehicle-day)."""
    words = [seed, vehicle] if day is None else [seed, vehicle, day + 1]
    return np.random.default_rng(np.random.SeedSequence(words))


def draw_vehicle(seed: int, index: int) -> Vehicle:
    rng = vehicle_rng(seed, index)
    return Vehicle(
        index=index,
        loading_factor=float(1.0 + CAPACITY_SPREAD * rng.standard_normal()),
        contact_resistance=float(CONTACT_RESISTANCE_MEAN * max(0.2, 1.0 + CONTACT_RESISTANCE_SPREAD
                                                               * rng.standard_normal())),
        thermal_resistance_factor=float(max(0.5, 1.0 + THERMAL_SPREAD * rng.standard_normal())),
        cycle=CYCLES[int(rng.integers(len(CYCLES)))],
        median_daily_km=float(MEDIAN_DAILY_KM * np.exp(DAILY_KM_LOG_SPREAD * rng.standard_normal())),
        ambient_temperature=float(rng.uniform(*AMBIENT_RANGE_K)),
        fast_charging=bool(rng.random() < FAST_CHARGING_SHARE),
        # drawn last, so that every earlier draw of a vehicle is what it was before habits and aging were drawn
        charge_below=_habit(rng.random()),
        sei_rate_factor=float(np.exp(SEI_RATE_SPREAD * rng.standard_normal())),
    )


def _habit(u: float) -> float:
    """The charging threshold of ``CHARGING_HABITS`` at cumulative share u in [0, 1)."""
    total = 0.0
    for threshold, share in CHARGING_HABITS:
        total += share
        if u < total:
            return threshold
    return CHARGING_HABITS[-1][0]


def draw_fleet(seed: int, vehicles: int) -> list[Vehicle]:
    return [draw_vehicle(seed, i) for i in range(vehicles)]


def daily_distance_km(vehicle: Vehicle, seed: int, day: int) -> float:
    """Today's distance: the vehicle's median, scattered day to day (lognormal, sigma 0.3, assumption)."""
    rng = vehicle_rng(seed, vehicle.index, day)
    return float(vehicle.median_daily_km * np.exp(0.3 * rng.standard_normal()))


def workshop_day(seed: int, vehicle: int, days: int, share: float = WORKSHOP_SHARE) -> int | None:
    """The day the vehicle's capacity is checked at a workshop, or None:
    drawn from its own stream, so the checked vehicles do not depend on the
    fleet's size (their day does, on the run's length)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, vehicle, _WORKSHOP_STREAM]))
    checked, day = rng.random() < share, int(rng.integers(days))
    return day if checked else None


def workshop_capacity(seed: int, vehicle: int, day: int, true_capacity: float) -> float:
    """The workshop's reading of the plant's capacity: the truth with the
    test's error (``WORKSHOP_CAPACITY_STD``), seeded by the vehicle-day."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, vehicle, day + 1, _WORKSHOP_STREAM]))
    return float(true_capacity * (1.0 + WORKSHOP_CAPACITY_STD * rng.standard_normal()))
