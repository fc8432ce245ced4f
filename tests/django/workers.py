"""Pieces the reminder tests plug in: a mail server that is down, and an adapter whose send
hangs after the claim (so a test can kill the worker between claim and send)."""

from __future__ import annotations

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

from lms.adapter import LmsBookingAdapter


class FailingBackend(BaseEmailBackend):
    """Every send fails, as with an SMTP server that refuses us."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("mail server down")


class HangingAdapter(LmsBookingAdapter):
    """Writes the claimed reminder's pk to $FLUENTORY_TEST_CLAIMED, then hangs before sending."""

    def send_reminder(self, reminder):
        Path(os.environ["FLUENTORY_TEST_CLAIMED"]).write_text(str(reminder.pk))
        time.sleep(600)
        super().send_reminder(reminder)
