"""GridFeeder: a low-voltage radial feeder behind a distribution transformer, one power flow per step.

Network. The default feeder of :mod:`btwin.models.grid.network`: a 20/0.4 kV
transformer, NAYY cables and three load connection points, whose active
powers [W] are the inputs ``load_power_<point>`` (> 0 draws; a negative value
feeds in; the reactive power follows from the point's power factor). The
transformer's data and the MV supply are parameters; the cables are fixed.

Coupling. The feeder is algebraic, so every output depends directly on the
three inputs: set new load powers and read an output, and the power flow is
solved for them at once (no state changes). ``doStep(t, h)`` solves it for the
loads held over [t, t + h] and books the energies; ``feeder_power`` is then
the sum of the loads plus ``losses`` exactly.

No solution. A load beyond what the feeder can carry (voltage collapse) makes
``doStep`` return fmi2Discard with a message naming the load point, its bus
and the powers; the state stays at t. Reading outputs for such loads logs a
warning with the same message and leaves them at the last solution.
"""
from pythonfmu.default_experiment import DefaultExperiment
from pythonfmu.enums import Fmi2Status

from btwin.models.errors import StepRejected
from btwin.models.grid import FeederParameters, GridFeeder as Model, TransformerType

from . import parameter_map
from .bounds import MAX_LOAD_PER_RATING
from .declarations import Limit, input_, output, parameter
from .slave import BtwinSlave

_DEFAULT = FeederParameters()
_TRAFO = _DEFAULT.transformer
_LOAD_POINTS = tuple(load.name for load in _DEFAULT.loads)
_INPUTS = tuple(f"load_power_{name}" for name in _LOAD_POINTS)
_BUSES = _DEFAULT.bus_names()
_POINT_BUSES = [_BUSES.index(load.bus) for load in _DEFAULT.loads]
# FMU parameter -> FeederParameters field
_SUPPLY_AND_LIMITS = {
    "source_voltage_pu": "source_voltage_pu",
    "source_short_circuit_power": "source_short_circuit_power_va",
    "source_r_over_x": "source_r_over_x",
    "undervoltage_limit": "v_min_pu",
    "overvoltage_limit": "v_max_pu",
}
# FMU parameter -> TransformerType field (the FMU's per-unit values are set in percent beside these)
_TRANSFORMER = {"transformer_rating": "sn_va", "nominal_voltage": "vn_lv_v", "transformer_iron_losses": "pfe_w"}
_FLAGS = ("undervoltage", "overvoltage", "transformer_overload", "line_overload", "limit_violated")


def _load_inputs():
    for load in _DEFAULT.loads:
        yield input_(f"load_power_{load.name}", "W", 0.0,
                     f"Active power drawn at load point {load.name!r} (bus {load.bus!r}, power factor "
                     f"{load.power_factor:g} inductive); < 0 feeds in; |power| <= "
                     f"{MAX_LOAD_PER_RATING:g} x transformer_rating")


def _solved(name, unit, description, **kw):
    return output(name, unit, description, depends_on=_INPUTS, **kw)


def _point_voltages():
    for load in _DEFAULT.loads:
        yield _solved(f"voltage_{load.name}", "V", f"Line-to-line voltage at load point {load.name!r}",
                      min=0.0)


