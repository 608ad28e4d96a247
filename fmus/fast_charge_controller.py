"""FastChargeController: the twin's charge current, by nominal or tube MPC.

Coupling. Inputs are what a BMS has: ``soc`` and ``core_temperature`` (from
a StateEstimator, or the plant in a test rig), ``measured_voltage`` and
``measured_current`` of the pack, ``ambient_temperature``. Every
``control_period`` the controller solves its MPC
(:mod:`btwin.models.control.mpc`) with the inputs present at the start of
the step; ``current_setpoint`` (the pack current, < 0 charges, the sign of
the Charger's ``battery_current``) changes after that step and is held until
the next decision. Connect it to the Charger's ``current_setpoint`` with
``use_current_setpoint`` true. No output depends directly on an input.

``status``: 0 no decision yet, 1 optimal, 2 rest of the last plan (the solve
failed or ran past ``solve_budget``), 3 a safe constant current, 4 target
reached, 5 infeasible (a margin or limit no current meets); 4 and 5 command
zero current and log why. The predictions are 0 before the first decision.
"""
from pythonfmu.enums import Fmi2Status

from btwin.models.control import ControllerSettings, FastChargeController as Model, ReducedCellConfig
from btwin.models.thermal import ThermalParameters

from .declarations import input_, output, parameter
from .slave import BtwinSlave

_DEFAULT = ControllerSettings()
_THERMAL = ThermalParameters()
_STATUS = {"optimal": 1, "last plan": 2, "safe current": 3, "target reached": 4, "infeasible": 5}
_AFTER = ", from the last decision"


class FastChargeController(BtwinSlave):
    description = ("Fast-charge controller: nonlinear MPC (CasADi, SQP) on a reduced SPMe-thermal cell "
                   "model keeps the plating overpotential, core temperature and voltage within limits; "
                   "nominal or robust (tube over an uncertainty set); current_setpoint < 0 charges")
    variables = (
        input_("soc", "1", 0.5, "State of charge the controller acts on (estimated, PyBaMM's scale)"),
        input_("core_temperature", "K", 298.15, "Cell core temperature (estimated)", min=0.0),
        input_("measured_voltage", "V", 3.7, "Measured pack terminal voltage", min=0.0),
        input_("measured_current", "A", 0.0, "Measured pack current, > 0 discharges"),
        input_("ambient_temperature", "K", 298.15, "Temperature of the air or coolant around the cells",
               min=0.0),
        output("current_setpoint", "A", "Commanded pack current, < 0 charges" + _AFTER, max=0.0),
        output("predicted_plating_overpotential", "V",
               "Plating overpotential the nominal model predicts at the end of the next period" + _AFTER),
        output("worst_predicted_plating_overpotential", "V",
               "Lowest plating overpotential over the model bank (the tube's edge; nominal mode: "
               "the nominal one)" + _AFTER),
        output("plating_tightening", "V", "predicted minus worst predicted plating overpotential: "
               "how far the tube tightens the plating constraint" + _AFTER, min=0.0),
        output("solve_time", "s", "Wall time of the last decision", min=0.0),
        output("status", None, "Last decision: 0 none yet, 1 optimal, 2 last plan, 3 safe current, "
               "4 target reached, 5 infeasible", type=int, min=0, max=5),
        parameter("target_soc", "1", _DEFAULT.target_soc, "Charge ends at this state of charge",
                  min=0.0, max=1.0),
        parameter("plating_margin", "V", _DEFAULT.plating_margin,
                  "Least plating overpotential allowed (0: plating threshold)"),
        parameter("max_core_temperature", "K", _DEFAULT.max_core_temperature,
                  "Highest core temperature allowed (45 degC: LG M50 charge limit)", min=0.0),
        parameter("max_voltage", "V", _DEFAULT.max_voltage, "Highest cell voltage allowed", min=0.0),
        parameter("max_charge_current", "A", _DEFAULT.max_charge_current,
                  "Largest pack charge current (the charger's limit), a magnitude", min=0.0),
        parameter("mode", None, _DEFAULT.mode, "nominal: the nominal model; tube: robust over the "
                  "uncertainty set's corners", type=str),
        parameter("horizon", "s", _DEFAULT.horizon, "Prediction horizon", min=0.0),
        parameter("control_period", "s", _DEFAULT.control_period, "Time between decisions", min=0.0),
        parameter("solve_budget", "s", _DEFAULT.solve_budget,
                  "Wall time a solve may take before the fallback is used", min=0.0),
        parameter("n_series", None, 1, "Cells in series", type=int, min=1),
        parameter("n_parallel", None, 1, "Cells in parallel", type=int, min=1),
        parameter("surface_to_ambient_resistance", "K/W", _THERMAL.surface_to_ambient_resistance,
                  "R_u of one cell in the controller's thermal model (cooling it assumes)", min=0.0),
    )

    def create_model(self) -> Model:
        settings = ControllerSettings(
            target_soc=self.target_soc, plating_margin=self.plating_margin,
            max_core_temperature=self.max_core_temperature, max_voltage=self.max_voltage,
            max_charge_current=self.max_charge_current / self.n_parallel, mode=self.mode,
            horizon=self.horizon, control_period=self.control_period, solve_budget=self.solve_budget)
        config = ReducedCellConfig(
            thermal=ThermalParameters(surface_to_ambient_resistance=self.surface_to_ambient_resistance))
        return Model(settings, config, self.n_series, self.n_parallel)

    def read_outputs(self) -> None:
        out = self.model.outputs
        self.current_setpoint = out.current_setpoint
        self.predicted_plating_overpotential = _finite(out.predicted_plating_overpotential)
        self.worst_predicted_plating_overpotential = _finite(out.worst_predicted_plating_overpotential)
        self.plating_tightening = max(0.0, self.predicted_plating_overpotential
                                      - self.worst_predicted_plating_overpotential)
        self.solve_time = out.solve_time
        self.status = _STATUS.get(out.status.split(":")[0], 0)

    def advance(self, current_time: float, step_size: float) -> None:
        old = self.status
        self.model.step(step_size, self.soc, self.core_temperature, self.measured_voltage,
                        self.measured_current, self.ambient_temperature)
        self.read_outputs()
        if self.status != old and self.status != 1:  # a fallback or zero current: say why
            self.log(f"t={current_time:g} s: {self.model.outputs.status}", Fmi2Status.warning)


def _finite(value: float) -> float:
    return value if value == value else 0.0  # NaN before the first decision
