# Two commands for a fresh machine:  make run  and  make test.
# Each sets up what it needs: a uv tool venv, then the project venv from uv.lock.

PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
NETWORK ?= examples/network/kyrgyz-consulates-russia.toml
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest processes for make test; each has databases of its own (tests/conftest.py).
# Three on two cores: the tests mostly wait on browsers, servers and sockets.
TEST_PROCESSES ?= 3
export UV_PYTHON_DOWNLOADS := never
# Python keeps the modules it compiles. A machine that says PYTHONDONTWRITEBYTECODE had every
# process compile them again: each server the tests start, each of its workers, each
# command, a second or more apiece (kezek plan: 6.7 s with them kept, about 10 s without).
unexport PYTHONDONTWRITEBYTECODE
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint kernels bench bench-queue bench-boards bench-notify bench-allocation bench-simulator bench-soak bench-startup screenshots translations clean

CATALOGS := $(wildcard src/kezek/i18n/locale/*/LC_MESSAGES/messages.po)

run: $(VENV)/.synced translations
	$(VENV)/bin/kezek db upgrade
	$(VENV)/bin/kezek network load $(NETWORK)
	$(VENV)/bin/kezek serve --relay --host $(HOST) --port $(PORT)

# The lint and the simulator's compiled loops side by side, each on a core of its own (about
# 25 and 40 s on a slow machine): compiled once here, the loops are what every pytest
# process then loads from Numba's cache, instead of each compiling them at once.
test: $(VENV)/.synced translations
	$(MAKE) --no-print-directory -j2 lint kernels
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) --dist loadfile

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check src tests bench tools hatch_build.py
	$(VENV)/bin/ruff format --check src tests bench tools hatch_build.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Numba compiles the simulator's loops on their first run and keeps them next to the source;
# ten runs of the example scenario compile them all.
kernels: $(VENV)/.synced
	$(VENV)/bin/kezek simulate examples/scenarios/legalization-2025.toml --replications 10 \
	  --processes 1 > /dev/null

# The screenshots the README shows, from the browser tests that take them (Chromium needed).
screenshots: $(VENV)/.synced translations
	KEZEK_SCREENSHOT_DIR=docs/screenshots $(VENV)/bin/pytest -q tests/browser -k \
	  "sqlite and (kyrgyz_and_the_booking or priority_ticket or one_citizen or plan_in_russian)"

bench: $(VENV)/.synced
	$(VENV)/bin/python bench/booking_rush.py

bench-queue: $(VENV)/.synced
	$(VENV)/bin/python bench/queue_day.py

bench-simulator: $(VENV)/.synced
	$(VENV)/bin/python bench/simulator.py

bench-soak: $(VENV)/.synced
	$(VENV)/bin/python bench/soak.py

bench-startup: $(VENV)/.synced
	$(VENV)/bin/python bench/startup.py

bench-notify: $(VENV)/.synced
	$(VENV)/bin/python bench/notify.py

bench-allocation: $(VENV)/.synced
	$(VENV)/bin/python bench/allocation.py

bench-boards: $(VENV)/.synced
	$(VENV)/bin/python bench/board_streams.py

# The pages read compiled catalogs; the .po files are the source, kept in git.
translations: $(CATALOGS:.po=.mo)

%.mo: %.po | $(VENV)/.synced
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check 'uv>=0.5'

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

clean:
	rm -rf $(VENV) $(TOOLS) var .mypy_cache .ruff_cache .pytest_cache
