"""A student makes a calendar link in their browser, copies it, and a calendar app (a client with
no cookie) reads the feed; revoking it turns the feed into a 404."""

from __future__ import annotations

import re

import icalendar
import pytest
from playwright.sync_api import expect

from fluentory_bookings.contrib.django.calendar.events import event_uid
from fluentory_bookings.contrib.django.models import FeedToken
from fluentory_bookings.contrib.django.services import book_group_session
from tests.e2e import world
from tests.e2e.pages import expect_message, post_form, submit
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)

FEED = re.compile(r"^http://[^/]+/bookings/feeds/[A-Za-z0-9_-]{43}\.ics$")


def test_create_copy_subscribe_and_revoke_a_calendar_link(
    make_user, make_course, enroll, open_as, accessible
):
    teacher = make_user("tess", first_name="Tess", last_name="Teacher")
    course = make_course("group_session", teacher=teacher)
    ann = make_user("ann")
    enroll(course, ann)
    seat = book_group_session(world.session(course, teacher), ann)

    page = open_as(ann, permissions=["clipboard-read", "clipboard-write"])
    page.goto(url("student_bookings"))
    accessible(page)
    submit(post_form(page, url("calendar_feed_create", kind="student")))

    expect(page.get_by_role("heading", level=1)).to_have_text("Your calendar link")
    accessible(page)
    link = page.get_by_label("My bookings").input_value()
    assert FEED.match(link), link
    webcal = page.locator("a[href^='webcal://']").get_attribute("href")
    assert webcal == "webcal://" + link.split("://", 1)[1]
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".fb-copy [role=status]")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link

    # A calendar app: no login, no cookie.
    app = open_as(None).request
    feed = app.get(link)
    assert feed.status == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(feed.body())
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [event_uid("booking", seat.pk)]
    again = app.get(link, headers={"If-None-Match": feed.headers["etag"]})
    assert again.status == 304

    page.goto(url("student_bookings"))
    assert link.rsplit("/", 1)[1] not in page.content()  # shown once, never again
    submit(post_form(page, url("calendar_feed_revoke", kind="student")))
    expect_message(page, "revoked")
    assert not FeedToken.objects.filter(user=ann).exists()
    assert app.get(link).status == 404
