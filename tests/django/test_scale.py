"""Cost at scale: work that follows the rows asked for, not the size of the tables.

On PostgreSQL the rows a statement reads are counted with ``pg_stat_xact_user_tables`` (this
transaction's own counters), on tables with thousands of rows the answer does not need.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    create_session,
    expire_pending_requests,
    set_availability,
    update_session,
)
from fluentory_bookings.contrib.django.services.schedule import commitments
from fluentory_bookings.core.errors import InvalidInterval, InvalidRule
from tests.django.when import day

pytestmark = pytest.mark.django_db

DAY = timedelta(hours=24)  # services.schedule.MAX_LENGTH, the longest a booking may last

TABLES = [
    m._meta.db_table
    for m in (Booking, BookingReminder, LiveClassSession, OneOnOneBooking, TeacherAvailability)
]


def rows_read(table: str) -> int:
    """Rows this transaction has read from ``table`` so far (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
            "FROM pg_stat_xact_user_tables WHERE relname = %s",
            [table],
        )
        return int(cursor.fetchone()[0])


def analyze(*models: type) -> None:
    with connection.cursor() as cursor:
        for m in models:
            cursor.execute(f"ANALYZE {m._meta.db_table}")


def plan(sql: str) -> str:
    prefix = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


@pytest.fixture
def one_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student])


@pytest.fixture
def availability(teacher, one_course):
    return set_availability(
        teacher,
        course=one_course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )


def history(availability, student, *, n: int, status: str, before: datetime, **extra):
    """``n`` hourly 1:1 lessons of ``availability``'s teacher ending before ``before``."""
    return OneOnOneBooking.objects.bulk_create(
        OneOnOneBooking(
            availability_slot=availability,
            student=student,
            teacher_id=availability.teacher_id,
            course_id=availability.course_id,
            starts_at=before - timedelta(hours=i + 1),
            ends_at=before - timedelta(hours=i, minutes=30),
            status=status,
            requested_at=before - timedelta(days=400),
            **extra,
        )
        for i in range(n)
    )


# --- the expiry job ----------------------------------------------------------------------------


def test_expiry_reads_the_due_requests_in_index_order(availability, student):
    now = timezone.now()
    # A long history of decided requests and requests not yet due ...
    history(availability, student, n=1500, status="completed", before=now)
    history(
        availability,
        student,
        n=300,
        status="pending",
        before=now + timedelta(days=200),
        expires_at=now + timedelta(days=1),
    )
    # ... and three due: two past their expiry, one written without one whose lesson began.
    due = history(
        availability,
        student,
        n=2,
        status="pending",
        before=now + timedelta(days=30),
        expires_at=now - timedelta(minutes=5),
    )
    due += history(availability, student, n=1, status="pending", before=now - timedelta(days=20))
    analyze(OneOnOneBooking)
    table = OneOnOneBooking._meta.db_table
    before = rows_read(table) if connection.vendor == "postgresql" else 0
    with CaptureQueriesContext(connection) as ctx:
        assert expire_pending_requests(now=now) == 3
    read = rows_read(table) - before if connection.vendor == "postgresql" else 0
    assert set(OneOnOneBooking.objects.filter(status="expired").values_list("pk", flat=True)) == {
        b.pk for b in due
    }
    select = next(q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT"))
    assert "fb_1on1_pending_due" in plan(select)
    # The three due rows (read, then updated by pk): nothing of the other 1,800.
    assert read < 20


# --- time windows ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_schedule_check_reads_the_window_not_the_history(
    availability, teacher, student, one_course, make_course
):
    """Confirmed lessons and sessions nobody completed pile up for years; a conflict check
    about next week must not read them."""
    now = timezone.now()
    history(availability, student, n=2000, status="confirmed", before=now)
    group = make_course("group_session", teacher=teacher)
    LiveClassSession.objects.bulk_create(
        LiveClassSession(
            course=group,
            teacher=teacher,
            title=f"Old {i}",
            starts_at=now - timedelta(days=i + 1),
            ends_at=now - timedelta(days=i + 1) + timedelta(hours=1),
            status="scheduled",
        )
        for i in range(2000)
    )
    analyze(OneOnOneBooking, LiveClassSession)
    tables = [OneOnOneBooking._meta.db_table, LiveClassSession._meta.db_table]
    before = [rows_read(t) for t in tables]
    start = now + timedelta(days=7)
    assert commitments(teacher, "teacher", start, start + timedelta(hours=2)) == []
    read = [rows_read(t) - b for t, b in zip(tables, before, strict=True)]
    assert max(read) < 50, read


def test_a_commitment_of_the_longest_length_still_counts_at_the_window_s_edge(
    make_course, teacher, soon
):
    course = make_course("group_session", teacher=teacher)
    start = soon + timedelta(days=1)
    create_session(
        course=course,
        teacher=teacher,
        title="All day",
        starts_at=start,
        ends_at=start + DAY,
    )
    probe = start + DAY - timedelta(minutes=1)
    found = commitments(teacher, "teacher", probe, probe + timedelta(minutes=30))
    assert [c.ref[0] for c in found] == ["session"]


