"""Safe fast charging of one LG M50 cell: CC-CV against nominal and tube MPC.

The plant is BatteryCell + CellThermal + Charger (FMUs; optionally Sensors +
StateEstimator between the plant and the controller). It is charged from
``initial_soc`` to ``target_soc`` four ways:

* ``cccv_1c``: the charger's CC-CV at 1C;
* ``cccv_safe``: the fastest CC-CV whose true plating overpotential stays
  >= 0 on the nominal plant (bisection on the C-rate);
* ``mpc_nominal``: the FastChargeController in ``nominal`` mode;
* ``mpc_tube``: the FastChargeController in ``tube`` mode.

Each runs on the nominal plant and on ``mismatch_plants`` plants whose
negative diffusivity and reaction rate, contact resistance and cooling are
drawn from the controller's uncertainty set (seeded). The controller always
assumes the nominal cell. A step is a violation when the plant's true plating
overpotential is below 0, its core temperature above ``max_core_temperature``
or its voltage above 4.2 V by more than the charger's CV regulation band
(5 mV, assumption). Writes ``summary.json``, one CSV per strategy (nominal
plant), ``strategies.png`` and ``mismatched_plating.png``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from btwin.models.control import UncertaintySet

from .common import FMU_DIR, output_dir, write_csv, write_summary
from .fast_charge_plots import plot_mismatched, plot_strategies
from .fast_charge_rig import ChargeRig, Plant, Strategy
from .params import Param, ParameterError, resolve

# Forced-air cooling of the cell for fast charging: h = 30 W/m2/K (ASSUMPTION, the
# low end of forced air convection, Incropera, Fundamentals of Heat and Mass Transfer,
# table 1.1: 25-250 W/m2/K) on the 21700 can's 5.31e-3 m2 (Chen 2020): R_u = 1 / (h A).
FORCED_AIR_RESISTANCE = 6.28  # K/W
VOLTAGE_BAND = 0.005  # V, CV regulation band of the charger (ASSUMPTION)
MAX_VOLTAGE = 4.2  # V per cell [Chen2020; M50 data sheet]

PARAMS = {
    "ambient_temperature": Param(298.15, "ambient (and initial cell) temperature", unit="K",
                                 minimum=263.15, maximum=318.15),
    "initial_soc": Param(0.1, "state of charge at the start", minimum=0.0, maximum=1.0),
    "target_soc": Param(0.8, "state of charge that ends the charge", minimum=0.0, maximum=1.0),
    "mismatch_plants": Param(20, "plants drawn from the uncertainty set", minimum=0),
    "seed": Param(0, "seed of the drawn plants and the sensor noise", minimum=0),
    "estimator": Param(False, "controller acts on Sensors + StateEstimator instead of the plant's states"),
    "plating_margin": Param(0.0, "least plating overpotential the MPC allows", unit="V"),
    "max_core_temperature": Param(318.15, "core temperature limit (M50 charge limit 45 degC)", unit="K",
                                  minimum=273.15, maximum=333.15),
    "max_charge_current": Param(10.0, "charger current limit for the MPC (2C)", unit="A",
                                minimum=0.0, exclusive_minimum=True),
    "surface_to_ambient_resistance": Param(FORCED_AIR_RESISTANCE, "cooling of the cell, R_u", unit="K/W",
                                           minimum=0.0, exclusive_minimum=True),
    "control_period": Param(30.0, "time between MPC decisions", unit="s", minimum=1.0),
    "horizon": Param(300.0, "MPC prediction horizon", unit="s", minimum=1.0),
    "solve_budget": Param(1.0, "wall time an MPC solve may take before its fallback (the FMU's default, 0.2 s, "
                                "is the real-time budget; a generous one keeps these figures independent of the "
                                "machine's load)", unit="s", minimum=0.0, exclusive_minimum=True),
    "bisection_steps": Param(7, "bisection steps for the fastest plating-safe CC-CV", minimum=1),
    "time_cap": Param(4 * 3600.0, "longest charge simulated", unit="s", minimum=1.0),
}
STRATEGIES = ("cccv_1c", "cccv_safe", "mpc_nominal", "mpc_tube")


def run(out_dir: str | Path | None = None, *, fmu_dir: Path | None = None, **params) -> dict:
    p = resolve(PARAMS, params)
    if p["target_soc"] <= p["initial_soc"]:
        raise ParameterError(f"parameter 'target_soc': {p['target_soc']} must exceed initial_soc "
                             f"{p['initial_soc']}; there is nothing to charge")
    out = output_dir(out_dir, "fast_charge")
    rig = _rig(p, Path(fmu_dir or FMU_DIR))
    nominal = Plant(thermal={"surface_to_ambient_resistance": p["surface_to_ambient_resistance"]})
    plants = mismatched_plants(p["mismatch_plants"], p["seed"], p["surface_to_ambient_resistance"])
    safe_crate = fastest_safe_crate(rig, nominal, p["bisection_steps"])
    strategies = {"cccv_1c": Strategy("cccv_1c", crate=1.0), "cccv_safe": Strategy("cccv_safe", crate=safe_crate),
                  "mpc_nominal": Strategy("mpc_nominal", mode="nominal"),
                  "mpc_tube": Strategy("mpc_tube", mode="tube")}
    traces = {name: rig.charge(s, nominal) for name, s in strategies.items()}
    mismatched = {name: [rig.charge(s, plant) for plant in plants] for name, s in strategies.items()}
    for name, trace in traces.items():
        write_csv(out / f"{name}.csv", trace.columns)
    plot_strategies(traces, p, out / "strategies.png")
    plot_mismatched(mismatched, p, out / "mismatched_plating.png")
    summary = summarise(p, strategies, traces, mismatched, out)
    write_summary(out, summary)
    return summary


def _rig(p: dict, fmu_dir: Path) -> ChargeRig:
    controller = {"max_charge_current": p["max_charge_current"], "plating_margin": p["plating_margin"],
                  "max_core_temperature": p["max_core_temperature"], "control_period": p["control_period"],
                  "horizon": p["horizon"], "surface_to_ambient_resistance": p["surface_to_ambient_resistance"],
                  "solve_budget": p["solve_budget"]}
    return ChargeRig(fmu_dir, ambient_temperature=p["ambient_temperature"], initial_soc=p["initial_soc"],
                     target_soc=p["target_soc"], controller=controller, time_cap=p["time_cap"],
                     estimator=p["estimator"], seed=p["seed"])


def mismatched_plants(count: int, seed: int, surface_to_ambient_resistance: float) -> list[Plant]:
    """Plants drawn uniformly from the controller's uncertainty set (seeded)."""
    from btwin.models.battery import BatteryParameters
    diffusivity = BatteryParameters().negative_particle_diffusivity
    return [Plant(battery={"negative_particle_diffusivity": diffusivity * d, "negative_reaction_rate_factor": k,
                           "contact_resistance": r},
                  thermal={"surface_to_ambient_resistance": surface_to_ambient_resistance * u})
            for d, k, r, u in UncertaintySet().sample(count, seed)]


