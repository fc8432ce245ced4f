"""Every booking event e-mails the right person: text and HTML, their zone, an .ics that
matches the feed.

Mail goes to Django's locmem backend (``mailoutbox``); the app's signals are sent after the
commit, so every service call runs inside ``django_capture_on_commit_callbacks(execute=True)``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from email.utils import parseaddr
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter
from fluentory_bookings.contrib.django.calendar.events import (
    group_booking_event,
    one_on_one_event,
)
from fluentory_bookings.contrib.django.models import Booking, BookingReminder, OneOnOneBooking
from fluentory_bookings.contrib.django.notifications.dispatch import send_due_reminders
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    book_group_session,
    cancel_group_booking,
    cancel_one_on_one,
    cancel_session,
    create_session,
    decline_one_on_one,
    expire_pending_requests,
    request_one_on_one,
    reschedule_group_booking,
    set_availability,
    set_one_on_one_meeting_link,
    update_session,
)
from lms.models import UserProfile
from tests.django.conftest import ClockAdapter
from tests.django.notify_helpers import invitations, parts, to
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

LINK = "https://meet.example.com/room-1"


@pytest.fixture
def teacher(make_user):
    return make_user("teacher", email="teacher@example.com", first_name="Tess", last_name="Ng")


@pytest.fixture
def student(make_user):
    return make_user("student", email="student@example.com", first_name="Sam", last_name="Ode")


@pytest.fixture
def other(make_user):
    return make_user("other", email="other@example.com")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """``run(fn, *args)``: call a service and send what it queued for after the commit."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


@pytest.fixture
def group(make_course, teacher, student, other):
    return make_course("group_session", teacher=teacher, students=[student, other])


@pytest.fixture
def session(group, teacher, soon):
    return create_session(
        course=group,
        teacher=teacher,
        title="Conversation & Grammar",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
        enable_waitlist=True,
        meeting_link=LINK,
    )


@pytest.fixture
def lessons(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student], approval=True)


@pytest.fixture
def window(teacher, lessons):
    return set_availability(
        teacher,
        course=lessons,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )


def only(mailbox, user):
    [message] = to(mailbox, user)
    return message


# --- group sessions ---------------------------------------------------------------------------


def test_a_confirmed_seat_is_mailed_with_text_html_link_and_the_feed_s_invitation(
    run, mailoutbox, session, student
):
    booking = run(book_group_session, session, student)
    message = only(mailoutbox, student)
    assert message.subject == "Seat confirmed: Conversation & Grammar"
    text, html = parts(message)
    assert "Your seat in Conversation & Grammar is confirmed." in text
    assert "Conversation &amp; Grammar" in html
    assert "<html" in html
    assert LINK in text
    assert f'href="{LINK}"' in html
    assert "Tess Ng" in text  # the teacher, by name
    [(method, event)] = invitations(message)
    feed = group_booking_event(Booking.objects.get(pk=booking.pk))
    assert method == "REQUEST"
    assert str(event["UID"]) == feed.uid
    assert int(event["SEQUENCE"]) == feed.sequence
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == session.starts_at
    # iTIP: the site's sender organizes, the recipient attends (RFC 5546 3.2.2).
    assert str(event["ORGANIZER"]) == f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"
    assert str(event["ATTENDEE"]) == f"mailto:{student.email}"


def test_the_mail_shows_a_link_only_where_its_invitation_does(run, mailoutbox, session, student):
    """One rule for both: a stored link the calendar builder will not write (here with an
    invisible character, written around the services) is left out of the mail too."""
    hidden = "https://meet.example.com/\u200broom"
    type(session).objects.filter(pk=session.pk).update(meeting_link=hidden)
    session.refresh_from_db()
    run(book_group_session, session, student)
    message = only(mailoutbox, student)
    text, html = parts(message)
    assert "meet.example.com" not in text
    assert "meet.example.com" not in html
    [(_method, event)] = invitations(message)
    assert "URL" not in event


def test_a_waitlist_place_says_where_in_line_with_no_link_and_no_invitation(
    run, mailoutbox, session, student, other
):
    run(book_group_session, session, student)
    run(book_group_session, session, other)
    message = only(mailoutbox, other)
    assert message.subject == "On the waitlist: Conversation & Grammar"
    text, html = parts(message)
    assert "You are number 1 on the waitlist" in text
    assert LINK not in text
    assert LINK not in html
    assert invitations(message) == []


