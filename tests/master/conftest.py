"""Test FMUs compiled from C once per session, and small systems made of them."""
from __future__ import annotations

import tempfile

import pytest

from btwin.master.structure import Component, Connection, Endpoint, PowerBond, SystemStructure

from .cfmu import CModel, build_fmu

SI = {"m": {"m": 1}, "m/s": {"m": 1, "s": -1}, "N": {"kg": 1, "m": 1, "s": -2}, "kg": {"kg": 1},
      "N/m": {"kg": 1, "s": -2}, "N.s/m": {"kg": 1, "s": -1}, "s": {"s": 1},
      "V": {"kg": 1, "m": 2, "s": -3, "A": -1}, "A": {"A": 1}, "Ohm": {"kg": 1, "m": 2, "s": -3, "A": -2},
      "F": {"kg": -1, "m": -2, "s": 4, "A": 2}, "mA": {"A": 1}}

MASS = CModel(
    "Mass", parameters={"m": (1.0, "kg")}, inputs={"F": (0.0, "N")},
    states={"x": (1.0, "m"), "v": (0.0, "m/s")},
    outputs={"position": ("x", "m"), "velocity": ("v", "m/s")},
    derivatives={"x": "v", "v": "F / m"}, units=SI)

SPRING_MASS = CModel(
    "SpringMass", parameters={"m2": (1.0, "kg"), "k": (10.0, "N/m"), "d": (0.5, "N.s/m")},
    inputs={"x1": (0.0, "m"), "v1": (0.0, "m/s")},
    states={"x2": (0.0, "m"), "v2": (0.0, "m/s")},
    outputs={"F": ("k * (x2 - x1) + d * (v2 - v1)", "N"), "position": ("x2", "m"), "velocity": ("v2", "m/s")},
    derivatives={"x2": "v2", "v2": "-(k * (x2 - x1) + d * (v2 - v1)) / m2"},
    feedthrough={"F": ["x1", "v1"]}, units=SI)

RC_SOURCE = CModel(
    "RCSource", parameters={"E": (10.0, "V"), "R1": (0.5, "Ohm"), "C1": (1.0, "F")},
    inputs={"current": (0.0, "A")}, states={"vc": (0.0, "V")},
    outputs={"voltage": ("vc", "V")},
    derivatives={"vc": "((E - vc) / R1 - current) / C1"}, units=SI)

RC_LOAD = CModel(
    "RCLoad", parameters={"R2": (0.5, "Ohm"), "C2": (1.0, "F"), "R3": (2.0, "Ohm")},
    inputs={"voltage": (0.0, "V")}, states={"vl": (0.0, "V")},
    outputs={"current": ("(voltage - vl) / R2", "A")},
    derivatives={"vl": "((voltage - vl) / R2 - vl / R3) / C2"},
    feedthrough={"current": ["voltage"]}, units=SI)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Temporary folders go here, so that leftovers can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(scope="session")
def fmus(tmp_path_factory):
    out = tmp_path_factory.mktemp("cfmus")
    return {model.name: build_fmu(model, out) for model in (MASS, SPRING_MASS, RC_SOURCE, RC_LOAD, GAIN, STAIR, TALLY)}


def two_masses(fmus) -> SystemStructure:
    """Mass 1 (own FMU) tied by a spring-damper to mass 2 (the other FMU).
    The force/velocity pair is a power bond from the spring to mass 1."""
    return SystemStructure(
        name="two_masses",
        components=[Component("mass", fmus["Mass"]), Component("spring", fmus["SpringMass"])],
        connections=[Connection(Endpoint("mass", "position"), Endpoint("spring", "x1")),
                     Connection(Endpoint("mass", "velocity"), Endpoint("spring", "v1")),
                     Connection(Endpoint("spring", "F"), Endpoint("mass", "F"))],
        power_bonds=[PowerBond("spring_to_mass", source="spring", sink="mass",
                               effort=Endpoint("mass", "F"), flow=Endpoint("spring", "v1"))],
        stop_time=5.0, step_size=0.01)


def rc_pair(fmus) -> SystemStructure:
    """An RC source (EMF behind R1, capacitor C1) feeding an RC load (R2 to C2
    with leak R3); voltage/current is a power bond from source to load."""
    return SystemStructure(
        name="rc_pair",
        components=[Component("source", fmus["RCSource"]), Component("load", fmus["RCLoad"])],
        connections=[Connection(Endpoint("source", "voltage"), Endpoint("load", "voltage")),
                     Connection(Endpoint("load", "current"), Endpoint("source", "current"))],
        power_bonds=[PowerBond("source_to_load", source="source", sink="load",
                               effort=Endpoint("load", "voltage"), flow=Endpoint("source", "current"))],
        stop_time=3.0, step_size=0.01)


GAIN = CModel(
    "Gain", parameters={"a": (0.5, "1"), "b": (0.0, "1")}, inputs={"u": (0.0, "1")},
    outputs={"y": ("a * u + b", "1")}, feedthrough={"y": ["u"]}, units={"1": {}})


def loop_pair(fmus) -> SystemStructure:
    """Two gains in a loop through direct feedthrough: y1 = 0.5 y2 + 1, y2 = 0.5 y1."""
    first, second = Component("first", fmus["Gain"], {"a": 0.5, "b": 1.0}), Component("second", fmus["Gain"])
    return SystemStructure(
        name="loop", components=[first, second],
        connections=[Connection(Endpoint("first", "y"), Endpoint("second", "u")),
                     Connection(Endpoint("second", "y"), Endpoint("first", "u"))],
        stop_time=0.1, step_size=0.05)


# Foreign-style discrete FMUs: a Stair counter (as the Modelica Reference-FMUs'
# Stair: an Integer that counts whole seconds) and a Tally that takes an
# Integer, a Boolean and a Real and echoes them through direct feedthrough.
STAIR = CModel("Stair", discrete={"counter": ("Integer", "output", 0, "t + 1e-9"),
                                  "odd": ("Boolean", "output", 0, "counter % 2")})

TALLY = CModel(
    "Tally", inputs={"x": (0.0, "1")}, outputs={"y": ("2 * x", "1")},
    discrete={"n": ("Integer", "input", 0, ""), "flag": ("Boolean", "input", 0, ""),
              "scale": ("Integer", "parameter", 10, ""),
              "n_seen": ("Integer", "output", 0, "n * scale"), "flag_seen": ("Boolean", "output", 0, "flag")},
    feedthrough={"y": ["x"], "n_seen": ["n"], "flag_seen": ["flag"]}, units={"1": {}})


def stair_tally(fmus) -> SystemStructure:
    """The counter feeds the tally's Integer, Boolean and (Integer to) Real inputs."""
    return SystemStructure(
        name="stair_tally",
        components=[Component("stair", fmus["Stair"]), Component("tally", fmus["Tally"], {"scale": 3})],
        connections=[Connection(Endpoint("stair", "counter"), Endpoint("tally", "n")),
                     Connection(Endpoint("stair", "odd"), Endpoint("tally", "flag")),
                     Connection(Endpoint("stair", "counter"), Endpoint("tally", "x"))],
        stop_time=5.0, step_size=0.5)
