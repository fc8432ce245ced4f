"""The browser harness: Debian's Chromium driven by Playwright against pytest-django's live server.

Each user gets a browser context of their own (separate cookies, zone and locale), logged in
with a real session cookie, so a student and a teacher act side by side as two people would.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Locator, Page, sync_playwright

from tests.django.conftest import clock, enroll, make_course, make_user  # noqa: F401  (shared fixtures)
from tests.e2e.axe import assert_accessible

# Playwright's sync API keeps an event loop on the test's thread; the test still talks to the
# database synchronously between page steps, which Django would otherwise refuse there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOUR_DIR = Path(__file__).resolve().parents[2] / "docs" / "_static" / "tour"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run: starting it is the slow part."""
    path = os.environ.get("FLUENTORY_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_as(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """``open_as(user, timezone_id="Asia/Tokyo")`` gives a page in a fresh browser context,
    logged in as ``user`` (or anonymous for ``None``); the keyword arguments go to the context."""
    contexts: list[BrowserContext] = []

    def open_page(user: Any, **context_options: Any) -> Page:
        options = {"locale": "en-US", "timezone_id": "UTC", **context_options}
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
            )
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def accessible() -> Callable[[Page], None]:
    """``accessible(page)`` fails on any serious or critical axe-core violation."""
    return assert_accessible


@pytest.fixture
def tour(tmp_path: Path) -> Callable[..., Path]:
    """``tour(page, "name")`` saves a full-page screenshot (``tour(page, "name", part)`` only
    the element ``part`` locates). With FLUENTORY_TOUR=1 it replaces
    ``docs/_static/tour/<name>.png`` (the docs' tour page); otherwise it lands in a temporary
    directory, so an ordinary test run leaves the committed pictures alone."""
    folder = TOUR_DIR if os.environ.get("FLUENTORY_TOUR") == "1" else tmp_path

    def shoot(page: Page, name: str, part: Locator | None = None) -> Path:
        path = folder / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        clip = None
        if part is not None:
            # The element with a margin of the page around it, so it does not touch the edges.
            box = part.bounding_box()
            assert box is not None, f"{name}: the element to photograph is not shown"
            x, y = max(box["x"] - 16, 0), max(box["y"] - 12, 0)
            clip = {"x": x, "y": y, "width": box["width"] + 32, "height": box["height"] + 24}
        page.screenshot(path=str(path), full_page=True, clip=clip, animations="disabled")
        return path

    return shoot