def test_cancelling_promotes_the_next_and_each_hears_their_own_news(
    run, mailoutbox, session, student, other
):
    seat = run(book_group_session, session, student)
    confirmed = int(invitations(only(mailoutbox, student))[0][1]["SEQUENCE"])
    run(book_group_session, session, other)
    mailoutbox.clear()

    run(cancel_group_booking, seat, student)

    cancelled = only(mailoutbox, student)
    assert cancelled.subject == "Booking cancelled: Conversation & Grammar"
    assert "You cancelled your booking" in cancelled.body
    [(method, event)] = invitations(cancelled)
    assert method == "CANCEL"
    assert str(event["UID"]) == group_booking_event(Booking.objects.get(pk=seat.pk)).uid
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) > confirmed
    promoted = only(mailoutbox, other)
    assert promoted.subject == "You have a seat: Conversation & Grammar"
    assert LINK in promoted.body  # confirmed now: the link comes with it
    assert [m for m, _ in invitations(promoted)] == ["REQUEST"]


def test_a_teacher_s_cancellation_is_told_as_such(run, mailoutbox, session, student, teacher):
    seat = run(book_group_session, session, student)
    mailoutbox.clear()
    run(cancel_group_booking, seat, teacher)
    message = only(mailoutbox, student)
    assert "Your teacher cancelled your booking for Conversation & Grammar." in message.body
    assert [m for m, _ in invitations(message)] == ["CANCEL"]
    assert to(mailoutbox, teacher) == []


def test_a_reschedule_invites_to_the_new_session_and_cancels_the_old(
    run, mailoutbox, session, group, teacher, student, soon
):
    seat = run(book_group_session, session, student)
    later = create_session(
        course=group,
        teacher=teacher,
        title="Conversation & Grammar",
        starts_at=soon + timedelta(days=1),
        ends_at=soon + timedelta(days=1, hours=1),
    )
    mailoutbox.clear()
    moved = run(reschedule_group_booking, seat, later, student)
    message = only(mailoutbox, student)
    assert message.subject == "Booking moved: Conversation & Grammar"
    assert "(before: " in message.body
    got = dict(invitations(message))
    assert str(got["REQUEST"]["UID"]) == group_booking_event(moved).uid
    assert got["REQUEST"].decoded("DTSTART") == later.starts_at
    assert str(got["CANCEL"]["UID"]) == group_booking_event(Booking.objects.get(pk=seat.pk)).uid


def test_a_moved_session_tells_every_booked_student_with_a_higher_sequence(
    run, mailoutbox, session, student, other
):
    run(book_group_session, session, student)
    run(book_group_session, session, other)  # waitlisted
    before = int(invitations(only(mailoutbox, student))[0][1]["SEQUENCE"])
    mailoutbox.clear()
    new_start = session.starts_at + timedelta(hours=2)
    run(
        update_session,
        session,
        session.teacher,
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=1),
    )
    seat = only(mailoutbox, student)
    assert seat.subject == "Changed: Conversation & Grammar"
    [(method, event)] = invitations(seat)
    assert method == "REQUEST"
    assert int(event["SEQUENCE"]) > before
    assert event.decoded("DTSTART") == new_start
    waiting = only(mailoutbox, other)
    assert invitations(waiting) == []
    assert LINK not in waiting.body


def test_a_change_students_need_not_hear_of_sends_nothing(run, mailoutbox, session, student):
    run(book_group_session, session, student)
    mailoutbox.clear()
    run(update_session, session, session.teacher, total_seats=5, description="Bring a pen")
    assert mailoutbox == []


def test_a_new_link_reaches_confirmed_students_only(run, mailoutbox, session, student, other):
    run(book_group_session, session, student)
    run(book_group_session, session, other)  # waitlisted
    mailoutbox.clear()
    run(update_session, session, session.teacher, meeting_link="https://meet.example.com/new")
    message = only(mailoutbox, student)
    assert "https://meet.example.com/new" in message.body
    assert to(mailoutbox, other) == []


def test_a_cancelled_session_is_one_e_mail_per_student(
    run, mailoutbox, session, student, other, teacher
):
    run(book_group_session, session, student)
    run(book_group_session, session, other)
    mailoutbox.clear()
    run(cancel_session, session, teacher)
    for person in (student, other):
        message = only(mailoutbox, person)
        assert message.subject == "Cancelled: Conversation & Grammar"
        assert [m for m, _ in invitations(message)] == ["CANCEL"]
    assert to(mailoutbox, teacher) == []


