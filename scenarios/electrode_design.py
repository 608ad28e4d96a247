"""Positive-electrode design with the cell model in the loop
(``btwin.models.microstructure.design``): the thickness, porosity and
particle radius of most usable energy per electrode area at ``low_rate`` and
at ``high_rate`` (COBYLA, plating margin >= 0 at ``charge_rate``, 10 s pulse
power >= ``min_power``), and the Pareto front of energy against rate
capability over a grid of designs, as ``pareto.png``. ``bruggeman`` is the
exponent the microstructure pipeline measured (``btwin microstructure``)."""
from __future__ import annotations

from pathlib import Path

from btwin.models.microstructure.design import BOUNDS, Design, evaluate, optimise, pareto_front

from .common import output_dir, write_summary
from .params import Param, resolve

LG_M50_POSITIVE = Design(75.6e-6, 0.335, 5.22e-6)  # m, 1, m [Chen et al. 2020]

PARAMS = {
    "low_rate": Param(0.5, "discharge C-rate of the energy design", unit="1/h", minimum=0.05, maximum=5.0),
    "high_rate": Param(2.0, "discharge C-rate of the power design", unit="1/h", minimum=0.05, maximum=5.0),
    "charge_rate": Param(0.5, "charge C-rate at which plating must be avoided", unit="1/h",
                         minimum=0.05, maximum=3.0),
    "min_power": Param(300.0, "least 10 s pulse power at 3C, soc 0.5", unit="W/m2", minimum=0.0),
    "bruggeman": Param(1.5, "Bruggeman exponent of the positive electrode", minimum=1.0, maximum=5.0),
    "grid": Param(4, "grid points per design variable of the Pareto front", minimum=2, maximum=8),
}


def run(out_dir: str | Path | None = None, **params) -> dict:
    p = resolve(PARAMS, params)
    out = output_dir(out_dir, "electrode_design")
    options = {"charge_rate": p["charge_rate"], "min_power": p["min_power"], "bruggeman": p["bruggeman"]}
    optima = {f"{rate:g}C": optimise(rate, **options) for rate in (p["low_rate"], p["high_rate"])}
    pairs, front = pareto_front(p["low_rate"], p["high_rate"], points=p["grid"], **options)
    reference = [evaluate(LG_M50_POSITIVE, rate, p["charge_rate"], p["bruggeman"])
                 for rate in (p["low_rate"], p["high_rate"])]
    _plot(pairs, front, reference, p, out / "pareto.png")
    summary = {
        "bounds": {name: list(bound) for name, bound in BOUNDS.items()},
        "optimal_designs": {rate: _describe(perf) for rate, perf in optima.items()},
        "lg_m50_positive": {f"{rate:g}C": _describe(perf) for rate, perf in
                            zip((p["low_rate"], p["high_rate"]), reference)},
        "pareto_front": [{"design": _design(a.design), f"energy_{p['low_rate']:g}C_Wh_per_m2": float(a.energy),
                          f"energy_{p['high_rate']:g}C_Wh_per_m2": float(b.energy)} for a, b in front],
        "designs_feasible": len(pairs),
        "plot": str(out / "pareto.png"),
    }
    write_summary(out, summary)
    return summary


def _design(design: Design) -> dict:
    return {"thickness_um": round(design.thickness * 1e6, 2), "porosity": round(design.porosity, 4),
            "particle_radius_um": round(design.radius * 1e6, 3)}


def _describe(perf) -> dict:
    return {**_design(perf.design), "energy_Wh_per_m2": round(float(perf.energy), 3),
            "plating_margin_V": round(float(perf.plating_margin), 5),
            "pulse_power_W_per_m2": round(float(perf.pulse_power), 1)}


def _plot(pairs, front, reference, p, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.scatter([a.energy for a, _ in pairs], [b.energy for _, b in pairs], s=14, color="0.7",
               label="feasible designs")
    ax.plot([a.energy for a, _ in front], [b.energy for _, b in front], "o-", color="tab:red",
            label="Pareto front")
    ax.plot(reference[0].energy, reference[1].energy, "k*", markersize=12, label="LG M50 positive")
    ax.set_xlabel(f"usable energy at {p['low_rate']:g}C [W.h/m2]")
    ax.set_ylabel(f"usable energy at {p['high_rate']:g}C [W.h/m2]")
    ax.set_title("positive electrode: energy vs rate capability (SPMe in the loop)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
