"""The harness itself: the system Chromium runs, and the axe check fails on what it must."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.e2e.axe import assert_accessible

CLEAN = """<!doctype html><html lang="en"><head><title>Fine</title></head><body><main>
<h1>Book</h1><form><label for="n">Name</label><input id="n" name="n">
<button type="submit">Send</button></form></main></body></html>"""


@pytest.fixture
def page(browser: Browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_the_browser_is_the_system_chromium(browser: Browser) -> None:
    assert browser.browser_type.name == "chromium"
    assert browser.version.split(".")[0].isdigit()


def test_a_clean_page_passes_axe(page) -> None:
    page.set_content(CLEAN)
    assert_accessible(page)


@pytest.mark.parametrize(
    "flaw",
    [
        '<input name="unlabelled">',  # critical: a form field without a label
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',  # critical: no alt text
        '<p style="color:#bbb;background:#fff">faint text</p>',  # serious: low contrast
    ],
)
def test_axe_fails_on_a_serious_or_critical_violation(page, flaw: str) -> None:
    page.set_content(CLEAN.replace("</main>", flaw + "</main>"))
    with pytest.raises(AssertionError, match="axe-core"):
        assert_accessible(page)
