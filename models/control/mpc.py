"""Fast-charge model predictive control on the reduced cell model.

Problem, every ``control_period`` (single shooting over N = horizon /
control_period intervals, charge current u_k >= 0 per cell held over each):

    maximise   sum_k soc_k  -  w sum_k (u_k - u_{k-1})^2 / I_max^2
    subject to plating_overpotential_k >= plating_margin
               core_temperature_k      <= max_core_temperature
               voltage_k + bias        <= max_voltage
               soc_k                   <= target_soc + 0.002
               0 <= u_k <= max_charge_current

for every model of the bank at the end of every interval (for a charging
current the plating overpotential and the voltage are worst at the end of an
interval: the surface concentration only rises while it is held). Maximising
the summed SOC is "reach the target soonest" for a horizon that does not
reach it; the small move penalty removes chattering where the constraints do
not pin the current.

Banks. ``mode="nominal"``: the nominal model alone. ``mode="tube"``: the
nominal model and the corners of the :class:`UncertaintySet` box that bound
a constraint, all driven by the same plan. This is a robust (min-max) MPC
over the vertices: the tightening of each nominal constraint at step k is the gap
between the nominal prediction and the worst vertex prediction, computed
along the candidate plan inside the optimisation rather than as a fixed
offset, so the tube widens where the cell is sensitive (cold, high SOC) and
narrows where it is not. It bounds every cell in the box if each output is
monotone in each uncertain parameter over the box, which holds for this
model (the plating and voltage overpotentials grow as diffusivity and rate
fall, temperature as heat and thermal resistance rise); the tests sample
interior cells to check it. Under that monotonicity one corner is the worst
for each constraint whatever the state, so the bank keeps only those: each
corner is simulated once (1C charge from half charge over the horizon) and
the corner with the lowest plating overpotential, the highest voltage and the
highest core temperature are kept (three of the sixteen), each guarding its
own limit only, which keeps a solve within budget. The tube's plating constraint is raised by a further 1 mV, a
bound on the reduced model's own optimistic error against the plant. It is
conservative: one plan for all corners, no feedback within the horizon.

Observer. Each model is propagated with the measured mean current over the
last period, then its mean stoichiometries are moved to the ``soc`` input and
its core temperature to the ``core_temperature`` input (the estimator's, or
the plant's); each model's voltage bias is the filtered gap between the
measured voltage and its own prediction.

Solver: CasADi ``nlpsol`` with its SQP method (exact Hessian of the CasADi
graph, the active-set QP ``qrqp``). The NLP has 10 variables and a few dozen
constraints whose active set changes slowly (current-, then plating-, then
temperature-limited), so an active-set SQP warm-started from the shifted last
plan and its multipliers converges in 1-3 iterations, about half of IPOPT's
time (11 interior-point iterations from any start). do-mpc would add a layer
of its own over the same CasADi solvers without a use here. An iteration
callback stops the solve once ``solve_budget`` of wall time has passed.
Fallbacks, in order:
the rest of the last feasible plan, then the largest of a few constant
currents (``fallback_current`` halved down to 0) that the bank predicts safe
over the horizon, a CC phase that tapers like CV as the limits come near.
Infeasible requests (target at or below the present SOC, a margin no current
meets even at rest) command zero current and say why.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

import casadi as ca
import numpy as np

from .. import checks
from .reduced_cell import NOMINAL_THETA, ReducedCell, ReducedCellConfig
from .uncertainty import UncertaintySet

MODES = ("nominal", "tube")
_PLATING, _VOLTAGE, _CORE, _SOC = 0, 1, 2, 3
_BIAS_FILTER = 0.5  # weight of the newest voltage residual in the bias
# the plan may pass the target by this much, so that it is reached in finite time
_TARGET_OVERSHOOT = 0.002
# The tube also covers the reduced model's own error: its plating overpotential
# runs at most 0.5 mV above the plant's (tests/models/test_fast_charge_control.py);
# the tube's plating constraint is raised by twice that.
_MODEL_ERROR = 1e-3  # V


@dataclass(frozen=True)
class ControllerSettings:
    target_soc: float = 0.8  # 1
    plating_margin: float = 0.0  # V, least plating overpotential allowed
    # 45 degC: top of the LG M50's charge temperature range [M50-spec: 0-45 degC charge]
    max_core_temperature: float = 318.15  # K
    max_voltage: float = 4.2  # V per cell, charge cut-off [Chen2020; M50-spec]
    # 2C: ASSUMPTION, a DC charger's per-cell share; the plant's electrolyte depletes near 3C
    max_charge_current: float = 10.0  # A per cell
    mode: str = "nominal"
    horizon: float = 300.0  # s
    control_period: float = 30.0  # s
    solve_budget: float = 0.2  # s, wall time a solve may take
    move_penalty: float = 0.01  # 1, weight of (du / I_max)^2 against the SOC gain
    fallback_current: float = 2.5  # A per cell (0.5C), first safe constant current tried

    def __post_init__(self) -> None:
        checks.fraction("target_soc", self.target_soc)
        checks.finite("plating_margin", self.plating_margin)
        for name in ("max_core_temperature", "max_voltage", "max_charge_current", "horizon",
                     "control_period", "solve_budget"):
            checks.positive(name, getattr(self, name))
        checks.non_negative("move_penalty", self.move_penalty)
        checks.non_negative("fallback_current", self.fallback_current)
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.horizon < self.control_period:
            raise ValueError(f"horizon ({self.horizon} s) must be at least one control_period "
                             f"({self.control_period} s)")

    @property
    def intervals(self) -> int:
        return max(1, round(self.horizon / self.control_period))


@dataclass
class Move:
    """One control decision; current per cell, < 0 charges (the plant's sign)."""

    current: float
    predicted_plating: float  # V, nominal model, end of the first interval
    worst_predicted_plating: float  # V, lowest over the bank, end of the first interval
    solve_time: float  # s, wall time of the decision
    status: str  # "optimal", "last plan", "safe current", "target reached", "infeasible: ..."
    plan: np.ndarray = field(default_factory=lambda: np.zeros(0))  # charge currents [A], >= 0


class FastChargeMPC:
    """Nominal or tube MPC of one cell's charge current; see the module docstring."""

    def __init__(self, settings: ControllerSettings, config: ReducedCellConfig | None = None,
                 uncertainty: UncertaintySet | None = None):
        self.settings = settings
        self.problem = _problem(settings, config or ReducedCellConfig(), uncertainty or UncertaintySet())
        self.model = self.problem.model
        self._states = self._bias = self._plan = self._duals = None
        self._applied = 0.0
        self.ambient_temperature = math.nan

    # --- observer ----------------------------------------------------------------------
    def reset(self, soc: float, core_temperature: float, ambient_temperature: float) -> None:
        x = self.model.initial_state(soc, core_temperature)
        self._states = np.tile(x, (self.problem.count, 1))
        self._bias = np.zeros(self.problem.count)
        self._plan = None
        self._duals = None
        self._applied = 0.0
        self.ambient_temperature = ambient_temperature

    def observe(self, elapsed: float, mean_current: float, voltage: float, soc: float,
                core_temperature: float, ambient_temperature: float) -> None:
        """Advance the bank by ``elapsed`` s with the measured mean current [A,
        > 0 discharges], then align it with the measured/estimated signals."""
        if self._states is None:
            self.reset(soc, core_temperature, ambient_temperature)
        self.ambient_temperature = ambient_temperature
        if elapsed > 0.0:
            stepped = self.problem.step_bank(self._states.T, mean_current, elapsed, ambient_temperature)
            self._states = np.array(stepped).T
        for m in range(self.problem.count):
            x = self.model.with_soc(self._states[m], soc)
            self._states[m] = self.model.with_core_temperature(x, core_temperature)
        predicted = np.array(self.problem.outputs_bank(self._states.T, mean_current))[_VOLTAGE]
        residual = voltage - predicted
        self._bias += _BIAS_FILTER * (residual - self._bias)

    # --- decision ------------------------------------------------------------------------
    def decide(self, soc: float) -> Move:
        """The charge current for the next control period."""
        start = time.perf_counter()
        s = self.settings
        if soc >= s.target_soc:
            return self._stop(start, "target reached",
                              f"soc {soc:.4f} is at or above target_soc {s.target_soc:.4f}")
        problem_at_rest = self._limit_broken(np.zeros(s.intervals))
        if problem_at_rest:
            return self._stop(start, "infeasible", problem_at_rest)
        plan, status = self._solve()
        if plan is None:
            plan, status = self._fallback()
        self._plan, self._applied = plan, float(plan[0])
        rollout = self.problem.rollout(self._states.T, plan, self.ambient_temperature, self._bias)
        plating = np.array(rollout[_PLATING])[:, 0]
        return Move(-float(plan[0]), float(plating[0]), float(plating.min()),
                    time.perf_counter() - start, status, plan)

    def _stop(self, start: float, status: str, reason: str) -> Move:
        self._plan, self._applied = None, 0.0
        plating = np.array(self.problem.outputs_bank(self._states.T, 0.0))[_PLATING]
        return Move(0.0, float(plating[0]), float(plating.min()), time.perf_counter() - start,
                    f"{status}: {reason}")

    def _solve(self):
        s = self.settings
        guess = self._shifted_plan()
        warm = {} if self._duals is None else {"lam_x0": self._duals[0], "lam_g0": self._duals[1]}
        self.problem.deadline.deadline = time.perf_counter() + s.solve_budget
        solution = self.problem.solver(
            x0=guess, lbx=0.0, ubx=s.max_charge_current, lbg=0.0, ubg=math.inf,
            p=self.problem.parameters(self._states, self.ambient_temperature, self._bias, self._applied),
            **warm)
        plan = np.clip(np.array(solution["x"]).ravel(), 0.0, s.max_charge_current)
        if self.problem.solver.stats()["success"] and np.all(np.isfinite(plan)) \
                and not self._limit_broken(plan):
            self._duals = (solution["lam_x"], solution["lam_g"])
            return plan, "optimal"
        self._duals = None
        return None, None

    def _fallback(self):
        if self._plan is not None:
            plan = self._shifted_plan()
            if not self._limit_broken(plan):
                return plan, "last plan"
        current = self.settings.fallback_current
        while current > 0.01 * self.settings.max_charge_current:
            plan = np.full(self.settings.intervals, min(current, self.settings.max_charge_current))
            if not self._limit_broken(plan):
                return plan, "safe current"
            current *= 0.5
        return np.zeros(self.settings.intervals), "safe current"

    def _shifted_plan(self) -> np.ndarray:
        n = self.settings.intervals
        if self._plan is None:
            return np.full(n, min(self.settings.fallback_current, self.settings.max_charge_current))
        return np.r_[self._plan[1:], self._plan[-1]]

    def _limit_broken(self, plan: np.ndarray) -> str:
        """Which limit the bank predicts ``plan`` to break ("" if none); 1 uV, 1 mK slack."""
        s = self.settings
        y = self.problem.rollout(self._states.T, plan, self.ambient_temperature, self._bias)
        guards = self.problem.guards
        plating, voltage, core = (np.array(y[k])[guards[k]] for k in (_PLATING, _VOLTAGE, _CORE))
        if not (np.all(np.isfinite(plating)) and np.all(np.isfinite(voltage)) and np.all(np.isfinite(core))):
            return "the prediction is not finite (state outside the model's range)"
        if plating.min() < _plating_floor(s) - 1e-6:
            return (f"predicted plating overpotential {plating.min() * 1e3:.2f} mV is below "
                    f"plating_margin {s.plating_margin * 1e3:.2f} mV")
        if core.max() > s.max_core_temperature + 1e-3:
            return (f"predicted core temperature {core.max():.2f} K is above max_core_temperature "
                    f"{s.max_core_temperature:.2f} K")
        if voltage.max() > s.max_voltage + 1e-6:
            return f"predicted voltage {voltage.max():.4f} V is above max_voltage {s.max_voltage:.4f} V"
        return ""

    # --- state ---------------------------------------------------------------------------
    def get_state(self) -> dict:
        return {"states": _copy(self._states), "bias": _copy(self._bias), "plan": _copy(self._plan),
                "applied": self._applied, "ambient_temperature": self.ambient_temperature}

    def set_state(self, state: dict) -> None:
        self._states, self._bias, self._plan = (_copy(state[k]) for k in ("states", "bias", "plan"))
        self._applied = float(state["applied"])
        self.ambient_temperature = float(state["ambient_temperature"])
        self._duals = None  # a warm start only; the next solve starts from the plan


def _copy(array):
    return None if array is None else np.array(array, dtype=float)


class _Problem:
    """The NLP and the bank functions for one set of settings (built once, cached)."""

    def __init__(self, settings: ControllerSettings, config: ReducedCellConfig, uncertainty: UncertaintySet):
        self.model = model = ReducedCell(config)
        thetas = [NOMINAL_THETA]
        # per constrained output, the models of the bank that must keep its limit
        self.guards = {_PLATING: [0], _VOLTAGE: [0], _CORE: [0]}
        if settings.mode == "tube":
            for output, corner in _critical_vertices(model, uncertainty, settings).items():
                if corner not in thetas:
                    thetas.append(corner)
                self.guards[output] = [thetas.index(corner)]
        self.thetas = np.array(thetas, dtype=float).T  # (parameters, models)
        self.count = len(thetas)
        self.step_bank = _bank_step(model, self.thetas)
        self.outputs_bank = _bank_outputs(model, self.thetas)
        self.rollout = _rollout(model, self.thetas, settings)
        self.solver = _nlp(self, settings)

    def parameters(self, states, ambient, bias, applied) -> np.ndarray:
        return np.r_[states.ravel(), ambient, bias, applied]  # ca.vec of x0 stacks its columns


@lru_cache(maxsize=8)
def _problem(settings, config, uncertainty) -> _Problem:
    return _Problem(settings, config, uncertainty)


def _plating_floor(settings: ControllerSettings) -> float:
    return settings.plating_margin + (_MODEL_ERROR if settings.mode == "tube" else 0.0)


def _critical_vertices(model: ReducedCell, uncertainty: UncertaintySet, settings: ControllerSettings):
    """The corners with the lowest plating overpotential, the highest voltage
    and the highest core temperature after a 1C charge over the horizon."""
    corners = np.array(uncertainty.vertices(), dtype=float).T
    one_c = model.capacity_ah  # A for 1C
    start = np.tile(model.initial_state(0.5, model.config.battery.reference_temperature), (corners.shape[1], 1))
    y = _rollout(model, corners, settings)(start.T, np.full(settings.intervals, one_c),
                                           model.config.battery.reference_temperature,
                                           np.zeros(corners.shape[1]))
    worst = {_PLATING: np.argmin, _VOLTAGE: np.argmax, _CORE: np.argmax}
    return {k: tuple(corners[:, int(pick(np.array(y[k])[:, -1]))]) for k, pick in worst.items()}


def _bank_step(model: ReducedCell, thetas: np.ndarray) -> ca.Function:
    x = ca.SX.sym("x", model.size, thetas.shape[1])
    i, dt, ambient = ca.SX.sym("i"), ca.SX.sym("dt"), ca.SX.sym("ambient")
    columns = [model.step(x[:, m], i, dt, ambient, thetas[:, m]) for m in range(thetas.shape[1])]
    return ca.Function("bank_step", [x, i, dt, ambient], [ca.horzcat(*columns)])


def _bank_outputs(model: ReducedCell, thetas: np.ndarray) -> ca.Function:
    x = ca.SX.sym("x", model.size, thetas.shape[1])
    i = ca.SX.sym("i")
    columns = [model.outputs(x[:, m], i, thetas[:, m]) for m in range(thetas.shape[1])]
    return ca.Function("bank_outputs", [x, i], [ca.horzcat(*columns)])


def _rollout_expressions(model, thetas, settings, x0, plan, ambient, bias):
    """Per output, a (models x intervals) matrix of predictions at interval ends."""
    rows = {k: [] for k in (_PLATING, _VOLTAGE, _CORE, _SOC)}
    for m in range(thetas.shape[1]):
        x = x0[:, m]
        per = {k: [] for k in rows}
        for k in range(settings.intervals):
            i = -plan[k]
            x = model.step(x, i, settings.control_period, ambient, thetas[:, m])
            y = model.outputs(x, i, thetas[:, m])
            for key in rows:
                per[key].append(y[key] + (bias[m] if key == _VOLTAGE else 0.0))
        for key in rows:
            rows[key].append(ca.horzcat(*per[key]))
    return [ca.vertcat(*rows[k]) for k in (_PLATING, _VOLTAGE, _CORE, _SOC)]


def _rollout(model, thetas, settings) -> ca.Function:
    x0 = ca.SX.sym("x0", model.size, thetas.shape[1])
    plan = ca.SX.sym("plan", settings.intervals)
    ambient, bias = ca.SX.sym("ambient"), ca.SX.sym("bias", thetas.shape[1])
    outputs = _rollout_expressions(model, thetas, settings, x0, plan, ambient, bias)
    return ca.Function("rollout", [x0, plan, ambient, bias], outputs)


def _nlp(problem: _Problem, settings: ControllerSettings):
    model, count, n = problem.model, problem.count, settings.intervals
    x0 = ca.SX.sym("x0", model.size, count)
    ambient, bias, applied = ca.SX.sym("ambient"), ca.SX.sym("bias", count), ca.SX.sym("applied")
    u = ca.SX.sym("u", n)
    plating, voltage, core, soc = _rollout_expressions(model, problem.thetas, settings, x0, u, ambient, bias)
    scale = settings.max_charge_current
    moves = u - ca.vertcat(applied, u[:-1])
    objective = -ca.sum2(soc[0, :]) + settings.move_penalty * ca.sumsqr(moves / scale)
    guards = problem.guards  # each limit on the model that bounds it (in a tube, its worst corner)
    constraints = ca.vertcat(
        ca.vec((plating[guards[_PLATING], :] - _plating_floor(settings)) * 1e2),  # V -> 10 mV, like scales
        ca.vec((settings.max_core_temperature - core[guards[_CORE], :]) * 0.1),
        ca.vec((settings.max_voltage - voltage[guards[_VOLTAGE], :]) * 1e2),
        ca.vec(settings.target_soc + _TARGET_OVERSHOOT - soc[0, :]) * 1e2,
    )
    parameters = ca.vertcat(ca.vec(x0), ambient, bias, applied)
    problem.deadline = _Deadline(n, constraints.numel(), parameters.numel())
    options = {"print_time": False, "print_header": False, "print_iteration": False, "print_status": False,
               "hessian_approximation": "exact", "max_iter": 30, "tol_pr": 1e-6, "tol_du": 1e-6,
               "qpsol": "qrqp", "qpsol_options": {"print_iter": False, "print_header": False,
                                                  "error_on_fail": False},
               "iteration_callback": problem.deadline}
    return ca.nlpsol("fast_charge", "sqpmethod", {"x": u, "p": parameters, "f": objective, "g": constraints},
                     options)


class _Deadline(ca.Callback):
    """Called by the SQP solver after each iteration: a non-zero answer stops
    it, which it gives once the wall clock passes ``deadline``."""

    def __init__(self, variables: int, constraints: int, parameters: int):
        ca.Callback.__init__(self)
        self.sizes = {"x": variables, "lam_x": variables, "g": constraints, "lam_g": constraints,
                      "p": parameters, "lam_p": parameters, "f": 1}
        self.deadline = math.inf
        self.construct("deadline", {})

    def get_n_in(self):
        return ca.nlpsol_n_out()

    def get_n_out(self):
        return 1

    def get_name_in(self, i):
        return ca.nlpsol_out(i)

    def get_sparsity_in(self, i):
        size = self.sizes.get(ca.nlpsol_out(i), 0)
        return ca.Sparsity.dense(size, 1) if size else ca.Sparsity(0, 0)

    def eval(self, arg):
        return [1 if time.perf_counter() > self.deadline else 0]
