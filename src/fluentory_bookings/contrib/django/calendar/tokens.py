"""Feed tokens: the secret in a private feed's URL, issued, rotated, revoked and looked up.

A token is 256 random bits (``secrets.token_urlsafe(32)``: 43 URL-safe characters). The database
keeps only its SHA-256 digest, so the URL can be shown once, when it is made; after that the
page can only replace it or revoke it. A plain (unkeyed) digest is enough for a 256-bit secret
and keeps every feed working when the host rotates ``SECRET_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from fluentory_bookings.contrib.django.models import FeedKind, FeedToken
from fluentory_bookings.contrib.django.services.isolation import TryAgain
from fluentory_bookings.core.errors import InvalidInput

__all__ = [
    "feed_box",
    "feed_kind",
    "feed_url",
    "feed_user",
    "issue_feed_token",
    "revoke_feed_token",
    "webcal_url",
]

TOKEN_BYTES = 32
"""Random bytes per token: 256 bits."""

# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet, unpadded; the last one
# carries 4 bits, so it is one of 16. Anything else was never issued and costs no query.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")


def feed_kind(value: Any) -> FeedKind:
    """``value`` as a :class:`FeedKind`, or :class:`InvalidInput` naming ``kind``."""
    try:
        return FeedKind(value)
    except ValueError:
        raise InvalidInput(
            f"a feed is 'student' or 'teacher', not {value!r}", field="kind"
        ) from None


def issue_feed_token(user: Any, kind: Any) -> str:
    """Make a new token for ``user``'s ``kind`` feed and return it: the only time it is seen.

    A feed that had a token gets a new one; the old URL stops working at once. Of concurrent
    calls for the same feed, the last one written wins and the others' tokens never work.
    """
    kind = feed_kind(kind)
    _require_saved(user)
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    digest = _digest(raw)
    mine = FeedToken.objects.filter(user_id=user.pk, kind=kind)
    # Each step is its own statement (or savepoint), so a row another request inserted in the
    # meantime is seen by the next try at any isolation level, outside an outer transaction.
    for _attempt in range(2):
        if mine.update(token_hash=digest, created=timezone.now()):
            return raw
        try:
            with transaction.atomic(using=mine.db):
                FeedToken.objects.create(user_id=user.pk, kind=kind, token_hash=digest)
        except IntegrityError:
            continue  # a concurrent first issue inserted the row: rotate it instead
        return raw
    raise TryAgain(
        "contention", "the feed's token changed concurrently; ask again outside a transaction"
    )


def revoke_feed_token(user: Any, kind: Any) -> None:
    """Delete ``user``'s ``kind`` feed token: its URL answers 404 from now on. Idempotent."""
    kind = feed_kind(kind)
    _require_saved(user)
    FeedToken.objects.filter(user_id=user.pk, kind=kind).delete()


def feed_user(raw_token: Any) -> tuple[Any, FeedKind] | None:
    """The active user and kind a token opens, or None (malformed, unknown or revoked).

    A malformed token is refused before any query; a well-formed one costs one indexed query.
    """
    if not isinstance(raw_token, str) or not _TOKEN.fullmatch(raw_token):
        return None
    digest = _digest(raw_token)
    row = next(iter(FeedToken.objects.select_related("user").filter(token_hash=digest)[:1]), None)
    # The index found the row by equality; compare again in constant time, as the issue asks,
    # so no code path ever compares a secret with ==.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if not getattr(row.user, "is_active", True):
        return None
    return row.user, FeedKind(row.kind)


def feed_url(request: HttpRequest, raw_token: str) -> str:
    """The absolute ``https://`` (or ``http://``) URL of the feed a raw token opens.

    It takes the raw token, not the user: only a digest is stored, so only the request that
    issued the token can build its URL.
    """
    path = reverse("fluentory_bookings:calendar_feed", kwargs={"token": raw_token})
    return request.build_absolute_uri(path)


def webcal_url(url: str) -> str:
    """``url`` with the ``webcal://`` scheme, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[-1]


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def _require_saved(user: Any) -> None:
    if getattr(user, "pk", None) is None:
        raise InvalidInput("a feed belongs to a saved user", field="user")


def feed_box(request: HttpRequest, kind: FeedKind) -> dict[str, Any]:
    """What a page's "Calendar subscription" box shows: whether a link exists, since when."""
    created = (
        FeedToken.objects.filter(user_id=request.user.pk, kind=kind)
        .values_list("created", flat=True)
        .first()
    )
    return {"kind": kind.value, "created": created, "next": request.get_full_path()}
