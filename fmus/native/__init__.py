"""Native FMUs: compiled C from the models' CasADi forms, no Python inside."""