# --- 1:1 lessons ------------------------------------------------------------------------------


class LinkAdapter(ClockAdapter):
    def generate_meeting_link(self, booking):
        return f"https://meet.example.com/lesson-{booking.pk}"


@pytest.fixture
def links(settings):
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.test_notifications.LinkAdapter"


def test_a_request_goes_to_the_teacher_without_the_link(
    links, run, mailoutbox, window, student, teacher
):
    [lesson] = run(request_one_on_one, window, student, at(day(3), 9))
    message = only(mailoutbox, teacher)
    assert message.subject == "Lesson request: Sam Ode"
    text, html = parts(message)
    assert "Sam Ode asks for a 1:1 lesson" in text
    assert "Please accept or decline it by" in text
    assert "meet.example.com" not in text + html
    assert invitations(message) == []
    assert to(mailoutbox, student) == []
    assert lesson.meeting_link  # it has one: it is kept back until confirmed


def test_approval_gives_the_student_the_link_and_the_lesson_s_invitation(
    links, run, mailoutbox, window, student, teacher
):
    [lesson] = run(request_one_on_one, window, student, at(day(3), 9))
    mailoutbox.clear()
    run(approve_one_on_one, lesson, teacher)
    message = only(mailoutbox, student)
    assert message.subject == f"Lesson confirmed: {window.course}"
    assert lesson.meeting_link in message.body
    [(method, event)] = invitations(message)
    feed = one_on_one_event(OneOnOneBooking.objects.get(pk=lesson.pk))
    assert (method, str(event["UID"]), int(event["SEQUENCE"])) == (
        "REQUEST",
        feed.uid,
        feed.sequence,
    )
    assert to(mailoutbox, teacher) == []


def test_a_decline_gives_the_reason(run, mailoutbox, window, student, teacher):
    [lesson] = run(request_one_on_one, window, student, at(day(3), 9))
    mailoutbox.clear()
    run(decline_one_on_one, lesson, teacher, "I am away <that> week")
    message = only(mailoutbox, student)
    text, html = parts(message)
    assert "Tess Ng declined your request" in text
    assert "Reason: I am away <that> week" in text
    assert "Reason: I am away &lt;that&gt; week" in html
    assert invitations(message) == []


def test_an_expired_request_is_told_to_the_student(
    clock, run, mailoutbox, window, student, teacher
):
    [lesson] = run(request_one_on_one, window, student, at(day(3), 9))
    mailoutbox.clear()
    run(expire_pending_requests, lesson.expires_at + timedelta(seconds=1))
    message = only(mailoutbox, student)
    assert message.subject == f"Lesson request expired: {window.course}"
    assert to(mailoutbox, teacher) == []


def test_without_approval_the_student_is_confirmed_and_the_teacher_told(
    run, mailoutbox, make_course, teacher, student
):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    window = set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )
    run(request_one_on_one, window, student, at(day(3), 9))
    assert only(mailoutbox, teacher).subject == "New lesson booked: Sam Ode"
    assert [m for m, _ in invitations(only(mailoutbox, teacher))] == ["REQUEST"]
    confirmed = only(mailoutbox, student)
    assert confirmed.subject == f"Lesson booked: {course}"
    assert [m for m, _ in invitations(confirmed)] == ["REQUEST"]


def test_a_cancelled_lesson_is_told_to_both_with_a_cancel_of_a_higher_sequence(
    links, run, mailoutbox, window, student, teacher
):
    [lesson] = run(request_one_on_one, window, student, at(day(3), 9))
    run(approve_one_on_one, lesson, teacher)
    approved = int(invitations(only(mailoutbox, student))[0][1]["SEQUENCE"])
    mailoutbox.clear()
    run(cancel_one_on_one, lesson, student)
    mine, theirs = only(mailoutbox, student), only(mailoutbox, teacher)
    assert "You cancelled this 1:1 lesson." in mine.body
    assert "Sam Ode cancelled this 1:1 lesson." in theirs.body
    for message in (mine, theirs):
        [(method, event)] = invitations(message)
        assert method == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) > approved
        assert str(event["ATTENDEE"]) == f"mailto:{message.to[0]}"


