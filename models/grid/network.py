"""Equipment data and the topology of a low-voltage radial feeder.

Cable and transformer data are the standard types of pandapower 3.5.6
(``pandapower/std_types.py``, by type name). They are copied here as
numbers, with their type names, so that the model needs no pandapower at
run time; ``tests/models/test_grid_feeder.py`` checks that
they still agree with the installed pandapower.
"""
from dataclasses import dataclass

from .. import checks


@dataclass(frozen=True)
class CableType:
    """Positive-sequence data of a three-phase cable, per km and per circuit."""

    name: str
    r_ohm_per_km: float
    x_ohm_per_km: float
    c_nf_per_km: float
    max_i_ka: float  # thermal current rating of one circuit

    def __post_init__(self):
        for attribute in ("r_ohm_per_km", "max_i_ka"):
            checks.positive(f"{self.name}.{attribute}", getattr(self, attribute))
        for attribute in ("x_ohm_per_km", "c_nf_per_km"):
            checks.non_negative(f"{self.name}.{attribute}", getattr(self, attribute))


@dataclass(frozen=True)
class TransformerType:
    """Two-winding distribution transformer, short-circuit and no-load test data."""

    name: str
    sn_va: float  # rated apparent power
    vn_hv_v: float  # rated line-to-line voltage, HV side
    vn_lv_v: float  # rated line-to-line voltage, LV side
    vk_percent: float  # short-circuit voltage
    vkr_percent: float  # resistive part of the short-circuit voltage (copper losses)
    pfe_w: float  # no-load (iron) losses
    i0_percent: float  # no-load current

    def __post_init__(self):
        for attribute in ("sn_va", "vn_hv_v", "vn_lv_v", "vk_percent"):
            checks.positive(f"{self.name}.{attribute}", getattr(self, attribute))
        for attribute in ("vkr_percent", "pfe_w", "i0_percent"):
            checks.non_negative(f"{self.name}.{attribute}", getattr(self, attribute))
        if self.vkr_percent >= self.vk_percent:
            raise ValueError(f"{self.name}.vkr_percent must be < vk_percent, got "
                             f"{self.vkr_percent!r} >= {self.vk_percent!r}")


# pandapower 3.5.6 standard line types "NAYY 4x... SE" (PVC-insulated aluminium
# 0.6/1 kV four-core cables, per-circuit positive-sequence data).
NAYY_4X150_SE = CableType("NAYY 4x150 SE", r_ohm_per_km=0.208, x_ohm_per_km=0.080,
                          c_nf_per_km=261.0, max_i_ka=0.270)
NAYY_4X120_SE = CableType("NAYY 4x120 SE", r_ohm_per_km=0.225, x_ohm_per_km=0.080,
                          c_nf_per_km=264.0, max_i_ka=0.242)
NAYY_4X50_SE = CableType("NAYY 4x50 SE", r_ohm_per_km=0.642, x_ohm_per_km=0.083,
                         c_nf_per_km=210.0, max_i_ka=0.142)

# pandapower 3.5.6 standard transformer types "0.4 MVA 20/0.4 kV" and "0.63 MVA 20/0.4 kV".
TRAFO_400KVA_20_04 = TransformerType("0.4 MVA 20/0.4 kV", sn_va=400e3, vn_hv_v=20e3,
                                     vn_lv_v=400.0, vk_percent=6.0, vkr_percent=1.425,
                                     pfe_w=1350.0, i0_percent=0.3375)
TRAFO_630KVA_20_04 = TransformerType("0.63 MVA 20/0.4 kV", sn_va=630e3, vn_hv_v=20e3,
                                     vn_lv_v=400.0, vk_percent=6.0, vkr_percent=1.206,
                                     pfe_w=1650.0, i0_percent=0.2619)


@dataclass(frozen=True)
class Line:
    """A cable section from ``from_bus`` (nearer the transformer) to ``to_bus``."""

    name: str
    from_bus: str
    to_bus: str
    cable: CableType
    length_km: float
    parallel: int = 1  # identical circuits laid in parallel

    def __post_init__(self):
        checks.positive(f"line {self.name!r} length_km", self.length_km)
        if int(self.parallel) != self.parallel or self.parallel < 1:
            raise ValueError(f"line {self.name!r} parallel must be an integer >= 1, "
                             f"got {self.parallel!r}")


@dataclass(frozen=True)
class LoadPoint:
    """A connection point: constant-power load at ``bus`` with a lagging power factor."""

    name: str
    bus: str
    power_factor: float = 1.0  # displacement factor cos(phi), inductive

    def __post_init__(self):
        checks.fraction(f"load {self.name!r} power_factor", self.power_factor, open_low=True)


BUSBAR = "lv_busbar"  # the transformer's LV terminal; every line tree starts here

