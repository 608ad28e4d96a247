"""A low-voltage radial feeder behind a distribution transformer.

Inputs are the active powers drawn at the load connection points [W] (a
negative value feeds power back, e.g. from PV; the reactive power follows
from each point's power factor). Each step solves a balanced power flow
(:mod:`.powerflow`) and reports the weakest bus voltage, the active power at
the transformer's HV terminal, the losses of transformer and cables, the
transformer loading and limit flags. The feeder itself is algebraic; what it
carries over steps is the clock, the energies that crossed it and the last
solution, from which the next power flow starts (a warm start: fewer
iterations; results agree with a cold start to the solver tolerance).
"""
from dataclasses import dataclass
import math

import numpy as np

from .. import checks
from . import powerflow
from .network import FeederParameters
from ..errors import StepRejected


@dataclass(frozen=True)
class FeederResult:
    """One power-flow solution; powers in W, voltages line-to-line RMS in V."""

    bus_voltage_v: float  # weakest LV bus
    weakest_bus: str
    feeder_power_w: float  # into the transformer HV terminal; = sum(loads) + losses exactly
    feeder_reactive_power_var: float
    losses_w: float  # transformer copper + iron losses and cable losses
    transformer_loading: float  # max(HV, LV current) / rated current [1]
    bus_voltages_v: np.ndarray  # per LV bus, in GridFeeder.bus_names order
    line_loadings: np.ndarray  # per line, max(end currents) / rating [1]
    undervoltage: bool  # some LV bus below v_min_pu
    overvoltage: bool  # some LV bus above v_max_pu
    transformer_overload: bool  # transformer_loading > 1
    line_overload: bool  # some line loading > 1
    balance_residual_w: float  # P(HV terminal) from the solved currents - feeder_power_w
    iterations: int

    @property
    def limit_violated(self):
        return (self.undervoltage or self.overvoltage or self.transformer_overload
                or self.line_overload)


