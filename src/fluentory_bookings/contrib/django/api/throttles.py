"""The API's write throttle: every user gets so many writes per period, on by default.

A POST, PUT, PATCH or DELETE to any endpoint of the API counts against one budget per user
(per client address when nobody is signed in); past it the answer is a ``429`` with
``Retry-After`` and nothing is done. Reads are never counted here (a host may add DRF's own
throttles for them). The budget is ``FLUENTORY_BOOKINGS_API_WRITE_RATE`` ("60/minute" by
default, ``None`` for none), unless the host's ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
names the scope ``fluentory_bookings_write``, which then comes first (``None`` there too turns
the throttle off).

The counts live in Django's default cache, as DRF's throttles' do: with a cache each process
keeps to itself (``LocMemCache``, Django's default) every process counts on its own, so a
site served by several processes needs a shared one (Redis, Memcached, the database cache).

A retry of a keyed POST that the API answers from its store (see :mod:`.idempotency`) does no
work and is not counted: a client that lost an answer gets it back even when its budget is
spent, and its retries never use up the budget of new writes.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from fluentory_bookings.contrib.django.api.idempotency import is_replay
from fluentory_bookings.contrib.django.conf import WRITE_THROTTLE_SCOPE, app_settings

__all__ = ["WriteRateThrottle"]


class WriteRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle for the API's writes, keyed by user (by address when signed out)."""

    scope = WRITE_THROTTLE_SCOPE

    def get_rate(self) -> str | None:
        # Read on every request (not at import, as DRF's THROTTLE_RATES is), so that changed
        # settings apply at once.
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope in rates:
            return rates[self.scope]  # type: ignore[no-any-return]
        return app_settings.API_WRITE_RATE  # type: ignore[no-any-return]

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS or self.rate is None:
            return True
        if is_replay(request, view):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = request.user
        ident = (
            f"user-{user.pk}"
            if user and user.is_authenticated
            else f"addr-{self.get_ident(request)}"
        )
        return self.cache_format % {"scope": self.scope, "ident": ident}
