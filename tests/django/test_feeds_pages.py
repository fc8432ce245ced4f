"""The feed's buttons on the pages: create, regenerate, revoke (POST + CSRF), the URL shown once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from fluentory_bookings.contrib.django.calendar import views
from fluentory_bookings.contrib.django.calendar.tokens import feed_user
from fluentory_bookings.contrib.django.models import FeedToken
from fluentory_bookings.contrib.django.services import (
    TryAgain,
    book_group_session,
    create_session,
)
from tests.django.feeds import World, feed_path, url
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

FEED_URL = re.compile(r'value="(http://testserver/bookings/feeds/([A-Za-z0-9_-]{43})\.ics)"')


@pytest.fixture
def world(make_course, make_user, teacher, student) -> World:
    return World(make_course, make_user, teacher, student)


def tokens() -> list[tuple[Any, ...]]:
    return sorted(FeedToken.objects.values_list("user_id", "kind", "token_hash", "created"))


def html(response) -> str:
    return response.content.decode()


def create(client, kind: str = "student", **data: str):
    return client.post(url("calendar_feed_create", kind), data)


def shown(response) -> tuple[str, str]:
    """The feed URL and token the page shows."""
    found = FEED_URL.search(html(response))
    assert found, "no feed URL on the page"
    return found.group(1), found.group(2)


@pytest.fixture
def as_student(client, student):
    client.force_login(student)
    return client


def test_my_bookings_offers_a_link_when_there_is_none(as_student) -> None:
    page = html(as_student.get(url("student_bookings")))
    assert "Create a calendar link" in page
    assert url("calendar_feed_create", "student") in page
    assert "Revoke" not in page


def test_creating_shows_the_url_once_with_webcal_and_copy(as_student, student) -> None:
    response = create(as_student, next=url("student_bookings"))
    assert response.status_code == 200
    link, token = shown(response)
    assert feed_user(token) == (student, "student")
    page = html(response)
    assert f'href="webcal://testserver/bookings/feeds/{token}.ics"' in page
    assert "data-fb-copy" in page
    assert "shown only this once" in page
    assert f'href="{url("student_bookings")}"' in page  # back where the button was
    # Nothing keeps the secret: not the browser's cache, not a Referer.
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    # The list now offers to regenerate or revoke, and never shows the token again.
    after = html(as_student.get(url("student_bookings")))
    assert "Regenerate the calendar link" in after
    assert "Revoke the calendar link" in after
    assert token not in after
    assert as_student.get(link).status_code == 200


def test_regenerating_replaces_the_link(as_student, student) -> None:
    _, old = shown(create(as_student))
    _, new = shown(create(as_student))
    assert old != new
    assert as_student.get(feed_path(old)).status_code == 404
    assert as_student.get(feed_path(new)).status_code == 200
    assert FeedToken.objects.filter(user=student).count() == 1


def test_revoking_deletes_the_link_and_goes_back(as_student, student) -> None:
    _, token = shown(create(as_student))
    response = as_student.post(
        url("calendar_feed_revoke", "student"), {"next": url("student_bookings")}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("student_bookings")
    assert "Your calendar link is revoked" in html(response)
    assert "Create a calendar link" in html(response)
    assert not FeedToken.objects.filter(user=student).exists()
    assert as_student.get(feed_path(token)).status_code == 404


def test_the_teacher_pages_manage_the_teaching_feed(client, world, teacher) -> None:
    client.force_login(teacher)
    for name in ("teacher_schedule", "teacher_one_on_one_bookings"):
        page = html(client.get(url(name)))
        assert url("calendar_feed_create", "teacher") in page, name
    _, token = shown(create(client, "teacher", next=url("teacher_schedule")))
    assert feed_user(token) == (teacher, "teacher")
    assert "Regenerate the calendar link" in html(client.get(url("teacher_one_on_one_bookings")))


def test_rows_link_their_ics_files(client, world, student, teacher) -> None:
    client.force_login(student)
    mine = html(client.get(url("student_bookings")))
    assert url("calendar_seat_ics", world.seat.pk) in mine
    assert url("calendar_lesson_ics", world.lesson.pk) in mine
    client.force_login(teacher)
    assert url("calendar_session_ics", world.session.pk) in html(
        client.get(url("teacher_schedule"))
    )


def test_a_waitlist_place_has_no_ics_link(as_student, student, make_user, make_course, teacher):
    first = make_user("first")
    course = make_course("group_session", teacher=teacher, students=[student, first])
    full = create_session(
        course=course,
        teacher=teacher,
        title="Full",
        starts_at=at(day(4), 10),
        ends_at=at(day(4), 11),
        total_seats=1,
        enable_waitlist=True,
    )
    book_group_session(full, first)
    waiting = book_group_session(full, student)
    assert waiting.status == "waitlisted"
    assert url("calendar_seat_ics", waiting.pk) not in html(as_student.get(url("student_bookings")))


# --- refusals change nothing ------------------------------------------------------------------


def test_get_never_changes_a_feed(as_student, student) -> None:
    shown(create(as_student))
    before = tokens()
    for name in ("calendar_feed_create", "calendar_feed_revoke"):
        assert as_student.get(url(name, "student")).status_code == 405
    assert tokens() == before


def test_a_post_without_the_csrf_token_is_refused(student) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(student)
    for name in ("calendar_feed_create", "calendar_feed_revoke"):
        assert strict.post(url(name, "student")).status_code == 403
    assert tokens() == []


def test_signed_out_visitors_change_nothing(client, student) -> None:
    for name in ("calendar_feed_create", "calendar_feed_revoke"):
        response = client.post(url(name, "student"))
        assert response.status_code == 302
        assert "?next=" in response["Location"]
    assert tokens() == []


def test_an_unknown_kind_is_a_404_and_changes_nothing(as_student) -> None:
    shown(create(as_student))
    before = tokens()
    for name in ("calendar_feed_create", "calendar_feed_revoke"):
        assert as_student.post(url(name, "admin")).status_code == 404
    assert tokens() == before


def test_a_token_that_could_not_be_decided_is_one_message_and_changes_nothing(
    as_student, monkeypatch
) -> None:
    shown(create(as_student))
    before = tokens()

    def contended(user, kind):
        raise TryAgain("contention", "the feed's token changed concurrently")

    monkeypatch.setattr(views, "issue_feed_token", contended)
    response = create(as_student, next=url("student_bookings"))
    assert response.status_code == 302
    assert response["Location"] == url("student_bookings")
    page = html(as_student.get(url("student_bookings")))
    assert "please try again" in page
    assert tokens() == before


def test_revoking_only_touches_ones_own_feed(client, student, make_user) -> None:
    client.force_login(student)
    shown(create(client))
    other = make_user("other")
    client.force_login(other)
    client.post(url("calendar_feed_revoke", "student"))
    assert [(u, k) for u, k, *_ in tokens()] == [(student.pk, "student")]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_next_only_leads_back_into_this_site(as_student, target) -> None:
    response = as_student.post(url("calendar_feed_revoke", "student"), {"next": target})
    assert response["Location"] == url("student_bookings")
    page = html(create(as_student, next=target))
    assert f'href="{url("student_bookings")}"' in page
    assert "evil.example" not in page


def test_the_buttons_and_the_link_page_speak_german(as_student) -> None:
    as_student.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    # LocaleMiddleware leaves German active in this thread: give the next test its language back.
    with translation.override(translation.get_language()):
        listing = html(as_student.get(url("student_bookings")))
        page = html(create(as_student))
    assert "Kalender-Link erstellen" in listing
    assert "Kopieren Sie ihn jetzt" in page
    assert "Copy it now" not in page
