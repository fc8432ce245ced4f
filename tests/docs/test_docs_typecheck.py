"""Runs the core pages' examples through ``mypy --strict``, as a user copying them would.

The examples run (test_core_examples.py), but a user whose project is checked strictly must also
be able to paste them without a type error: a wrong annotation in core shows up here first.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.test_core_examples import CORE_PAGES, python_blocks

SRC = Path(__file__).resolve().parents[2] / "src"
MODULE = "docs_core_{}.py"
REPORTED = re.compile(r"^docs_core_(\w+)\.py:", re.M)


def page_as_module(page: Path) -> str:
    """The page's blocks in order, as the executing test runs them, each on its page lines.

    Prose becomes blank lines, so a line mypy reports is the line of the Markdown page.
    """
    text = page.read_text(encoding="utf-8")
    lines: list[str] = []
    cursor = 0
    for block in python_blocks(page):
        at = text.index(block, cursor)
        first = text.count("\n", 0, at)
        lines += [""] * (first - len(lines))
        lines += block.splitlines()
        cursor = at + len(block)
    return "\n".join(lines) + "\n"


def test_core_page_examples_pass_mypy_strict(tmp_path: Path) -> None:
    pages = [p for p in CORE_PAGES if python_blocks(p)]
    assert pages, "docs/core has no examples to check"
    for page in pages:
        (tmp_path / MODULE.format(page.stem)).write_text(page_as_module(page), encoding="utf-8")
    # One run for every page: mypy's start-up and the analysis of core are paid once. MYPYPATH
    # makes mypy read this checkout's core rather than whatever copy the interpreter installed;
    # running in tmp_path keeps the project's own mypy configuration out of a user's view.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-color-output", "."],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=False,
    )
    # Name each culprit by its page: the module's line numbers are the page's.
    report = REPORTED.sub(r"docs/core/\1.md:", result.stdout + result.stderr)
    if result.returncode != 0:
        pytest.fail(f"mypy --strict on the docs/core examples:\n{report}", pytrace=False)
    # Guards against a run that checked fewer modules than were written.
    assert f"no issues found in {len(pages)} source files" in result.stdout, report
