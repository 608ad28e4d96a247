"""Plots of the fast-charge scenario: the four strategies on the nominal
plant, and the true plating overpotential of every mismatched plant."""
from __future__ import annotations

from pathlib import Path

import numpy as np

COLOURS = {"cccv_1c": "tab:gray", "cccv_safe": "tab:blue", "mpc_nominal": "tab:orange", "mpc_tube": "tab:green"}


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_strategies(traces: dict, p: dict, path: Path) -> None:
    """Current, voltage, plating overpotential (true, and the MPC's
    prediction dashed), core temperature and SOC against time."""
    plt = _pyplot()
    fig, axes = plt.subplots(5, 1, sharex=True, figsize=(9, 11))
    for name, trace in traces.items():
        minutes, colour = trace["time"] / 60.0, COLOURS[name]
        axes[0].plot(minutes, -trace["current"], color=colour, label=name, drawstyle="steps-pre")
        axes[1].plot(minutes, trace["voltage"], color=colour)
        axes[2].plot(minutes, 1e3 * trace["plating"], color=colour)
        if np.isfinite(trace["predicted_plating"]).any():
            axes[2].plot(minutes, 1e3 * trace["predicted_plating"], color=colour, linestyle="--", linewidth=0.8)
        if name == "mpc_tube":
            axes[2].plot(minutes, 1e3 * trace["worst_predicted_plating"], color=colour, linestyle=":",
                         linewidth=0.8)
        axes[3].plot(minutes, trace["core_temperature"] - 273.15, color=colour)
        axes[4].plot(minutes, trace["soc"], color=colour)
    axes[2].axhline(0.0, color="black", linewidth=0.6)
    axes[3].axhline(p["max_core_temperature"] - 273.15, color="tab:red", linewidth=0.6, linestyle=":")
    plating = "plating overpotential [mV]\n(-- nominal prediction,\n.. tube's worst corner)"
    labels = ("charge current [A]", "voltage [V]", plating, "core temperature [degC]", "SOC [1]")
    for ax, label in zip(axes, labels):
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best")
    axes[0].set_title(f"One LG M50 cell, {p['initial_soc']:g} -> {p['target_soc']:g} SOC at "
                      f"{p['ambient_temperature'] - 273.15:.0f} degC (nominal plant)")
    axes[-1].set_xlabel("time [min]")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_mismatched(mismatched: dict, p: dict, path: Path) -> None:
    """True plating overpotential of each mismatched plant, one panel per strategy."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, sharex=True, sharey=True, figsize=(10, 6))
    for ax, (name, traces) in zip(axes.ravel(), mismatched.items()):
        for trace in traces:
            ax.plot(trace["soc"], 1e3 * trace["plating"], color=COLOURS[name], linewidth=0.7, alpha=0.7)
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_title(f"{name}: {len(traces)} mismatched plants")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("true plating overpotential [mV]")
    for ax in axes[-1]:
        ax.set_xlabel("SOC [1]")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
