// Reads an iCalendar file on stdin and prints, as JSON, what ical.js (Thunderbird's parser)
// makes of it: every VEVENT's instances as UTC instants, with the zone each start was read in.
// Usage: node icaljs_instants.mjs [UNTIL] < feed.ics   (UNTIL: an ISO instant ending RRULE
// expansion; default 2100-01-01T00:00:00Z). The test suite compares the output with the
// database, so this reports what the parser does and judges nothing.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const MAX_INSTANCES = 10000; // per series: a guard against an unbounded rule, reported if hit
const until = ICAL.Time.fromDateTimeString(
  (process.argv[2] || "2100-01-01T00:00:00Z").replace(/(\.\d+)?(Z|[+-]00:00)$/, "Z"),
);

const utc = (time) => {
  if (time.isDate) return time.toString();
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
};
// "UTC", a TZID ical.js resolved to a VTIMEZONE, or "floating" when it found none.
const zoneOf = (time) => (time.zone ? time.zone.tzid : "floating");

const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
const vtimezones = calendar.getAllSubcomponents("vtimezone");
// Register the file's own definitions, as a client does, so no zone comes from anywhere else.
for (const vtimezone of vtimezones) ICAL.TimezoneService.register(vtimezone);

const vevents = calendar.getAllSubcomponents("vevent");
const masters = []; // a list: two VEVENTs sharing a UID must both show
const exceptions = [];
for (const vevent of vevents) {
  const event = new ICAL.Event(vevent);
  if (event.isRecurrenceException()) exceptions.push(event);
  else masters.push(event);
}
const orphans = [];
for (const exception of exceptions) {
  const master = masters.find((m) => m.uid === exception.uid);
  if (master) master.relateException(exception);
  else orphans.push(exception);
}

const instances = [];
const record = (uid, item, start, end, recurrenceId) => {
  instances.push({
    uid,
    recurrence_id: recurrenceId ? utc(recurrenceId) : null,
    start: utc(start),
    end: utc(end),
    zone: zoneOf(start),
    status: item.component.getFirstPropertyValue("status"),
  });
};
const truncated = [];
for (const event of masters) {
  if (!event.isRecurring()) {
    record(event.uid, event, event.startDate, event.endDate, null);
    continue;
  }
  const expansion = event.iterator();
  let count = 0;
  for (let next = expansion.next(); next; next = expansion.next()) {
    if (next.compare(until) >= 0) break;
    if (++count > MAX_INSTANCES) {
      truncated.push(event.uid);
      break;
    }
    const details = event.getOccurrenceDetails(next);
    record(event.uid, details.item, details.startDate, details.endDate, details.recurrenceId);
  }
}
for (const event of orphans) record(event.uid, event, event.startDate, event.endDate, event.recurrenceId);

process.stdout.write(
  JSON.stringify({
    parser: "ical.js",
    version: JSON.parse(readFileSync(new URL("./node_modules/ical.js/package.json", import.meta.url))).version,
    vevents: vevents.length,
    vtimezones: vtimezones.map((z) => z.getFirstPropertyValue("tzid")),
    truncated,
    instances,
  }),
);
