"""The private feed over HTTP: what a calendar app gets, when it gets a 304, and what a wrong
token gets (one plain 404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import F
from django.utils import timezone, translation
from django.utils.http import http_date, parse_http_date

from fluentory_bookings.contrib.django.calendar import views
from fluentory_bookings.contrib.django.calendar.tokens import issue_feed_token, revoke_feed_token
from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedToken,
    LiveClassSession,
    OneOnOneBooking,
)
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    book_group_session,
    cancel_group_booking,
    create_session,
    update_session,
)
from tests.django.feeds import World, feed_path, instants, vevents

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_course, make_user, teacher, student) -> World:
    made = World(make_course, make_user, teacher, student)
    backdate(5)  # made a while ago, as a calendar app finds it
    return made


def get(client, token: str, **headers):
    return client.get(feed_path(token), headers=headers)


# --- what a calendar app gets ------------------------------------------------------------------


def test_the_feed_is_a_private_text_calendar_with_strong_validators(client, world) -> None:
    response = get(client, world.token())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    etag = response["ETag"]
    assert etag.startswith('"')  # strong: no W/ before it
    assert etag.endswith('"')
    assert parse_http_date(response["Last-Modified"]) > 0
    assert "private" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
    assert "Content-Disposition" not in response  # subscribed, not downloaded
    # Polled with no login and no cookie, and it sets none.
    assert response.cookies == {}
    assert b"METHOD:" not in response.content


def test_the_student_feed_is_their_seats_and_lessons_as_stored(client, world) -> None:
    events = vevents(get(client, world.token()).content)
    uids = world.uids
    assert set(events) == {uids["seat"], uids["lesson"]}  # not the other student's seat
    seat = events[uids["seat"]]
    assert instants(seat) == (world.session.starts_at, world.session.ends_at)
    assert str(seat["STATUS"]) == "CONFIRMED"
    assert str(seat["URL"]) == "https://meet.example.com/abc"
    lesson = events[uids["lesson"]]
    assert instants(lesson) == (world.lesson.starts_at, world.lesson.ends_at)
    assert str(lesson["STATUS"]) == "TENTATIVE"  # asked for, not yet approved
    # No attendee e-mail addresses in a published feed.
    assert b"ATTENDEE" not in get(client, world.token()).content


def test_the_teacher_feed_is_their_sessions_and_lessons(client, world, teacher) -> None:
    events = vevents(get(client, world.token("teacher", teacher)).content)
    uids = world.uids
    assert set(events) == {uids["session"], uids["lesson"]}
    assert instants(events[uids["session"]]) == (world.session.starts_at, world.session.ends_at)
    # The same lesson, with the same UID and times, as in the student's feed.
    student_view = vevents(get(client, world.token()).content)[uids["lesson"]]
    assert instants(events[uids["lesson"]]) == instants(student_view)


def test_the_feed_holds_exactly_the_rows_in_its_window_at_their_instants(
    client, world, student
) -> None:
    now = timezone.now().replace(second=0, microsecond=0)  # as the services store times
    past, future = app_settings.FEED_PAST, app_settings.FEED_FUTURE
    starts = {
        "long gone": now - past - timedelta(hours=2),  # ended before the window
        "ends inside": now - past - timedelta(minutes=30),  # overlaps its first edge
        "last month": now - timedelta(days=30),
        "next year": now + future - timedelta(hours=1),
        "too far": now + future + timedelta(hours=1),  # starts after the window
    }
    for title, start in starts.items():
        session = LiveClassSession.objects.create(
            course=world.session.course,
            teacher=world.teacher,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="Australia/Lord_Howe",
        )
        Booking.objects.create(session=session, student=student, status="attended")
    events = vevents(get(client, world.token()).content)
    shown = {str(e["SUMMARY"]): instants(e) for e in events.values()}
    expected = {
        b.session.title: (b.session.starts_at, b.session.ends_at)
        for b in Booking.objects.filter(student=student).select_related("session")
        if b.session.title not in ("long gone", "too far")
    }
    lessons = {str(events[world.uids["lesson"]]["SUMMARY"])}
    assert {k: v for k, v in shown.items() if k not in lessons} == expected
    assert set(expected) == {"Conversation", "ends inside", "last month", "next year"}


def test_a_user_who_both_teaches_and_studies_has_two_separate_feeds(client, world, make_course):
    seat = create_session(
        course=make_course("group_session", teacher=world.other),
        teacher=world.other,
        title="Taught by a student",
        starts_at=world.session.starts_at + timedelta(days=1),
        ends_at=world.session.ends_at + timedelta(days=1),
    )
    teaching = vevents(get(client, world.token("teacher", world.other)).content)
    studying = vevents(get(client, world.token("student", world.other)).content)
    assert world.uids["other_seat"] in studying
    assert world.uids["other_seat"] not in teaching
    assert [str(e["SUMMARY"]) for e in teaching.values()] == [seat.title]


def test_a_cancelled_booking_stays_in_the_feed_as_cancelled(client, world, student) -> None:
    cancel_group_booking(world.seat, student)
    seat = vevents(get(client, world.token()).content)[world.uids["seat"]]
    assert str(seat["STATUS"]) == "CANCELLED"
    assert "URL" not in seat


def test_head_answers_like_get_without_a_body(client, world) -> None:
    token = world.token()
    full = get(client, token)
    head = client.head(feed_path(token))
    assert head.status_code == 200
    assert head.content == b""
    for header in ("Content-Type", "ETag", "Last-Modified", "Cache-Control"):
        assert head[header] == full[header], header


def test_only_get_and_head_are_answered(client, world) -> None:
    token = world.token()
    before = list(FeedToken.objects.values_list("token_hash", flat=True))
    for method in (client.post, client.put, client.delete):
        assert method(feed_path(token)).status_code == 405
    assert list(FeedToken.objects.values_list("token_hash", flat=True)) == before


# --- conditional requests ---------------------------------------------------------------------


def test_if_none_match_gets_a_304_in_two_queries_without_building(
    client, world, monkeypatch, django_assert_max_num_queries
) -> None:
    token = world.token()
    first = get(client, token)

    def no_build(*args, **kwargs):
        raise AssertionError("the feed was built for a 304")

    monkeypatch.setattr(views, "build_calendar", no_build)
    with django_assert_max_num_queries(2):
        again = get(client, token, if_none_match=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]
    assert "private" in again["Cache-Control"]


def backdate(minutes: int) -> None:
    """Make every row look changed ``minutes`` ago (the services stamp them with now)."""
    for model in (Booking, LiveClassSession, OneOnOneBooking):
        model.objects.update(modified=F("modified") - timedelta(minutes=minutes))
    LiveClassSession.objects.update(
        calendar_modified=F("calendar_modified") - timedelta(minutes=minutes)
    )


def test_if_modified_since_gets_a_304_until_something_changes(
    client, world, student, monkeypatch
) -> None:
    token = world.token()
    changed_at = max(
        LiveClassSession.objects.get(pk=world.session.pk).modified,
        Booking.objects.get(pk=world.seat.pk).modified,
        OneOnOneBooking.objects.get(pk=world.lesson.pk).modified,
    )
    # Read a minute after the last change, on its day: run just after midnight UTC, the real
    # clock would put today's midnight (Last-Modified's floor) after yesterday's changes.
    monkeypatch.setattr(timezone, "now", lambda: changed_at + timedelta(minutes=1))
    first = get(client, token)
    since = first["Last-Modified"]
    assert parse_http_date(since) == int(changed_at.timestamp())
    assert get(client, token, if_modified_since=since).status_code == 304
    cancel_group_booking(world.seat, student)
    assert get(client, token, if_modified_since=since).status_code == 200


def test_a_change_in_this_second_sends_no_last_modified_and_ignores_if_modified_since(
    client, world, student, monkeypatch
) -> None:
    """An HTTP date has whole seconds: a date sent now could also be the date of a change later
    in this same second, and If-Modified-Since would then hide that change. The ETag decides."""
    token = world.token()
    cancel_group_booking(world.seat, student)
    stamped = Booking.objects.get(pk=world.seat.pk).modified
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: stamped)  # read within the second of the change
        fresh = get(client, token, if_modified_since=http_date(stamped.timestamp() + 60))
    assert fresh.status_code == 200
    assert "Last-Modified" not in fresh
    assert get(client, token, if_none_match=fresh["ETag"]).status_code == 304


def test_an_old_date_or_another_etag_gets_the_feed(client, world) -> None:
    token = world.token()
    assert get(client, token, if_none_match='"something else"').status_code == 200
    long_ago = http_date((datetime.now(UTC) - timedelta(days=400)).timestamp())
    assert get(client, token, if_modified_since=long_ago).status_code == 200


def etag_after(client, token: str, change) -> tuple[str, str]:
    before = get(client, token)["ETag"]
    change()
    after = get(client, token, if_none_match=before)
    assert after.status_code == 200, "a changed feed answered 304"
    return before, after["ETag"]


def test_the_etag_changes_when_a_booking_is_cancelled(client, world, student) -> None:
    before, after = etag_after(
        client, world.token(), lambda: cancel_group_booking(world.seat, student)
    )
    assert before != after


def test_the_etag_changes_when_a_lesson_is_approved(client, world, teacher) -> None:
    before, after = etag_after(
        client, world.token(), lambda: approve_one_on_one(world.lesson, teacher)
    )
    assert before != after


def test_the_etag_changes_when_the_session_moves(client, world, teacher) -> None:
    def move():
        update_session(
            world.session,
            teacher,
            starts_at=world.session.starts_at + timedelta(hours=2),
            ends_at=world.session.ends_at + timedelta(hours=2),
        )

    token = world.token()
    before, after = etag_after(client, token, move)
    assert before != after
    moved = LiveClassSession.objects.get(pk=world.session.pk)
    seat = vevents(get(client, token).content)[world.uids["seat"]]
    assert instants(seat) == (moved.starts_at, moved.ends_at)


def test_the_etag_changes_when_another_students_booking_changes_the_seats_a_teacher_sees(
    client, world, teacher
) -> None:
    before, after = etag_after(
        client,
        world.token("teacher", teacher),
        lambda: cancel_group_booking(world.other_seat, world.other),
    )
    assert before != after


def test_the_etag_changes_when_a_row_leaves_the_window_as_time_passes(client, world, clock) -> None:
    token = world.token()
    # Just before the session ends FEED_PAST ago, it is still in; just after, it is out.
    gone = world.session.ends_at + app_settings.FEED_PAST
    clock(gone - timedelta(seconds=30))
    inside = get(client, token)
    assert world.uids["seat"] in vevents(inside.content)
    clock(gone + timedelta(seconds=30))
    outside = get(client, token, if_none_match=inside["ETag"])
    assert outside.status_code == 200
    assert world.uids["seat"] not in vevents(outside.content)


def test_a_row_leaving_the_window_as_another_enters_still_changes_the_etag(
    client, world, student, clock
) -> None:
    """Same count, no new change time: the earliest end and the latest start tell it."""
    swap = world.session.ends_at + app_settings.FEED_PAST
    later = swap + app_settings.FEED_FUTURE  # enters the window just as the seat leaves it
    far = LiveClassSession.objects.create(
        course=world.session.course,
        teacher=world.teacher,
        title="Far ahead",
        starts_at=later,
        ends_at=later + timedelta(hours=1),
    )
    Booking.objects.create(session=far, student=student, status="confirmed")
    # Every row changed at the same instant: the latest change time cannot tell the two apart.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    for model in (Booking, LiveClassSession, OneOnOneBooking):
        model.objects.update(modified=an_hour_ago)
    LiveClassSession.objects.update(calendar_modified=an_hour_ago)
    token = world.token()
    clock(swap - timedelta(seconds=30))
    before = get(client, token)
    assert set(vevents(before.content)) == {world.uids["seat"]}
    clock(swap + timedelta(seconds=30))
    after = get(client, token, if_none_match=before["ETag"])
    assert after.status_code == 200
    assert [str(e["SUMMARY"]) for e in vevents(after.content).values()] == ["Far ahead"]


def test_the_same_feed_gives_the_same_bytes_and_etag(client, world) -> None:
    token = world.token()
    first, second = get(client, token), get(client, token)
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]


def test_the_etag_differs_by_language(client, world) -> None:
    token = world.token()
    # LocaleMiddleware leaves German active in this thread: give the next test its language back.
    with translation.override(translation.get_language()):
        english = get(client, token, accept_language="en")
        german = get(client, token, accept_language="de")
        again = get(client, token, accept_language="de", if_none_match=english["ETag"])
    assert english["ETag"] != german["ETag"]
    assert again.status_code == 200
    assert b"DESCRIPTION:Course: " in english.content
    assert b"DESCRIPTION:Kurs: " in german.content


# --- a big teacher ----------------------------------------------------------------------------


def test_thousands_of_events_cost_a_few_queries_on_both_paths(
    client, world, teacher, django_assert_max_num_queries
) -> None:
    start = world.session.starts_at + timedelta(days=1)
    LiveClassSession.objects.bulk_create(
        LiveClassSession(
            course=world.session.course,
            teacher=teacher,
            title=f"Session {i}",
            starts_at=start + timedelta(hours=2 * i),
            ends_at=start + timedelta(hours=2 * i + 1),
        )
        for i in range(2000)
    )
    token = world.token("teacher", teacher)
    # The token, the aggregate, then the sessions and the lessons (with what they show).
    with django_assert_max_num_queries(4):
        full = get(client, token)
    assert len(vevents(full.content)) == 2002
    with django_assert_max_num_queries(2):
        assert get(client, token, if_none_match=full["ETag"]).status_code == 304


# --- wrong tokens -----------------------------------------------------------------------------


def test_wrong_malformed_and_revoked_tokens_get_the_same_plain_404(client, world, student):
    revoked = world.token()
    revoke_feed_token(student, "student")
    answers = [
        get(client, "A" * 43),  # well formed, never issued
        get(client, "not-a-token"),
        get(client, "A" * 42 + "B"),
        get(client, revoked),
    ]
    assert [a.status_code for a in answers] == [404] * 4
    assert len({a.content for a in answers}) == 1
    assert len({a["Content-Type"] for a in answers}) == 1
    assert all("ETag" not in a for a in answers)


def test_a_malformed_token_costs_no_query(client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert get(client, "x" * 43).status_code == 404


def test_a_regenerated_feeds_old_url_is_a_404(client, world, student) -> None:
    old = world.token()
    new = issue_feed_token(student, "student")
    assert get(client, old).status_code == 404
    assert get(client, new).status_code == 200


def test_an_inactive_user_has_no_feed(client, world, student) -> None:
    token = world.token()
    student.is_active = False
    student.save()
    assert get(client, token).status_code == 404


# --- what moves a student's seat event ---------------------------------------------------------


def test_others_taking_and_freeing_seats_leave_a_students_feed_as_it_was(
    client, world, teacher
) -> None:
    """The seat event shows the session's time, status, link, title and notes, not its seat
    count: a calendar app must not download the feed again because a classmate booked."""
    token = world.token()
    before = get(client, token)
    cancel_group_booking(world.other_seat, world.other)
    after_freeing = get(client, token, if_none_match=before["ETag"])
    book_group_session(world.session, world.other)
    after_taking = get(client, token, if_none_match=before["ETag"])
    assert LiveClassSession.objects.get(pk=world.session.pk).seats_taken == 2  # it did move
    assert (after_freeing.status_code, after_taking.status_code) == (304, 304)
    assert get(client, token).content == before.content
    # The teacher's feed shows the seat count, so it is fetched again.
    assert get(client, world.token("teacher", teacher))["ETag"] != before["ETag"]


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Debate"},
        {"description": "Bring a topic."},
        {"meeting_link": "https://meet.example.com/xyz"},
        {"timezone": "Asia/Tokyo"},
        "move",
    ],
)
def test_what_a_seat_event_shows_still_changes_the_students_feed(
    client, world, teacher, change
) -> None:
    token = world.token()
    before = get(client, token)
    if change == "move":
        later = world.session.starts_at + timedelta(hours=2)
        change = {"starts_at": later, "ends_at": later + timedelta(hours=1)}
    update_session(world.session, teacher, **change)
    after = get(client, token, if_none_match=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.content != before.content
    before_stamp = vevents(before.content)[world.uids["seat"]].decoded("DTSTAMP")
    assert vevents(after.content)[world.uids["seat"]].decoded("DTSTAMP") > before_stamp
