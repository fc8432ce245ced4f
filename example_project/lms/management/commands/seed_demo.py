"""Seeds the demo: an admin, a teacher, students, a group course and a 1:1 course.

Every booking is made through the services, exactly as a real LMS would. Safe to run twice.
"""

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from fluentory_bookings.contrib.django import services
from lms.models import Course, CourseTeacher, Enrollment


class Command(BaseCommand):
    help = "Create demo users, courses, a group session with a waitlist and 1:1 availability."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Demo data already present.")
            return
        User.objects.create_superuser("admin", "admin@example.org", "admin")
        teacher = User.objects.create_user(
            "tara", password="tara", first_name="Tara", is_staff=True
        )
        students = [
            User.objects.create_user(name, password=name, first_name=name.title())
            for name in ("ana", "ben", "chen", "dara", "eli", "femi")
        ]

        group = Course.objects.create(
            title="Spanish conversation club", booking_type="group_session"
        )
        one = Course.objects.create(
            title="Private German lessons",
            booking_type="one_on_one",
            requires_booking_approval=True,
        )
        for course in (group, one):
            CourseTeacher.objects.create(course=course, teacher=teacher)
            for s in students:
                Enrollment.objects.create(course=course, student=s)

        start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        session = services.create_session(
            course=group,
            teacher=teacher,
            title="Conversation club: travel",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            total_seats=4,
            enable_waitlist=True,
            meeting_link="https://meet.google.com/abc-defg-hij",
            timezone="Europe/Madrid",
        )
        for s in students:
            services.book_group_session(session, s)

        availability = services.set_availability(
            teacher,
            course=one,
            timezone="Europe/Berlin",
            kind="weekly",
            start_date=timezone.now().date(),
            start_time=time(9, 0),
            end_time=time(12, 0),
            weekdays=[0, 2, 4],
            slot_minutes=60,
        )
        slots = services.open_slots_for(availability, limit=2)
        if slots:
            services.request_one_on_one(availability, students[0], slots[0].start, course=one)
        session.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded: log in at /admin/ as admin/admin. '{session.title}' has "
                f"{session.seats_taken}/{session.total_seats} seats taken and a waitlist."
            )
        )
