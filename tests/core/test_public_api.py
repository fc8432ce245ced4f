"""The shape of the public API: one import path, one name per thing, no private reach-ins."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import fluentory_bookings.core as core

CORE_DIR = Path(core.__file__).parent
MODULES = sorted(
    m.name for m in pkgutil.iter_modules([str(CORE_DIR)]) if not m.name.startswith("_")
)


def test_every_public_name_of_every_module_is_importable_from_core():
    missing = []
    for name in MODULES:
        module = importlib.import_module(f"fluentory_bookings.core.{name}")
        for public in getattr(module, "__all__", []):
            if public not in core.__all__:
                missing.append(f"{name}.{public}")
            elif getattr(core, public) is not getattr(module, public):
                missing.append(f"{name}.{public} (a different object in core)")
    assert missing == []


def test_core_all_is_exactly_what_core_defines():
    assert len(core.__all__) == len(set(core.__all__))
    for public in core.__all__:
        assert hasattr(core, public), public


def test_one_name_per_thing():
    # An alias (seats.ACTIVE exported again as ACTIVE_SEAT_STATUSES) gives readers two names for
    # one object; constants and classes each have exactly one public name.
    seen: dict[int, str] = {}
    for public in core.__all__:
        obj = getattr(core, public)
        if isinstance(obj, (int, str, float)):
            continue
        assert id(obj) not in seen, f"{public} is also exported as {seen.get(id(obj))}"
        seen[id(obj)] = public


def test_the_names_the_docs_promise_exist():
    for name in ("parse_actor", "parse_one_on_one_status", "TERMINAL_SESSION_STATUSES"):
        assert name in core.__all__


def _core_sources():
    for path in sorted(CORE_DIR.glob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def test_no_private_helper_is_imported_across_modules():
    offenders = []
    for path, tree in _core_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "fluentory_bookings"
            ):
                offenders += [
                    f"{path.name}: imports {a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
            # Class.attribute with a single underscore on something other than self/cls.
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id not in {"self", "cls"}
                and node.value.id[0].isupper()
            ):
                offenders.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert offenders == []


def test_no_module_defines_a_function_nobody_calls():
    # Dead code in a library is an API nobody promised to keep: every module-level private
    # function is used somewhere in the core.
    sources = {path: path.read_text() for path, _ in _core_sources()}
    everything = "\n".join(sources.values())
    dead = []
    for path, tree in _core_sources():
        for node in tree.body:
            if (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("_")
                and everything.count(node.name) < 2
            ):
                dead.append(f"{path.name}: {node.name}")
    assert dead == []
