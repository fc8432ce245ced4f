"""Meeting links: only absolute ``https://`` URLs, and which provider hosts them.

Links end up in pages, e-mails and calendar feeds, where a ``javascript:`` or plain ``http:``
link is a hazard (icalendar happily serialises ``URL:javascript:...``), so we refuse them here,
once, for every entry point.
"""

from __future__ import annotations

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


def validate_meeting_link(url: str) -> str:
    """Return ``url`` stripped if it is an absolute https URL with a host; ``""`` stays ``""``.

    Raises:
        InvalidMeetingLink: any other scheme, no host, whitespace or control characters inside.
    """
    if not isinstance(url, str):
        raise InvalidMeetingLink(url)
    url = url.strip()
    if not url:
        return ""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidMeetingLink(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise InvalidMeetingLink(url) from exc
    if parts.scheme.lower() != "https" or not host or parts.username or parts.password:
        raise InvalidMeetingLink(url)
    return url


def meeting_provider(url: str) -> MeetingProvider:
    """Detect the provider of a (valid) meeting link from its host name."""
    if not url:
        return MeetingProvider.NONE
    host = (urlsplit(url).hostname or "").lower()
    if host == "zoom.us" or host.endswith(".zoom.us"):
        return MeetingProvider.ZOOM
    if host == "meet.google.com":
        return MeetingProvider.GOOGLE_MEET
    return MeetingProvider.CUSTOM
