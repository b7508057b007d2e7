# Replicate Desktop — every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench system-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) packaging/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

system-deps:
	@bash packaging/qt-system-deps.sh

run: $(STAMP) system-deps
	$(BIN)/replicate-desktop $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check desktop_app tests bench packaging

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
