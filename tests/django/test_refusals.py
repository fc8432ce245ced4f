"""Every refusal has one sentence for people, in one place (contrib/django/refusals.py), which the
pages, the API, the admin and the form validators all use, and which a host rewords through its
adapter."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from fluentory_bookings.contrib.django import refusals, services
from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter
from fluentory_bookings.contrib.django.models import Booking
from fluentory_bookings.contrib.django.services.isolation import TryAgain
from fluentory_bookings.core import errors
from fluentory_bookings.core.errors import PolicyViolation, Rule, SlotReason, SlotUnavailable

GENERIC = "This could not be done."
DOCS = Path(__file__).resolve().parents[2] / "docs" / "django" / "refusals.md"


def _error_classes() -> list[type[errors.BookingError]]:
    found, todo = [], [errors.BookingError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _expected_keys() -> set[str]:
    codes = {cls.code for cls in _error_classes()}
    assert TryAgain.code in codes
    return (
        codes
        | {f"policy_violation:{r.value}" for r in Rule}
        | {f"slot_unavailable:{r.value}" for r in SlotReason}
    )


def test_every_rule_reason_and_error_has_exactly_its_own_sentence():
    table = refusals.messages()
    assert set(table) == _expected_keys()
    specific = {k: v for k, v in table.items() if k != "booking_error"}
    assert GENERIC not in specific.values()
    assert len(set(specific.values())) == len(specific), "two refusals share a sentence"


@pytest.mark.parametrize("rule", list(Rule))
def test_a_policy_rule_is_explained_by_its_own_sentence(rule):
    said = refusals.error_message(PolicyViolation(rule, "English for developers"))
    assert said == refusals.messages()[f"policy_violation:{rule.value}"]


@pytest.mark.parametrize("reason", list(SlotReason))
def test_a_slot_reason_is_explained_by_its_own_sentence(reason):
    said = refusals.error_message(SlotUnavailable("English for developers", reason=reason))
    assert said == refusals.messages()[f"slot_unavailable:{reason.value}"]


def test_the_docs_table_lists_every_sentence_as_shipped():
    rows = dict(re.findall(r"^\| `([a-z_:]+)` \| [^|]* \| (.+?) \|$", DOCS.read_text(), re.M))
    assert rows == refusals.messages()


@pytest.fixture
def moved_elsewhere(make_course, teacher, student, soon):
    """A seat of ``student`` and a session of another course to move it to."""

    def session(course, hours):
        return services.create_session(
            course=course,
            teacher=teacher,
            title="Conversation",
            starts_at=soon + timedelta(hours=hours),
            ends_at=soon + timedelta(hours=hours + 1),
        )

    mine = make_course("group_session", teacher=teacher, students=[student])
    other = make_course("group_session", teacher=teacher, students=[student])
    seat = services.book_group_session(session(mine, 0), student)
    return seat, session(other, 3)


def test_moving_to_another_course_says_why_on_the_page(client, student, moved_elsewhere):
    seat, elsewhere = moved_elsewhere
    with pytest.raises(PolicyViolation) as refused:
        services.reschedule_group_booking(seat, elsewhere, student)
    assert refused.value.rule is Rule.SAME_COURSE
    said = refusals.error_message(refused.value)
    assert said == "A booking can only move to a session of its course."


class RewordingAdapter(DefaultBookingAdapter):
    def refusal_message(self, exc):
        if isinstance(exc, PolicyViolation) and exc.rule is Rule.SAME_COURSE:
            return "Pick a date of your own course."
        if exc.code == "already_booked":
            return "You are in already."
        return super().refusal_message(exc)


@override_settings(FLUENTORY_BOOKINGS_ADAPTER=f"{__name__}.RewordingAdapter")
def test_a_host_rewords_a_refusal_through_its_adapter(student, moved_elsewhere):
    seat, elsewhere = moved_elsewhere
    client = APIClient()
    client.force_authenticate(student)
    before = list(Booking.objects.values_list())
    response = client.post(
        f"/api/bookings/group/{seat.pk}/reschedule/", {"session": elsewhere.pk}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["message"]) == ("same_course", "Pick a date of your own course.")
    assert list(Booking.objects.values_list()) == before
    # The rest keep the shipped sentences.
    full = errors.SessionFull(1)
    assert refusals.error_message(full) == refusals.messages()["session_full"]


def test_the_page_shows_the_adapter_s_sentence(client, student, moved_elsewhere, settings):
    settings.FLUENTORY_BOOKINGS_ADAPTER = f"{__name__}.RewordingAdapter"
    seat, _elsewhere = moved_elsewhere
    client.force_login(student)
    before = list(Booking.objects.values_list())
    page = reverse("fluentory_bookings:student_book_session", args=[seat.session_id])
    response = client.post(page, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["You are in already."]
    assert list(Booking.objects.values_list()) == before
