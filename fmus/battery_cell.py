"""BatteryCell: an SPMe lithium-ion pack of n_series x n_parallel cells (LG M50 defaults).

Coupling. ``current`` (pack, > 0 discharges) and ``temperature`` (of every
cell) are held over each communication step: ``doStep(t, h)`` advances the
model from t to t + h with the values set before the call. After the step every
output is the value at t + h, with the held inputs. ``voltage``, ``power``,
``heat_generation``, ``ocv``, ``plating_overpotential`` and the eight
``*_overpotential`` outputs (ocv - voltage split by process) depend directly on
the inputs (the terminal voltage moves at once with the current): set a new
``current`` or ``temperature`` and read them again without a step, and they
are recomputed for the present state and the new inputs (``evaluate``).
``heat_generation`` and ``power`` are values at that instant, not means over
the step. The remaining outputs are states and change only with a step.

Microstructure. Each region's electrolyte transport efficiency is eps**b
(Bruggeman) unless its ``*_tortuosity`` parameter is set: 0 (the start value)
means "use Bruggeman", a value >= 1 is a measured tortuosity factor tau and
the efficiency becomes eps / tau. Values between 0 and 1 are refused.

Refusals. A non-finite input, a temperature outside the validity range, a
current beyond ``max_c_rate`` of the pack (``max_c_rate`` x 5 A.h x
``n_parallel`` either way) or a parameter outside its bounds is refused at
once with fmi2Error naming it, and the input keeps its last accepted value. A
step that would over-discharge or over-charge a particle (stoichiometry out
of [0, 1]) or deplete the electrolyte returns fmi2Discard: the state is left
at t, so the host may retry with a shorter step or a smaller current.

``soc`` is on PyBaMM's scale (1 at OCV 4.2 V, 0 at 2.5 V); the particles
allow a little beyond both ends (about -0.03 to 1.10 for the LG M50), so it
carries no min/max.
"""
import math

from pythonfmu.default_experiment import DefaultExperiment

from btwin.models.battery import BatteryParameters, Overpotentials, SPMeBattery
from btwin.models.battery.short import ShortedBattery

from .declarations import Limit, input_, output, parameter
from .slave import BtwinSlave

_DEFAULT = BatteryParameters()
_INPUTS = ("current", "temperature")
_REGIONS = ("negative_electrode", "separator", "positive_electrode")
_SIDES = ("negative", "positive")


def _region_parameters():
    for region in _REGIONS:
        label = region.replace("_", " ")
        yield parameter(f"{region}_porosity", "1", getattr(_DEFAULT, f"{region}_porosity"),
                        f"Electrolyte volume fraction of the {label}", min=0.0, max=1.0)
        yield parameter(f"{region}_bruggeman", "1", getattr(_DEFAULT, f"{region}_bruggeman"),
                        f"Bruggeman exponent b of the {label}: transport efficiency eps**b", min=0.0)
        yield parameter(f"{region}_tortuosity", "1", 0.0,
                        f"Measured tortuosity factor tau of the {label} (>= 1, efficiency eps/tau); "
                        "0: use the Bruggeman exponent", min=0.0)
        yield parameter(f"{region}_thickness", "m", getattr(_DEFAULT, f"{region}_thickness"),
                        f"Thickness of the {label}", min=0.0)


def _electrode_parameters():
    for side in _SIDES:
        yield parameter(f"{side}_particle_radius", "m", getattr(_DEFAULT, f"{side}_particle_radius"),
                        f"Radius of the representative {side} active-material particle", min=0.0)
        yield parameter(f"{side}_active_material_fraction", "1",
                        getattr(_DEFAULT, f"{side}_active_material_fraction"),
                        f"Active-material volume fraction of the {side} electrode "
                        "(specific surface area 3 eps_s / R follows)", min=0.0, max=1.0)


