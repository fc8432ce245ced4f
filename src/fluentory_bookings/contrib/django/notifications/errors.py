"""What a channel raises when a message cannot reach its recipient at all."""

from __future__ import annotations

__all__ = ["Undeliverable"]


class Undeliverable(Exception):
    """The recipient cannot be reached on this channel (a user without an e-mail address):
    nothing was sent, and trying again would not change that.

    The default e-mail channel raises it; a host's channel (``send_notification``,
    ``send_reminder``) may too. A reminder is then recorded as not sent (``failed_at``, the
    reason in ``last_error``, ``skipped`` in the dispatcher's report), never as sent; any other
    notification is logged and dropped.
    """
