"""The arrows point down (docs: DESIGN, "Layers"): the services, the only writers, import no
door and nothing from ``notifications/``; the models import no door. Read from the source, so a
lazy import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fluentory_bookings.contrib.django as app

PACKAGE = "fluentory_bookings.contrib.django"
ROOT = Path(app.__file__).parent

# What the services and models must never import: the doors, the notifications (rendering and
# delivery, which may call services), and the periodic work that runs both.
ABOVE = (
    "admin",
    "admin_lists",
    "api",
    "calendar.urls",
    "calendar.views",
    "forms",
    "management",
    "mixins",
    "notifications",
    "periodic",
    "urls",
    "views",
)


def imported(source: str, package: str) -> set[str]:
    """Every module ``source`` (a module of ``package``) imports, as absolute dotted names
    (``from x import y`` gives both ``x`` and ``x.y``, since ``y`` may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def above(name: str) -> bool:
    return any(name == f"{PACKAGE}.{m}" or name.startswith(f"{PACKAGE}.{m}.") for m in ABOVE)


@pytest.mark.parametrize("layer", ["services", "models"])
def test_a_lower_layer_imports_nothing_above_it(layer):
    modules = sorted((ROOT / layer).glob("*.py"))
    assert modules
    wrong = {
        path.name: sorted(
            name for name in imported(path.read_text(), f"{PACKAGE}.{layer}") if above(name)
        )
        for path in modules
    }
    assert {name: found for name, found in wrong.items() if found} == {}


def test_the_scan_sees_relative_and_lazy_imports():
    services = f"{PACKAGE}.services"
    lazy = "def f():\n    from ..notifications import dispatch\n    from . import group\n"
    names = imported(lazy, services)
    assert f"{PACKAGE}.notifications.dispatch" in names
    assert f"{services}.group" in names
    assert any(above(n) for n in names)
    assert not above(f"{PACKAGE}.services.reminders")
    assert not above(f"{PACKAGE}.viewsets")  # a prefix of a name is not the module