def test_a_deleted_lesson_tells_the_teacher_with_a_cancel(
    run, mailoutbox, window, student, teacher
):
    [lesson] = run(request_one_on_one, window, student, at(day(3), 9))
    run(approve_one_on_one, lesson, teacher)
    approved = int(invitations(only(mailoutbox, student))[0][1]["SEQUENCE"])
    mailoutbox.clear()
    run(OneOnOneBooking.objects.get(pk=lesson.pk).delete)
    for person in (student, teacher):
        [(method, event)] = invitations(only(mailoutbox, person))
        assert method == "CANCEL"
        assert int(event["SEQUENCE"]) > approved


def test_a_new_lesson_link_is_mailed_once_confirmed(run, mailoutbox, window, student, teacher):
    [lesson] = run(request_one_on_one, window, student, at(day(3), 9))
    run(set_one_on_one_meeting_link, lesson, "https://meet.example.com/early", teacher)
    mailoutbox.clear()  # pending: nobody was told of it
    run(approve_one_on_one, lesson, teacher)
    run(set_one_on_one_meeting_link, lesson, "https://meet.example.com/late", teacher)
    changed = [m for m in to(mailoutbox, student) if m.subject.startswith("New meeting link")]
    [message] = changed
    assert "https://meet.example.com/late" in message.body
    assert "early" not in message.body
    assert [m for m, _ in invitations(message)] == ["REQUEST"]


# --- the recipient's zone and language --------------------------------------------------------

# The first week of November 2027, after Europe/Berlin left summer time on 31 October.
BOOKED_ON = datetime(2027, 10, 25, 12, tzinfo=UTC)  # Berlin is at +02:00 then
LESSON = datetime(2027, 11, 3, 8, tzinfo=UTC)  # 09:00 in Berlin, at +01:00


def test_times_are_in_the_recipient_s_zone_across_the_dst_change(
    clock, run, mailoutbox, group, teacher, student
):
    clock(BOOKED_ON)
    UserProfile.objects.create(user=student, timezone="Europe/Berlin")
    session = create_session(
        course=group,
        teacher=teacher,
        title="Autumn",
        starts_at=LESSON,
        ends_at=LESSON + timedelta(hours=1),
    )
    run(book_group_session, session, student)
    text, html = parts(only(mailoutbox, student))
    assert "Wed 3 Nov 2027, 09:00\u201310:00 (Europe/Berlin)" in text
    assert "10:00\u201311:00" not in text  # the offset of the day it was booked on
    assert "Times are shown in Europe/Berlin." in text
    assert '<time datetime="2027-11-03T08:00:00+00:00">' in html


class GermanAdapter(ClockAdapter):
    def get_user_language(self, user):
        return "de" if user.username == "student" else None


def test_a_german_recipient_reads_german_and_others_the_site_s_language(
    settings, run, mailoutbox, session, student, other
):
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.test_notifications.GermanAdapter"
    language = translation.get_language()
    run(book_group_session, session, student)
    run(book_group_session, session, other)
    german = only(mailoutbox, student)
    assert german.subject == "Platz bestätigt: Conversation & Grammar"
    text, html = parts(german)
    assert "Hallo Sam Ode," in text
    assert "Ihr Platz in Conversation & Grammar ist bestätigt." in text
    assert re.search(r"Wann: [A-Z][a-z], \d{1,2}\. [A-Z][a-zä]+\.? \d{4}, \d\d:\d\d", text)
    assert '<html lang="de">' in html
    assert "Auf der Warteliste" not in text
    english = only(mailoutbox, other)
    assert english.subject == "On the waitlist: Conversation & Grammar"
    assert translation.get_language() == language  # nothing leaks into the request


def test_the_page_link_is_absolute_once_the_site_url_is_set(
    settings, run, mailoutbox, session, student
):
    settings.FLUENTORY_BOOKINGS_SITE_URL = None  # the default (the example LMS sets its own)
    run(book_group_session, session, student)
    assert "Open your bookings" not in only(mailoutbox, student).body
    mailoutbox.clear()
    settings.FLUENTORY_BOOKINGS_SITE_URL = "https://lms.example.com/"
    run(cancel_group_booking, Booking.objects.get(student=student), student)
    text, html = parts(only(mailoutbox, student))
    assert "Open your bookings: https://lms.example.com/bookings/my/" in text
    assert 'href="https://lms.example.com/bookings/my/"' in html


