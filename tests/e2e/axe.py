"""axe-core in the page under test: no serious or critical accessibility violation is allowed."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

FAILING_IMPACTS = frozenset({"serious", "critical"})
_axe = Axe()


def violations(page: Page) -> list[dict[str, object]]:
    """The serious and critical violations axe-core finds on ``page`` as it is now."""
    found = _axe.run(page).response["violations"]
    return [v for v in found if v.get("impact") in FAILING_IMPACTS]


def assert_accessible(page: Page) -> None:
    bad = violations(page)
    assert not bad, f"axe-core on {page.url}:\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])  # type: ignore[index,union-attr]
        for v in bad
    )
