"""Reads an iCalendar file on stdin and prints, as JSON, what libical (Evolution's parser) makes
of it: every VEVENT's instances as UTC instants, with the zone each start was read in.

Run with Debian's /usr/bin/python3, not the project's venv: the bindings are Debian's
gir1.2-ical-3.0 and python3-gi. Usage: ``python3 libical_instants.py [UNTIL] < feed.ics``
(UNTIL: an ISO instant ending RRULE expansion; default 2100-01-01T00:00:00Z). The output has the
same shape as icaljs_instants.mjs; it reports what libical does and judges nothing.

Instances come from libical's own ``icalcomponent_foreach_recurrence`` (RRULE, RDATE, EXDATE, with
the duration in real seconds). It does not look at RECURRENCE-ID overrides, which are separate
VEVENTs; a client swaps them in by their instant, and so does this script.
"""

import json
import os
import sys
from datetime import UTC, datetime

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402  (after require_version, as GI demands)

VEVENT = ICalGLib.ComponentKind.VEVENT_COMPONENT
VTIMEZONE = ICalGLib.ComponentKind.VTIMEZONE_COMPONENT
UTC_ZONE = ICalGLib.Timezone.get_utc_timezone()


def children(parent, kind):
    child = parent.get_first_component(kind)
    while child is not None:
        yield child
        child = parent.get_next_component(kind)


def iso(seconds):
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(time):
    """A libical time as UTC seconds, read in its own zone (a floating time as UTC)."""
    return time.as_timet_with_zone(time.get_timezone() or UTC_ZONE)


def zone_of(time):
    """ "UTC", the TZID libical resolved the time's zone to, or "floating" when it found none."""
    if time.is_utc():
        return "UTC"
    zone = time.get_timezone()
    return zone.get_tzid() if zone is not None else "floating"


def recurrence_id_of(calendar, vevent):
    """RECURRENCE-ID in the zone its TZID names: libical's getter leaves the time floating."""
    prop = vevent.get_first_property(ICalGLib.PropertyKind.RECURRENCEID_PROPERTY)
    if prop is None:
        return None
    time = prop.get_recurrenceid()
    tzid = prop.get_first_parameter(ICalGLib.ParameterKind.TZID_PARAMETER)
    if tzid is not None and not time.is_utc():
        zone = calendar.get_timezone(tzid.get_tzid())
        if zone is not None:
            time.set_timezone(zone)
    return instant(time)


def status_of(vevent):
    if vevent.get_first_property(ICalGLib.PropertyKind.STATUS_PROPERTY) is None:
        return None
    # "CONFIRMED" from ICalGLib.PropertyStatus.CONFIRMED, as written in the file.
    return vevent.get_status().value_nick.upper()


def occurrences(master, first, last):
    """(start, end) UTC seconds of each instance libical's foreach_recurrence gives."""
    spans = []
    master.foreach_recurrence(
        first, last, lambda _c, span, _d: spans.append((span.get_start(), span.get_end())), None
    )
    return spans


def libical_version():
    """The loaded libical's version, from its file name (libical.so.3.0.16): the library has no
    version function in 3.0."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            name = os.path.basename(os.path.realpath(path))
            if name.startswith("libical.so."):
                return name.removeprefix("libical.so.")
    return "unknown"


def main():
    until = datetime.fromisoformat(
        sys.argv[1] if len(sys.argv) > 1 else "2100-01-01T00:00:00+00:00"
    )
    calendar = ICalGLib.Component.new_from_string(sys.stdin.read())
    vevents = list(children(calendar, VEVENT))
    vtimezones = [
        z.get_first_property(ICalGLib.PropertyKind.TZID_PROPERTY).get_tzid()
        for z in children(calendar, VTIMEZONE)
    ]

    masters, overrides = [], {}  # a list: two VEVENTs sharing a UID must both show
    for vevent in vevents:
        recurrence_id = recurrence_id_of(calendar, vevent)
        if recurrence_id is None:
            masters.append(vevent)
        else:
            overrides[(vevent.get_uid(), recurrence_id)] = vevent

    instances = []

    def record(uid, vevent, recurrence_id):
        start, end = vevent.get_dtstart(), vevent.get_dtend()
        instances.append(
            {
                "uid": uid,
                "recurrence_id": None if recurrence_id is None else iso(recurrence_id),
                "start": iso(instant(start)),
                "end": iso(instant(end)),
                "zone": zone_of(start),
                "status": status_of(vevent),
            }
        )

    first = ICalGLib.Time.new_from_string("19700101T000000Z")
    last = ICalGLib.Time.new_from_timet_with_zone(int(until.timestamp()), False, UTC_ZONE)
    for master in masters:
        uid = master.get_uid()
        recurring = any(
            master.get_first_property(kind) is not None
            for kind in (ICalGLib.PropertyKind.RRULE_PROPERTY, ICalGLib.PropertyKind.RDATE_PROPERTY)
        )
        if not recurring:
            record(uid, master, None)
            continue
        for start, end in occurrences(master, first, last):
            override = overrides.pop((uid, start), None)
            if override is not None:
                record(uid, override, start)
                continue
            instances.append(
                {
                    "uid": uid,
                    "recurrence_id": iso(start),
                    "start": iso(start),
                    "end": iso(end),
                    "zone": zone_of(master.get_dtstart()),
                    "status": status_of(master),
                }
            )
    for (uid, recurrence_id), override in overrides.items():  # no master instance to replace
        record(uid, override, recurrence_id)

    json.dump(
        {
            "parser": "libical",
            "version": libical_version(),
            "vevents": len(vevents),
            "vtimezones": vtimezones,
            "truncated": [],
            "instances": instances,
        },
        sys.stdout,
    )


main()
