"""What the notification tests share: users with addresses, and a look inside the e-mails."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar


def parts(message: Any) -> tuple[str, str]:
    """The plain-text body and the HTML alternative of an e-mail."""
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return message.body, html


def invitations(message: Any) -> list[tuple[str, Any]]:
    """Each .ics attachment as ``(METHOD, its one VEVENT)``, parsed with icalendar; the
    attachment's MIME type names the same method."""
    found = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment[0], attachment[1], attachment[2]
        assert filename.endswith(".ics"), filename
        calendar = Calendar.from_ical(content if isinstance(content, bytes) else content.encode())
        method = str(calendar["METHOD"])
        assert mimetype == f"text/calendar; charset=utf-8; method={method}"
        [event] = calendar.walk("VEVENT")
        found.append((method, event))
    return found


def to(mailbox: list[Any], user: Any) -> list[Any]:
    """The e-mails in ``mailbox`` addressed to ``user``."""
    return [m for m in mailbox if m.to == [user.email]]
