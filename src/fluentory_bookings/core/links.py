"""Meeting links: only absolute ``https://`` URLs, and which provider hosts them.

Links end up in pages, e-mails and calendar feeds, where a ``javascript:`` or plain ``http:``
link is a hazard (icalendar happily serialises ``URL:javascript:...``), so we refuse them here,
once, for every entry point.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from urllib.parse import urlsplit

from fluentory_bookings.core.errors import InvalidMeetingLink

__all__ = ["MeetingProvider", "meeting_provider", "validate_meeting_link"]


class MeetingProvider(StrEnum):
    """Who hosts a meeting link."""

    NONE = "none"
    ZOOM = "zoom"
    GOOGLE_MEET = "google_meet"
    CUSTOM = "custom"


def validate_meeting_link(url: object) -> str:
    """Return ``url`` stripped if it is an absolute https URL with a host; ``""`` stays ``""``.

    Raises:
        InvalidMeetingLink: any other scheme, no host, credentials, a port outside 1..65535,
            whitespace, control or invisible characters inside, or a character RFC 3986 never
            allows unescaped in a URL (``"<>\\^`{|}``).
    """
    if not isinstance(url, str):
        raise InvalidMeetingLink(url)
    url = url.strip()
    if not url:
        return ""
    bad = next((ch for ch in url if _unsafe(ch)), None)
    if bad is not None:
        raise InvalidMeetingLink(url, reason=f"character U+{ord(bad):04X}")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        # .port raises ValueError for "https://h:99999" or "https://h:x"; urlsplit alone does not.
        port = parts.port
    except ValueError as exc:
        raise InvalidMeetingLink(url, reason="malformed host or port") from exc
    if port == 0:
        raise InvalidMeetingLink(url, reason="port 0")
    if parts.scheme.lower() != "https" or not host or parts.username or parts.password:
        raise InvalidMeetingLink(url)
    return url


# Never unescaped in a URL (RFC 3986): quotes and angle brackets would end the link in HTML and
# in a calendar's URL line where an app renders it.
_NOT_IN_URLS = frozenset('"<>\\^`{|}')
# Invisible or unassigned code points (control, format such as U+200B or U+202E, private use,
# surrogates, unassigned): a link a person cannot read is not one they can check.
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


def _unsafe(ch: str) -> bool:
    return ch.isspace() or ch in _NOT_IN_URLS or unicodedata.category(ch) in _INVISIBLE


def meeting_provider(url: str) -> MeetingProvider:
    """Detect the provider of a meeting link from its host name (``""`` is ``NONE``).

    Raises:
        InvalidMeetingLink: ``url`` is not a valid link, see :func:`validate_meeting_link`.
    """
    url = validate_meeting_link(url)
    if not url:
        return MeetingProvider.NONE
    host = (urlsplit(url).hostname or "").lower()
    if host == "zoom.us" or host.endswith(".zoom.us"):
        return MeetingProvider.ZOOM
    if host == "meet.google.com":
        return MeetingProvider.GOOGLE_MEET
    return MeetingProvider.CUSTOM
