"""A slave the build has never seen, outside the btwin package: a resistive
heater, P = V^2 / R. Used to prove that two different FMUs share one process
and that a third-party slave on our base class builds."""
from btwin.fmus.declarations import input_, output, parameter
from btwin.fmus.slave import BtwinSlave


class _Heater:
    def __init__(self, resistance):
        if resistance <= 0.0:
            raise ValueError(f"resistance must be positive, got {resistance!r}")
        self.resistance = resistance
        self.energy = 0.0

    def get_state(self):
        return {"energy": self.energy}

    def set_state(self, state):
        self.energy = state["energy"]


class Heater(BtwinSlave):
    description = "Resistive heater for tests"
    variables = (
        input_("voltage", "V", 0.0, "Voltage across the heater"),
        output("power", "W", "Electrical power turned into heat", depends_on=("voltage",)),
        output("energy", "J", "Heat produced since start"),
        parameter("resistance", "Ohm", 10.0, "Electrical resistance", min=0.0),
    )

    def create_model(self):
        return _Heater(self.resistance)

    def read_outputs(self):
        self.power = self.voltage * self.voltage / self.model.resistance
        self.energy = self.model.energy

    def advance(self, current_time, step_size):
        self.model.energy += self.voltage * self.voltage / self.model.resistance * step_size
        self.read_outputs()
