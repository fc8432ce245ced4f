"""Phones and failed forms (issue 18, items 3 and 4): at 390 px no page scrolls sideways, whatever
the data (a 200-character title without a space, a teacher's name as long), and every visible link
and button is a tap target at least 24 px tall (WCAG 2.5.8); a failed form says so at the top of
the page, with a link to each field in error, and the focus lands there."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from fluentory_bookings.contrib.django.services import book_group_session, request_one_on_one
from lms.models import Course, UserProfile
from tests.e2e import world
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LONG = ("Konversationsübungsnachmittagsveranstaltung" * 5)[:200]  # no space

# The widest box on the page and the visible tap targets shorter than 24 px, with their text.
MEASURE = """() => {
  const short = [];
  for (const e of document.querySelectorAll("a, button, input[type=submit]")) {
    const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    if (r.width === 0 || r.height === 0 || s.visibility === "hidden") continue;
    if (e.closest(".fb-skip, .lms-skip") && document.activeElement !== e) continue;
    if (r.height < 24) short.push(`${e.tagName} ${Math.round(r.height)}px ${(e.innerText || e.value || "").slice(0, 40)}`);
  }
  return {width: document.documentElement.scrollWidth, short: short};
}"""


def phone_problems(page: Page, path: str, accessible) -> list[str]:
    """What is wrong with ``path`` on a phone: its width and its small tap targets (axe too)."""
    page.goto(path)
    seen = page.evaluate(MEASURE)
    problems = []
    if seen["width"] > PHONE["width"]:
        problems.append(f"{path} is {seen['width']} px wide")
    if seen["short"]:
        problems.append(f"{path}: tap targets under 24 px: {seen['short']}")
    accessible(page)
    return problems


@pytest.fixture
def long_world(make_user, make_course, enroll):
    """A teacher and a student with a long name, a group course and a 1:1 course whose titles
    are 200+ characters without a space, a booked seat and a pending 1:1 request."""
    tess = make_user("tess" + "t" * 100, first_name=LONG[:60], last_name=LONG[60:150])
    ana = make_user("ana" + "a" * 100, first_name=LONG[:60], last_name=LONG[60:150])
    group = make_course("group_session", teacher=tess)
    lessons = make_course("one_on_one", teacher=tess)
    Course.objects.filter(pk__in=[group.pk, lessons.pk]).update(title=LONG)
    enroll(group, ana)
    enroll(lessons, ana)
    seat = world.session(
        group,
        tess,
        title=LONG,
        starts_at=world.tomorrow_at(18),
        meeting_link="https://meet.example.com/" + "x" * 150,
    )
    book_group_session(seat, ana)
    day = world.tomorrow_at(9).date()
    availability = world.one_time_window(tess, lessons, day, 9, 17)
    request_one_on_one(availability, ana, world.tomorrow_at(10), course=lessons)
    return tess, ana, group, lessons, seat


def test_no_page_scrolls_sideways_at_390_px_and_every_tap_target_is_24_px_tall(
    long_world, open_as, accessible, settings, tour
):
    tess, ana, group, lessons, seat = long_world
    settings.LMS_DEMO_LOGIN = True  # the sign-in page lists them, long names and all
    for user in (tess, ana):
        UserProfile.objects.update_or_create(user=user, defaults={"is_demo": True})
    problems: list[str] = []
    student = open_as(ana, viewport=PHONE, timezone_id="Europe/Berlin")
    for path in [
        reverse("home"),
        reverse("profile"),
        url("student_bookings"),
        url("student_sessions", course_id=group.pk),
        url("student_book_session", session_id=seat.pk),
        url("student_book_one_on_one", course_id=lessons.pk),
    ]:
        problems += phone_problems(student, path, accessible)
        tour(student, "phone" + path.replace("/", "-"))

    teacher = open_as(tess, viewport=PHONE, timezone_id="Europe/Berlin")
    for path in [
        url("teacher_schedule"),
        url("teacher_session_bookings", session_id=seat.pk),
        url("teacher_session_edit", session_id=seat.pk),
        url("teacher_availability"),
        url("teacher_one_on_one_bookings"),
    ]:
        problems += phone_problems(teacher, path, accessible)
        tour(teacher, "phone" + path.replace("/", "-"))

    anonymous = open_as(None, viewport=PHONE)
    problems += phone_problems(anonymous, reverse("login"), accessible)
    tour(anonymous, "phone-login")
    assert not problems, "\n".join(problems)


def test_a_failed_teacher_form_is_summed_up_at_the_top_with_the_focus_there(
    make_user, make_course, open_as, accessible
):
    tess = make_user("tess")
    make_course("group_session", teacher=tess)
    desk = open_as(tess, viewport=PHONE, timezone_id="Europe/Berlin")
    desk.goto(url("teacher_schedule"))
    form = desk.locator(f"form[action='{url('teacher_session_create')}']")
    form.get_by_label("Title").fill("Evening conversation")
    form.get_by_label("Length (minutes)").fill("-5")
    with desk.expect_navigation():
        form.locator("button, input[type='submit']").first.click()

    summary = desk.locator(".fb-error-summary")
    expect(summary).to_be_visible()
    heading = summary.locator("h2")
    expect(heading).to_be_focused()
    box = summary.bounding_box()
    assert box is not None
    assert box["y"] < 400, "the summary is not at the top of the page"
    # One link per field in error, each to its input, which is there and styled as an error.
    links = summary.locator("a[href^='#']")
    assert links.count() >= 1
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        expect(desk.locator(target)).to_have_count(1)
    errors = desk.locator("main .errorlist").first
    expect(errors).to_be_visible()
    color = errors.evaluate("e => getComputedStyle(e).color")
    assert color == "rgb(122, 16, 16)", color
    links.first.click()
    accessible(desk)


def test_a_failed_form_page_works_without_javascript(make_user, make_course, open_as):
    tess = make_user("tess")
    make_course("group_session", teacher=tess)
    desk = open_as(tess, java_script_enabled=False, timezone_id="Europe/Berlin")
    desk.goto(url("teacher_schedule"))
    form = desk.locator(f"form[action='{url('teacher_session_create')}']")
    form.get_by_label("Title").fill("x")
    with desk.expect_navigation():
        form.locator("button, input[type='submit']").first.click()
    expect(desk.locator(".fb-error-summary a[href^='#']").first).to_be_visible()


def test_the_first_page_is_already_in_the_browser_s_zone(make_user, make_course, enroll, open_as):
    """Issue 18, item 8: without a zone of their own a user saw the first page in the site's
    zone (UTC) and the browser's only from the second. The layout's script now loads the first
    page once more when its zone is not the browser's; once, and never with a zone cookie."""
    sam = make_user("sam")
    page = open_as(sam, timezone_id="America/New_York")
    loads = []  # the page's document requests
    page.on("request", lambda r: r.is_navigation_request() and loads.append(r.url))
    page.goto(url("student_bookings"))
    expect(page.locator("main")).to_contain_text("America/New_York")
    page.wait_for_timeout(300)
    assert len(loads) == 2  # the page, and one reload
    page.goto(url("student_bookings"))
    page.wait_for_timeout(300)
    assert len(loads) == 3  # the cookie is there: no reload any more

    utc = open_as(make_user("bea"), timezone_id="UTC")
    seen = []
    utc.on("request", lambda r: r.is_navigation_request() and seen.append(r.url))
    utc.goto(url("student_bookings"))
    utc.wait_for_timeout(300)
    assert len(seen) == 1  # the site's zone is the browser's: nothing to reload
