"""Refuses to build the environment with a Python the app does not support."""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - this runs on whatever Python the user has
    sys.exit(
        f"Replicate Desktop needs Python 3.11 or newer; this is {sys.version.split()[0]}. "
        "Run 'make PYTHON=python3.12 test' with a newer interpreter."
    )