class GridFeeder(BtwinSlave):
    description = ("Low-voltage radial feeder behind a 20/0.4 kV transformer with three load points; "
                   "balanced power flow each step (direct method), weakest bus voltage, losses, transformer "
                   "loading and limit flags; outputs depend directly on the load powers")
    default_experiment = DefaultExperiment(start_time=0.0, stop_time=86400.0, step_size=60.0)
    variables = (
        *_load_inputs(),
        _solved("bus_voltage", "V", "Line-to-line voltage of the weakest LV bus", min=0.0),
        _solved("weakest_bus", None, "Index of the weakest LV bus: "
                + ", ".join(f"{i} {bus}" for i, bus in enumerate(_BUSES)), type=int, min=0,
                max=len(_BUSES) - 1),
        *_point_voltages(),
        _solved("feeder_power", "W", "Active power into the transformer's MV terminal: "
                "sum of the loads + losses"),
        _solved("feeder_reactive_power", "var", "Reactive power into the transformer's MV terminal"),
        _solved("losses", "W", "Transformer (copper and iron) and cable losses", min=0.0),
        _solved("transformer_loading", "1", "Transformer current over its rated current", min=0.0),
        _solved("max_line_loading", "1", "Largest cable current over its rating", min=0.0),
        _solved("undervoltage", None, "Some LV bus is below undervoltage_limit", type=bool),
        _solved("overvoltage", None, "Some LV bus is above overvoltage_limit", type=bool),
        _solved("transformer_overload", None, "transformer_loading > 1", type=bool),
        _solved("line_overload", None, "max_line_loading > 1", type=bool),
        _solved("limit_violated", None, "Any of the four limit flags", type=bool),
        output("feeder_energy", "J", "Energy into the transformer since the start"),
        output("loss_energy", "J", "Energy lost in transformer and cables since the start", min=0.0),
        parameter("nominal_voltage", "V", _TRAFO.vn_lv_v,
                  "Nominal line-to-line voltage of the LV network (transformer LV rating)", min=0.0),
        parameter("source_voltage_pu", "1", _DEFAULT.source_voltage_pu,
                  "MV supply voltage per unit of the transformer's HV rating", min=0.0),
        parameter("source_short_circuit_power", "V.A", _DEFAULT.source_short_circuit_power_va,
                  "Short-circuit power of the MV supply; sets the source impedance", min=0.0),
        parameter("source_r_over_x", "1", _DEFAULT.source_r_over_x, "R/X ratio of the source impedance",
                  min=0.0),
        parameter("transformer_rating", "V.A", _TRAFO.sn_va, "Rated apparent power of the transformer",
                  min=0.0),
        parameter("transformer_short_circuit_voltage", "1", _TRAFO.vk_percent / 100.0,
                  "Short-circuit voltage u_k per unit of rated voltage", min=0.0, max=1.0),
        parameter("transformer_short_circuit_resistance", "1", _TRAFO.vkr_percent / 100.0,
                  "Resistive part u_kR of the short-circuit voltage (copper losses), per unit", min=0.0,
                  max=1.0),
        parameter("transformer_iron_losses", "W", _TRAFO.pfe_w, "No-load (iron) losses of the transformer",
                  min=0.0),
        parameter("transformer_no_load_current", "1", _TRAFO.i0_percent / 100.0,
                  "No-load current per unit of rated current", min=0.0, max=1.0),
        parameter("undervoltage_limit", "1", _DEFAULT.v_min_pu, "Undervoltage flag below this, per unit",
                  min=0.0),
        parameter("overvoltage_limit", "1", _DEFAULT.v_max_pu, "Overvoltage flag above this, per unit",
                  min=0.0),
    )

    def create_model(self) -> Model:
        return Model(parameter_map.from_slave(FeederParameters, _SUPPLY_AND_LIMITS, self,
                                              transformer=self._transformer()))

    def _transformer(self) -> TransformerType:
        uk, ukr = self.transformer_short_circuit_voltage, self.transformer_short_circuit_resistance
        if not ukr < uk:
            raise ValueError(f"transformer_short_circuit_resistance ({ukr!r}) must be below "
                             f"transformer_short_circuit_voltage ({uk!r})")
        percent = {"vk_percent": 100.0 * uk, "vkr_percent": 100.0 * ukr,
                   "i0_percent": 100.0 * self.transformer_no_load_current}
        return parameter_map.from_slave(TransformerType, _TRANSFORMER, self, name="GridFeeder",
                                        vn_hv_v=_TRAFO.vn_hv_v, **percent)

    def input_limits(self) -> dict[str, Limit]:
        largest = MAX_LOAD_PER_RATING * self.transformer_rating
        basis = f"{MAX_LOAD_PER_RATING:g} x transformer_rating {self.transformer_rating:g} V.A, IEC 60076-7"
        return {name: Limit.symmetric(largest, basis) for name in _INPUTS}

    def read_outputs(self) -> None:
        try:
            self._write(self.model.solve(self._loads()))
        except StepRejected as error:
            self.log(f"outputs keep the last solution: {error}", Fmi2Status.warning)
        self._write_energies()

    def advance(self, current_time: float, step_size: float) -> None:
        self._write(self.model.step(step_size, self._loads()))
        self._write_energies()

    def _loads(self):
        return [getattr(self, name) for name in _INPUTS]

    def _write(self, result) -> None:
        self.bus_voltage = result.bus_voltage_v
        self.weakest_bus = _BUSES.index(result.weakest_bus)
        for name, voltage in zip(_LOAD_POINTS, result.bus_voltages_v[_POINT_BUSES]):
            setattr(self, f"voltage_{name}", float(voltage))
        self.feeder_power = result.feeder_power_w
        self.feeder_reactive_power = result.feeder_reactive_power_var
        self.losses = result.losses_w
        self.transformer_loading = result.transformer_loading
        self.max_line_loading = float(result.line_loadings.max())
        for flag in _FLAGS:
            setattr(self, flag, bool(getattr(result, flag)))

    def _write_energies(self) -> None:
        state = self.model.get_state()
        self.feeder_energy = state["energy_feeder_j"]
        self.loss_energy = state["energy_losses_j"]
