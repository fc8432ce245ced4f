"""Benchmark: the hot operations of a synthetic LMS at one tenth and at full size, on PostgreSQL.

The same platform twice, in two databases migrated with the app's real migrations: the same
150 teachers and 40 courses, and ten times the students and the history at full size.

============  ==========  ==========
              tenth       full
============  ==========  ==========
students      2,000       20,000
group         ~104,000    ~1,010,000 bookings in 10,000 / 100,000 sessions
1:1           20,000      200,000 bookings of 50 teachers' weekly availability
reminders     ~18,000     ~180,000
============  ==========  ==========

The next 90 days look alike at both sizes (every teacher's sessions and half of every 1:1 slot
booked); the past is ten times longer at full size, with what a real history leaves behind:
sessions never marked completed, seats never marked attended, cancelled and expired rows.
Rows are loaded with ``COPY`` straight into the migrated tables, then ``VACUUM ANALYZE``.

Each operation runs through the app's public entry points, on its own targets (a distinct
session, student or slot per sample), a few warm-up calls first:

- book: ``book_group_session`` into a session with free seats;
- cancel + promotion: ``cancel_group_booking`` of a seat in a full session with a waitlist;
- request / approve: ``request_one_on_one`` of a free slot (the 1:1 courses need approval),
  then ``approve_one_on_one`` of that request;
- open slots: ``open_slots_for`` one teacher's availability over the default 90 days;
- upcoming / pending: ``queries.upcoming_group_bookings`` of a student, ``queries.
  pending_requests`` of a teacher (fully read);
- expiry: ``expire_pending_requests`` with five requests due;
- admin: each changelist's first page, through Django's test client as a superuser.

It prints p50 and p95 per operation at both sizes and the growth ratio (full p50 / tenth p50);
the last line is the worst ratio. The script starts a throwaway PostgreSQL with
``scripts/pg.sh`` (always stopped at the end) and runs each size in a process of its own::

    python bench/scale.py
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "src", ROOT / "example_project", ROOT):
    sys.path.insert(0, str(path))

SIZES = {"tenth": 0.1, "full": 1.0}
GROUP_COURSES = ONE_COURSES = 20
GROUP_TEACHERS = 100
ONE_TEACHERS = 50
STUDENTS = 20_000  # at full size
SESSIONS_PER_TEACHER = 1_000  # at full size; 90 of them in the future at every size
ONE_ON_ONES_PER_TEACHER = 4_000  # at full size
FUTURE_DAYS = 90
SEATS = 12
SAMPLES = 30
WARMUP = 3
ROUNDS = 3

ADMIN_LISTS = {
    "admin: sessions": "liveclasssession",
    "admin: bookings": "booking",
    "admin: 1:1 bookings": "oneononebooking",
    "admin: availabilities": "teacheravailability",
    "admin: reminders": "bookingreminder",
}


# --- the server and the two runs ---------------------------------------------------------------


def main() -> None:
    directory = tempfile.mkdtemp(prefix="fb-bench-scale-")
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg.sh"), "start", directory],
        check=True,
        capture_output=True,
        text=True,
    )
    port = out.stdout.strip().splitlines()[-1]
    try:
        results: dict[str, Any] = {}
        # Rounds alternate between the sizes, so that a busy moment of a shared machine falls on
        # one round of one size, and each figure is the best round's.
        for r in range(ROUNDS):
            for name in SIZES:
                began = time.monotonic()
                run = subprocess.run(
                    [sys.executable, __file__, "--size", name, "--port", port, "--round", str(r)],
                    check=False,
                    capture_output=True,
                    text=True,
                )
                sys.stderr.write(run.stderr)
                if run.returncode:
                    raise SystemExit(f"{name}, round {r + 1} failed")
                got = json.loads(run.stdout.strip().splitlines()[-1])
                print(f"  {name}, round {r + 1}: {time.monotonic() - began:.0f} s")
                if name not in results:
                    results[name] = got
                    continue
                for op, t in got["times"].items():
                    best = results[name]["times"][op]
                    results[name]["times"][op] = {k: min(best[k], t[k]) for k in t}
        report(results)
    finally:
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "pg.sh"), "stop", directory],
            check=False,
            capture_output=True,
        )


def report(results: dict[str, Any]) -> None:
    tenth, full = results["tenth"], results["full"]
    print(
        f"scale: tenth = {tenth['rows']['group']:,} group bookings, {tenth['rows']['one']:,} 1:1s; "
        f"full = {full['rows']['group']:,} group bookings, {full['rows']['one']:,} 1:1s "
        f"(PostgreSQL, {os.cpu_count()} CPUs); times in ms"
    )
    print(
        f"  {'operation':24s} {'tenth p50':>9s} {'p95':>7s} {'full p50':>9s} {'p95':>7s} {'ratio':>6s}"
    )
    worst = ("", 0.0)
    for op, t in tenth["times"].items():
        f = full["times"][op]
        ratio = f["p50"] / t["p50"]
        worst = max(worst, (op, ratio), key=lambda w: w[1])
        print(
            f"  {op:24s} {t['p50']:9.2f} {t['p95']:7.2f} {f['p50']:9.2f} {f['p95']:7.2f} "
            f"{ratio:6.2f}"
        )
    print(f"scale: worst growth ratio {worst[1]:.2f} ({worst[0]}), target at most 1.3")


# --- one size, in its own process ----------------------------------------------------------------


def run_size(name: str, port: str, round_: int) -> None:
    import psycopg

    database = f"scale_{name}"
    if round_ == 0:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {database}")
    os.environ.update(
        FLUENTORY_TEST_DB="postgres",
        FLUENTORY_TEST_PG_PORT=port,
        DJANGO_SETTINGS_MODULE="tests.settings",
        DJANGO_DEBUG="0",
    )
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rows: dict[str, int] = {}
    if round_ == 0:
        call_command("migrate", verbosity=0)
        began = time.monotonic()
        rows = load(SIZES[name], now)
        log(f"{name}: loaded {rows} in {time.monotonic() - began:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_now (now timestamptz)")
            cursor.execute("INSERT INTO bench_now VALUES (%s)", [now])
    with connection.cursor() as cursor:
        cursor.execute("SELECT now FROM bench_now")
        now = cursor.fetchone()[0]
    times = measure(SIZES[name], now, round_)
    print(json.dumps({"rows": rows, "times": times}))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the synthetic LMS ------------------------------------------------------------------------------

# Ids are fixed so that every part of the load can compute who is who.
ADMIN_ID = 1
GROUP_TEACHER_IDS = range(2, 2 + GROUP_TEACHERS)
ONE_TEACHER_IDS = range(2 + GROUP_TEACHERS, 2 + GROUP_TEACHERS + ONE_TEACHERS)
FIRST_STUDENT_ID = 2 + GROUP_TEACHERS + ONE_TEACHERS


def group_course(g: int) -> int:
    return 1 + g % GROUP_COURSES


def one_course(t: int) -> int:
    return 1 + GROUP_COURSES + t % ONE_COURSES


def group_student(course: int, j: int, k: int, students: int) -> int:
    """The k-th student of one of the two pools enrolled in a group course (by j's parity)."""
    c = course - 1
    base = c if j % 2 == 0 else (c - 7) % GROUP_COURSES
    return FIRST_STUDENT_ID + base + GROUP_COURSES * (k % (students // GROUP_COURSES))


def one_student(t: int, k: int, students: int) -> int:
    return FIRST_STUDENT_ID + t % ONE_COURSES + ONE_COURSES * (k % (students // ONE_COURSES))


def session_start(g: int, day: int, now: datetime) -> datetime:
    midnight = now.replace(hour=0)
    return midnight + timedelta(days=day, hours=6 + g % 12)


def load(f: float, now: datetime) -> dict[str, int]:
    from django.db import connection

    from fluentory_bookings.contrib.django.models import (
        Booking,
        BookingReminder,
        LiveClassSession,
        OneOnOneBooking,
    )
    from lms.models import Course, CourseTeacher, Enrollment

    students = int(STUDENTS * f)
    table = {m: m._meta.db_table for m in (Booking, BookingReminder, LiveClassSession)}
    with connection.cursor() as cursor:

        def copy(name: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
            n = 0
            with cursor.cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as c:
                for row in rows:
                    c.write_row(row)
                    n += 1
            return n

        copy(
            "auth_user",
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            (
                (i, "!", i == ADMIN_ID, f"user{i}", "", "", "", i == ADMIN_ID, True, now)
                for i in range(1, FIRST_STUDENT_ID + students)
            ),
        )
        copy(
            Course._meta.db_table,
            ["id", "title", "booking_type", "requires_booking_approval"],
            [
                *((c, f"Group {c}", "group_session", False) for c in range(1, 21)),
                *((c, f"1:1 {c}", "one_on_one", True) for c in range(21, 41)),
            ],
        )
        copy(
            CourseTeacher._meta.db_table,
            ["course_id", "teacher_id"],
            [
                *((group_course(g), uid) for g, uid in enumerate(GROUP_TEACHER_IDS)),
                *((one_course(t), uid) for t, uid in enumerate(ONE_TEACHER_IDS)),
            ],
        )
        copy(
            Enrollment._meta.db_table,
            ["course_id", "student_id"],
            (
                (course, FIRST_STUDENT_ID + s)
                for s in range(students)
                for course in (
                    1 + s % GROUP_COURSES,
                    1 + (s + 7) % GROUP_COURSES,
                    1 + GROUP_COURSES + s % ONE_COURSES,
                )
            ),
        )
        n_sessions = copy(
            table[LiveClassSession],
            [
                "id",
                "created",
                "modified",
                "course_id",
                "teacher_id",
                "title",
                "description",
                "starts_at",
                "ends_at",
                "timezone",
                "total_seats",
                "seats_taken",
                "enable_waitlist",
                "meeting_link",
                "status",
            ],
            sessions(f, now),
        )
        n_group = copy(
            table[Booking],
            [
                "created",
                "modified",
                "session_id",
                "student_id",
                "status",
                "seats_booked",
                "waitlist_joined_at",
                "waitlist_position",
                "cancelled_at",
            ],
            group_bookings(f, now, students),
        )
        for model in ("auth_user", Course._meta.db_table, table[LiveClassSession]):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model}', 'id'), (SELECT max(id) FROM {model}))"
            )
    availabilities = publish_availability(now)
    with connection.cursor() as cursor:
        n_one = copy_one_on_ones(cursor, f, now, students, availabilities)
        cursor.execute(
            f"INSERT INTO {table[BookingReminder]} (one_on_one_booking_id, remind_at, sent_at, created) "
            "SELECT id, starts_at - interval '1 day', "
            "CASE WHEN starts_at - interval '1 day' < %s THEN starts_at - interval '1 day' END, %s "
            f"FROM {OneOnOneBooking._meta.db_table} WHERE status IN ('confirmed', 'completed')",
            [now, now],
        )
        cursor.execute("VACUUM ANALYZE")
    return {"group": n_group, "one": n_one, "sessions": n_sessions}


def sessions(f: float, now: datetime) -> Iterator[tuple[Any, ...]]:
    past = int(SESSIONS_PER_TEACHER * f) - FUTURE_DAYS
    pk = 0
    for g, uid in enumerate(GROUP_TEACHER_IDS):
        for day in range(-past, FUTURE_DAYS):
            pk += 1
            start = session_start(g, day, now)
            full = (g + day) % 3 == 0
            if start > now:
                taken, status = (SEATS if full else 8), "scheduled"
            else:
                # Nothing completes a session by itself: a fifth stay "scheduled" for good.
                taken, status = 9, ("scheduled" if day % 5 == 0 else "completed")
            yield (
                pk,
                now,
                now,
                group_course(g),
                uid,
                f"Session {pk}",
                "",
                start,
                start + timedelta(hours=1),
                "UTC",
                SEATS,
                taken,
                True,
                "",
                status,
            )


def group_bookings(f: float, now: datetime, students: int) -> Iterator[tuple[Any, ...]]:
    past = int(SESSIONS_PER_TEACHER * f) - FUTURE_DAYS
    pk = 0
    for g in range(GROUP_TEACHERS):
        course = group_course(g)
        for day in range(-past, FUTURE_DAYS):
            pk += 1
            start = session_start(g, day, now)
            joined = start - timedelta(days=7)
            if start > now:
                full = (g + day) % 3 == 0
                plan = ["confirmed"] * (SEATS if full else 8) + ["waitlisted"] * (3 if full else 0)
            else:
                seat = "confirmed" if day % 5 == 0 else "attended"  # never marked: stays confirmed
                plan = [seat] * 8 + ["no_show", "cancelled", "cancelled"]
            position = 0
            for j, status in enumerate(plan):
                student = group_student(course, j, day * 131 + g * 17 + j * 29, students)
                waiting = status == "waitlisted"
                position += waiting
                yield (
                    joined,
                    joined,
                    pk,
                    student,
                    status,
                    1,
                    joined + timedelta(minutes=j) if waiting else None,
                    position if waiting else None,
                    start - timedelta(days=1) if status == "cancelled" else None,
                )


def publish_availability(now: datetime) -> dict[int, int]:
    """Every 1:1 teacher: Monday to Friday, 08:00-18:00 UTC, one-hour slots (through the service)."""
    from datetime import time as clock

    from django.contrib.auth import get_user_model

    from fluentory_bookings.contrib.django.services import set_availability
    from lms.models import Course

    users = get_user_model().objects.in_bulk(list(ONE_TEACHER_IDS))
    courses = Course.objects.in_bulk()
    out = {}
    for t, uid in enumerate(ONE_TEACHER_IDS):
        av = set_availability(
            users[uid],
            course=courses[one_course(t)],
            timezone="UTC",
            kind="weekly",
            start_date=(now - timedelta(days=3 * 365)).date(),
            start_time=clock(8),
            end_time=clock(18),
            weekdays=[0, 1, 2, 3, 4],
        )
        out[t] = av.pk
    return out


def one_on_one_free(t: int, day: date, hour: int) -> bool:
    """Half of every future slot is left free by this pattern; requests take those."""
    return (day.toordinal() + hour + t) % 2 == 1


def copy_one_on_ones(
    cursor: Any, f: float, now: datetime, students: int, availabilities: dict[int, int]
) -> int:
    from fluentory_bookings.contrib.django.models import OneOnOneBooking

    per_teacher = int(ONE_ON_ONES_PER_TEACHER * f)
    future_statuses = ["confirmed"] * 6 + ["pending"] * 2 + ["cancelled", "declined"]
    past_statuses = ["completed"] * 17 + ["no_show", "cancelled", "expired"]

    def rows() -> Iterator[tuple[Any, ...]]:
        today = now.date()
        for t, uid in enumerate(ONE_TEACHER_IDS):
            future = []
            for d in range(FUTURE_DAYS):
                day = today + timedelta(days=d)
                for hour in range(8, 18):
                    start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
                    if day.weekday() < 5 and start > now and not one_on_one_free(t, day, hour):
                        future.append(start)
            past = []
            d = 0
            while len(past) + len(future) < per_teacher:
                d += 1
                day = today - timedelta(days=d)
                for hour in range(17, 7, -1):
                    start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
                    if day.weekday() < 5 and (d * 7 + hour + t) % 5 and start < now:
                        past.append(start)
            for start in [*past[: per_teacher - len(future)], *future]:
                key = start.toordinal() + start.hour
                upcoming = start > now
                status = (future_statuses if upcoming else past_statuses)[
                    key % 10 if upcoming else key % 20
                ]
                requested = min(start - timedelta(days=3), now - timedelta(hours=1))
                expires = min(requested + timedelta(hours=48), start)
                decided = None if status == "pending" else requested + timedelta(hours=1)
                yield (
                    requested,
                    requested,
                    availabilities[t],
                    one_student(t, key * 7 + t, students),
                    uid,
                    one_course(t),
                    start,
                    start + timedelta(hours=1),
                    status,
                    "",
                    False,
                    requested,
                    expires,
                    decided,
                    "",
                    "",
                )

    columns = [
        "created",
        "modified",
        "availability_slot_id",
        "student_id",
        "teacher_id",
        "course_id",
        "starts_at",
        "ends_at",
        "status",
        "meeting_link",
        "is_recurring",
        "requested_at",
        "expires_at",
        "decided_at",
        "decision_reason",
        "google_calendar_event_id",
    ]
    n = 0
    with cursor.cursor.copy(
        f"COPY {OneOnOneBooking._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    ) as c:
        for row in rows():
            c.write_row(row)
            n += 1
    return n


# --- the operations --------------------------------------------------------------------------------


def measure(f: float, now: datetime, round_: int) -> dict[str, dict[str, float]]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from fluentory_bookings.contrib.django import queries, services
    from fluentory_bookings.contrib.django.models import (
        Booking,
        LiveClassSession,
        OneOnOneBooking,
        TeacherAvailability,
    )
    from fluentory_bookings.contrib.django.services.schedule import commitments
    from lms.models import Course

    users = get_user_model().objects
    students = int(STUDENTS * f)
    n = SAMPLES + WARMUP
    times: dict[str, dict[str, float]] = {}
    services.expire_pending_requests()  # whatever the load left due: the job's steady state

    # book: one session per sample at 20:00 UTC, an hour no generated session or lesson holds.
    targets = []
    for k in range(n):
        g = (k * 7) % GROUP_TEACHERS
        teacher = users.get(pk=GROUP_TEACHER_IDS[g])
        start = now.replace(hour=20) + timedelta(days=10 + k + round_ * n)
        session = services.create_session(
            course=Course.objects.get(pk=group_course(g)),
            teacher=teacher,
            title=f"Bench {k}",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            total_seats=SEATS,
        )
        student = users.get(pk=group_student(group_course(g), 0, k * 3, students))
        targets.append((LiveClassSession.objects.get(pk=session.pk), student))
    times["book"] = timed(targets, services.book_group_session)

    # cancel with promotion: a confirmed seat of a distinct full session with a waitlist.
    targets = []
    for session in LiveClassSession.objects.filter(
        starts_at__gt=now + timedelta(days=2), seats_taken=SEATS, title__startswith="Session"
    ).order_by("starts_at", "pk")[:n]:
        booking = (
            Booking.objects.select_related("student")
            .filter(session=session, status="confirmed")
            .order_by("pk")[0]
        )
        targets.append((booking, booking.student))
    times["cancel + promotion"] = timed(targets, services.cancel_group_booking)

    # request: a free slot of a 1:1 teacher, by an enrolled student with nothing at that hour.
    targets = []
    today = now.date()
    # Every teacher on a day, then the next day: each round starts 20 days after the last.
    k = round_ * 20 * ONE_TEACHERS
    while len(targets) < n:
        k += 1
        t = k % ONE_TEACHERS
        day = today + timedelta(days=20 + (k // ONE_TEACHERS) % 60)
        hour = 8 + (k * 3) % 10
        if day.weekday() > 4 or not one_on_one_free(t, day, hour):
            continue
        start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        if (ONE_TEACHER_IDS[t], start) in {(a.teacher_id, s) for a, _, s in targets}:
            continue
        student = users.get(pk=one_student(t, k * 13, students))
        av = TeacherAvailability.objects.get(teacher_id=ONE_TEACHER_IDS[t])
        # An earlier round may have taken the slot, or the student be busy then: look first.
        if commitments(student, "student", start, start + timedelta(hours=1)) or not (
            services.check_one_on_one_eligibility(av, student, av.course, starts_at=start)
        ):
            continue
        targets.append((av, student, start))
    requested: list[OneOnOneBooking] = []
    times["request"] = timed(
        targets, lambda av, st, start: requested.extend(services.request_one_on_one(av, st, start))
    )

    # approve those requests (the 1:1 courses need the teacher's approval).
    targets = [
        (OneOnOneBooking.objects.get(pk=b.pk), users.get(pk=b.teacher_id)) for b in requested
    ]
    times["approve"] = timed(targets, services.approve_one_on_one)

    avs = list(TeacherAvailability.objects.order_by("pk"))
    times["open slots (90 days)"] = timed(
        [(TeacherAvailability.objects.get(pk=avs[k % len(avs)].pk),) for k in range(n)],
        services.open_slots_for,
    )
    times["student's upcoming"] = timed(
        [(users.get(pk=FIRST_STUDENT_ID + (k * 97) % students),) for k in range(n)],
        lambda s: list(queries.upcoming_group_bookings(s)),
    )
    times["teacher's pending"] = timed(
        [(users.get(pk=ONE_TEACHER_IDS[k % ONE_TEACHERS]),) for k in range(n)],
        lambda t: list(queries.pending_requests(t)),
    )

    def five_due() -> tuple[()]:
        ids = list(
            OneOnOneBooking.objects.filter(status="pending", starts_at__gt=now + timedelta(days=5))
            .order_by("starts_at")
            .values_list("pk", flat=True)[:5]
        )
        OneOnOneBooking.objects.filter(pk__in=ids).update(expires_at=now - timedelta(minutes=1))
        return ()

    times["expiry job (5 due)"] = timed_with_setup(n, five_due, services.expire_pending_requests)

    client = Client()
    client.force_login(users.get(pk=ADMIN_ID))
    for op, model in ADMIN_LISTS.items():
        url = f"/admin/fluentory_bookings/{model}/"

        def get(url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")

        times[op] = timed([()] * n, get)
    return times


def timed(targets: list[tuple[Any, ...]], call: Callable[..., Any]) -> dict[str, float]:
    it = iter(targets)
    return timed_with_setup(len(targets), lambda: next(it), call)


def timed_with_setup(
    n: int, setup: Callable[[], tuple[Any, ...]], call: Callable[..., Any]
) -> dict[str, float]:
    samples = []
    for i in range(n):
        args = setup()
        began = time.perf_counter()
        call(*args)
        took = (time.perf_counter() - began) * 1000
        if i >= WARMUP:
            samples.append(took)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[math.ceil(0.95 * len(samples)) - 1],
    }


if __name__ == "__main__":
    if "--size" in sys.argv:
        arg = {name: sys.argv[sys.argv.index(name) + 1] for name in ("--size", "--port", "--round")}
        run_size(arg["--size"], arg["--port"], int(arg["--round"]))
    else:
        main()