class GridFeeder:
    """Power flow of one feeder per step.

    >>> feeder = GridFeeder()
    >>> result = feeder.step(60.0, [150e3, 50e3, 20e3])   # W at factory, charger, residential
    >>> result.feeder_power_w == 220e3 + result.losses_w
    True
    """

    def __init__(self, params=None):
        self.params = FeederParameters() if params is None else params
        if not isinstance(self.params, FeederParameters):
            raise ValueError(f"params must be FeederParameters, got {type(params).__name__}")
        self._net = powerflow.build(self.params)
        self._tan_phi = np.array([math.tan(math.acos(load.power_factor))
                                  for load in self.params.loads])
        self._load_labels = [f"load point {load.name!r} at bus {load.bus!r}"
                             for load in self.params.loads]
        self._time_s = 0.0
        self._energy = np.zeros(3)  # into the transformer, into the loads, lost [J]
        # warm start of the power flow: the last solution at the load nodes
        self._v_loads = self.params.source_voltage_pu * self._net.a_loads
        self.result = None

    @property
    def load_names(self):
        """Order of the entries of ``load_power_w``."""
        return tuple(load.name for load in self.params.loads)

    @property
    def bus_names(self):
        """Order of :attr:`FeederResult.bus_voltages_v`."""
        return self.params.bus_names()

    @property
    def line_names(self):
        """Order of :attr:`FeederResult.line_loadings`."""
        return tuple(line.name for line in self.params.lines)

    def solve(self, load_power_w, warm_start=True):
        """Power flow for the given load powers [W]; changes no state.

        ``warm_start=False`` iterates from the no-load profile instead of the
        last step's solution (the result then depends on the inputs only).
        Raises ValueError for malformed or non-finite input and
        :class:`StepRejected` when there is no solution.
        """
        return self._solve(load_power_w, warm_start)[0]

    def step(self, dt_s, load_power_w):
        """Solve with the loads held over ``dt_s`` seconds and book the energies."""
        dt_s = checks.step_size(dt_s)
        result, v_loads = self._solve(load_power_w)
        self._energy[0] += dt_s * result.feeder_power_w
        self._energy[1] += dt_s * (result.feeder_power_w - result.losses_w)
        self._energy[2] += dt_s * result.losses_w
        self._time_s += dt_s
        self._v_loads = v_loads
        self.result = result
        return result

    def _solve(self, load_power_w, warm_start=True):
        p_w = self._checked_loads(load_power_w)
        s_pu = (p_w + 1j * p_w * self._tan_phi) / self._net.base_power_va
        flow = powerflow.solve(self._net, s_pu, self.params.source_voltage_pu,
                               self.params.tolerance_pu, self.params.max_iterations,
                               self._v_loads if warm_start else None)
        if not flow.converged and warm_start:
            # the warm start may lie on the far side of a collapse: retry from no load
            flow = powerflow.solve(self._net, s_pu, self.params.source_voltage_pu,
                                   self.params.tolerance_pu, self.params.max_iterations)
        if not flow.converged:
            raise StepRejected(self._no_solution_message(p_w, s_pu, flow))
        return self._result(p_w, flow), flow.load_voltage

    def get_state(self):
        return {"time_s": self._time_s,
                "energy_feeder_j": float(self._energy[0]),
                "energy_loads_j": float(self._energy[1]),
                "energy_losses_j": float(self._energy[2]),
                "load_voltage_re_pu": self._v_loads.real.copy(),
                "load_voltage_im_pu": self._v_loads.imag.copy()}

    def set_state(self, state):
        self._time_s = checks.finite("time_s", state["time_s"])
        self._energy = np.array([checks.finite(key, state[key]) for key in
                                 ("energy_feeder_j", "energy_loads_j", "energy_losses_j")])
        v = (np.asarray(state["load_voltage_re_pu"], float)
             + 1j * np.asarray(state["load_voltage_im_pu"], float))
        if v.shape != self._v_loads.shape or not np.all(np.isfinite(v)):
            raise ValueError(f"load_voltage_*_pu must hold {self._v_loads.size} finite values, "
                             f"got {v!r}")
        self._v_loads = v
        self.result = None

    def _checked_loads(self, load_power_w):
        try:
            values = [float(v) for v in load_power_w]
        except (TypeError, ValueError):
            raise ValueError(f"load_power_w must be a sequence of numbers, got {load_power_w!r}") \
                from None
        if len(values) != len(self._load_labels):
            raise ValueError(f"load_power_w must hold {len(self._load_labels)} values "
                             f"{self.load_names}, got {len(values)}")
        for name, value in zip(self.load_names, values):
            checks.finite(f"load_power_w[{name!r}]", value)
        return np.array(values)

    def _result(self, p_w, flow):
        net, params = self._net, self.params
        base = net.base_power_va
        v_abs = np.abs(flow.voltage)
        v_lv = v_abs[net.lv_nodes]
        weakest = int(np.argmin(v_lv))
        i_abs = np.abs(flow.branch_current)
        losses_w = float((np.dot(i_abs * i_abs, net.branch_r_feeder)
                          + np.dot(v_abs * v_abs, net.shunt_y.real)) * base)
        feeder_power_w = float(np.sum(p_w)) + losses_w
        s_hv = complex(flow.voltage[0] * np.conj(flow.branch_current[1])) * base
        trafo_loading = float(max(i_abs[1], i_abs[2]) / net.transformer_rating_pu)
        ends = np.abs(net.line_end_map @ np.concatenate((flow.branch_current, flow.voltage)))
        line_loadings = np.maximum(*ends.reshape(2, -1)) / net.line_rating_pu
        return FeederResult(
            bus_voltage_v=float(v_lv[weakest] * net.base_voltage_lv_v),
            weakest_bus=self.bus_names[weakest],
            feeder_power_w=feeder_power_w,
            feeder_reactive_power_var=s_hv.imag,
            losses_w=losses_w,
            transformer_loading=trafo_loading,
            bus_voltages_v=v_lv * net.base_voltage_lv_v,
            line_loadings=line_loadings,
            undervoltage=bool(v_lv[weakest] < params.v_min_pu),
            overvoltage=bool(v_lv.max() > params.v_max_pu),
            transformer_overload=trafo_loading > 1.0,
            line_overload=bool(line_loadings.max() > 1.0),
            balance_residual_w=s_hv.real - feeder_power_w,
            iterations=flow.iterations,
        )

    def _no_solution_message(self, p_w, s_pu, flow):
        # name the load point whose own power drops the voltage most: |Z_kk S_k|
        worst = int(np.argmax(np.abs(np.diag(self._net.k_loads) * s_pu)))
        how = ("did not settle within" if flow.iterations >= self.params.max_iterations
               else "diverged after")
        return (f"no power-flow solution at t = {self._time_s:g} s: "
                f"{self._load_labels[worst]} draws {p_w[worst]:.6g} W "
                f"(all load points {dict(zip(self.load_names, p_w.tolist()))} W, "
                f"total {np.sum(p_w):.6g} W); the power flow {how} {flow.iterations} "
                "iterations: the load exceeds what the feeder can carry (voltage collapse)")
