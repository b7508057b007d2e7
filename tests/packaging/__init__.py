"""Packaging tests: the icons, the desktop entry and AppStream metadata, the wheel/sdist and the PyInstaller bundle."""