# --- lengths are bounded at write time ------------------------------------------------------------


def test_a_session_longer_than_a_day_is_refused_and_nothing_is_written(make_course, teacher, soon):
    course = make_course("group_session", teacher=teacher)
    with pytest.raises(InvalidInterval) as exc:
        create_session(
            course=course,
            teacher=teacher,
            title="Marathon",
            starts_at=soon,
            ends_at=soon + DAY + timedelta(minutes=1),
        )
    assert exc.value.field == "ends_at"
    assert not LiveClassSession.objects.exists()


def test_a_session_cannot_be_stretched_past_a_day(make_course, teacher, soon):
    course = make_course("group_session", teacher=teacher)
    session = create_session(
        course=course, teacher=teacher, title="S", starts_at=soon, ends_at=soon + timedelta(hours=1)
    )
    with pytest.raises(InvalidInterval) as exc:
        update_session(session, teacher, ends_at=soon + timedelta(hours=25))
    assert exc.value.field == "ends_at"
    stored = LiveClassSession.objects.get(pk=session.pk)
    assert (stored.starts_at, stored.ends_at) == (soon, soon + timedelta(hours=1))


def test_a_slot_longer_than_a_day_is_refused_and_nothing_is_written(teacher, one_course):
    with pytest.raises(InvalidRule) as exc:
        set_availability(
            teacher,
            course=one_course,
            timezone="UTC",
            kind="weekly",
            start_date=day(3),
            weekdays=[0],
            start_time=time(9),
            end_time=time(8),
            slot_minutes=24 * 60 + 1,
        )
    assert exc.value.field == "slot_minutes"
    assert not TeacherAvailability.objects.exists()


@pytest.mark.parametrize("field", ["buffer_before_minutes", "buffer_after_minutes"])
def test_a_buffer_longer_than_a_day_is_refused_and_nothing_is_written(teacher, one_course, field):
    # Conflict checks read a day around a request for buffers: a longer one would be missed.
    with pytest.raises(InvalidRule) as exc:
        set_availability(
            teacher,
            course=one_course,
            timezone="UTC",
            kind="weekly",
            start_date=day(3),
            weekdays=[0],
            start_time=time(9),
            end_time=time(12),
            **{field: 24 * 60 + 1},
        )
    assert exc.value.field == field
    assert not TeacherAvailability.objects.exists()


