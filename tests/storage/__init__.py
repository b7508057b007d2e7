"""Tests of the Qt-free storage layer: paths, settings, the token store and output files."""
