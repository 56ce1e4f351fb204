# Permanence: the two commands the README documents.
#
#   make run    install everything, migrate, load the demo data and serve on
#               http://127.0.0.1:5000 (SQLite and in-process jobs unless
#               DATABASE_URL / REDIS_URL are set in the environment)
#   make test   install everything (and Debian's Chromium for the browser
#               tests), then run pytest; extra arguments go in PYTEST_ARGS,
#               e.g. make test PYTEST_ARGS='-k sign_in -x'. TEST_DATABASE_URL
#               and TEST_REDIS_URL are read from the environment.
#
# Both work on a fresh Debian 12 machine as root and are idempotent: stamp
# files make repeated runs skip installs that are already up to date.
# Everything else below is an internal helper.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
VENV903 := .venv-903
DFE903_REQUIREMENTS := deploy/dfe903-requirements.txt
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

BUILD := platform/permanence/static/build
SCSS := $(wildcard platform/permanence/web/assets/*.scss)
JS := $(wildcard platform/permanence/web/assets/*.js)
CHROMIUM := /usr/bin/chromium

# apt-get needs root; use sudo when we are not root (and it exists).
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y

.PHONY: run test install assets chromium

# The demo's e-mails (tracking-meeting invitations) link to where `run` serves, as its own do;
# `permanence run` points links at its --host/--port itself. BASE_URL in the environment wins.
run: install assets
	$(BIN)/permanence db upgrade
	BASE_URL="$${BASE_URL:-http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)}" $(BIN)/permanence demo load
	JINJA_STRICT_UNDEFINED=$${JINJA_STRICT_UNDEFINED:-1} $(BIN)/permanence run --host $(HOST) --port $(PORT)

# make itself exits 2 whatever pytest returned, so say pytest's own exit code
# (5 = no tests collected); .ci/run reads this line.
test: install assets chromium
	@echo '$(BIN)/python -m pytest $(PYTEST_ARGS)'
	@$(BIN)/python -m pytest $(PYTEST_ARGS) || { rc=$$?; \
	  echo "make test: pytest exited with code $$rc$$([ $$rc = 5 ] && echo ': no tests were collected')" >&2; \
	  exit $$rc; }

# --- Python ------------------------------------------------------------------

install: $(VENV)/.installed $(VENV903)/.installed

$(BIN)/python:
	@if ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then \
	  echo "$(PYTHON) cannot create virtual environments; installing Debian's $(PYTHON)-venv"; \
	  $(SUDO) apt-get update; \
	  $(APT_INSTALL) $(PYTHON)-venv; \
	fi
	$(PYTHON) -m venv $(VENV)

PLUGINS := $(wildcard plugins/*/pyproject.toml)

$(VENV)/.installed: pyproject.toml constraints.txt $(PLUGINS) | $(BIN)/python
	@# WeasyPrint (decision records as PDF) draws text with Debian's Pango.
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0; then \
	  echo "Pango not found; installing Debian's libpango-1.0-0 and libpangoft2-1.0-0 for WeasyPrint"; \
	  $(SUDO) apt-get update; \
	  $(APT_INSTALL) libpango-1.0-0 libpangoft2-1.0-0; \
	fi
	@# The papers pack converts Word, OpenDocument and Excel papers to PDF with LibreOffice, headless.
	@if ! command -v soffice >/dev/null; then \
	  echo "LibreOffice not found; installing Debian's libreoffice-writer-nogui and libreoffice-calc-nogui"; \
	  $(SUDO) apt-get update; \
	  $(APT_INSTALL) --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui; \
	fi
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]' -c constraints.txt
	for plugin in $(dir $(PLUGINS)); do $(BIN)/python -m pip install --disable-pip-version-check --no-deps -e $$plugin; done
	touch $@

# The DfE's SSDA903 validator, which the 903 import runs as a subprocess, in a virtualenv of its
# own: it needs pandas < 2 and rich < 14, which the platform's environment cannot hold. Exact pins,
# no resolver (--no-deps), then pip check that the pins are whole.
$(VENV903)/bin/python: | $(BIN)/python
	$(PYTHON) -m venv $(VENV903)

$(VENV903)/.installed: $(DFE903_REQUIREMENTS) | $(VENV903)/bin/python
	$(VENV903)/bin/python -m pip install --disable-pip-version-check --no-deps -r $(DFE903_REQUIREMENTS)
	$(VENV903)/bin/python -m pip check --disable-pip-version-check
	$(VENV903)/bin/python -c 'import lac_validator.lac_validator'
	touch $@

# --- Front-end assets --------------------------------------------------------

assets: $(BUILD)/app.css $(BUILD)/govuk-frontend.min.js $(BUILD)/app.js

# Install scripts are not needed (sass is pure JavaScript), so skip them.
node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
	  echo "npm not found; installing Debian's nodejs and npm"; \
	  $(SUDO) apt-get update; \
	  $(APT_INSTALL) nodejs npm; \
	fi
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(BUILD)/app.css $(BUILD)/govuk-frontend.min.js $(BUILD)/app.js &: node_modules/.installed $(SCSS) $(JS)
	npm run build
	touch $(BUILD)/app.css $(BUILD)/govuk-frontend.min.js $(BUILD)/app.js

# --- Browser for the browser tests ---------------------------------------------

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "$(CHROMIUM) not found; installing Debian's chromium"; \
	  $(SUDO) apt-get update; \
	  $(APT_INSTALL) chromium; \
	fi
