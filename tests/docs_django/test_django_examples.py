"""Runs every ```python block of the Django pages against the example LMS, one page at a time.

Each page runs in a fresh namespace inside a test database, blocks in order: an example that
no longer works fails the suite.
"""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PAGES = sorted((DOCS / "django").glob("*.md"))


def test_django_pages_have_examples():
    assert any(FENCE.findall(p.read_text(encoding="utf-8")) for p in PAGES)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_django_page_examples_run(page):
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for i, block in enumerate(FENCE.findall(page.read_text(encoding="utf-8"))):
        exec(compile(block, f"{page.name}[block {i}]", "exec"), namespace)
