# The README's two commands. Both set up .venv from the pinned dependencies,
# build every FMU into build/fmus and are safe to run again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FMU_DIR := build/fmus

.PHONY: demo test fmus clean libtbb12

$(INSTALLED): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "btwin needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

fmus: $(INSTALLED)
	$(BIN)/btwin build --out $(FMU_DIR)

demo: fmus
	$(BIN)/btwin validate $(FMU_DIR)/*.fmu
	$(BIN)/btwin scenario ev_wltc
	$(BIN)/btwin scenario depot_charging
	$(BIN)/btwin scenario fmpy_battery_pulse
	$(BIN)/btwin scenario fmpy_thermal_pulse
	$(BIN)/btwin scenario diagnostics --param runs=1 --param fault_free_hours=0.5 --param run_duration=1200
	$(BIN)/btwin eis --soc 0.5 --temperature 298.15 --out results/eis/eis.csv --plot results/eis/nyquist_bode.png
	$(BIN)/btwin scenario microstructure_to_twin --param wltc_duration=600
	$(BIN)/btwin scenario twin_observer --param hours=0.25
	$(BIN)/btwin scenario fast_charge --param initial_soc=0.5 --param mismatch_plants=2 --param bisection_steps=4
	$(BIN)/btwin fleet --vehicles 4 --days 3 --out results/fleet_demo
	@echo "results, energy reports and plots are in results/"

# Ecos (ecospy, a test dependency) links Debian's libtbb12; installed when missing.
libtbb12:
	@ldconfig -p | grep -q 'libtbb\.so\.12' || { echo "installing Debian's libtbb12 for Ecos"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtbb12 >/dev/null; } \
		|| { echo "Ecos needs Debian's libtbb12: apt-get install libtbb12 (as root)"; exit 1; }

test: fmus libtbb12
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build results .pytest_cache
