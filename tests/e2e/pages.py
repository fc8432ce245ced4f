"""Steps a person takes on a page, found by what the page does (a form's action, a link's
target) rather than by wording, so the tests survive a reworded button but not a broken door."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect


def post_form(page: Page, action: str) -> Locator:
    """The POST form that acts on ``action``: one on the current page naming it, or the page's
    own form when the page is ``action`` (as it was loaded, not reloaded: the person may be
    acting on what they saw a while ago), else the form on the page at ``action``."""
    named = page.locator(f"form[method='post' i][action='{action}']")
    if named.count():
        return named.first
    if urlsplit(page.url).path != action:
        page.goto(action)
    return page.locator(
        "main form[method='post' i]:not([action]), main form[method='post' i][action='']"
    ).first


def submit(form: Locator) -> None:
    """Press the form's own submit button and wait for the page that answers."""
    page = form.page
    with page.expect_navigation():
        form.locator("button, input[type='submit']").first.click()


def expect_message(page: Page, pattern: str) -> None:
    """A message in the page's message area (role status or alert) matching ``pattern``."""
    expect(page.locator("main")).to_contain_text(re.compile(pattern, re.I))


def tab_to(page: Page, accessible_name: str, limit: int = 60) -> None:
    """Move the keyboard focus with Tab alone until it rests on a control whose text matches
    ``accessible_name`` (a regular expression); fail if it is never reached."""
    wanted = re.compile(accessible_name, re.I)
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? (e.innerText || e.value || e.getAttribute('aria-label') || '') : ''; }"
        )
        if wanted.search(label or ""):
            return
    raise AssertionError(f"Tab never reached a control named {accessible_name!r} on {page.url}")
