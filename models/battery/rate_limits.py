"""What limits a cell at each discharge rate.

A constant-current discharge from full to the cut-off voltage loses
ocv - voltage to eight processes (``spme.Overpotentials``): electrolyte and
solid ohmic drops, the SEI film, each electrode's reaction, each electrode's
solid diffusion (the OCP of the particle surface against that of its mean)
and the electrolyte's concentration gradients. They sum to ocv - voltage at
every time by construction of the SPMe's voltage.

The discharge ends when the voltage reaches the cut-off (or when a particle
or the electrolyte runs out, which the model refuses to step past). Had no
process lost any voltage, it would have ended at the open-circuit cut-off,
with the whole stoichiometry window delivered; the capacity short of that is
shared among the processes in proportion to what each loses at the end, and
the process that loses most is the one that limits the capacity at that rate.
That attribution is first order: it is exact while the OCV falls linearly
with charge over the capacity lost, and only indicative at rates that lose
much of the window.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..checks import positive
from ..errors import StepRejected
from .parameters import BatteryParameters
from .spme import Overpotentials, SPMeBattery

NOMINAL_CAPACITY = 5.0  # A.h, LG M50 data sheet (Chen et al. 2020): defines the C-rate
PROCESSES = Overpotentials._fields


@dataclass(frozen=True)
class Discharge:
    """One constant-current discharge of a cell and its overpotentials."""

    c_rate: float
    time: np.ndarray  # s
    capacity: np.ndarray  # A.h delivered
    voltage: np.ndarray  # V
    ocv: np.ndarray  # V, of the mean stoichiometries
    overpotentials: dict[str, np.ndarray]  # V by process, > 0 a loss
    window_capacity: float  # A.h between OCV 4.2 V and 2.5 V
    ended_by: str  # "voltage cut-off", "electrolyte depleted", "particle emptied or filled"
    cutoff: float  # V

    @property
    def delivered(self) -> float:
        """Capacity [A.h] at the cut-off (linear between the last two samples)."""
        v, q = self.voltage, self.capacity
        cutoff = self.cutoff
        if self.ended_by != "voltage cut-off" or v.size < 2 or v[-1] >= cutoff:
            return float(q[-1])
        return float(q[-2] + (q[-1] - q[-2]) * (v[-2] - cutoff) / (v[-2] - v[-1]))

    def shares_at_end(self) -> dict[str, float]:
        """Each process's part of ocv - voltage at the end of the discharge."""
        losses = {name: float(values[-1]) for name, values in self.overpotentials.items()}
        total = sum(losses.values())
        return {name: loss / total for name, loss in losses.items()}

    def capacity_lost_to(self) -> dict[str, float]:
        """The window capacity not delivered [A.h], shared among the processes
        (all of it to the electrolyte when the electrolyte ran out)."""
        lost = max(self.window_capacity - self.delivered, 0.0)
        if self.ended_by == "electrolyte depleted":
            return {name: lost * (name == "electrolyte_concentration") for name in PROCESSES}
        return {name: lost * share for name, share in self.shares_at_end().items()}

    def limited_by(self) -> str:
        lost = self.capacity_lost_to()
        return max(lost, key=lost.get)


def discharge(c_rate: float, temperature: float = 298.15,
              parameters: BatteryParameters | None = None, samples: int = 400) -> Discharge:
    """Discharge one cell from soc 1 at ``c_rate`` x 5 A, isothermal at
    ``temperature`` [K], to the lower cut-off; about ``samples`` steps."""
    positive("c_rate", c_rate)
    p = replace(parameters if parameters is not None else BatteryParameters(),
                initial_soc=1.0, n_series=1, n_parallel=1, initial_temperature=temperature)
    cell = SPMeBattery(p)
    current = c_rate * NOMINAL_CAPACITY
    dt = 3600.0 / c_rate / samples
    rows = [_row(cell, cell.evaluate(current, temperature), current)]
    ended_by = "voltage cut-off"
    while rows[-1][2] > p.lower_voltage_cutoff:
        try:
            rows.append(_row(cell, cell.step(dt, current, temperature), current))
        except StepRejected as refusal:
            ended_by = "electrolyte depleted" if "electrolyte" in str(refusal) else "particle emptied or filled"
            break
        if len(rows) > 10 * samples:
            ended_by = "not ended: step limit"
            break
    table = np.array(rows)
    window = stoichiometry_window_capacity(cell)
    return Discharge(c_rate=c_rate, time=table[:, 0], capacity=table[:, 1], voltage=table[:, 2],
                     ocv=table[:, 3], window_capacity=window, ended_by=ended_by,
                     cutoff=p.lower_voltage_cutoff,
                     overpotentials={name: table[:, 4 + i] for i, name in enumerate(PROCESSES)})


def _row(cell: SPMeBattery, out, current: float) -> tuple:
    return (cell.time, cell.time * current / 3600.0, out.voltage, out.ocv, *cell.overpotentials())


def stoichiometry_window_capacity(cell: SPMeBattery) -> float:
    """Charge [A.h] between soc 1 and soc 0 of the negative electrode."""
    w = cell.window
    return (w.x_100 - w.x_0) * cell.parameters.capacity("negative")

