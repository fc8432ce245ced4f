"""A feed's URL is its secret: no request to it, of any method, with any token, from any user,
may write the token to a log (Django logs every 4xx with its path, and CSRF refusals too)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from fluentory_bookings.contrib.django.calendar.tokens import issue_feed_token
from fluentory_bookings.contrib.django.models import FeedToken
from tests.django.feeds import feed_path

METHODS = ["get", "head", "options", "post", "put", "patch", "delete", "PROPFIND", "REPORT"]


def _send(client: Client, method: str, path: str, **headers: str):
    if method.islower():
        return getattr(client, method)(path, headers=headers)
    return client.generic(method, path, headers=headers)


@pytest.fixture
def tokens(make_user):
    active, gone = make_user(), make_user()
    live = issue_feed_token(active, "student")
    inactive = issue_feed_token(gone, "teacher")
    gone.is_active = False
    gone.save()
    # Well formed, never issued.
    unknown = "A" * len(live)
    return {"live": live, "inactive": inactive, "unknown": unknown}


def test_no_request_to_a_feed_logs_its_token(tokens, caplog):
    client = Client(enforce_csrf_checks=True)
    before = sorted(FeedToken.objects.values_list())
    statuses = {}
    with caplog.at_level(logging.DEBUG):
        for name, token in tokens.items():
            for method in METHODS:
                response = _send(client, method, feed_path(token))
                statuses[name, method] = response.status_code
            # Preconditions a calendar app never sends, which would be a 412.
            for header in ({"If-Match": '"nope"'}, {"If-Unmodified-Since": "Sat, 1 Jan 2000"}):
                statuses[name, str(header)] = _send(
                    client, "get", feed_path(token), **header
                ).status_code
    leaked = [
        r.getMessage()
        for r in caplog.records
        if any(t in r.getMessage() or t in str(r.args) for t in tokens.values())
    ]
    assert leaked == []
    assert sorted(FeedToken.objects.values_list()) == before
    for (name, method), status in statuses.items():
        # The method is refused before the token is looked up: a 405 tells nothing of it.
        if method not in ("get", "head") and not method.startswith("{"):
            assert status == 405, (name, method)
        else:
            assert status == (200 if name == "live" else 404), (name, method)
