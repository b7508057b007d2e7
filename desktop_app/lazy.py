"""Lazy package attributes: names are imported from their module on first use (PEP 562)."""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def lazy_attributes(package: str, names: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``names[name]`` (a submodule) on first access
    and caches the value in the package's ``namespace``."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    return __getattr__


def lazy_face(package: str, init_file: str) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for a package whose public names are the
    ``from .module import name as name`` lines of the stub beside its ``__init__`` (``__init__.pyi``).

    The stub is the one list: type checkers read it as the package's interface, and this reads it to know
    which module each name comes from."""
    names = stub_names(Path(init_file).with_name("__init__.pyi"))
    public = sorted(names)
    return lazy_attributes(package, names, vars(sys.modules[package])), lambda: list(public), public


def stub_names(stub: Path) -> dict[str, str]:
    """``name → submodule`` for each ``from .submodule import name as name`` at the top level of ``stub``."""
    tree = ast.parse(stub.read_text(encoding="utf-8"), filename=str(stub))
    names: dict[str, str] = {}
    for node in tree.body:
        if not (isinstance(node, ast.ImportFrom) and node.level == 1 and node.module):
            continue
        for alias in node.names:
            if alias.asname not in (None, alias.name):
                raise ValueError(f"{stub}: {alias.name} is renamed to {alias.asname}; a face keeps the names")
            names[alias.name] = node.module
    return names
