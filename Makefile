# scenegen: `make demo` renders a few frames and runs a short tuning demo; `make test` runs the test suite.
# Both create .venv and install everything on first use (Python 3.11 required by bpy).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= demo_out

.PHONY: setup demo test test-fast bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "scenegen needs Python 3.11 (bpy 5.0 is built for it); set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# A few minutes on 2 CPU cores: 4 frames and their contact sheet, then a short parameter-recovery
# tune toward images rendered from a hidden parameter file (configs/demo_target.yaml; start:
# configs/demo_start.yaml), its report, and the recovery error at the start and the end.
DEMO_VARS := sun_elevation_deg,fog_density,camera_height_m,building_height_m
demo: setup
	$(BIN)/scenegen render --frames 4 --resolution 512x256 --seed 0 --out $(DEMO)/frames
	rm -rf $(DEMO)/tune
	$(BIN)/scenegen tune --recipe quick --real params:configs/demo_target.yaml --params configs/demo_start.yaml \
		--variables $(DEMO_VARS) --out $(DEMO)/tune --quiet
	@echo "contact sheet: $(DEMO)/frames/contact_sheet.png"
	@$(BIN)/scenegen report $(DEMO)/tune

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not blender and not torch"

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
