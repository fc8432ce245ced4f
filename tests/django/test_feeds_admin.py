"""The admin lists who has a calendar feed, never a token or its digest; deleting revokes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fluentory_bookings.contrib.django.calendar.tokens import feed_user, issue_feed_token
from fluentory_bookings.contrib.django.models import FeedToken

pytestmark = pytest.mark.django_db


def test_the_list_shows_user_and_kind_but_no_secret(admin_client, student) -> None:
    raw = issue_feed_token(student, "student")
    digest = FeedToken.objects.get().token_hash
    changelist = admin_client.get(reverse("admin:fluentory_bookings_feedtoken_changelist"))
    row = admin_client.get(
        reverse("admin:fluentory_bookings_feedtoken_change", args=[FeedToken.objects.get().pk])
    )
    for response in (changelist, row):
        assert response.status_code == 200
        page = response.content.decode()
        assert student.username in page
        assert raw not in page
        assert digest not in page


def test_feeds_cannot_be_added_or_edited_there(admin_client, student) -> None:
    issue_feed_token(student, "student")
    before = list(FeedToken.objects.values_list("pk", "user_id", "kind", "token_hash"))
    assert admin_client.get(reverse("admin:fluentory_bookings_feedtoken_add")).status_code == 403
    pk = FeedToken.objects.get().pk
    admin_client.post(
        reverse("admin:fluentory_bookings_feedtoken_change", args=[pk]),
        {"user": student.pk, "kind": "teacher"},
    )
    assert list(FeedToken.objects.values_list("pk", "user_id", "kind", "token_hash")) == before


def test_deleting_a_row_revokes_that_feed(admin_client, student) -> None:
    raw = issue_feed_token(student, "student")
    pk = FeedToken.objects.get().pk
    admin_client.post(
        reverse("admin:fluentory_bookings_feedtoken_delete", args=[pk]), {"post": "yes"}
    )
    assert feed_user(raw) is None
