"""Plots of the diagnostics campaign: residuals with thresholds and alarms, confusion matrix."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def residuals(examples: dict, path: Path) -> None:
    """One row per class: voltage and temperature residuals, their CUSUM statistics
    over the threshold (1 = alarm, drawn up to 2.9), the fault's appearance and the first alarm."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(examples), 2, figsize=(11, 2.0 * len(examples)), squeeze=False)
    for row, (name, outcome) in enumerate(examples.items()):
        trace = outcome.trace
        minutes = np.asarray(trace.time) / 60.0
        left, right = axes[row]
        left.plot(minutes, 1e3 * np.asarray(trace.voltage_residual), lw=0.6, label="r_V [mV]")
        left.plot(minutes, 10.0 * np.asarray(trace.temperature_residual), lw=0.6,
                  label="r_T [0.1 K]")
        left.set_ylabel(name.replace("_", " "), fontsize=8)
        right.plot(minutes, np.minimum(trace.voltage_statistic, 2.9), lw=0.8, label="voltage CUSUM")
        right.plot(minutes, np.minimum(trace.temperature_statistic, 2.9), lw=0.8,
                   label="temperature CUSUM")
        right.axhline(1.0, color="k", ls="--", lw=0.8, label="threshold")
        right.set_ylim(0.0, 3.0)
        for ax in (left, right):
            _mark(ax, outcome)
        if row == 0:
            left.legend(fontsize=7, loc="upper left")
            right.legend(fontsize=7, loc="upper left")
    for ax in axes[-1]:
        ax.set_xlabel("time [min]")
    fig.suptitle("Residuals (left) and CUSUM statistics over their thresholds (right); "
                 "grey: fault appears, red: first alarm", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _mark(ax, outcome) -> None:
    start = outcome.plating_onset if outcome.fault.kind == "plating" else outcome.fault.time
    if np.isfinite(start):
        ax.axvline(start / 60.0, color="grey", lw=1.0)
    if np.isfinite(outcome.detection_time):
        ax.axvline(outcome.detection_time / 60.0, color="red", lw=1.0)


def relaxation(outcomes: list, path: Path) -> None:
    """The measured voltage of each run's rest after its charge (a 60 s running mean, for the
    eye), less its mean over the late window, over the drop from the early to the middle window
    (the late share's scale), with the windows shaded and each run's excess fall over the twin's
    fault-free prediction against its threshold."""
    from btwin.models.diagnosis.relaxation import EARLY, LATE, MIDDLE, WINDOW
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    for outcome in outcomes:
        t = np.asarray(outcome.trace.time) - outcome.profile.charge_time
        voltage = np.asarray(outcome.trace.measured_voltage)
        if not (t > LATE + WINDOW - 1.0).any():
            continue  # the run ended before its rest was watched
        means = [voltage[(t > start) & (t <= start + WINDOW)].mean() for start in (EARLY, MIDDLE, LATE)]
        shown = (t > 0.0) & (t <= LATE + WINDOW)
        label = (f"{outcome.fault.kind.replace('none', 'fault-free')}: {outcome.profile.charge_rate:.2g}C at "
                 f"{outcome.profile.ambient_temperature - 273.15:.0f} degC, plated "
                 f"{1e3 * outcome.plated_lithium:.0f} mA.h; " + (
                     f"excess fall {outcome.relaxation_excess:.3f} (threshold {outcome.relaxation_threshold:.3f})"
                     if np.isfinite(outcome.relaxation_excess) else "rest not judged (a false alarm reset the watch)"))
        smooth = np.convolve(voltage, np.ones(60) / 60.0, mode="same")
        ax.plot(t[shown] / 60.0, (smooth[shown] - means[2]) / (means[0] - means[1]), lw=1.2, label=label)
    for start in (EARLY, MIDDLE, LATE):
        ax.axvspan(start / 60.0, (start + WINDOW) / 60.0, color="grey", alpha=0.2)
    ax.set_ylim(-0.3, 2.0)
    ax.set_xlabel("time since the charge ended [min]")
    ax.set_ylabel("(V - V_late) / (V_early - V_middle)")
    ax.set_title("Relaxation after a charge: stripping plated lithium keeps the voltage falling late", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion(matrix: np.ndarray, classes, path: Path) -> None:
    plt = _pyplot()
    columns = list(classes) + ["none"]
    fig, ax = plt.subplots(figsize=(7.5, 6))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(columns)), [c.replace("_", " ") for c in columns], rotation=40, ha="right")
    ax.set_yticks(range(len(classes)), [c.replace("_", " ") for c in classes])
    ax.set_xlabel("diagnosed")
    ax.set_ylabel("injected")
    ax.set_title("Diagnoser: injected vs diagnosed fault")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