# --- indexes ---------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_no_index_is_covered_by_another():
    """A plain index whose columns lead another plain index costs writes and buys nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.relname, i.oid, ix.indkey::int2[], ix.indisunique, "
            "ix.indpred IS NOT NULL OR 0 = ANY(ix.indkey::int2[]) "
            "FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid "
            "JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_am am ON am.oid = i.relam "
            "WHERE c.relname = ANY(%s) AND am.amname = 'btree'",
            [TABLES],
        )
        rows = cursor.fetchall()
    plain = [r for r in rows if not r[5]]
    covered = [
        (a[0], a[1], b[1])
        for a in plain
        for b in plain
        if a[0] == b[0]
        and a[2] != b[2]
        and not a[4]
        and len(a[3]) < len(b[3])
        and list(b[3][: len(a[3])]) == list(a[3])
    ]
    assert covered == []


# --- read-side queries ----------------------------------------------------------------------------


def test_a_teacher_s_pending_requests(availability, student, teacher, make_user):
    from fluentory_bookings.contrib.django import queries

    now = timezone.now()
    mine = history(availability, student, n=3, status="pending", before=now + timedelta(days=5))
    history(availability, student, n=2, status="confirmed", before=now + timedelta(days=9))
    history(availability, student, n=2, status="pending", before=now)  # already started
    assert list(queries.pending_requests(teacher)) == sorted(mine, key=lambda b: b.starts_at)
    assert list(queries.pending_requests(make_user())) == []


def test_the_teacher_page_and_pending_requests_agree_on_what_is_pending(
    client, availability, student, teacher
):
    from django.urls import reverse

    from fluentory_bookings.contrib.django import queries

    now = timezone.now()
    waiting = history(availability, student, n=3, status="pending", before=now + timedelta(days=5))
    # Past its expiry, not yet swept by the periodic job: it holds nothing and waits for no one.
    lapsed = waiting.pop()
    OneOnOneBooking.objects.filter(pk=lapsed.pk).update(expires_at=now - timedelta(minutes=1))
    client.force_login(teacher)
    page = client.get(reverse("fluentory_bookings:teacher_one_on_one_bookings"))
    listed = [b.pk for b in page.context["pending"]]
    assert listed == [b.pk for b in queries.pending_requests(teacher)]
    assert sorted(listed) == sorted(b.pk for b in waiting)


def test_a_student_s_upcoming_seats(make_course, make_user, teacher, soon):
    from fluentory_bookings.contrib.django import queries

    students = [make_user() for _ in range(2)]
    course = make_course("group_session", teacher=teacher, students=students)
    later, sooner, gone, done = (
        LiveClassSession.objects.create(
            course=course,
            teacher=teacher,
            title=name,
            starts_at=at,
            ends_at=at + timedelta(hours=1),
            status=status,
        )
        for name, at, status in (
            ("later", soon + timedelta(days=3), "scheduled"),
            ("sooner", soon + timedelta(days=1), "booking_closed"),
            ("gone", soon + timedelta(days=2), "cancelled"),
            ("done", timezone.now() - timedelta(days=2), "scheduled"),
        )
    )
    me, other = students
    Booking.objects.bulk_create(
        [
            Booking(
                session=later,
                student=me,
                status="waitlisted",
                waitlist_joined_at=soon,
                waitlist_position=1,
            ),
            Booking(session=sooner, student=me, status="confirmed"),
            Booking(session=gone, student=me, status="confirmed"),
            Booking(session=done, student=me, status="confirmed"),
            Booking(session=sooner, student=other, status="cancelled"),
        ]
    )
    got = [(b.session.title, b.status) for b in queries.upcoming_group_bookings(me)]
    assert got == [("sooner", "confirmed"), ("later", "waitlisted")]
    assert list(queries.upcoming_group_bookings(other)) == []


def test_the_read_side_queries_refuse_a_naive_now(teacher):
    from fluentory_bookings.contrib.django import queries

    with pytest.raises(InvalidInterval):
        queries.pending_requests(teacher, now=datetime(2030, 1, 1))


# --- admin changelists ------------------------------------------------------------------------------


def test_a_big_changelist_counts_a_bounded_number_of_rows(admin_client, make_course, teacher, soon):
    exact_count_up_to = 1000  # admin_lists.exact_count_up_to
    course = make_course("group_session", teacher=teacher)
    session = LiveClassSession.objects.create(
        course=course, teacher=teacher, title="S", starts_at=soon, ends_at=soon + timedelta(hours=1)
    )
    Booking.objects.bulk_create(
        Booking(session=session, student=teacher, status="cancelled")
        for _ in range(exact_count_up_to + 5)
    )
    analyze(Booking)
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(reverse("admin:fluentory_bookings_booking_changelist"))
    assert response.status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    unbounded = [sql for sql in counts if "LIMIT" not in sql.upper()]
    shown = response.context["cl"].result_count
    if connection.vendor == "postgresql":
        assert len(counts) == 1
        assert unbounded == []
        assert shown > exact_count_up_to  # the planner's estimate
    else:
        # No estimate to ask for: past the bound, one exact count (never a second, full one).
        assert len(unbounded) == 1
        assert shown == exact_count_up_to + 5
    assert len(response.context["cl"].result_list) == 100


def test_a_small_changelist_counts_exactly(admin_client, make_course, teacher, soon):
    course = make_course("group_session", teacher=teacher)
    LiveClassSession.objects.bulk_create(
        LiveClassSession(
            course=course,
            teacher=teacher,
            title=f"S{i}",
            starts_at=soon + timedelta(days=i),
            ends_at=soon + timedelta(days=i, hours=1),
        )
        for i in range(7)
    )
    response = admin_client.get(reverse("admin:fluentory_bookings_liveclasssession_changelist"))
    assert response.context["cl"].result_count == 7


def test_the_date_drill_down_probes_periods_instead_of_scanning(admin_client, make_course, teacher):
    course = make_course("group_session", teacher=teacher)
    starts = [
        datetime(2031, 3, 4, 10, tzinfo=UTC),
        datetime(2031, 3, 20, 10, tzinfo=UTC),
        datetime(2031, 11, 2, 10, tzinfo=UTC),
        datetime(2033, 1, 5, 10, tzinfo=UTC),
    ]
    LiveClassSession.objects.bulk_create(
        LiveClassSession(
            course=course,
            teacher=teacher,
            title=f"S{i}",
            starts_at=s,
            ends_at=s + timedelta(hours=1),
        )
        for i, s in enumerate(starts)
    )
    url = reverse("admin:fluentory_bookings_liveclasssession_changelist")
    shown = {}
    for query in ("", "?starts_at__year=2031", "?starts_at__year=2031&starts_at__month=3"):
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(url + query)
        assert response.status_code == 200
        assert not [q["sql"] for q in ctx.captured_queries if "DISTINCT" in q["sql"].upper()]
        hierarchy = response.context["cl"].date_hierarchy
        assert hierarchy == "starts_at"
        shown[query] = response.content.decode()
    assert "?starts_at__year=2031" in shown[""]
    assert "?starts_at__year=2033" in shown[""]
    assert "?starts_at__year=2032" not in shown[""]
    assert "starts_at__month=3" in shown["?starts_at__year=2031"]
    assert "starts_at__month=11" in shown["?starts_at__year=2031"]
    assert "starts_at__month=4" not in shown["?starts_at__year=2031"]
    month = shown["?starts_at__year=2031&starts_at__month=3"]
    assert "starts_at__day=4" in month
    assert "starts_at__day=20" in month
    assert "starts_at__day=5" not in month