def test_a_user_without_an_address_gets_nothing_and_the_booking_stands(
    run, mailoutbox, session, make_user, enroll, group
):
    silent = make_user("silent")
    enroll(group, silent)
    booking = run(book_group_session, session, silent)
    assert mailoutbox == []
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


# --- reminders (dispatched by notifications.dispatch) -----------------------------------------


def due_reminders(booking):
    BookingReminder.objects.filter(group_booking=booking).update(
        remind_at=timezone.now() - timedelta(minutes=1)
    )


def test_a_reminder_is_a_notification_in_text_and_html_in_the_recipient_s_language(
    settings, run, mailoutbox, session, student
):
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.test_notifications.GermanAdapter"
    settings.FLUENTORY_BOOKINGS_REMINDER_OFFSETS = [timedelta(hours=1)]
    booking = run(book_group_session, session, student)
    mailoutbox.clear()
    due_reminders(booking)
    assert send_due_reminders().sent == 1
    message = only(mailoutbox, student)
    assert message.subject.startswith("Erinnerung: Conversation & Grammar, ")
    assert message.subject.endswith(" (UTC)")
    text, html = parts(message)
    assert "Ihre Sitzung Conversation & Grammar steht bevor." in text
    assert LINK in text
    assert f'href="{LINK}"' in html
    assert invitations(message) == []


def test_without_a_zone_of_their_own_a_student_reads_the_session_s_zone(
    run, mailoutbox, group, teacher, student, soon
):
    session = create_session(
        course=group,
        teacher=teacher,
        title="Tokyo",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        timezone="Asia/Tokyo",
    )
    run(book_group_session, session, student)
    text, _ = parts(only(mailoutbox, student))
    local = soon.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{local:%H:%M}\u2013" in text
    assert "(Asia/Tokyo)" in text


# --- a weekly series is one request ----------------------------------------------------------


def weekly(teacher, course):
    first = day(3)
    return set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="weekly",
        start_date=first,
        weekdays=[first.weekday()],
        start_time=time(9),
        end_time=time(10),
    )


def test_a_series_request_is_one_e_mail_to_the_teacher_listing_every_lesson(
    run, mailoutbox, lessons, teacher, student
):
    series = run(request_one_on_one, weekly(teacher, lessons), student, at(day(3), 9), weeks=3)
    message = only(mailoutbox, teacher)
    text, html = parts(message)
    assert "All lessons of this weekly series:" in text
    for lesson in series:
        assert f"{lesson.starts_at:%a %-d %b %Y, %H:%M}" in text
        assert f'<time datetime="{lesson.starts_at.isoformat()}">' in html
    assert invitations(message) == []


def test_a_series_booked_without_approval_invites_to_each_lesson_in_one_e_mail(
    run, mailoutbox, make_course, teacher, student
):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    series = run(request_one_on_one, weekly(teacher, course), student, at(day(3), 9), weeks=3)
    for person in (student, teacher):
        got = invitations(only(mailoutbox, person))
        assert [m for m, _ in got] == ["REQUEST"] * 3
        assert [str(e["UID"]) for _, e in got] == [one_on_one_event(b).uid for b in series]


def test_cancelling_the_rest_of_a_series_is_one_e_mail_each_with_a_cancel_per_lesson(
    run, mailoutbox, make_course, teacher, student
):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    series = run(request_one_on_one, weekly(teacher, course), student, at(day(3), 9), weeks=3)
    mailoutbox.clear()
    run(cancel_one_on_one, series[1], student, scope="following")
    for person in (student, teacher):
        message = only(mailoutbox, person)
        assert "The lessons of this weekly series that are cancelled:" in message.body
        assert f"{series[0].starts_at:%a %-d %b %Y, %H:%M}" not in message.body  # it stays
        got = invitations(message)
        assert [m for m, _ in got] == ["CANCEL", "CANCEL"]
        assert [str(e["UID"]) for _, e in got] == [one_on_one_event(b).uid for b in series[1:]]


def test_a_student_s_deleted_account_tells_the_teacher_of_the_lost_lesson(
    run, mailoutbox, window, student, teacher
):
    [lesson] = run(request_one_on_one, window, student, at(day(3), 9))
    run(approve_one_on_one, lesson, teacher)
    mailoutbox.clear()
    run(student.delete)
    message = only(mailoutbox, teacher)
    assert message.subject == f"Lesson cancelled: {window.course}"
    assert "This 1:1 lesson has been cancelled." in message.body
    assert to(mailoutbox, student) == []


