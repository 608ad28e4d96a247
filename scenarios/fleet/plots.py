"""The fleet's pictures: capacity over the days (truth and the shrunk twin),
individual vs shrunk estimates against the truth, and error against data
(by charging habit: a car topped up every evening learns little of itself in
a day, one run low and charged full much)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .summary import columns


def plot(rows: list[dict], out: Path, quantity: str = "capacity", unit: str = "A.h") -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = columns(rows, ("day", f"true_{quantity}", f"individual_{quantity}", f"shrunk_{quantity}",
                       "vehicle_charge_below"))
    day, truth = c["day"], c[f"true_{quantity}"]
    if day.size == 0:  # no vehicle-day ran: nothing to draw
        return []
    individual, shrunk = c[f"individual_{quantity}"], c[f"shrunk_{quantity}"]
    days = np.unique(day)
    axis_label = f"{quantity} per cell [{unit}]"
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))

    ax = axes[0]
    for values, label, colour in ((truth, "truth", "k"), (shrunk, "shrunk twin", "tab:blue")):
        low, mid, high = (np.array([np.nanpercentile(values[day == d], q) for d in days]) for q in (5, 50, 95))
        ax.fill_between(days, low, high, color=colour, alpha=0.15)
        ax.plot(days, mid, color=colour, label=f"{label}: median, 5-95 %")
    ax.set(xlabel="day", ylabel=axis_label, title="the fleet over time")
    ax.legend(fontsize=8)

    ax = axes[1]
    first, last = day == days.min(), day == days.max()
    ax.scatter(truth[first], individual[first], s=12, color="tab:orange", label=f"individual, day {days.min():g}")
    ax.scatter(truth[first], shrunk[first], s=12, color="tab:blue", label=f"shrunk, day {days.min():g}")
    ax.scatter(truth[last], shrunk[last], s=12, marker="x", color="tab:green", label=f"shrunk, day {days.max():g}")
    span = [np.nanmin(truth), np.nanmax(truth)]
    ax.plot(span, span, "k--", lw=1)
    ax.set(xlabel=f"true {axis_label}", ylabel=f"estimated {axis_label}", title="estimates against the truth")
    ax.legend(fontsize=8)

    ax = axes[2]
    habit = c["vehicle_charge_below"]
    groups = {"every evening": habit == 1.0, "when low": habit < 1.0} if np.isfinite(habit).all() \
        else {"": np.ones(day.size, bool)}  # a table written before habits were drawn
    for (name, group), style in zip(groups.items(), ("-", "--")):
        for values, label, colour in ((individual, "individual", "tab:orange"), (shrunk, "shrunk", "tab:blue")):
            rmse = [np.sqrt(np.nanmean((values[group & (day == d)] - truth[group & (day == d)]) ** 2))
                    if (group & (day == d)).any() else np.nan for d in days]
            ax.plot(days + 1, rmse, style, marker="o", ms=4, color=colour, label=f"{label}, {name}".rstrip(", "))
    ax.set(xlabel="days of data", ylabel=f"RMSE of {axis_label}", title="error against data, by charging habit",
           yscale="log")
    ax.legend(fontsize=8)

    fig.tight_layout()
    path = out / f"fleet_{quantity}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]
