"""A light vehicle-day for the fleet runner's tests: an exact scalar Kalman
filter on a synthetic truth stands in for the co-simulation, so the tests of
the orchestration and of the cloud's pooling run in milliseconds per day and
know the truth exactly. (The real vehicle-day is
``btwin.scenarios.fleet.vehicle_day.simulate``.)"""
from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np

from btwin.scenarios.fleet.draws import vehicle_rng

FADE_PER_DAY = 0.01  # A.h
MEASUREMENT_STD = {"capacity": 0.15, "resistance_factor": 0.2}
OWN_START = {"capacity": (5.0, 1.0), "resistance_factor": (1.0, 1.0)}  # the own twin's first start and its daily std
AGING = {"capacity": -FADE_PER_DAY, "resistance_factor": 0.0}  # what the own twin predicts a day does


def truth(spec: dict, quantity: str) -> float:
    if quantity == "capacity":
        return 5.0 * spec["vehicle_loading_factor"] ** 5 - FADE_PER_DAY * spec["day"]
    return 1.0 + spec["vehicle_contact_resistance"] / 0.02


def light_day(spec: dict, fmus: dict) -> dict:
    if spec["vehicle"] == 3 and spec["day"] == 1:
        raise RuntimeError("BatteryCell: fmi2DoStep failed at t=12 s (made to fail for the test)")
    assert set(fmus) and all((path / "modelDescription.xml").is_file() for path in fmus.values())  # unpacked there
    rng = vehicle_rng(spec["seed"], spec["vehicle"], spec["day"])
    row = {"carry_days_driven": spec.get("carry_days_driven", 0) + 1}
    for quantity, r in MEASUREMENT_STD.items():
        true = truth(spec, quantity)
        z = true + r * rng.standard_normal()  # what the day's readings say, seen by both twins
        own_start = (spec.get(f"carry_own_{quantity}", OWN_START[quantity][0]), OWN_START[quantity][1])
        for twin, start in (("edge", (spec[f"prior_{quantity}"], spec[f"prior_{quantity}_std"])), ("own", own_start)):
            var = 1.0 / (1.0 / start[1] ** 2 + 1.0 / r**2)
            mean = var * (start[0] / start[1] ** 2 + z / r**2)
            row.update({f"{twin}_{quantity}": mean, f"{twin}_{quantity}_std": np.sqrt(var)})
        # the own twin as the real one: it starts each day from its aged estimate with the same broad std
        row.update({f"own_{quantity}_prior": own_start[0], f"own_{quantity}_prior_std": own_start[1],
                    f"own_{quantity}_aging": AGING[quantity],
                    f"carry_own_{quantity}": row[f"own_{quantity}"] + AGING[quantity], f"true_{quantity}": true})
    return row


KILLING_DAY = (5, 1)  # (vehicle, day) whose worker dies the first time it runs it


def logged_day(spec: dict, fmus: dict) -> dict:
    """``light_day``, each run logged as "vehicle day process" in
    ``$BTWIN_TEST_FLEET_DIR/runs.log``; the worker that first runs
    ``KILLING_DAY`` kills itself there (SIGKILL), as a machine lost mid-batch."""
    events = Path(os.environ["BTWIN_TEST_FLEET_DIR"])
    with open(events / "runs.log", "a") as log:
        log.write(f"{spec['vehicle']} {spec['day']} {os.getpid()}\n")
    killed = events / "killed"
    if (spec["vehicle"], spec["day"]) == KILLING_DAY and not killed.exists():
        killed.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return light_day(spec, fmus)
