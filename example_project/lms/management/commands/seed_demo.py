"""Seeds the demo LMS: teachers in three zones, students in others, a course of every booking
type, group sessions (one full with a waitlist, one closed), weekly availability and pending 1:1
requests.

Every booking is made through the services, exactly as a real LMS would, so the demo starts from
states the app itself reached. Safe to run twice: a seeded database is left as it is.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from fluentory_bookings.contrib.django import services
from lms.models import Course, CourseTeacher, Enrollment, UserProfile

# username: (full name, time zone)
TEACHERS = {
    "tara": ("Tara Schmidt", "Europe/Berlin"),
    "noah": ("Noah Miller", "America/New_York"),
    "yuki": ("Yuki Tanaka", "Asia/Tokyo"),
}
STUDENTS = {
    "ana": ("Ana Souza", "America/Sao_Paulo"),
    "ben": ("Ben Carter", "Europe/London"),
    "chen": ("Chen Wei", "Asia/Shanghai"),
    "dara": ("Dara Kelly", "Australia/Sydney"),
    "eli": ("Eli Cohen", "America/Los_Angeles"),
    "femi": ("Femi Adeyemi", "Africa/Lagos"),
}


class Command(BaseCommand):
    help = "Create the demo LMS: users with time zones, courses, sessions, availability, requests."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Demo data already present.")
            return
        admin = User.objects.create_superuser("admin", "admin@example.org", "admin")
        UserProfile.objects.create(user=admin, timezone="UTC", is_demo=True)
        # Teachers are not staff: they work on their own pages, and staff may act on anyone's
        # bookings.
        people = {
            name: _person(name, full, zone) for name, (full, zone) in (TEACHERS | STUDENTS).items()
        }
        students = [people[name] for name in STUDENTS]
        tara, noah, yuki = people["tara"], people["noah"], people["yuki"]

        spanish = _course("Spanish conversation club", "group_session", tara, students)
        business = _course("Business English workshop", "group_session", noah, students)
        german = _course("Private German lessons", "one_on_one", tara, students, approval=True)
        japanese = _course("Japanese conversation", "one_on_one", yuki, students, approval=False)
        pronunciation = _course(
            "English pronunciation", "one_on_one", noah, students, approval=True
        )
        _course("Grammar at your own pace", "none", noah, students)

        # A full session with a waitlist: four seats, six students (two wait in line).
        full = _session(spanish, tara, "Travel stories", days=3, seats=4, waitlist=True)
        for s in students:
            services.book_group_session(full, s)
        # A closed one: two seats, no waitlist, both taken, so it takes no more bookings.
        closed = _session(spanish, tara, "Food and markets", days=4, seats=2, waitlist=False)
        for s in students[:2]:
            services.book_group_session(closed, s)
        films = _session(spanish, tara, "Films", days=8, seats=8, waitlist=False)
        services.book_group_session(films, students[2])
        for week in range(3):  # a weekly run of sessions
            workshop = _session(
                business, noah, f"Meetings, week {week + 1}", days=2 + 7 * week, seats=10, at=12
            )
            services.book_group_session(workshop, students[week])

        german_hours = _weekly(tara, german, [0, 2, 4], time(9), time(12), slot=60)
        japanese_hours = _weekly(
            yuki, japanese, [1, 3], time(18), time(21), slot=45, buffer_after=15
        )
        english_hours = _weekly(noah, pronunciation, [0, 1, 2, 3, 4], time(8), time(11), slot=30)

        # Pending requests: a single lesson, a weekly series of three, and one more teacher.
        ana, ben, chen, dara = students[:4]
        services.request_one_on_one(german_hours, ana, _first_slot(german_hours))
        services.request_one_on_one(german_hours, ben, _first_slot(german_hours), weeks=3)
        services.request_one_on_one(english_hours, dara, _first_slot(english_hours))
        # Japanese lessons need no approval: this one is confirmed at once.
        services.request_one_on_one(japanese_hours, chen, _first_slot(japanese_hours))

        full.refresh_from_db()
        closed.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {User.objects.count()} users and {Course.objects.count()} courses. "
                f"'{full.title}' is full ({full.seats_taken}/{full.total_seats}) with a waitlist; "
                f"'{closed.title}' is closed ({closed.seats_taken}/{closed.total_seats}, no waitlist). "
                "Demo users: "
                f"{', '.join(TEACHERS)} (teachers), {', '.join(STUDENTS)} (students), "
                "admin; each password is the username."
            )
        )


def _person(username, full_name, zone):
    first, last = full_name.split(" ", 1)
    # An address at example.org (reserved, never delivered): the demo prints its e-mails in the
    # terminal, and a user without an address gets none (a reminder to them is not sent).
    user = get_user_model().objects.create_user(
        username,
        email=f"{username}@example.org",
        password=username,
        first_name=first,
        last_name=last,
    )
    UserProfile.objects.create(user=user, timezone=zone, is_demo=True)
    return user


def _course(title, booking_type, teacher, students, *, approval=None):
    course = Course.objects.create(
        title=title, booking_type=booking_type, requires_booking_approval=approval
    )
    CourseTeacher.objects.create(course=course, teacher=teacher)
    Enrollment.objects.bulk_create(Enrollment(course=course, student=s) for s in students)
    return course


def _zone(teacher) -> ZoneInfo:
    return teacher.profile.timezone


def _session(course, teacher, title, *, days, seats, waitlist=False, at=18):
    """A one-hour session ``days`` from today at ``at`` o'clock in the teacher's own zone."""
    zone = _zone(teacher)
    day = timezone.now().astimezone(zone).date() + timedelta(days=days)
    starts_at = datetime.combine(day, time(at), tzinfo=zone)
    return services.create_session(
        course=course,
        teacher=teacher,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        total_seats=seats,
        enable_waitlist=waitlist,
        meeting_link=f"https://meet.example.org/{slugify(title)}",
        timezone=zone,
    )


def _weekly(teacher, course, weekdays, start, end, *, slot, buffer_after=0):
    zone = _zone(teacher)
    return services.set_availability(
        teacher,
        course=course,
        timezone=zone,
        kind="weekly",
        start_date=timezone.now().astimezone(zone).date(),
        start_time=start,
        end_time=end,
        weekdays=weekdays,
        slot_minutes=slot,
        buffer_after_minutes=buffer_after,
    )


def _first_slot(availability) -> datetime:
    return services.open_slots_for(availability, limit=1)[0].start
