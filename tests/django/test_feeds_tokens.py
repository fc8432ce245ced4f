"""Feed tokens: 256 random bits, kept only as a digest, rotated, revoked, refused when malformed."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from fluentory_bookings.contrib.django.calendar.tokens import (
    feed_user,
    issue_feed_token,
    revoke_feed_token,
    webcal_url,
)
from fluentory_bookings.contrib.django.models import FeedKind, FeedToken
from fluentory_bookings.core.errors import InvalidInput
from tests.django.conftest import race

pytestmark = pytest.mark.django_db


def tokens() -> list[tuple[Any, ...]]:
    return sorted(FeedToken.objects.values_list("pk", "user_id", "kind", "token_hash", "created"))


def stored_anywhere(text: str) -> list[str]:
    """Every text column of every table that holds ``text``."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)) and (
                model._default_manager.filter(**{f"{field.name}__contains": text}).exists()
            ):
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_a_token_is_256_random_bits_and_only_its_digest_is_stored(student) -> None:
    raw = issue_feed_token(student, "student")
    assert len(base64.urlsafe_b64decode(raw + "=")) == 32
    row = FeedToken.objects.get()
    assert (row.user_id, row.kind) == (student.pk, "student")
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored_anywhere(raw) == []
    assert issue_feed_token(student, "student") != raw


def test_the_token_opens_its_users_feed_of_its_kind(student) -> None:
    own = issue_feed_token(student, FeedKind.STUDENT)
    teaching = issue_feed_token(student, FeedKind.TEACHER)
    assert feed_user(own) == (student, FeedKind.STUDENT)
    assert feed_user(teaching) == (student, FeedKind.TEACHER)
    assert FeedToken.objects.filter(user=student).count() == 2


def test_regenerating_stops_the_old_token_at_once(student) -> None:
    old = issue_feed_token(student, "student")
    new = issue_feed_token(student, "student")
    assert feed_user(old) is None
    assert feed_user(new) == (student, "student")
    assert FeedToken.objects.filter(user=student).count() == 1


def test_revoking_stops_the_token_and_leaves_the_other_kind(student) -> None:
    mine = issue_feed_token(student, "student")
    teaching = issue_feed_token(student, "teacher")
    revoke_feed_token(student, "student")
    assert feed_user(mine) is None
    assert feed_user(teaching) == (student, "teacher")
    revoke_feed_token(student, "student")  # again: nothing left to do, no error
    assert list(FeedToken.objects.values_list("kind", flat=True)) == ["teacher"]


def test_an_inactive_users_token_opens_nothing(student) -> None:
    raw = issue_feed_token(student, "student")
    student.is_active = False
    student.save()
    assert feed_user(raw) is None


def test_a_deleted_users_tokens_go_with_them(student) -> None:
    raw = issue_feed_token(student, "student")
    student.delete()
    assert feed_user(raw) is None
    assert not FeedToken.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "short",
        "A" * 42,  # one character short
        "A" * 44,  # one too many
        "A" * 42 + "B",  # a last character token_urlsafe(32) never ends with
        "A" * 42 + "=",
        "A" * 41 + "+A",  # standard base64, not URL-safe
        "A" * 41 + "/A",
        "A" * 41 + ".A",
        "A" * 41 + "\nA",
        "A" * 42 + "A\n",
        "Ä" * 42 + "A",
        None,
        43,
        b"A" * 43,
    ],
)
def test_a_malformed_token_is_refused_without_a_query(raw, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert feed_user(raw) is None


def test_a_well_formed_unknown_token_costs_one_query(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        assert feed_user("A" * 43) is None


@pytest.mark.parametrize(
    ("kind", "field"), [("admin", "kind"), ("", "kind"), (None, "kind"), ("STUDENT", "kind")]
)
def test_an_unknown_kind_is_refused_and_changes_nothing(student, kind, field) -> None:
    issue_feed_token(student, "student")
    before = tokens()
    for call in (issue_feed_token, revoke_feed_token):
        with pytest.raises(InvalidInput) as caught:
            call(student, kind)
        assert caught.value.field == field
    assert tokens() == before


def test_a_user_that_is_not_saved_is_refused(django_user_model) -> None:
    with pytest.raises(InvalidInput) as caught:
        issue_feed_token(django_user_model(username="ghost"), "student")
    assert caught.value.field == "user"
    assert tokens() == []


def test_webcal_keeps_everything_but_the_scheme() -> None:
    assert webcal_url("https://lms.example/b/feeds/x.ics") == "webcal://lms.example/b/feeds/x.ics"
    assert webcal_url("http://localhost:8000/feeds/x.ics") == "webcal://localhost:8000/feeds/x.ics"


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_regenerations_leave_one_row_and_one_working_token(student) -> None:
    first = issue_feed_token(student, "student")
    issued = race(issue_feed_token, [(student, "student")] * 8)
    assert feed_user(first) is None
    assert all(isinstance(t, str) for t in issued), issued
    stored = FeedToken.objects.get(user=student).token_hash
    working = [t for t in issued if feed_user(t) is not None]
    assert [hashlib.sha256(t.encode()).hexdigest() for t in working] == [stored]


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_first_issues_leave_one_row(make_user) -> None:
    fresh = make_user()
    issued = race(issue_feed_token, [(fresh, "teacher")] * 8)
    assert all(isinstance(t, str) for t in issued), issued
    assert FeedToken.objects.filter(user=fresh, kind="teacher").count() == 1
    assert sum(feed_user(t) is not None for t in issued) == 1
