"""``calendar-feeds/``: the caller's feed links through the API, as the pages' subscription box:
listed without their secret, issued and rotated (the URL shown once), revoked."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from fluentory_bookings.contrib.django.api import views
from fluentory_bookings.contrib.django.calendar.tokens import feed_user
from fluentory_bookings.contrib.django.models import FeedToken, IdempotencyRecord
from fluentory_bookings.contrib.django.services import TryAgain
from tests.api.conftest import API, refused, snapshot
from tests.django.conftest import race
from tests.django.feeds import url as page_url

pytestmark = pytest.mark.django_db

FEEDS = API + "calendar-feeds/"
FEED_URL = re.compile(r"http://testserver/bookings/feeds/([A-Za-z0-9_-]{43})\.ics")


def issue(client: Any, kind: str = "student", key: str | None = None) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(f"{FEEDS}{kind}/", headers=headers)


def token_of(response: Any) -> str:
    """The token in an issued link, after checking the answer's shape."""
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"kind", "created", "url", "webcal_url"}
    found = FEED_URL.fullmatch(body["url"])
    assert found, body["url"]
    assert body["webcal_url"] == "webcal://" + body["url"].removeprefix("http://")
    return found.group(1)


def calendar(link: str) -> int:
    """What a calendar app gets from the link: no login, no cookie."""
    return Client().get(urlsplit(link).path).status_code


def listed(client: Any) -> dict[str, dict[str, Any]]:
    response = client.get(FEEDS)
    assert response.status_code == 200, response.json()
    return {row["kind"]: row for row in response.json()["results"]}


def test_issuing_shows_a_working_link_once_and_stores_only_its_digest(client_for, student):
    response = issue(client_for(student))
    token = token_of(response)
    assert response.json()["kind"] == "student"
    assert "no-store" in response["Cache-Control"]
    assert calendar(response.json()["url"]) == 200
    (row,) = FeedToken.objects.filter(user=student)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(FeedToken.objects.values_list())
    assert feed_user(token) == (student, "student")


def test_rotating_makes_a_new_link_and_the_old_one_stops_working(client_for, student):
    c = client_for(student)
    old = issue(c).json()["url"]
    new = issue(c).json()["url"]
    assert old != new
    assert calendar(old) == 404
    assert calendar(new) == 200
    assert FeedToken.objects.filter(user=student).count() == 1


def test_revoking_stops_the_link_and_again_does_nothing(client_for, student):
    c = client_for(student)
    link = issue(c).json()["url"]
    for _ in range(2):
        response = c.delete(f"{FEEDS}student/")
        assert response.status_code == 204
        assert response.content == b""
    assert calendar(link) == 404
    assert not FeedToken.objects.exists()
    assert listed(c)["student"] == {"kind": "student", "exists": False, "created": None}


def test_the_list_says_which_links_exist_and_since_when_never_the_token(client_for, student):
    c = client_for(student)
    assert listed(c) == {
        "student": {"kind": "student", "exists": False, "created": None},
        "teacher": {"kind": "teacher", "exists": False, "created": None},
    }
    response = issue(c)
    token = token_of(response)
    shown = c.get(FEEDS + "?tz=Europe/Berlin")
    assert token not in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    rows = {row["kind"]: row for row in shown.json()["results"]}
    made = FeedToken.objects.get(user=student).created
    assert rows["student"]["exists"] is True
    assert rows["student"]["created"][-6:] in ("+01:00", "+02:00")  # in the zone asked for
    assert datetime.fromisoformat(rows["student"]["created"]) == made
    assert datetime.fromisoformat(response.json()["created"]) == made
    assert rows["teacher"] == {"kind": "teacher", "exists": False, "created": None}


def test_the_list_is_only_the_callers_own(client_for, student, make_user):
    other = make_user()
    issue(client_for(other), "teacher")
    assert listed(client_for(student))["teacher"]["exists"] is False
    assert listed(client_for(other))["teacher"]["exists"] is True


@pytest.mark.parametrize("who", ["student", "teacher"])
def test_the_kinds_offered_are_the_kinds_the_pages_let_the_same_user_make(client_for, who, request):
    """The pages' rule, mirrored: every kind the API lists, the page's button makes too, and
    the API refuses nothing the pages allow."""
    user = request.getfixturevalue(who)
    kinds = set(listed(client_for(user)))
    page = Client()
    page.force_login(user)
    for kind in ("student", "teacher"):
        made = page.post(page_url("calendar_feed_create", kind)).status_code == 200
        assert made == (kind in kinds), kind
        assert (issue(client_for(user), kind).status_code == 201) == made, kind


def test_a_teacher_who_is_also_enrolled_has_both_feeds(
    client_for, teacher, make_user, make_course, group
):
    make_course("group_session", teacher=make_user(), students=[teacher])
    c = client_for(teacher)
    mine = {kind: token_of(issue(c, kind)) for kind in ("student", "teacher")}
    assert mine["student"] != mine["teacher"]
    assert feed_user(mine["student"]) == (teacher, "student")
    assert feed_user(mine["teacher"]) == (teacher, "teacher")
    assert {k: row["exists"] for k, row in listed(c).items()} == {
        "student": True,
        "teacher": True,
    }
    # Each is revoked on its own.
    assert c.delete(f"{FEEDS}student/").status_code == 204
    assert feed_user(mine["student"]) is None
    assert feed_user(mine["teacher"]) == (teacher, "teacher")


