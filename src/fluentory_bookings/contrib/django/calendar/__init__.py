"""Calendars: the iCalendar builder (``builder``), the rows it is fed from (``events``)."""
