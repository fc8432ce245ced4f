"""The example LMS as a site: its home page, the demo sign-in, the profile's zone, the layout
around the booking pages, and the demo seed."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import django
from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import book_group_session, create_session
from lms.auth import LmsBackend
from lms.models import Course, CourseTeacher, Enrollment, UserProfile

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def page(name: str, *args: Any) -> str:
    return reverse(f"fluentory_bookings:{name}", args=args)


def signed_in(client: Client) -> Any:
    return client.session.get(SESSION_KEY)


@pytest.fixture
def demo_on(settings):
    settings.LMS_DEMO_LOGIN = True


@pytest.fixture
def demo_user(make_user):
    def make(name: str, zone: str = "", **extra: Any):
        user = make_user(name, **extra)
        UserProfile.objects.create(user=user, timezone=zone, is_demo=True)
        return user

    return make


# --- home --------------------------------------------------------------------------------------


def test_home_sends_a_visitor_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_home_lists_the_students_courses_with_their_type_and_pages(
    client, student, teacher, make_course
):
    group = make_course("group_session", teacher=teacher, students=[student])
    lessons = make_course("one_on_one", teacher=teacher, students=[student])
    self_paced = make_course("none", teacher=teacher, students=[student])
    other = make_course("group_session", teacher=teacher)  # not enrolled
    client.force_login(student)

    html = client.get("/").content.decode()

    for course in (group, lessons, self_paced):
        assert course.title in html
    assert other.title not in html
    assert "Group session" in html
    assert "1:1 lesson" in html
    assert "No bookings" in html
    assert f'href="{page("student_sessions", group.pk)}"' in html
    assert f'href="{page("student_book_one_on_one", lessons.pk)}"' in html
    assert f'href="{page("student_bookings")}"' in html
    assert "no sessions or lessons to book" in html
    # A student sees no teaching links, in the page or in the LMS's navigation.
    assert page("teacher_schedule") not in html
    assert page("teacher_availability") not in html


def test_home_lists_the_teachers_courses_with_the_teacher_pages(client, teacher, make_course):
    group = make_course("group_session", teacher=teacher)
    lessons = make_course("one_on_one", teacher=teacher)
    client.force_login(teacher)

    html = client.get("/").content.decode()

    assert group.title in html
    assert lessons.title in html
    assert "Courses I teach" in html
    for name in ("teacher_schedule", "teacher_availability", "teacher_one_on_one_bookings"):
        assert f'href="{page(name)}"' in html


def test_home_runs_the_same_queries_for_10_and_200_courses(client, student, teacher):
    client.force_login(student)

    def queries_with(n: int) -> int:
        for i in range(n - Course.objects.count()):
            kind = ("group_session", "one_on_one", "none")[i % 3]
            course = Course.objects.create(title=f"Course {i}", booking_type=kind)
            Enrollment.objects.create(course=course, student=student)
            CourseTeacher.objects.create(course=course, teacher=teacher)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    assert queries_with(10) == queries_with(200)


# --- the new doors on the home page: calendar link, e-mails, REST API -----------------------------


def api(name: str) -> str:
    return reverse(f"fluentory_bookings_api:{name}")


def test_home_points_a_student_to_the_calendar_link_and_their_api_lists(
    client, student, teacher, make_course
):
    make_course("group_session", teacher=teacher, students=[student])
    client.force_login(student)

    html = client.get("/").content.decode()

    assert f'<a href="{page("student_bookings")}">My bookings</a> makes a' in html
    assert "calendar link" in html
    assert "Add to calendar (.ics)" in html
    for name in ("session-list", "group-booking-list", "one-on-one-booking-list"):
        assert f'href="{api(name)}"' in html
    assert api("availability-list") not in html  # a teacher's own rules only
    assert "Your teaching has a calendar link" not in html


def test_home_gives_a_teacher_the_availability_api_and_the_teaching_calendar(
    client, teacher, make_course
):
    make_course("one_on_one", teacher=teacher)
    client.force_login(teacher)

    html = client.get("/").content.decode()

    assert f'href="{api("availability-list")}"' in html
    assert "Your teaching has a calendar link of its own" in html


@pytest.mark.parametrize(
    "name",
    ["session-list", "group-booking-list", "one-on-one-booking-list", "availability-list"],
)
def test_the_api_links_open_the_browsable_api_with_the_sites_session(
    client, teacher, student, make_course, soon, name
):
    course = make_course("group_session", teacher=teacher, students=[student])
    session = create_session(
        course=course,
        teacher=teacher,
        title="Browsable",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=3,
    )
    book_group_session(session, student)
    client.force_login(teacher if name == "availability-list" else student)

    browsable = client.get(api(name), headers={"accept": "text/html"})
    as_json = client.get(api(name))

    # DRF's own page used to fail (500) building forms from a queryset these views lack.
    assert browsable.status_code == 200
    assert browsable["Content-Type"].startswith("text/html")
    assert "Django REST framework" in browsable.content.decode()
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    if name in ("session-list", "group-booking-list"):
        assert "Browsable" in browsable.content.decode()
        assert as_json.json()["results"]


def test_a_booking_s_browsable_page_shows_it(client, teacher, student, make_course, soon):
    course = make_course("group_session", teacher=teacher, students=[student])
    session = create_session(
        course=course,
        teacher=teacher,
        title="Browsable",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=3,
    )
    seat = book_group_session(session, student)
    client.force_login(student)

    response = client.get(
        reverse("fluentory_bookings_api:group-booking-detail", args=[seat.pk]),
        headers={"accept": "text/html"},
    )

    assert response.status_code == 200
    assert "Browsable" in response.content.decode()


def test_home_says_where_the_demo_prints_e_mails_only_with_debug(client, student, settings):
    client.force_login(student)
    settings.DEBUG = True
    assert "manage.py bookings_housekeeping --loop" in client.get("/").content.decode()
    settings.DEBUG = False
    assert "bookings_housekeeping" not in client.get("/").content.decode()


# The example's own settings, loaded in a fresh interpreter (the test run's are tests.settings):
# what `make demo` gets, with deprecation warnings as errors.
SETTINGS_SCRIPT = textwrap.dedent(
    """
    import os, sys, warnings
    warnings.simplefilter("error", DeprecationWarning)
    warnings.simplefilter("error", PendingDeprecationWarning)
    if os.environ.get("BLOCK_DRF"):
        sys.modules["rest_framework"] = None  # as if DRF were not installed
    os.environ["DJANGO_SETTINGS_MODULE"] = "example_project.settings"
    import django
    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core import mail
    from django.urls import NoReverseMatch, reverse
    print("DEBUG", settings.DEBUG, "DEMO_LOGIN", settings.LMS_DEMO_LOGIN)
    print("SITE_URL", settings.FLUENTORY_BOOKINGS_SITE_URL)
    print("DRF", apps.is_installed("rest_framework"))
    try:
        print("API", reverse("fluentory_bookings_api:session-list"))
    except NoReverseMatch:
        print("API none")
    explicit = [n for n in ("MAILERS", "EMAIL_BACKEND") if settings.is_overridden(n)]
    print("MAIL", *explicit or ["default"])
    if explicit:
        mail.EmailMessage("Seat confirmed", "See you.", "lms@example.com", ["ana@example.com"]).send()
    """
)


def example_settings(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SETTINGS_SCRIPT],
        cwd=ROOT,
        env={
            "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'example_project'}:{ROOT}",
            "PATH": "/usr/bin:/bin",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_demo_prints_e_mails_links_them_to_its_address_and_serves_the_api():
    result = example_settings(DJANGO_DEBUG="1")  # as scripts/demo.sh (make demo) runs it

    assert result.returncode == 0, result.stderr  # no deprecation warning on this Django
    assert "SITE_URL http://127.0.0.1:8000\n" in result.stdout
    # Django 6.1 deprecates EMAIL_BACKEND for MAILERS, which 5.2 does not know.
    assert f"MAIL {'MAILERS' if django.VERSION >= (6, 1) else 'EMAIL_BACKEND'}\n" in result.stdout
    assert "DRF True\nAPI /api/sessions/\n" in result.stdout
    assert "Subject: Seat confirmed" in result.stdout  # the console mail backend
    assert "To: ana@example.com" in result.stdout


def test_the_demo_follows_its_port_and_leaves_mail_to_django_without_debug():
    result = example_settings(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="a key of its own", LMS_SITE_URL="http://127.0.0.1:8080"
    )

    assert result.returncode == 0, result.stderr
    assert "SITE_URL http://127.0.0.1:8080\n" in result.stdout
    assert "MAIL default\n" in result.stdout  # no console mailer outside the demo


def test_without_drf_the_demo_has_no_api_and_still_starts():
    result = example_settings(BLOCK_DRF="1", DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert "DRF False\nAPI none\n" in result.stdout


def test_outside_the_demo_debug_and_the_one_click_sign_in_are_off():
    result = example_settings(DJANGO_SECRET_KEY="a key of its own")

    assert result.returncode == 0, result.stderr
    assert "DEBUG False DEMO_LOGIN False\n" in result.stdout
    assert "MAIL default\n" in result.stdout


def test_outside_the_demo_the_example_will_not_start_without_a_secret_key():
    for env in ({}, {"DJANGO_DEBUG": "0"}, {"DJANGO_DEBUG": "true"}, {"DJANGO_SECRET_KEY": ""}):
        result = example_settings(**env)

        assert result.returncode != 0, env
        assert "ImproperlyConfigured: Set DJANGO_SECRET_KEY" in result.stderr, env


def test_the_demo_s_key_is_only_the_demo_s():
    demo = example_settings(DJANGO_DEBUG="1")
    assert "DEBUG True DEMO_LOGIN False\n" in demo.stdout  # one click: on through DEBUG
    script = ROOT / "scripts" / "demo.sh"
    assert "export DJANGO_DEBUG=1\n" in script.read_text()


def test_the_api_takes_no_basic_authentication(client, make_user, teacher, make_course, soon):
    """A password in an Authorization header signs nobody in: the API uses the site's session
    (with its CSRF token), as the pages do."""
    ben = make_user("ben")  # password "pw"
    course = make_course("group_session", teacher=teacher, students=[ben])
    session = create_session(
        course=course,
        teacher=teacher,
        title="Basic",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )
    basic = {"Authorization": "Basic " + base64.b64encode(b"ben:pw").decode()}

    listed = client.get(api("group-booking-list"), headers=basic)
    booked = client.post(
        api("group-booking-list"),
        {"session": session.pk},
        content_type="application/json",
        headers=basic,
    )

    assert (listed.status_code, listed.json()["code"]) == (403, "not_authenticated")
    assert (booked.status_code, booked.json()["code"]) == (403, "not_authenticated")
    assert "WWW-Authenticate" not in listed  # nothing asks a browser for a password either
    assert not Booking.objects.exists()
    client.force_login(ben)  # the site's session is the way in
    assert client.get(api("group-booking-list")).status_code == 200


# --- the LMS's layout around the booking pages --------------------------------------------------


def test_booking_pages_sit_inside_the_lms_header_and_navigation(client, student):
    UserProfile.objects.create(user=student, timezone="Asia/Tokyo")
    client.force_login(student)

    html = client.get(page("student_bookings")).content.decode()

    assert 'class="lms-header"' in html
    assert f'<a href="{reverse("profile")}">' in html
    assert "fluentory_bookings/bookings.css" in html  # the page's own styles block
    assert "fluentory_bookings/zone.js" in html  # and its scripts block
    assert "Times are shown in Asia/Tokyo" in html  # and its content, in the profile's zone
    assert "<title>My bookings · Example LMS</title>" in html


def test_the_signed_in_user_brings_profile_and_teaching_in_one_query(student, teacher, make_course):
    make_course("one_on_one", teacher=teacher)
    UserProfile.objects.create(user=teacher, timezone="Asia/Tokyo")
    backend = LmsBackend()

    with CaptureQueriesContext(connection) as ctx:
        loaded_teacher = backend.get_user(teacher.pk)
        loaded_student = backend.get_user(student.pk)  # no profile at all
        zones = [get_adapter().get_user_timezone(u) for u in (loaded_teacher, loaded_student)]
        teaches = [loaded_teacher.teaches, loaded_student.teaches]

    assert len(ctx.captured_queries) == 2
    assert [str(z) if z else None for z in zones] == ["Asia/Tokyo", None]
    assert teaches == [True, False]


# --- demo sign-in ------------------------------------------------------------------------------


@pytest.mark.usefixtures("demo_on")
def test_login_page_lists_each_demo_user_with_a_one_click_form(client, demo_user, make_course):
    tara = demo_user("tara", "Europe/Berlin", first_name="Tara")
    demo_user("ana", "America/Sao_Paulo", first_name="Ana")
    make_course("group_session", teacher=tara)
    get_user_model().objects.create_user("private", password="pw")  # not a demo user

    response = client.get(reverse("login"))
    html = response.content.decode()

    users = [u.username for u in response.context["demo_users"]]
    assert users == ["tara", "ana"]  # teachers first
    assert html.count(f'action="{reverse("demo_login")}"') == 2
    assert html.count('name="csrfmiddlewaretoken"') >= 2
    assert "Teacher" in html
    assert "Student" in html
    assert "Europe/Berlin" in html
    assert "America/Sao_Paulo" in html
    assert "private" not in html


@pytest.mark.usefixtures("demo_on")
def test_one_click_signs_in_the_demo_user_and_goes_home(client, demo_user):
    ana = demo_user("ana")

    response = client.post(reverse("demo_login"), {"username": "ana"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in(client) == str(ana.pk)


@pytest.mark.usefixtures("demo_on")
@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("/bookings/my/", "/bookings/my/"), ("https://evil.example/", "/")],
)
def test_one_click_returns_only_to_a_page_of_this_site(client, demo_user, next_url, expected):
    demo_user("ana")

    response = client.post(reverse("demo_login"), {"username": "ana", "next": next_url})

    assert response["Location"] == expected


@pytest.mark.usefixtures("demo_on")
@pytest.mark.parametrize("username", ["private", "nobody", ""])
def test_one_click_refuses_anyone_but_a_demo_user(client, make_user, username):
    make_user("private")  # exists, but is no demo user: they need their password

    response = client.post(reverse("demo_login"), {"username": username})

    assert response.status_code == 400
    assert signed_in(client) is None
    assert response.context["demo_errors"]


@pytest.mark.usefixtures("demo_on")
@pytest.mark.parametrize("power", [{"is_staff": True}, {"is_superuser": True}])
def test_one_click_never_lists_or_signs_in_staff_even_marked_as_demo_users(
    client, demo_user, power
):
    demo_user("ana")
    demo_user("admin", "UTC", **power)  # as the seed marks its admin

    listed = [u.username for u in client.get(reverse("login")).context["demo_users"]]
    response = client.post(reverse("demo_login"), {"username": "admin"})

    assert listed == ["ana"]
    assert response.status_code == 400
    assert response.context["demo_errors"]
    assert signed_in(client) is None
    assert 'value="admin"' not in response.content.decode()


def test_without_debug_or_the_demo_setting_there_is_no_one_click(client, demo_user, settings):
    settings.LMS_DEMO_LOGIN = False
    settings.DEBUG = False
    demo_user("ana")

    assert client.get(reverse("login")).context["demo_users"] == []
    response = client.post(reverse("demo_login"), {"username": "ana"})

    assert response.status_code == 404
    assert signed_in(client) is None


def test_debug_alone_turns_the_demo_login_on(client, demo_user, settings):
    settings.LMS_DEMO_LOGIN = False
    settings.DEBUG = True
    demo_user("ana")

    assert client.post(reverse("demo_login"), {"username": "ana"}).status_code == 302


@pytest.mark.usefixtures("demo_on")
def test_one_click_needs_the_csrf_token_and_a_post(demo_user):
    demo_user("ana")
    client = Client(enforce_csrf_checks=True)

    assert client.post(reverse("demo_login"), {"username": "ana"}).status_code == 403
    assert client.get(reverse("demo_login"), {"username": "ana"}).status_code == 405
    assert signed_in(client) is None


def test_the_password_form_still_signs_in(client, make_user):
    user = make_user("ben")

    response = client.post(reverse("login"), {"username": "ben", "password": "pw"})

    assert response.status_code == 302
    assert signed_in(client) == str(user.pk)


def test_sign_out_is_a_post_and_a_get_only_asks(client, student):
    client.force_login(student)

    asked = client.get(reverse("logout"))
    assert asked.status_code == 200
    assert f'<form method="post" action="{reverse("logout")}">' in asked.content.decode()
    assert signed_in(client) == str(student.pk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert signed_in(client) is None


def test_pages_carry_no_form_in_the_lms_header(client, student):
    # A page's only forms are its own: the header links to sign-out instead.
    client.force_login(student)

    html = client.get("/").content.decode()

    assert 'method="post"' not in html
    assert f'href="{reverse("logout")}"' in html


# --- profile -----------------------------------------------------------------------------------


def test_profile_shows_the_zone_field_and_writes_nothing_on_get(client, student):
    client.force_login(student)

    html = client.get(reverse("profile")).content.decode()

    assert '<label for="id_timezone">' in html
    assert 'name="timezone"' in html
    assert '<option value="" selected>Your browser&#x27;s zone</option>' in html
    assert "Times on the booking pages are shown in UTC" in html  # the site's zone
    assert not UserProfile.objects.exists()


def test_changing_the_zone_changes_the_times_on_the_booking_pages(client, student):
    client.force_login(student)

    response = client.post(reverse("profile"), {"timezone": "Asia/Tokyo"})

    assert response.status_code == 302
    assert str(UserProfile.objects.get(user=student).timezone) == "Asia/Tokyo"
    student.refresh_from_db()
    assert str(get_adapter().get_user_timezone(student)) == "Asia/Tokyo"
    assert "Times are shown in Asia/Tokyo" in client.get(page("student_bookings")).content.decode()

    client.post(reverse("profile"), {"timezone": ""})  # back to the browser's zone
    client.cookies["fb_tz"] = "America/Lima"
    assert (
        "Times are shown in America/Lima" in client.get(page("student_bookings")).content.decode()
    )


@pytest.mark.parametrize("zone", ["Mars/Olympus", "x" * 500])
def test_an_unknown_zone_is_a_field_error_and_changes_nothing(client, student, zone):
    UserProfile.objects.create(user=student, timezone="Europe/Paris")
    client.force_login(student)

    response = client.post(reverse("profile"), {"timezone": zone})

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"timezone"}
    assert 'id="id_timezone_error"' in response.content.decode()
    assert [(p.user_id, str(p.timezone)) for p in UserProfile.objects.all()] == [
        (student.pk, "Europe/Paris")
    ]


def test_profile_needs_a_signed_in_user(client):
    response = client.post(reverse("profile"), {"timezone": "Asia/Tokyo"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not UserProfile.objects.exists()


# --- the demo seed -----------------------------------------------------------------------------


def seeded() -> dict[str, Any]:
    return {
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
        "courses": Course.objects.count(),
        "sessions": sorted(LiveClassSession.objects.values_list("pk", "seats_taken", "status")),
        "seats": Booking.objects.count(),
        "lessons": OneOnOneBooking.objects.count(),
        "availability": TeacherAvailability.objects.count(),
    }


@pytest.mark.django_db(transaction=True)
def test_the_seed_creates_the_demo_and_a_second_run_changes_nothing():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = seeded()
    call_command("seed_demo", stdout=out)
    assert seeded() == first
    assert "Seeded" in out.getvalue()
    assert "already present" in out.getvalue()

    teachers = get_user_model().objects.filter(courseteacher__isnull=False).distinct()
    teacher_zones = {str(u.profile.timezone) for u in teachers}
    assert {"Europe/Berlin", "America/New_York", "Asia/Tokyo"} <= teacher_zones
    students = get_user_model().objects.filter(enrollment__isnull=False).distinct()
    student_zones = {str(u.profile.timezone) for u in students}
    assert student_zones
    assert not student_zones & teacher_zones
    assert all(p.is_demo for p in UserProfile.objects.all())
    # Every demo user has an address, so the demo's e-mails and reminders are printed (issue 18).
    assert not get_user_model().objects.filter(email="").exists()
    assert not teachers.filter(is_staff=True).exists()  # staff may act on anyone's bookings

    assert set(Course.objects.values_list("booking_type", flat=True)) == {
        "none",
        "group_session",
        "one_on_one",
    }
    full = [s for s in LiveClassSession.objects.all() if s.is_full and s.enable_waitlist]
    assert full
    assert Booking.objects.filter(session__in=full, status="waitlisted").exists()
    assert LiveClassSession.objects.filter(status="booking_closed", enable_waitlist=False).exists()
    one_on_one = Course.objects.filter(booking_type="one_on_one")
    assert TeacherAvailability.objects.filter(kind="weekly", course__in=one_on_one).count() == 3
    pending = OneOnOneBooking.objects.filter(status="pending")
    assert pending.count() >= 2
    assert pending.exclude(series_id=None).exists()  # a weekly series waits for approval too


def test_the_lms_migrations_match_its_models():
    call_command("makemigrations", "lms", check=True, dry_run=True, stdout=io.StringIO())


@pytest.mark.django_db
def test_a_missing_page_is_the_site_s_own_404_without_debug(client, settings, make_user):
    """Outside DEBUG (a site, or the demo run as docs/django/example-lms.md says) a page that
    is not there, or a booking that is not yours, is the LMS's own page, in its layout."""
    settings.DEBUG = False
    client.force_login(make_user("nobody"))
    for path in (
        "/no-such-page/",
        reverse("fluentory_bookings:student_booking_cancel", args=[999]),
    ):
        response = client.get(path)
        assert response.status_code == 404
        html = response.content.decode()
        assert "Page not found" in html
        assert 'class="lms-header"' in html  # the site's layout, its navigation
        assert "Technical" not in html
        assert "URLconf" not in html