# Default feeder: an industrial-park LV cable network with a factory, a DC fast
# charger and a residential street. Lengths and the cable choice are a design
# assumption of this project (typical German urban LV practice: NAYY 4x150 mains,
# thinner branches, sections of 50-200 m, cf. the Kerber "Vorstadtnetz" feeders
# in pandapower.networks); the equipment data are the standard types above.
DEFAULT_LINES = (
    Line("factory_cable", BUSBAR, "factory", NAYY_4X150_SE, length_km=0.10, parallel=2),
    Line("main_cable", BUSBAR, "cabinet_1", NAYY_4X150_SE, length_km=0.15),
    Line("charger_cable", "cabinet_1", "charger", NAYY_4X150_SE, length_km=0.05),
    Line("street_cable", "cabinet_1", "cabinet_2", NAYY_4X120_SE, length_km=0.20),
    Line("house_cable", "cabinet_2", "residential", NAYY_4X50_SE, length_km=0.10),
)
DEFAULT_LOADS = (
    LoadPoint("factory", "factory", power_factor=0.90),  # VDE-AR-N 4100:2019 minimum cos(phi) 0.9
    LoadPoint("charger", "charger", power_factor=0.96),  # ABB Terra 54 data sheet: PF > 0.96
    LoadPoint("residential", "residential", power_factor=0.97),  # assumption: household mix
)


@dataclass(frozen=True)
class FeederParameters:
    """Everything that defines a feeder; checked when a GridFeeder is built."""

    transformer: TransformerType = TRAFO_630KVA_20_04
    lines: tuple = DEFAULT_LINES
    loads: tuple = DEFAULT_LOADS
    # MV supply (Thevenin equivalent at the transformer's HV terminal).
    source_voltage_pu: float = 1.0  # nominal MV voltage; a tap-changer set point would go here
    # Assumption: the lower end of 20 kV supply points (typically 100-500 MVA).
    source_short_circuit_power_va: float = 100e6
    source_r_over_x: float = 0.1  # IEC 60909-0:2016 sec. 6.2: R_Q = 0.1 X_Q when unknown
    frequency_hz: float = 50.0  # EN 50160 nominal frequency
    # Limits for the flags: EN 50160:2010 sec. 4.2.2, supply voltage within +-10 % of nominal.
    v_min_pu: float = 0.90
    v_max_pu: float = 1.10
    # Solver: voltage change between iterations below this (pu) counts as converged.
    tolerance_pu: float = 1e-10
    max_iterations: int = 200

    def __post_init__(self):
        object.__setattr__(self, "loads", tuple(self.loads))
        object.__setattr__(self, "lines", radial_order(tuple(self.lines)))
        self._check_numbers()
        self._check_names()

    def _check_numbers(self):
        checks.positive("source_voltage_pu", self.source_voltage_pu)
        checks.positive("source_short_circuit_power_va", self.source_short_circuit_power_va)
        checks.non_negative("source_r_over_x", self.source_r_over_x)
        checks.positive("frequency_hz", self.frequency_hz)
        checks.positive("v_min_pu", self.v_min_pu)
        if checks.positive("v_max_pu", self.v_max_pu) <= self.v_min_pu:
            raise ValueError(f"v_max_pu must exceed v_min_pu, got {self.v_max_pu!r} "
                             f"<= {self.v_min_pu!r}")
        checks.positive("tolerance_pu", self.tolerance_pu)
        if int(self.max_iterations) != self.max_iterations or self.max_iterations < 1:
            raise ValueError(f"max_iterations must be an integer >= 1, got {self.max_iterations!r}")

    def _check_names(self):
        if not self.loads:
            raise ValueError("loads must hold at least one LoadPoint")
        load_names = [load.name for load in self.loads]
        if len(set(load_names)) != len(load_names):
            raise ValueError(f"load names must be unique, got {load_names}")
        buses = self.bus_names()
        for load in self.loads:
            if load.bus not in buses:
                raise ValueError(f"load {load.name!r} is at unknown bus {load.bus!r}; "
                                 f"buses are {list(buses)}")

    def bus_names(self):
        """LV buses in tree order (every bus after the one that feeds it), the busbar first."""
        return (BUSBAR,) + tuple(line.to_bus for line in self.lines)


def radial_order(lines):
    """Return ``lines`` sorted so that each line's from_bus is already fed.

    Raises ValueError if the lines do not form one tree rooted at the busbar:
    a bus fed twice (a mesh), a line from a bus nobody feeds, duplicate names.
    """
    if not lines:
        raise ValueError("lines must hold at least one Line")
    names = [line.name for line in lines]
    if len(set(names)) != len(names):
        raise ValueError(f"line names must be unique, got {names}")
    fed_by = {}
    for line in lines:
        if line.to_bus == BUSBAR or line.to_bus in fed_by:
            raise ValueError(f"line {line.name!r} feeds bus {line.to_bus!r}, which is already "
                             "fed: the feeder must be radial")
        fed_by[line.to_bus] = line
    ordered, fed, pending = [], {BUSBAR}, list(lines)
    while pending:
        ready = [line for line in pending if line.from_bus in fed]
        if not ready:
            raise ValueError(f"lines {[l.name for l in pending]} are not connected to "
                             f"{BUSBAR!r} (from buses {[l.from_bus for l in pending]})")
        ordered += ready
        fed.update(line.to_bus for line in ready)
        pending = [line for line in pending if line not in ready]
    return tuple(ordered)
