"""Four readings of one iCalendar file, in one shape: ical.js and libical (independent parsers,
each run once in its own process), icalendar and recurring_ical_events (the Python ones).

Each reading lists every VEVENT instance as UTC instants with the zone its start was read in, so a
test compares them with the database and with each other. The tools are found through
``FLUENTORY_NODE`` and ``FLUENTORY_LIBICAL_PYTHON`` (scripts/test.sh exports them); when those are
unset, ``scripts/interop.sh`` is run to install and name them. A missing tool is an error, never a
skip: an interop check that silently does not run proves nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import icalendar
import recurring_ical_events

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# RRULE expansion stops here; every parser gets the same bound.
UNTIL = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, order=True)
class Instance:
    """One occurrence as a parser read it."""

    uid: str
    start: datetime
    end: datetime
    status: str | None
    zone: str  # "UTC", the TZID the parser resolved, or "floating" when it resolved none

    @property
    def when(self) -> tuple[str, datetime, datetime, str | None]:
        """What must agree everywhere: the zone a time was written in may legitimately differ."""
        return (self.uid, self.start, self.end, self.status)


@dataclass(frozen=True)
class Reading:
    parser: str
    version: str
    vevents: int  # VEVENT components in the file, overrides included
    vtimezones: tuple[str, ...]
    instances: tuple[Instance, ...]

    def unresolved(self) -> list[Instance]:
        """Instances whose zone is neither UTC nor a VTIMEZONE of the file."""
        return [i for i in self.instances if i.zone != "UTC" and i.zone not in self.vtimezones]


@cache
def tools() -> dict[str, str]:
    """``{"node": path, "libical_python": path}``, installing them with scripts/interop.sh if the
    environment does not name them."""
    node = os.environ.get("FLUENTORY_NODE", "")
    libical_python = os.environ.get("FLUENTORY_LIBICAL_PYTHON", "")
    ready = all(os.access(path, os.X_OK) for path in (node, libical_python))
    if not (ready and (HERE / "node_modules" / "ical.js").is_dir()):
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "interop.sh")], capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"scripts/interop.sh could not provide the parsers:\n{done.stderr}")
        found = dict(line.split("=", 1) for line in done.stdout.split())
        node, libical_python = found["FLUENTORY_NODE"], found["FLUENTORY_LIBICAL_PYTHON"]
    return {"node": node, "libical_python": libical_python}


def read_all(ics: bytes) -> dict[str, Reading]:
    """The file as all four parsers read it; node and libical run side by side, once each."""
    found = tools()
    until = UNTIL.isoformat()
    commands = {
        "ical.js": [found["node"], str(HERE / "icaljs_instants.mjs"), until],
        "libical": [found["libical_python"], str(HERE / "libical_instants.py"), until],
    }
    # Debian's python3 must not pick up the venv's packages or our source tree.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    running = {
        name: subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=HERE,
        )
        for name, command in commands.items()
    }
    readings = {}
    for name, process in running.items():
        out, err = process.communicate(ics, timeout=120)
        if process.returncode:
            raise RuntimeError(f"{name} failed on the calendar:\n{err.decode()}")
        readings[name] = _from_json(json.loads(out))
    readings["icalendar"] = read_with_icalendar(ics)
    readings["recurring_ical_events"] = read_with_recurring_ical_events(ics)
    return readings


def read_with_icalendar(ics: bytes) -> Reading:
    """Every VEVENT as written (no expansion), its TZIDs resolved by icalendar itself."""
    calendar = icalendar.Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    return Reading(
        parser="icalendar",
        version=icalendar.__version__,
        vevents=len(events),
        vtimezones=_vtimezones(calendar),
        instances=tuple(_instance(event) for event in events),
    )


def read_with_recurring_ical_events(ics: bytes) -> Reading:
    """Every instance recurring_ical_events expands (RRULE, RDATE, EXDATE, overrides)."""
    calendar = icalendar.Calendar.from_ical(ics)
    events = recurring_ical_events.of(calendar).between(datetime(1970, 1, 1, tzinfo=UTC), UNTIL)
    return Reading(
        parser="recurring_ical_events",
        version=_version("recurring-ical-events"),
        vevents=len(calendar.walk("VEVENT")),
        vtimezones=_vtimezones(calendar),
        instances=tuple(_instance(event) for event in events),
    )


def used_tzids(ics: bytes) -> set[str]:
    """Every TZID a property of the file names (DTSTART, DTEND, RECURRENCE-ID, EXDATE, ...)."""
    calendar = icalendar.Calendar.from_ical(ics)
    used = set()
    for component in calendar.walk():
        if component.name in ("VTIMEZONE", "STANDARD", "DAYLIGHT"):
            continue
        for values in component.values():
            for value in values if isinstance(values, list) else [values]:
                tzid = getattr(value, "params", {}).get("TZID")
                if tzid:
                    used.add(str(tzid))
    return used


def _vtimezones(calendar: icalendar.Calendar) -> tuple[str, ...]:
    return tuple(str(z["TZID"]) for z in calendar.walk("VTIMEZONE"))


def _instance(event: icalendar.Event) -> Instance:
    start, end = event.start, event.end
    dtstart = event["DTSTART"]
    if isinstance(start, datetime) and start.tzinfo is None:
        zone = "floating"
    elif "TZID" in dtstart.params:
        zone = str(dtstart.params["TZID"])
    else:
        zone = "UTC"
    return Instance(
        uid=str(event["UID"]),
        start=_utc(start),
        end=_utc(end),
        status=str(event["STATUS"]) if "STATUS" in event else None,
        zone=zone,
    )


def _utc(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):  # an all-day date: its midnight, as a floating day
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:  # floating: read as UTC, and flagged by the zone check
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _from_json(data: dict) -> Reading:
    def instant(text: str) -> datetime:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    if data["truncated"]:
        raise RuntimeError(f"{data['parser']} stopped an unbounded series: {data['truncated']}")
    return Reading(
        parser=data["parser"],
        version=str(data["version"]),
        vevents=data["vevents"],
        vtimezones=tuple(data["vtimezones"]),
        instances=tuple(
            Instance(
                uid=i["uid"],
                start=instant(i["start"]),
                end=instant(i["end"]),
                status=i["status"],
                zone=i["zone"],
            )
            for i in data["instances"]
        ),
    )


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def disagreements(
    expected: list[tuple[str, datetime, datetime, str | None]], reading: Reading
) -> list[str]:
    """Lines saying how ``reading`` differs from ``expected`` (uid, start, end, status), in
    order; empty when they agree on every instance."""
    want = sorted(expected)
    got = sorted(i.when for i in reading.instances)
    lines = []
    for item in want:
        if item not in got:
            lines.append(f"{reading.parser} lacks {_show(item)}")
    for item in got:
        if item not in want:
            lines.append(f"{reading.parser} has {_show(item)}")
    if not lines and len(want) != len(got):
        lines.append(f"{reading.parser} has {len(got)} instances, expected {len(want)}")
    return lines


def _show(item: tuple[str, datetime, datetime, str | None]) -> str:
    uid, start, end, status = item
    length = (end - start) / timedelta(minutes=1)
    return f"{uid} {start:%Y-%m-%d %H:%M}Z-{end:%H:%M}Z ({length:g} min) {status}"
