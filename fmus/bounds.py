"""Physical bounds on FMU inputs, each with its source or labelled an assumption.

An input beyond them is refused with fmi2Error (see :mod:`.slave`): no model
of ours is valid there, and a host that feeds such a value has lost its way.
"""

# Highest DC voltage of low-voltage equipment, EU Low Voltage Directive
# 2014/35/EU (75-1500 V DC); every traction battery lies below it.
MAX_DC_VOLTAGE = 1500.0  # V
# Highest current of any DC charging standard: the Megawatt Charging System
# (CharIN MCS), 3000 A.
MAX_CHARGING_CURRENT = 3000.0  # A
# Assumption: the air or coolant around a pack lies between -60 degC and 100 degC.
AMBIENT_TEMPERATURE = (213.15, 373.15)  # K
# Assumption: no cell generates (or, by reversible heat, absorbs) more than
# 100 W: the Joule heat of a 21700 cell at 10 C (50 A) through a few tens of
# mOhm is of that order.
MAX_HEAT_PER_CELL = 100.0  # W
# Short-time emergency loading of a distribution transformer, IEC 60076-7
# (2.0 per unit): a load point drawing more than this times the transformer
# rating is beyond anything the feeder can carry.
MAX_LOAD_PER_RATING = 2.0  # 1
# Assumption: a cell's surface is read between -100 degC and 1000 degC (a type K
# thermocouple spans far more; a cell in thermal runaway stays below ~900 degC),
# so that a twin or a diagnoser still reads a cell that runs away.
SURFACE_TEMPERATURE = (173.15, 1273.15)  # K
# Assumption: no pack current of either sign beyond the highest charging
# current of any standard (MAX_CHARGING_CURRENT).
MAX_PACK_CURRENT = MAX_CHARGING_CURRENT  # A
