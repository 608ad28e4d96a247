"""Standard drive cycles shipped as CSV files (time [s], speed [m/s]); see each file's header."""
