"""Benchmark: many processes booking seats in one group session on PostgreSQL at once.

Sixteen worker processes, each with its own database connection, book N students into one
session at the same time; every booking contends for the same session row.

* ``ours``: :func:`fluentory_bookings.contrib.django.services.book_group_session`, the whole use
  case: booking type and enrolment checks (through the example LMS's adapter), the student's
  advisory lock and schedule check, the session row lock, the core decision, the conditional
  seat UPDATE, the INSERT, and the on-commit signal.
* ``baseline``: the least a correct implementation must do: one transaction with the
  conditional ``UPDATE ... SET seats_taken = seats_taken + 1 WHERE seats_taken < total_seats``
  and an INSERT of the booking row (``Booking.objects.create``); no checks at all.

The session has room for everyone, so every request ends in a confirmed booking. Each run uses
a fresh session at its own time; runs alternate between the two and the median of each is
compared. Throughput is bookings per second between the moment all workers are released and
the moment the last one finishes.

The script starts a throwaway PostgreSQL server with ``scripts/pg.sh`` (and always stops it),
configures Django with ``tests.settings`` and migrates. Run it as a plain script::

    python bench/contended_booking.py [N]

The last line printed is ``contended_booking: ours <x>/s, baseline <y>/s, ratio <r>``, with
``ratio`` = ours / baseline.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "src", ROOT / "example_project", ROOT):
    sys.path.insert(0, str(path))

WORKERS = 16
STUDENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_200
ROUNDS = 3


def start_postgres() -> tuple[str, int]:
    directory = tempfile.mkdtemp(prefix="fb-bench-pg-")
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg.sh"), "start", directory],
        check=True,
        capture_output=True,
        text=True,
    )
    return directory, int(out.stdout.strip().splitlines()[-1])


def stop_postgres(directory: str) -> None:
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg.sh"), "stop", directory],
        check=False,
        capture_output=True,
    )


def setup_django(port: int) -> None:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute("CREATE DATABASE fluentory")
    os.environ["FLUENTORY_TEST_DB"] = "postgres"
    os.environ["FLUENTORY_TEST_PG_PORT"] = str(port)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    from django.core.management import call_command

    import django

    django.setup()
    call_command("migrate", verbosity=0)


def make_population(n: int) -> tuple[Any, Any, list[int]]:
    from django.contrib.auth import get_user_model

    from lms.models import Course, CourseTeacher, Enrollment

    user_model = get_user_model()
    teacher = user_model.objects.create_user(username="teacher", password="x")
    course = Course.objects.create(title="Rush hour", booking_type="group_session")
    CourseTeacher.objects.create(course=course, teacher=teacher)
    user_model.objects.bulk_create(
        [user_model(username=f"student{i:05d}", password="!") for i in range(n)]
    )
    ids = list(
        user_model.objects.filter(username__startswith="student")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Enrollment.objects.bulk_create([Enrollment(course=course, student_id=i) for i in ids])
    return teacher, course, ids


def new_session(teacher: Any, course: Any, run: int, seats: int) -> int:
    from django.utils import timezone

    from fluentory_bookings.contrib.django.services import create_session

    start = timezone.now().replace(microsecond=0) + timedelta(days=2, hours=2 * run)
    session = create_session(
        course=course,
        teacher=teacher,
        title=f"Run {run}",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        total_seats=seats,
    )
    return int(session.pk)


# --- what the workers do ---------------------------------------------------------------------------


def book_ours(session: Any, student: Any) -> None:
    from fluentory_bookings.contrib.django.services import book_group_session

    book_group_session(session, student)


def book_baseline(session: Any, student: Any) -> None:
    from django.db import transaction
    from django.db.models import F

    from fluentory_bookings.contrib.django.models import Booking, LiveClassSession

    with transaction.atomic():
        taken = LiveClassSession.objects.filter(
            pk=session.pk, seats_taken__lt=F("total_seats")
        ).update(seats_taken=F("seats_taken") + 1)
        if not taken:
            raise RuntimeError("full")
        Booking.objects.create(session_id=session.pk, student_id=student.pk, status="confirmed")


KINDS = {"ours": book_ours, "baseline": book_baseline}


def worker(kind: str, session_id: int, student_ids: list[int], barrier: Any, results: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connections

    # The parent closed its connections before forking; drop whatever object came along anyway
    # so that this process opens its own.
    connections.close_all()
    from fluentory_bookings.contrib.django.models import LiveClassSession

    session = LiveClassSession.objects.get(pk=session_id)
    students = list(get_user_model().objects.filter(pk__in=student_ids).order_by("pk"))
    book = KINDS[kind]
    errors = 0
    barrier.wait(timeout=120)
    started = time.monotonic()
    for student in students:
        try:
            book(session, student)
        except Exception as exc:  # counted and shown: every booking is expected to succeed
            errors += 1
            if errors == 1:
                print(f"  {kind}: {type(exc).__name__}: {exc}", file=sys.stderr)
    results.put((started, time.monotonic(), len(students), errors))
    connections.close_all()


def run_once(kind: str, session_id: int, student_ids: list[int], label: str = "") -> float:
    from django.db import connections

    from fluentory_bookings.contrib.django.models import Booking, LiveClassSession

    ctx = mp.get_context("fork")
    connections.close_all()
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    chunks = [student_ids[i::WORKERS] for i in range(WORKERS)]
    procs = [
        ctx.Process(target=worker, args=(kind, session_id, chunk, barrier, results), daemon=True)
        for chunk in chunks
    ]
    for p in procs:
        p.start()
    try:
        got = [results.get(timeout=120) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
    begin = min(g[0] for g in got)
    end = max(g[1] for g in got)
    errors = sum(g[3] for g in got)
    session = LiveClassSession.objects.get(pk=session_id)
    rows = Booking.objects.filter(session_id=session_id, status="confirmed").count()
    if errors or session.seats_taken != len(student_ids) or rows != len(student_ids):
        raise SystemExit(
            f"{kind}: {errors} errors, seats_taken={session.seats_taken}, rows={rows}, "
            f"expected {len(student_ids)}"
        )
    rate = len(student_ids) / (end - begin)
    print(
        f"  {kind:8s} {len(student_ids):5d} bookings in {end - begin:6.3f} s: {rate:8.1f}/s"
        + (f"  ({label})" if label else "")
    )
    return rate


def main() -> None:
    directory, port = start_postgres()
    try:
        setup_django(port)
        teacher, course, ids = make_population(STUDENTS)
        print(
            f"contended booking: {STUDENTS} students, {WORKERS} worker processes, one session "
            f"per run, PostgreSQL on port {port}, {os.cpu_count()} CPUs"
        )
        run = 0
        # Warm-up (not counted): the server's caches and statistics, the code paths.
        warm = ids[: max(WORKERS, len(ids) // 10)]
        for kind in KINDS:
            run_once(kind, new_session(teacher, course, run, seats=len(warm)), warm, "warm-up")
            run += 1
        # For scale: one process alone, no contention (the work each booking costs).
        from django.contrib.auth import get_user_model

        from fluentory_bookings.contrib.django.models import LiveClassSession

        alone = list(get_user_model().objects.filter(pk__in=warm).order_by("pk"))
        for kind, book in KINDS.items():
            session = LiveClassSession.objects.get(
                pk=new_session(teacher, course, run, seats=len(alone))
            )
            run += 1
            began = time.monotonic()
            for student in alone:
                book(session, student)
            took = time.monotonic() - began
            print(
                f"  {kind:8s} {len(alone):5d} bookings in {took:6.3f} s: "
                f"{len(alone) / took:8.1f}/s  (one process, uncontended: "
                f"{took / len(alone) * 1000:.2f} ms each)"
            )
        rates: dict[str, list[float]] = {"ours": [], "baseline": []}
        for r in range(ROUNDS):
            # Alternate which goes first, so a drifting machine favours neither.
            for kind in ("ours", "baseline") if r % 2 == 0 else ("baseline", "ours"):
                session_id = new_session(teacher, course, run, seats=STUDENTS)
                run += 1
                rates[kind].append(run_once(kind, session_id, ids))
        ours = statistics.median(rates["ours"])
        baseline = statistics.median(rates["baseline"])
        print(
            f"contended_booking: ours {ours:.2f}/s, baseline {baseline:.2f}/s, ratio {ours / baseline:.2f}"
        )
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not be configured yet; the server goes either way
            pass
        stop_postgres(directory)


if __name__ == "__main__":
    main()
