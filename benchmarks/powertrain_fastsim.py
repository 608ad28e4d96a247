"""Powertrain model against NREL FASTSim 3.1.0 (run live), and its speed.

    .venv/bin/python benchmarks/powertrain_fastsim.py

Prints net battery energy per km of the Bolt preset and of FASTSim's own
2020 Chevrolet Bolt EV on UDDS and HWFET with a breakdown, the effect of the
step size, every cycle with both presets, and steps per second.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from btwin.models.powertrain import Powertrain, bolt_ev, compact_ev, known_cycles

VOLTAGE = 350.0  # V, held; the model's energy does not depend on it unless a current limit binds
KWH_PER_J = 1 / 3.6e6


def model_run(parameters, cycle, dt=1.0):
    model = Powertrain(parameters, cycle)
    start = time.perf_counter()
    steps = 0
    while model.time < model.cycle.duration - 1e-9:
        model.step(min(dt, model.cycle.duration - model.time), VOLTAGE)
        steps += 1
    wall = time.perf_counter() - start
    state = model.get_state()
    km = state["distance"] / 1000
    per_km = {key: state[f"energy_{key}"] / 3600 / km
              for key in ("battery", "traction", "regen", "losses", "aux", "friction_brake")}
    return per_km, state["distance"], wall, steps


def fastsim_run(cycle):
    import fastsim

    start = time.perf_counter()
    vehicle = fastsim.Vehicle.from_resource("2020 Chevrolet Bolt EV thrml.yaml")
    sim = fastsim.SimDrive(vehicle, fastsim.Cycle.from_resource(f"{cycle}.csv"))
    sim.run()
    wall = time.perf_counter() - start
    frame = sim.to_dataframe()
    distance = frame["veh.history.dist_meters"].to_numpy()[-1]
    km = distance / 1000
    dt = np.diff(frame["veh.history.time_seconds"].to_numpy(), prepend=0.0)
    tractive = frame["veh.history.pwr_tractive_watts"].to_numpy() * dt
    res = "veh.pt_type.BEV.res.history."
    per_km = {
        "battery": frame[res + "energy_out_electrical_joules"].to_numpy()[-1] / 3600 / km,
        "traction": tractive[tractive > 0].sum() / 3600 / km,
        "regen": -tractive[tractive < 0].sum() / 3600 / km,
        "aux": frame[res + "energy_aux_joules"].to_numpy()[-1] / 3600 / km,
        "losses": sum(frame[f"veh.pt_type.BEV.{part}.history.energy_loss_joules"].to_numpy()[-1]
                      for part in ("em", "transmission")) / 3600 / km,
    }
    return per_km, distance, wall


def compare_with_fastsim():
    print("Bolt preset vs FASTSim 3.1.0 '2020 Chevrolet Bolt EV thrml.yaml' (Wh/km; dt = 1 s)")
    print(f"{'cycle':7} {'quantity':10} {'FASTSim':>9} {'btwin':>9} {'diff %':>8}")
    try:
        import fastsim  # noqa: F401
    except ImportError as error:
        print(f"  fastsim not importable ({error}); only btwin figures follow")
        fastsim_ok = False
    else:
        fastsim_ok = True
    for cycle in ("udds", "hwfet"):
        ours, distance, wall, _ = model_run(bolt_ev(), cycle)
        ref, ref_distance, ref_wall = fastsim_run(cycle) if fastsim_ok else ({}, float("nan"), float("nan"))
        for key in ("battery", "traction", "regen", "aux", "losses", "friction_brake"):
            theirs = ref.get(key, float("nan"))
            diff = 100 * (ours[key] - theirs) / theirs if key in ref else float("nan")
            print(f"{cycle:7} {key:10} {theirs:9.3f} {ours[key]:9.3f} {diff:8.3f}")
        print(f"{cycle:7} {'km':10} {ref_distance / 1000:9.4f} {distance / 1000:9.4f}"
              f"   wall: FASTSim {ref_wall * 1e3:.0f} ms, btwin {wall * 1e3:.0f} ms")
    mirrored = dataclasses.replace(bolt_ev(), regen_efficiency=None)
    for cycle in ("udds", "hwfet"):
        ours, *_ = model_run(mirrored, cycle)
        print(f"  Bolt with regen efficiency on |power fraction| (not FASTSim's clamp), {cycle}: "
              f"{ours['battery']:.2f} Wh/km")


def step_size_effect():
    print("\nStep size (Bolt, UDDS): net battery energy and cost")
    for dt in (0.01, 0.1, 1.0, 10.0):
        ours, _, wall, steps = model_run(bolt_ev(), "udds", dt)
        print(f"  dt = {dt:5} s: {ours['battery']:.4f} Wh/km, {steps} steps, {wall:.3f} s, "
              f"{steps / wall:,.0f} steps/s")


def all_cycles():
    print("\nEvery cycle (dt = 1 s), net battery energy [Wh/km]")
    print(f"{'cycle':14} {'km':>8} {'compact_ev':>11} {'bolt_ev':>9}")
    for cycle in known_cycles():
        compact, distance, *_ = model_run(compact_ev(), cycle)
        bolt, *_ = model_run(bolt_ev(), cycle)
        print(f"{cycle:14} {distance / 1000:8.3f} {compact['battery']:11.2f} {bolt['battery']:9.2f}")


if __name__ == "__main__":
    compare_with_fastsim()
    step_size_effect()
    all_cycles()
