"""Plots of impedance spectra (Nyquist and Bode) and of the overpotentials of
discharges at several rates, shared by ``btwin eis`` and the eis_aging scenario."""
from __future__ import annotations

from pathlib import Path

import numpy as np

_MILLI = 1e3


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_spectra(path: Path, spectra: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> Path:
    """Nyquist (left) and Bode (right) of spectra {label: (frequency [Hz], Z [Ohm])}."""
    plt = _pyplot()
    fig, (nyquist, magnitude) = plt.subplots(1, 2, figsize=(11, 4.5))
    phase = magnitude.twinx()
    for label, (f, z) in spectra.items():
        line, = nyquist.plot(z.real * _MILLI, -z.imag * _MILLI, ".-", ms=3, label=label)
        magnitude.loglog(f, np.abs(z) * _MILLI, "-", color=line.get_color())
        phase.semilogx(f, np.degrees(np.angle(z)), "--", color=line.get_color())
    nyquist.set_xlabel("Re Z [mOhm]")
    nyquist.set_ylabel("-Im Z [mOhm]")
    nyquist.set_aspect("equal", adjustable="datalim")
    nyquist.grid(alpha=0.3)
    nyquist.legend(fontsize=8)
    magnitude.set_xlabel("frequency [Hz]")
    magnitude.set_ylabel("|Z| [mOhm] (solid)")
    phase.set_ylabel("phase [deg] (dashed)")
    magnitude.grid(alpha=0.3, which="both")
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_rate_limits(path: Path, discharges, process_labels: dict[str, str]) -> Path:
    """Stacked overpotentials against capacity, one panel per discharge."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(discharges), figsize=(3.2 * len(discharges), 4), sharey=True,
                             squeeze=False)
    for ax, run in zip(axes[0], discharges):
        layers = [run.overpotentials[name] * _MILLI for name in process_labels]
        ax.stackplot(run.capacity, *layers, labels=list(process_labels.values()))
        ax.plot(run.capacity, (run.ocv - run.voltage) * _MILLI, "k--", lw=1, label="ocv - voltage")
        ax.set_title(f"{run.c_rate:g}C: {run.delivered:.2f} A.h, {run.ended_by}", fontsize=9)
        ax.set_xlabel("capacity [A.h]")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("overpotential [mV]")
    axes[0][-1].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path
