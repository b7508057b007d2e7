"""The public face of the core: one list (``__init__.pyi``), every name real, nothing heavy loaded up front."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import desktop_app.replicate as face
from desktop_app.lazy import stub_names

STUB = Path(face.__file__).with_name("__init__.pyi")


def test_every_public_name_is_the_object_of_its_module() -> None:
    names = stub_names(STUB)
    assert len(names) >= 40
    assert vars(face)["__all__"] == sorted(names) == dir(face)  # __all__ is runtime-only (the stub has none)
    for name, module in names.items():
        assert getattr(face, name) is getattr(importlib.import_module(f"desktop_app.replicate.{module}"), name), name


def test_a_name_that_is_not_public_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'excerpt'"):
        _ = face.excerpt  # type: ignore[attr-defined]  # errors.excerpt exists, but is private


def test_a_stub_that_renames_a_name_is_refused(tmp_path: Path) -> None:
    stub = tmp_path / "__init__.pyi"
    stub.write_text("from __future__ import annotations\nfrom .client import ReplicateClient as Client\n")
    with pytest.raises(ValueError, match="ReplicateClient is renamed to Client"):
        stub_names(stub)


def test_importing_the_face_loads_no_module_behind_it() -> None:
    script = (
        "import sys, desktop_app.replicate as face\n"
        "assert 'aiohttp' not in sys.modules and 'desktop_app.replicate.client' not in sys.modules\n"
        "face.ReplicateClient\n"
        "assert 'aiohttp' in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
