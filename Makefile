# Replicate Desktop — every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench screenshots system-deps clean

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
	$(BIN)/lint-imports --no-logo --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# The README's screenshots: the GUI tests that take them, saving into docs/screenshots (other runs use a temporary
# folder, so a plain `make test` never changes committed files).
screenshots: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider --screenshots docs/screenshots \
		tests/e2e/test_app_e2e.py tests/e2e/test_app_ru.py \
		tests/ui/test_accessibility.py::test_the_window_renders_sharp_at_200_percent

bench: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# Packaging (see packaging/): a PyInstaller one-folder bundle in dist/replicate-desktop/, a wheel and sdist in
# dist/, and the desktop launcher + AppStream metadata + icons for the current user.
.PHONY: package wheel install-desktop

package: $(STAMP) system-deps
	$(BIN)/python packaging/build_bundle.py

wheel: $(STAMP)
	$(BIN)/python -m pip install --quiet 'build>=1.6'
	$(BIN)/python -m build --outdir dist .

install-desktop:
	@bash packaging/install-desktop.sh

# Translations: regenerate desktop_app/i18n/*.ts from the UI's tr() texts and compile them to the .qm files the app
# loads (both are committed; tests/ui/test_translations.py fails when they drift from the code).
.PHONY: translations

translations: $(STAMP)
	$(BIN)/python packaging/update_translations.py
