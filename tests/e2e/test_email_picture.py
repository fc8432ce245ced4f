"""A notification e-mail as a mail client shows it: the HTML part of the "seat confirmed" mail a
booking sends, rendered in Chromium, in the student's own zone, with no serious accessibility
fault, and photographed for docs/django/notifications.md (FLUENTORY_TOUR=1 refreshes it)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fluentory_bookings.contrib.django.services import book_group_session
from lms.models import UserProfile
from tests.e2e import world
from tests.e2e.axe import violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_seat_confirmed_mail_renders_in_a_browser(
    make_user, make_course, browser, mailoutbox, settings, tour
):
    settings.FLUENTORY_BOOKINGS_SITE_URL = "https://lms.example.com"
    tara = make_user("tara", first_name="Tara", last_name="Weber")
    ana = make_user("ana", first_name="Ana", last_name="Souza", email="ana@example.com")
    UserProfile.objects.create(user=ana, timezone="America/Sao_Paulo")
    course = make_course("group_session", teacher=tara, students=[ana])
    session = world.session(course, tara, title="Travel stories")

    book_group_session(session, ana)  # sent once the booking commits

    (mail,) = mailoutbox
    html = next(body for body, kind in mail.alternatives if kind == "text/html")
    context = browser.new_context(locale="en-US", viewport={"width": 640, "height": 200})
    try:
        page = context.new_page()
        page.set_content(html)
        local = session.starts_at.astimezone(UserProfile.objects.get(user=ana).timezone)
        expect(page.locator("body")).to_contain_text("Hello Ana Souza,")
        expect(page.locator("body")).to_contain_text(local.strftime("%H:%M"))
        expect(page.locator("body")).to_contain_text("America/Sao_Paulo")
        expect(page.get_by_role("link", name="Open your bookings")).to_have_attribute(
            "href", "https://lms.example.com/bookings/my/"
        )
        assert not violations(page)
        tour(page, "email-seat-confirmed")
    finally:
        context.close()
