# `make run` and `make test` set everything up on a fresh clone, then do their job.
PYTHON ?= $(shell command -v python3.12 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The seminar app's front-end assets, packed from npm into the virtualenv (record 0007).
ASSETS := $(VENV)/share/sim-solara-cdn/.complete

.PHONY: setup run test lint clean seminar-assets browser seminar

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,viz,ema]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sim run baseline

# Idempotent: packs only missing entries; rerun when the pinned list changes.
$(ASSETS): $(STAMP) sim/seminar/web/assets.py
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y npm; \
	  else echo "npm is missing (needed once, to pack the seminar app's assets): sudo apt-get install -y npm" >&2; exit 1; fi; }
	$(BIN)/python -m sim.seminar.web.assets

seminar-assets: $(ASSETS)

# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else echo "Chromium is missing (the browser tests drive it): sudo apt-get install -y chromium" >&2; exit 1; fi; }

seminar: $(STAMP) $(ASSETS)
	$(BIN)/sim seminar baseline

# The test files are spread over the cores, a file to a worker so that a file's fixtures
# (a seminar server, a batched ensemble) are built once (decision record 0017).
TEST_WORKERS ?= auto

test: $(STAMP) $(ASSETS) browser
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks

clean:
	rm -rf $(VENV) results/runs
