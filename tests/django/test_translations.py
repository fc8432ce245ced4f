"""The German translation: complete, compiled as committed, and what a German user really sees.

The catalogs are checked with gettext's own tools (``msgfmt``, ``msgattrib``), which Django's
``makemessages`` and ``compilemessages`` need anyway.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from fluentory_bookings.contrib.django.choices import SeatStatusChoices
from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.refusals import error_message
from fluentory_bookings.contrib.django.services import book_group_session, create_session
from fluentory_bookings.contrib.django.validators import validate_https_meeting_link
from fluentory_bookings.core.errors import SessionFull

# The app's catalog, and the example LMS's own for the strings of its pages.
APP_DIRS = [Path(apps.get_app_config(label).path) for label in ("fluentory_bookings", "lms")]
CATALOGS = sorted(folder for d in APP_DIRS for folder in d.glob("locale/*/LC_MESSAGES"))


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"gettext's {name} is needed for these checks (apt-get install gettext)"
    return found


def statistics(po: Path) -> str:
    """msgfmt's count of translated, fuzzy and untranslated entries (it also checks that every
    translation keeps the placeholders of its original)."""
    done = subprocess.run(
        [tool("msgfmt"), "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr


def catalog(mo: Path) -> dict[Any, str]:
    with mo.open("rb") as f:
        return dict(gettext.GNUTranslations(f)._catalog)


# --- the catalogs -----------------------------------------------------------------------------


def test_german_is_shipped_for_the_app_and_the_example_lms() -> None:
    assert [
        d for d in APP_DIRS if (d / "locale" / "de" / "LC_MESSAGES" / "django.mo").is_file()
    ] == APP_DIRS


@pytest.mark.parametrize("folder", CATALOGS, ids=lambda p: f"{p.parts[-4]}-{p.parent.name}")
def test_every_entry_is_translated_and_none_is_fuzzy(folder: Path) -> None:
    stats = statistics(folder / "django.po")
    assert "translated messages" in stats, stats
    assert "fuzzy" not in stats, stats
    assert "untranslated" not in stats, stats
    obsolete = subprocess.run(
        [tool("msgattrib"), "--only-obsolete", str(folder / "django.po")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert obsolete == "", "strings no longer in the sources: run makemessages again"


@pytest.mark.parametrize("folder", CATALOGS, ids=lambda p: f"{p.parts[-4]}-{p.parent.name}")
def test_the_committed_mo_is_the_po_compiled(folder: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "django.mo"
    subprocess.run(
        [tool("msgfmt"), "--check", "-o", str(fresh), str(folder / "django.po")], check=True
    )
    committed = catalog(folder / "django.mo")
    assert committed == catalog(fresh)
    assert len(committed) > 1  # more than the header


@pytest.mark.parametrize("app_dir", APP_DIRS, ids=lambda p: p.name)
def test_every_marked_string_is_in_the_catalog(app_dir: Path, tmp_path: Path, monkeypatch) -> None:
    """makemessages over a copy of the app finds nothing new to translate, and nothing gone."""
    copy = tmp_path / "app"
    shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    languages = sorted(p.name for p in (app_dir / "locale").iterdir() if p.is_dir())
    call_command("makemessages", locale=languages, no_location=True, verbosity=0)
    for language in languages:
        merged = copy / "locale" / language / "LC_MESSAGES" / "django.po"
        stats = statistics(merged)
        assert "fuzzy" not in stats, (language, stats)
        assert "untranslated" not in stats, (language, stats)
        committed = app_dir / "locale" / language / "LC_MESSAGES" / "django.po"
        assert catalog_ids(merged) == catalog_ids(committed), language


def catalog_ids(po: Path) -> set[str]:
    """The msgids of ``po``'s live entries (obsolete ones dropped), read by msgattrib."""
    live = subprocess.run(
        [tool("msgattrib"), "--no-obsolete", "--no-wrap", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line for line in live.splitlines() if line.startswith(("msgid ", "msgid_plural "))}


def test_no_german_string_of_ours_is_shadowed_by_an_app_before_us() -> None:
    """Django takes a string from the first installed app that translates it: where an app
    listed before ours (the admin, auth) has the same English, our German must be its German,
    or a page would show words we did not choose."""
    configs = list(apps.get_app_configs())
    ours = apps.get_app_config("fluentory_bookings")
    mine = catalog(Path(ours.path) / "locale" / "de" / "LC_MESSAGES" / "django.mo")
    differing = {}
    for config in configs[: configs.index(ours)]:
        theirs_path = Path(config.path) / "locale" / "de" / "LC_MESSAGES" / "django.mo"
        if not theirs_path.is_file():
            continue
        theirs = catalog(theirs_path)
        for msgid, text in mine.items():
            if msgid and msgid in theirs and theirs[msgid] != text:
                differing[(config.label, msgid)] = (theirs[msgid], text)
    assert differing == {}


# --- what a German user sees ------------------------------------------------------------------


@pytest.fixture
def german(client, admin_client):
    """German as a host gets it: the browser asks for it (LocaleMiddleware), or the code
    activates it (a host without the middleware)."""
    for c in (client, admin_client):
        c.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    with translation.override("de"):
        yield


@pytest.fixture
def course(make_course, teacher, student):
    return make_course("group_session", teacher=teacher, students=[student])


@pytest.fixture
def session(course, teacher, soon):
    return create_session(
        course=course,
        teacher=teacher,
        title="Konversation",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
    )


def snapshot() -> tuple[Any, ...]:
    return (
        sorted(Booking.objects.values_list("pk", "status", "waitlist_position")),
        sorted(LiveClassSession.objects.values_list("pk", "seats_taken", "status")),
        OneOnOneBooking.objects.count(),
        TeacherAvailability.objects.count(),
    )


def test_the_student_bookings_page_is_german(german, client, student, session) -> None:
    book_group_session(session, student)
    client.force_login(student)
    html = client.get(reverse("fluentory_bookings:student_bookings")).content.decode()
    for text in [
        'lang="de"',
        "Meine Buchungen",
        "Kommende Buchungen",
        "Gruppensitzung",
        "Platz bestätigt",
        "Stornieren",
        "Zeiten werden in der Zeitzone",
    ]:
        assert text in html, text
    assert "My bookings" not in html
    # Dates in German order, with the day's dot: "Di, 1. Dez. 2026, 21:00".
    assert re.search(r"\b[A-Z][a-z], \d{1,2}\. [A-Z][a-zä]+\.? \d{4}, \d\d:\d\d", html)


def test_a_teacher_page_is_german(german, client, teacher, course, session) -> None:
    client.force_login(teacher)
    html = client.get(reverse("fluentory_bookings:teacher_schedule")).content.decode()
    for text in [
        "Meine Gruppensitzungen",
        "Sitzung planen",
        "Warteliste, wenn ausgebucht",
        "Meeting-Link",
        "Konversation",
    ]:
        assert text in html, text
    assert "Schedule a session" not in html


def test_a_typed_refusal_is_one_german_message_and_writes_nothing(
    german, client, make_user, enroll, course, session, student
) -> None:
    book_group_session(session, student)  # the only seat, and no waitlist
    late = make_user()
    enroll(course, late)
    before = snapshot()
    client.force_login(late)
    response = client.post(
        reverse("fluentory_bookings:student_book_session", args=[session.pk]), follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Diese Sitzung ist ausgebucht."]
    assert snapshot() == before


def test_error_messages_and_validators_speak_the_active_language() -> None:
    full = SessionFull(1)
    assert error_message(full) == "This session is full."
    with translation.override("de"):
        assert error_message(full) == "Diese Sitzung ist ausgebucht."
        with pytest.raises(Exception, match="muss mit https:// beginnen"):
            validate_https_meeting_link("http://example.com/room")


# --- models and admin -------------------------------------------------------------------------


def test_model_and_field_names_and_choices_are_german(german) -> None:
    assert str(apps.get_app_config("fluentory_bookings").verbose_name) == "Buchungen"
    assert str(LiveClassSession._meta.verbose_name_plural) == "Gruppensitzungen"
    assert str(OneOnOneBooking._meta.verbose_name) == "Einzelstunden-Buchung"
    assert str(TeacherAvailability._meta.verbose_name) == "Verfügbarkeit der Lehrkraft"
    assert str(Booking._meta.get_field("waitlist_position").verbose_name) == (
        "Position auf der Warteliste"
    )
    assert str(LiveClassSession._meta.get_field("timezone").verbose_name) == "Zeitzone"
    assert dict(SeatStatusChoices.choices)["waitlisted"] == "Auf der Warteliste"


def test_the_admin_is_german(german, admin_client, session, student) -> None:
    book_group_session(session, student)
    sessions = admin_client.get(reverse("admin:fluentory_bookings_liveclasssession_changelist"))
    for text in ["Gruppensitzungen", "Ausgewählte Sitzungen absagen", "Freie Plätze"]:
        assert text in sessions.content.decode(), text
    seats = admin_client.get(reverse("admin:fluentory_bookings_booking_changelist"))
    for text in [
        "Buchungen von Gruppensitzungen",
        "Ausgewählte als nicht erschienen markieren",
        "Position auf der Warteliste",
        "Bestätigt",
    ]:
        assert text in seats.content.decode(), text


@pytest.mark.parametrize(
    ("language", "count", "said"),
    [
        ("en", 1, "1 session cancelled."),
        ("en", 2, "2 sessions cancelled."),
        ("de", 1, "1 Sitzung abgesagt."),
        ("de", 2, "2 Sitzungen abgesagt."),
    ],
)
def test_an_admin_action_counts_in_whole_sentences(
    admin_client, course, teacher, soon, language, count, said
) -> None:
    sessions = [
        create_session(
            course=course,
            teacher=teacher,
            title=f"S{i}",
            starts_at=soon + timedelta(hours=2 * i),
            ends_at=soon + timedelta(hours=2 * i + 1),
        )
        for i in range(count)
    ]
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    with translation.override(language):
        response = admin_client.post(
            reverse("admin:fluentory_bookings_liveclasssession_changelist"),
            {"action": "cancel_sessions", "_selected_action": [s.pk for s in sessions]},
            follow=True,
        )
    assert said in [str(m) for m in response.context["messages"]]


# --- the example LMS --------------------------------------------------------------------------


def test_the_example_lms_is_german_for_a_german_browser(client, student, course) -> None:
    """Its settings add LocaleMiddleware: the browser's Accept-Language picks German."""
    client.force_login(student)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    for text in ["Meine Kurse", "Kurse, die ich belege", "Abmelden", "Meine Buchungen"]:
        assert text in html, text
    assert "My courses" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize(("language", "said"), [("en", "1 seat taken"), ("de", "1 Platz belegt")])
def test_a_count_on_a_page_is_a_whole_sentence_in_its_number(
    client, teacher, student, session, language, said
) -> None:
    book_group_session(session, student)
    client.force_login(teacher)
    with translation.override(language):
        html = client.get(
            reverse("fluentory_bookings:teacher_session_edit", args=[session.pk]),
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()
    assert said in html