def test_a_deleted_seat_is_told_to_its_student_unless_the_account_went_with_it(
    run, mailoutbox, session, student, other
):
    seat = run(book_group_session, session, student)
    confirmed = int(invitations(only(mailoutbox, student))[0][1]["SEQUENCE"])
    mailoutbox.clear()
    run(Booking.objects.get(pk=seat.pk).delete)
    message = only(mailoutbox, student)
    assert "Your booking for Conversation & Grammar was cancelled." in message.body
    [(method, event)] = invitations(message)
    assert method == "CANCEL"
    assert int(event["SEQUENCE"]) > confirmed

    run(book_group_session, session, other)
    mailoutbox.clear()
    run(other.delete)
    assert mailoutbox == []


def test_the_site_s_language_is_the_default_and_a_profile_s_language_wins(
    settings, run, mailoutbox, session, student
):
    adapter = DefaultBookingAdapter()
    assert (
        adapter.get_user_language(SimpleNamespace(profile=SimpleNamespace(language="de"))) == "de"
    )
    assert adapter.get_user_language(SimpleNamespace(language="fr")) == "fr"
    assert adapter.get_user_language(student) is None  # the example LMS stores none
    settings.LANGUAGE_CODE = "de"
    run(book_group_session, session, student)
    assert only(mailoutbox, student).subject == "Platz bestätigt: Conversation & Grammar"


@pytest.mark.parametrize("students", [1, 4])
def test_cancelling_a_session_loads_its_students_at_once(
    run, make_course, make_user, teacher, soon, students
):
    """Each booking's e-mail names its student: they come with the bookings, not one query per
    booking; the teacher every e-mail names is read once."""
    people = [make_user(f"s{n}", email=f"s{n}@example.com") for n in range(students)]
    course = make_course("group_session", teacher=teacher, students=people)
    big = create_session(
        course=course,
        teacher=teacher,
        title="Big",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=students,
        meeting_link=LINK,
    )
    for person in people:
        book_group_session(big, person)
    users = f'FROM "{get_user_model()._meta.db_table}"'
    with CaptureQueriesContext(connection) as ctx:
        run(cancel_session, big, teacher)
    reads = [q["sql"] for q in ctx.captured_queries if users in q["sql"]]
    assert len(reads) == 1, reads


def test_a_reschedule_mail_reads_the_old_booking_once(
    run, mailoutbox, session, group, teacher, student, soon, django_capture_on_commit_callbacks
):
    """The old booking the e-mail mentions and the one its cancel.ics is built from are the
    same row, read once with its session."""
    seat = run(book_group_session, session, student)
    later = create_session(
        course=group,
        teacher=teacher,
        title="Conversation & Grammar",
        starts_at=soon + timedelta(days=1),
        ends_at=soon + timedelta(days=1, hours=1),
    )
    bookings = f'FROM "{Booking._meta.db_table}"'
    mailoutbox.clear()
    with django_capture_on_commit_callbacks() as after_commit:
        reschedule_group_booking(seat, later, student)
    with CaptureQueriesContext(connection) as ctx:
        for callback in after_commit:
            callback()
    old = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and bookings in q["sql"] and f"= {seat.pk} " in q["sql"]
    ]
    assert len(old) == 1, old
    assert dict(invitations(only(mailoutbox, student)))["CANCEL"]


def test_a_series_e_mail_reads_its_lessons_once(
    mailoutbox, make_course, teacher, student, django_capture_on_commit_callbacks
):
    """The lessons it lists and the invitations it carries are the same rows, read once."""
    course = make_course("one_on_one", teacher=teacher, students=[student])
    with django_capture_on_commit_callbacks() as after_commit:
        request_one_on_one(weekly(teacher, course), student, at(day(3), 9), weeks=3)
    with CaptureQueriesContext(connection) as ctx:
        for callback in after_commit:
            callback()
    lessons = f'FROM "{OneOnOneBooking._meta.db_table}"'
    reads = [
        q["sql"]
        for q in ctx.captured_queries
        if lessons in q["sql"] and '"series_id" =' in q["sql"] and "LIMIT" not in q["sql"]
    ]
    assert len(reads) == len(mailoutbox) == 2, reads
