"""Runs every ```python block of the core pages, in order, one namespace per page.

Docs that do not run are worse than none: this keeps each example honest.
"""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(page: Path) -> list[str]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


CORE_PAGES = sorted((DOCS / "core").glob("*.md"))


def test_core_pages_have_examples():
    assert CORE_PAGES, "docs/core has no pages"
    assert any(python_blocks(p) for p in CORE_PAGES)


@pytest.mark.parametrize("page", CORE_PAGES, ids=lambda p: p.stem)
def test_core_page_examples_run(page):
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for i, block in enumerate(python_blocks(page)):
        code = compile(block, f"{page.name}[block {i}]", "exec")
        exec(code, namespace)