_PARAMETERS = (
    parameter("initial_soc", "1", _DEFAULT.initial_soc,
              "State of charge at start, PyBaMM's scale (1: OCV 4.2 V, 0: OCV 2.5 V)", min=0.0, max=1.0),
    parameter("n_series", None, _DEFAULT.n_series, "Cells in series", type=int, min=1),
    parameter("n_parallel", None, _DEFAULT.n_parallel, "Cells in parallel", type=int, min=1),
    parameter("max_c_rate", "1/h", _DEFAULT.max_c_rate,
              f"Largest |current| accepted, in C-rate of the pack's {_DEFAULT.nominal_capacity:g} A.h cells: "
              "|current| <= max_c_rate x nominal capacity x n_parallel", min=0.0, max=100.0),
    *_region_parameters(),
    *_electrode_parameters(),
    parameter("negative_particle_diffusivity", "m2/s", _DEFAULT.negative_particle_diffusivity,
              "Solid diffusivity of the negative particles (Chen 2020 at 298.15 K)", min=0.0),
    parameter("negative_reaction_rate_factor", "1", 1.0,
              "Factor on the negative reaction rate constant (Chen 2020: 6.48e-7 A/m2 (m3/mol)^1.5)", min=0.0),
    parameter("sei_enabled", None, _DEFAULT.sei_enabled,
              "SEI growth (solvent-diffusion limited) consumes lithium and adds a film resistance",
              type=bool),
    parameter("plating_enabled", None, _DEFAULT.plating_enabled,
              "Partially reversible lithium plating and stripping on the negative particles (O'Kane 2022); "
              "dead lithium counts in capacity_loss", type=bool),
    parameter("sei_initial_thickness", "m", _DEFAULT.sei_initial_thickness,
              "SEI film thickness at start (an aged cell has a thicker film, hence more film resistance)",
              min=0.0),
    parameter("lost_lithium_inventory", "A.h", 0.0, "Cyclable lithium an aged cell has lost before the "
              "start, per cell: it narrows the stoichiometry window (capacity fade)", min=0.0),
    parameter("contact_resistance", "Ohm", 0.0, "Tab, weld and collector resistance outside the "
              "electrochemistry, per cell", min=0.0),
    parameter("resistance_growth", "1", 0.0, "Fractional growth of the ohmic and charge-transfer "
              "resistances of an aged cell (0.3: 30 % more)", min=0.0),
)
_SHORT = (
    parameter("internal_short_resistance", "Ohm", 0.0, "Fault: internal short across every cell "
              "from internal_short_time on (self-discharge and V^2/R heat); 0: no short", min=0.0),
    parameter("internal_short_time", "s", 0.0, "Fault: time the internal short appears", min=0.0),
)
_MODEL_FIELDS = tuple(var.name for var in _PARAMETERS if not var.name.endswith(("_tortuosity", "_factor")))

_AT_END = ", at the end of the last step"
_NOW = ", for the present state and inputs"
_OUTPUTS = (
    output("voltage", "V", "Pack terminal voltage" + _NOW, depends_on=_INPUTS),
    output("power", "W", "Pack electrical power, voltage x current, > 0 delivered" + _NOW,
           depends_on=_INPUTS),
    output("heat_generation", "W", "Heat generated in the whole pack, irreversible + reversible" + _NOW,
           depends_on=_INPUTS),
    output("ocv", "V", "Pack open-circuit voltage of the relaxed (mean) stoichiometries" + _NOW,
           depends_on=("temperature",)),
    output("plating_overpotential", "V", "phi_s - phi_e vs Li/Li+ at the negative electrode/separator "
           "interface; lithium plating is favoured below 0" + _NOW, depends_on=_INPUTS),
    output("soc", "1", "State of charge, PyBaMM's scale (1: OCV 4.2 V, 0: OCV 2.5 V)" + _AT_END),
    output("capacity_loss", "A.h", "Pack capacity lost to SEI growth and dead lithium since the start"
           + _AT_END, min=0.0),
    output("plated_lithium", "A.h", "Lithium plated reversibly on the negative electrode (pack, as charge); "
           "it strips back into the particles at rest or on discharge" + _AT_END, min=0.0),
)

# What the pack loses to each process, as the model splits ocv - voltage
_LOSSES = {
    "electrolyte_ohmic": "ionic conduction in the electrolyte of electrodes and separator",
    "solid_ohmic": "electronic conduction in the electrodes and the contact",
    "sei_film": "Li+ conduction through the SEI film",
    "negative_kinetic": "the reaction (Butler-Volmer) at the negative electrode",
    "positive_kinetic": "the reaction (Butler-Volmer) at the positive electrode",
    "negative_diffusion": "solid diffusion in the negative particles (OCP at the surface against the mean)",
    "positive_diffusion": "solid diffusion in the positive particles (OCP at the surface against the mean)",
    "electrolyte_concentration": "salt concentration gradients in the electrolyte (diffusion potential)",
}
assert tuple(_LOSSES) == Overpotentials._fields
_OVERPOTENTIALS = tuple(
    output(f"{name}_overpotential", "V", f"Pack voltage lost to {meaning}, > 0 on discharge; the "
           "eight overpotentials sum to ocv - voltage" + _NOW, depends_on=_INPUTS)
    for name, meaning in _LOSSES.items())

