"""Reminders and notifications of booking events (e-mail by default, any channel through the
adapter)."""
