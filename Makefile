# Replicate Desktop — every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest faults bench screenshots system-deps display-deps test-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) packaging/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,media]'  # media: the gallery's video posters are tested too
	@touch $(STAMP)

# Debian packages (packaging/qt-system-deps.sh installs them as root, or names them otherwise): Qt offscreen; a real
# X11 window (Qt's xcb plugin); and what the tests use besides (packaging tools, Xvfb, a real Secret Service).
system-deps:
	@bash packaging/qt-system-deps.sh qt

display-deps:
	@bash packaging/qt-system-deps.sh qt display

test-deps:
	@bash packaging/qt-system-deps.sh qt display packaging xvfb keyring media

run: $(STAMP) display-deps
	$(BIN)/replicate-desktop $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check desktop_app tests bench packaging
	$(BIN)/lint-imports --no-logo --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

# The fault matrix (tests/faults) runs with the other tests; when all of its rows ran, FAULT_REPORT makes it
# rewrite docs/reliability.md from what it observed, so `make test` keeps the table current without a second run.
pytest: $(STAMP) test-deps
	FAULT_REPORT=docs/reliability.md QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

faults: $(STAMP) system-deps
	FAULT_REPORT=docs/reliability.md $(BIN)/python -m pytest -q -p no:cacheprovider tests/faults

test: lint typecheck pytest

# The README's screenshots: the GUI tests that take them, saving into docs/screenshots (other runs use a temporary
# folder, so a plain `make test` never changes committed files).
screenshots: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider --screenshots docs/screenshots \
		tests/e2e/test_app_e2e.py tests/e2e/test_app_ru.py \
		tests/ui/test_accessibility.py::test_the_window_renders_sharp_at_200_percent tests/ui/test_layout.py \
		tests/ui/test_training_wizard.py::test_from_a_folder_of_photos_to_a_trained_model_in_the_picker \
		tests/ui/test_picture_screenshots.py \
		tests/ui/test_queue_panel.py::test_a_2x2_matrix_from_the_dialog_runs_and_opens_in_the_viewer \
		tests/ui/test_compare_window.py::test_three_models_stream_together_and_one_is_continued \
		tests/ui/test_gallery_window.py::test_screenshot_in_light_and_dark \
		tests/ui/test_prices_dialog.py::test_the_dialog_fits_a_1280x800_screen_whole

bench: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# Packaging (see packaging/): a PyInstaller one-folder bundle in dist/replicate-desktop/, a wheel and sdist in
# dist/, and the desktop launcher + AppStream metadata + icons for the current user.
.PHONY: package wheel install-desktop

package: $(STAMP)
	@bash packaging/qt-system-deps.sh qt packaging
	$(BIN)/python packaging/build_bundle.py

wheel: $(STAMP)
	$(BIN)/python -P -m build --outdir dist .  # -P: a build/ folder here must not shadow the build package

install-desktop:
	@bash packaging/install-desktop.sh

# Translations: regenerate desktop_app/i18n/*.ts from the UI's tr() texts and compile them to the .qm files the app
# loads (both are committed; tests/ui/test_translations.py fails when they drift from the code).
.PHONY: translations

translations: $(STAMP)
	$(BIN)/python packaging/update_translations.py