# Internal-state summaries cost a pass over the particle and electrolyte
# profiles (~20 us): computed only when read, once per state.
_SUMMARIES = {
    "negative_stoichiometry": (
        output("negative_stoichiometry", "1", "Mean lithium stoichiometry of the negative particles"
               + _AT_END, min=0.0, max=1.0), lambda i: i["negative_mean_stoichiometry"]),
    "positive_stoichiometry": (
        output("positive_stoichiometry", "1", "Mean lithium stoichiometry of the positive particles"
               + _AT_END, min=0.0, max=1.0), lambda i: i["positive_mean_stoichiometry"]),
    "electrolyte_concentration_min": (
        output("electrolyte_concentration_min", "mol/m3", "Lowest electrolyte concentration across "
               "the cell (depletion shows here)" + _AT_END, min=0.0),
        lambda i: float(i["electrolyte_concentration"].min())),
    "electrolyte_concentration_max": (
        output("electrolyte_concentration_max", "mol/m3", "Highest electrolyte concentration across "
               "the cell" + _AT_END, min=0.0), lambda i: float(i["electrolyte_concentration"].max())),
    "sei_thickness": (
        output("sei_thickness", "m", "SEI film thickness on the negative particles" + _AT_END, min=0.0),
        lambda i: i["sei_thickness"]),
}


def _summary(pick):
    def get(self):
        if self.model is None:
            return math.nan
        if self._internals is None:
            self._internals = self.model.internals()
        return pick(self._internals)
    return property(get, lambda self, value: None)  # the value is the model's; writes are ignored


def _overpotential(index):
    def get(self):
        if self.model is None:
            return 0.0
        if self._overpotentials is None:  # the master reads all eight at once: split once
            self._overpotentials = self.model.overpotentials()
        return self._overpotentials[index]
    return property(get, lambda self, value: None)  # from the model's last evaluation


class BatteryCell(BtwinSlave):
    description = ("SPMe lithium-ion pack (n_series x n_parallel LG M50 21700 cells, Chen 2020): particle "
                   "and electrolyte diffusion, Butler-Volmer kinetics, SEI ageing, plating overpotential, "
                   "heat; current and temperature held over each step, voltage with direct feedthrough")
    default_experiment = DefaultExperiment(start_time=0.0, stop_time=3600.0, step_size=1.0)
    variables = (
        input_("current", "A", 0.0, "Pack current, > 0 discharges; held over each step; "
               f"|current| <= max_c_rate x {_DEFAULT.nominal_capacity:g} A.h x n_parallel"),
        input_("temperature", "K", _DEFAULT.initial_temperature, "Temperature of every cell; held over "
               "each step", min=_DEFAULT.minimum_temperature, max=_DEFAULT.maximum_temperature),
        *_OUTPUTS,
        *(var for var, _ in _SUMMARIES.values()),
        *_OVERPOTENTIALS,
        *_PARAMETERS,
        *_SHORT,
    )
    _internals = None  # the model's internals() for the present state, once read
    _overpotentials = None  # the model's overpotentials() at its last evaluation, once read

    def create_model(self) -> SPMeBattery:
        self._internals = self._overpotentials = None
        tortuosities = {f"{r}_tortuosity": getattr(self, f"{r}_tortuosity") or None for r in _REGIONS}
        battery = SPMeBattery(BatteryParameters(
            **{name: getattr(self, name) for name in _MODEL_FIELDS}, **tortuosities,
            negative_reaction_rate=_DEFAULT.negative_reaction_rate * self.negative_reaction_rate_factor,
            initial_temperature=self.temperature))
        if self.internal_short_resistance > 0.0:
            return ShortedBattery(battery, self.internal_short_resistance, self.internal_short_time)
        return battery

    def input_limits(self) -> dict[str, Limit]:
        largest = self.max_c_rate * _DEFAULT.nominal_capacity * self.n_parallel
        basis = (f"{self.max_c_rate:g} C of {self.n_parallel} parallel cells of "
                 f"{_DEFAULT.nominal_capacity:g} A.h, max_c_rate")
        return {"current": Limit.symmetric(largest, basis)}

    def read_outputs(self) -> None:
        self._write(self.model.evaluate(self.current, self.temperature))

    def advance(self, current_time: float, step_size: float) -> None:
        self._internals = None
        self._write(self.model.step(step_size, self.current, self.temperature))

    def _write(self, out) -> None:
        self._overpotentials = None
        self.voltage = out.voltage
        self.power = out.voltage * self.current
        self.heat_generation = out.heat_generation
        self.ocv = out.ocv
        self.plating_overpotential = out.plating_overpotential
        self.soc = out.soc
        self.capacity_loss = out.capacity_loss
        self.plated_lithium = out.plated_lithium

    def _set_fmu_state(self, state):
        super()._set_fmu_state(state)
        self._internals = self._overpotentials = None


for _name, (_, _pick) in _SUMMARIES.items():
    setattr(BatteryCell, _name, _summary(_pick))
for _index, _var in enumerate(_OVERPOTENTIALS):
    setattr(BatteryCell, _var.name, _overpotential(_index))