@pytest.mark.parametrize("kind", ["admin", "Student", "students", "student%20", "0", "%00"])
def test_an_unknown_kind_is_a_404_and_changes_nothing(client_for, student, kind):
    c = client_for(student)
    link = issue(c).json()["url"]
    before = snapshot()
    refused(issue(c, kind), 404, "not_found")
    refused(issue(c, kind, key="unknown-kind"), 404, "not_found")
    refused(c.delete(f"{FEEDS}{kind}/"), 404, "not_found")
    assert snapshot() == before
    assert calendar(link) == 200
    assert not IdempotencyRecord.objects.exists()  # a refusal keeps no answer to replay


def test_signed_out_callers_change_nothing(client_for, student):
    issue(client_for(student))
    before = snapshot()
    anonymous = client_for(None)
    for response in (
        anonymous.get(FEEDS),
        issue(anonymous),
        issue(anonymous, "teacher", key="anonymous"),
        anonymous.delete(f"{FEEDS}student/"),
    ):
        assert response.status_code in (401, 403)
        assert response.json()["code"] == "not_authenticated"
    assert snapshot() == before


def test_other_methods_are_refused(client_for, student):
    c = client_for(student)
    refused(c.get(f"{FEEDS}student/"), 405, "method_not_allowed")
    refused(c.post(FEEDS), 405, "method_not_allowed")
    refused(c.delete(FEEDS), 405, "method_not_allowed")
    assert not FeedToken.objects.exists()


def test_a_keyed_retry_makes_a_fresh_link_and_keeps_no_secret(client_for, student):
    """The answer is the feed's secret: no idempotency record may keep it, so a retry with the
    same key is a new rotation, not a replay, and the caller holds exactly one working link."""
    c = client_for(student)
    first = issue(c, key="feed-1")
    retry = issue(c, key="feed-1")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert token_of(retry) != token_of(first)
    assert calendar(first.json()["url"]) == 404
    assert calendar(retry.json()["url"]) == 200
    assert FeedToken.objects.filter(user=student).count() == 1
    assert not IdempotencyRecord.objects.exists()
    stored = [str(v) for row in FeedToken.objects.values_list() for v in row]
    assert not any(token_of(retry) in v for v in stored)  # only its digest


def test_the_schema_offers_no_idempotency_key_on_the_feed_post():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    [post] = [
        op["post"]
        for path, op in schema["paths"].items()
        if "calendar-feeds" in path and "post" in op
    ]
    assert "Idempotency-Key" not in [p["name"] for p in post.get("parameters", [])]
    assert "422" not in post["responses"]


def test_a_token_that_could_not_be_decided_is_a_409_and_changes_nothing(
    client_for, student, monkeypatch
):
    c = client_for(student)
    link = issue(c).json()["url"]
    before = snapshot()

    def contended(user: Any, kind: Any) -> str:
        raise TryAgain("contention", "the feed's token changed concurrently")

    monkeypatch.setattr(views, "issue_feed_token", contended)
    response = issue(c, key="contended")
    refused(response, 409, "try_again")
    assert response["Retry-After"] == "1"
    assert snapshot() == before
    assert calendar(link) == 200
    assert not IdempotencyRecord.objects.exists()


def _queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code < 300, response.content
    return len(ctx.captured_queries)


def test_each_endpoint_costs_a_fixed_number_of_queries(client_for, student, make_user):
    c = client_for(student)
    empty = _queries(lambda: c.get(FEEDS))
    issue(c, "student")
    issue(c, "teacher")
    for other in (make_user() for _ in range(5)):  # other people's links change nothing
        issue(client_for(other), "student")
    assert _queries(lambda: c.get(FEEDS)) == empty == 1
    rotations = [_queries(lambda: issue(c)) for _ in range(3)]
    assert len(set(rotations)) == 1, rotations
    assert _queries(lambda: c.delete(f"{FEEDS}student/")) == _queries(
        lambda: c.delete(f"{FEEDS}student/")
    )


def _issued(user: Any, key: str | None) -> tuple[int, str, bool]:
    c = APIClient()
    c.force_authenticate(user)
    response = issue(c, key=key)
    return response.status_code, response.json().get("url", ""), "Idempotent-Replayed" in response


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_racing_rotations_without_a_key_leave_one_working_link(make_user):
    user = make_user()
    got = race(lambda: _issued(user, None), [()] * 4)
    assert not [g for g in got if isinstance(g, BaseException)], got
    assert all(status == 201 for status, _, _ in got), got
    links = [link for _, link, _ in got]
    assert len(set(links)) == 4
    assert sorted(calendar(link) for link in links) == [200, 404, 404, 404]
    assert FeedToken.objects.filter(user=user).count() == 1