def fastest_safe_crate(rig: ChargeRig, plant: Plant, steps: int) -> float:
    """Largest C-rate (to ~1 % of the bracket) whose CC-CV keeps the true
    plating overpotential >= 0 on ``plant``; the bracket doubles from 1C
    until a rate plates."""
    low, high = 0.0, 1.0
    while _safe(rig, plant, high):
        low, high = high, 2.0 * high
        if high > 8.0:
            return low
    for _ in range(steps):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if _safe(rig, plant, middle) else (low, middle)
    return low


def _safe(rig: ChargeRig, plant: Plant, crate: float) -> bool:
    trace = rig.charge(Strategy("bisection", crate=crate), plant, stop_on_plating=True)
    return trace.reached and trace["plating"].min() >= 0.0


def violations(trace, max_core_temperature: float) -> np.ndarray:
    """Steps where the plant's true plating overpotential is negative or a limit is broken."""
    return ((trace["plating"] < 0.0) | (trace["core_temperature"] > max_core_temperature)
            | (trace["voltage"] > MAX_VOLTAGE + VOLTAGE_BAND))


def summarise(p, strategies, traces, mismatched, out: Path) -> dict:
    result = {}
    safe_time = traces["cccv_safe"].duration if traces["cccv_safe"].reached else None
    for name, strategy in strategies.items():
        result[name] = _strategy_summary(strategy, traces[name], mismatched[name], p, safe_time)
    return {
        "ambient_temperature_K": p["ambient_temperature"], "initial_soc": p["initial_soc"],
        "target_soc": p["target_soc"], "mismatch_plants": p["mismatch_plants"], "seed": p["seed"],
        "estimator": p["estimator"], "cccv_safe_c_rate": round(strategies["cccv_safe"].crate, 4),
        "strategies": result,
        "plots": [str(out / "strategies.png"), str(out / "mismatched_plating.png")],
    }


def _strategy_summary(strategy, trace, others, p, safe_time) -> dict:
    runs = [trace, *others]
    solve = np.concatenate([r["solve_time"][np.isfinite(r["solve_time"])] for r in runs])
    flagged = [violations(r, p["max_core_temperature"]) for r in others]
    steps = sum(f.size for f in flagged)
    reached = [r.duration for r in others if r.reached]
    worst = min((float(r["plating"].min()) for r in others), default=0.0)
    time_to_target = trace.duration if trace.reached else None
    gap = trace["predicted_plating"] - trace["worst_predicted_plating"]
    gap = gap[np.isfinite(gap)]
    return {
        "c_rate": round(strategy.crate, 4) if strategy.crate else None,
        "time_to_target_s": time_to_target,
        "time_to_target_mean_s": float(np.mean(reached)) if reached else None,
        "mismatched_plants_reaching_target": len(reached),
        "faster_than_cccv_safe": (round(1.0 - time_to_target / safe_time, 4)
                                  if time_to_target and safe_time else None),
        "min_plating_overpotential_V": float(trace["plating"].min()),
        "max_core_temperature_K": float(trace["core_temperature"].max()),
        "max_voltage_V": float(trace["voltage"].max()),
        "violation_fraction": float(sum(f.sum() for f in flagged) / steps) if steps else 0.0,
        "nominal_plant_violation_fraction": float(violations(trace, p["max_core_temperature"]).mean()),
        "worst_violation_V": min(0.0, worst),
        "capacity_loss_Ah": trace.capacity_loss,
        # how far the tube lowers the nominal prediction (0 for the nominal MPC), median over the charge
        "plating_tightening_median_V": float(np.median(gap)) if gap.size else None,
        "solve_time_median_s": float(np.median(solve)) if solve.size else None,
        "solve_time_p95_s": float(np.percentile(solve, 95)) if solve.size else None,
    }
