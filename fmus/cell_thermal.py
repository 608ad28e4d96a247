"""CellThermal: core and surface temperature of cylindrical cells."""
from btwin.models.abuse import AbuseReactions
from btwin.models.thermal import CellThermal as Model, ThermalParameters

from .bounds import AMBIENT_TEMPERATURE, MAX_HEAT_PER_CELL
from .declarations import Limit, input_, output, parameter
from .slave import BtwinSlave

_DEFAULT = ThermalParameters()


class CellThermal(BtwinSlave):
    description = ("Two-state core/surface thermal model of a cylindrical cell (Lin et al. 2014), "
                   "integrated exactly; defaults for an LG M50 21700 cell")
    variables = (
        input_("heat_generation", "W", 0.0, "Heat generated in all the cells together; "
               "|heat_generation| <= max_heat_per_cell x n_cells"),
        input_("ambient_temperature", "K", 298.15, "Temperature of the surrounding air or coolant",
               min=AMBIENT_TEMPERATURE[0], max=AMBIENT_TEMPERATURE[1]),
        output("core_temperature", "K", "Temperature at the cell centre", min=0.0),
        output("surface_temperature", "K", "Temperature of the cell can", min=0.0),
        output("heat_rejected", "W", "Heat passed to ambient by all cells, mean over the last step",
               step_mean=True),
        parameter("initial_temperature", "K", 298.15, "Core and surface temperature at start", min=0.0),
        parameter("core_heat_capacity", "J/K", _DEFAULT.core_heat_capacity,
                  "C_c, heat capacity of the jelly roll of one cell", min=0.0),
        parameter("surface_heat_capacity", "J/K", _DEFAULT.surface_heat_capacity,
                  "C_s, heat capacity of the can of one cell", min=0.0),
        parameter("core_to_surface_resistance", "K/W", _DEFAULT.core_to_surface_resistance,
                  "R_c, conduction resistance from centre to can", min=0.0),
        parameter("surface_to_ambient_resistance", "K/W", _DEFAULT.surface_to_ambient_resistance,
                  "R_u, convection resistance from can to ambient", min=0.0),
        parameter("n_cells", "1", _DEFAULT.n_cells, "Number of identical cells sharing the heat", min=1.0),
        parameter("abuse_reactions", None, False, "Exothermic SEI, anode, cathode and electrolyte "
                  "decompositions (Kim et al. 2007) heat the core; they run away above ~100 degC",
                  type=bool),
        parameter("max_heat_per_cell", "W", MAX_HEAT_PER_CELL,
                  "Largest |heat_generation| accepted per cell", min=0.0),
    )

    def create_model(self) -> Model:
        parameters = ThermalParameters(
            core_heat_capacity=self.core_heat_capacity,
            surface_heat_capacity=self.surface_heat_capacity,
            core_to_surface_resistance=self.core_to_surface_resistance,
            surface_to_ambient_resistance=self.surface_to_ambient_resistance,
            n_cells=self.n_cells,
        )
        reactions = AbuseReactions() if self.abuse_reactions else None
        return Model(parameters, self.initial_temperature, reactions)

    def input_limits(self) -> dict[str, Limit]:
        basis = f"max_heat_per_cell {self.max_heat_per_cell:g} W x {self.n_cells:g} cells"
        return {"heat_generation": Limit.symmetric(self.max_heat_per_cell * self.n_cells, basis)}

    def read_outputs(self) -> None:
        self.core_temperature = self.model.core_temperature
        self.surface_temperature = self.model.surface_temperature
        self.heat_rejected = self.model.heat_rejected

    def advance(self, current_time: float, step_size: float) -> None:
        self.model.step(step_size, self.heat_generation, self.ambient_temperature)
        self.read_outputs()
