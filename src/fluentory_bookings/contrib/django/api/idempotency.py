"""``Idempotency-Key``: a retried POST gets the first result instead of doing the work twice.

A client that sends ``Idempotency-Key: <key>`` with a POST and does not hear back may send the
same request again with the same key: the retry gets the first response (status and body,
marked ``Idempotent-Replayed: true``) and changes nothing. Keys belong to the
authenticated user, so two users never share one.

How the database settles racing retries: the request claims a row ``(user, key)`` under a
unique constraint and runs the view *in the same transaction*, then stores the response in that
row. A second request with the key waits on the constraint (PostgreSQL) or on the write lock
(SQLite IMMEDIATE) until the first commits, then finds the stored result and replays it. If the
first request is refused (any non-2xx answer), its transaction rolls back with the claim: a
refusal changed nothing, so there is nothing to replay, and the key stays free for a retry.

At PostgreSQL's REPEATABLE READ and SERIALIZABLE the transaction is set to READ COMMITTED as its
first statement (:func:`~fluentory_bookings.contrib.django.services.isolation.read_committed`),
so the services decide inside it exactly as at READ COMMITTED, and the claim, the booking and
the stored answer commit together at every level. Nothing is held outside the transaction, so
this holds behind a transaction-pooling PgBouncer too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.models import IdempotencyRecord
from fluentory_bookings.contrib.django.services.isolation import TryAgain, read_committed

__all__ = [
    "KEY_HEADER",
    "REPLAYED_HEADER",
    "IdempotencyKeyReused",
    "IdempotentPostMixin",
    "InvalidIdempotencyKey",
    "is_replay",
    "respond_once",
]

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")  # visible ASCII: UUIDs, base64, ...
_CLAIM_ATTEMPTS = 3


class InvalidIdempotencyKey(exceptions.APIException):
    """The ``Idempotency-Key`` header is empty, too long or not visible ASCII (400)."""

    status_code = 400
    default_code = "invalid_idempotency_key"
    default_detail = _(
        "The Idempotency-Key header must be 1 to 255 visible ASCII characters, e.g. a UUID."
    )


class IdempotencyKeyReused(exceptions.APIException):
    """The key was already used for a different request (another path or body) (422)."""

    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used for a different request; "
        "use a new key for a new request."
    )


def respond_once(request: Request, call: Callable[[], Response]) -> Response:
    """Answer ``request`` with ``call()``, or with the stored first answer to its key."""
    raw = request.headers.get(KEY_HEADER)
    if raw is None or request.method != "POST":
        return call()
    if not _KEY.fullmatch(raw):
        raise InvalidIdempotencyKey()
    user = request.user
    if not user.is_authenticated:  # the view's permissions refuse it; no key without an owner
        return call()
    fingerprint = _fingerprint(request)
    alias = router.db_for_write(IdempotencyRecord)
    for _attempt in range(_CLAIM_ATTEMPTS):
        now = timezone.now()
        with read_committed(alias):
            # An expired record of this key no longer counts: the key starts afresh.
            _records(user.pk, raw).expired(now).delete()
            try:
                with transaction.atomic(using=alias):
                    record = IdempotencyRecord.objects.create(
                        user_id=user.pk,
                        key=raw,
                        fingerprint=fingerprint,
                        status_code=0,  # filled in below, before the commit
                        body="",
                        created=now,
                        expires_at=now + app_settings.IDEMPOTENCY_TTL,
                    )
            except IntegrityError:
                record = None  # a request with this key committed first
            if record is not None:
                response = call()
                if not _succeeded(response):
                    transaction.set_rollback(True, using=alias)
                    return response
                _fill(record, response)
                record.save(using=alias)
                return response
        stored = _records(user.pk, raw).filter(expires_at__gt=now).first()
        if stored is not None:
            return _replay(stored, fingerprint)
        # The record expired and was deleted between our claim and our read: claim again.
    raise TryAgain("contention", "the idempotency key kept expiring: try again")


def is_replay(request: Request, view: Any) -> bool:
    """Whether :func:`respond_once` will answer ``request`` from the store: a POST to a view
    that replays, whose user's key holds a live first answer to this same request. Such a
    retry does no work (the write throttle lets it through); a key in flight, expired or
    unknown is not one."""
    raw = request.headers.get(KEY_HEADER)
    if (
        raw is None
        or request.method != "POST"
        or not getattr(view, "replays_posts", False)
        or not _KEY.fullmatch(raw)
        or not request.user.is_authenticated
    ):
        return False
    stored = (
        _records(request.user.pk, raw)
        .filter(expires_at__gt=timezone.now())
        .values_list("fingerprint", flat=True)
        .first()
    )
    return stored is not None and stored == _fingerprint(request)


class IdempotentPostMixin:
    """For a DRF view or viewset: every POST it answers honours ``Idempotency-Key``, unless the
    view sets ``replays_posts = False`` (an answer that must not be kept, such as a secret)."""

    replays_posts = True

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        handler = getattr(self, "post", None)
        if handler is not None and self.replays_posts:
            # DRF calls the handler after authentication, so the key's owner is known there.
            self.post = lambda req, *a, **kw: respond_once(req, lambda: handler(req, *a, **kw))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _records(user_pk: Any, key: str) -> Any:
    return IdempotencyRecord.objects.filter(user_id=user_pk, key=key)


def _fingerprint(request: Request) -> str:
    """What makes two requests "the same": method, path with query, and the parsed body
    (canonical JSON, so that key order and whitespace do not matter)."""
    data = request.data
    if hasattr(data, "lists"):  # a form's QueryDict
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder)
    text = f"{request.method} {request.get_full_path()}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _succeeded(response: Response) -> bool:
    return 200 <= response.status_code < 300


def _fill(record: IdempotencyRecord, response: Response) -> None:
    record.status_code = response.status_code
    record.body = json.dumps(response.data, cls=JSONEncoder)


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Response(
        json.loads(record.body), status=record.status_code, headers={REPLAYED_HEADER: "true"}
    )
