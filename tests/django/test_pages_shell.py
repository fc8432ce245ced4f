"""The frame around every page (issue 18, item 12 and 13): one navigation that names each page
as its title does and marks the page being shown (``aria-current``), teachers' pages only for a
user the adapter says teaches, and selects whose empty choice is ours to translate."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from fluentory_bookings.contrib.django.services import create_session

pytestmark = pytest.mark.django_db

TEACHER_PAGES = ("teacher_schedule", "teacher_availability", "teacher_one_on_one_bookings")


def url(name, *args):
    return reverse(f"fluentory_bookings:{name}", args=args)


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def links_to(html: str, path: str) -> list[str]:
    """The opening tags of the links to ``path``."""
    return re.findall(rf'<a href="{re.escape(path)}"[^>]*>', html)


def title(html: str) -> str:
    return re.search(r"<title>([^<·]*)", html).group(1).strip()


@pytest.mark.parametrize("page", TEACHER_PAGES)
def test_a_teacher_s_page_is_linked_once_named_as_its_title_and_marked_current(
    page, teacher, group
):
    html = signed_in(teacher).get(url(page)).content.decode()
    [link] = links_to(html, url(page))  # the header's link, no second sub-navigation
    assert 'aria-current="page"' in link
    named = re.search(rf'<a href="{re.escape(url(page))}"[^>]*>([^<]*)</a>', html).group(1)
    assert named == title(html)
    for other in TEACHER_PAGES:
        if other != page:
            [link] = links_to(html, url(other))
            assert "aria-current" not in link


def test_a_session_s_roster_marks_its_part_of_the_site(teacher, group):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    session = create_session(
        course=group,
        teacher=teacher,
        title="Club",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        total_seats=3,
    )
    html = signed_in(teacher).get(url("teacher_session_bookings", session.pk)).content.decode()
    # The navigation's link (the page's own "Back to my sessions" is not marked).
    marked = [link for link in links_to(html, url("teacher_schedule")) if "aria-current" in link]
    assert marked == [f'<a href="{url("teacher_schedule")}" aria-current="true">']


def test_a_user_who_teaches_nothing_sees_no_teachers_pages(student, group):
    html = signed_in(student).get(url("student_bookings")).content.decode()
    for page in TEACHER_PAGES:
        assert url(page) not in html
    [link] = links_to(html, url("student_bookings"))
    assert 'aria-current="page"' in link


def test_the_host_s_own_pages_are_marked_current_too(student):
    html = signed_in(student).get(reverse("profile")).content.decode()
    [link] = links_to(html, reverse("profile"))
    assert 'aria-current="page"' in link
    [link] = links_to(html, url("student_bookings"))
    assert "aria-current" not in link


def test_the_plain_layout_carries_the_same_navigation(teacher, student, group):
    """fluentory_bookings/base.html, for a host that does not override the layout."""
    for user, shown in ((teacher, True), (student, False)):
        request = RequestFactory().get(url("teacher_availability"))
        request.user = user
        request.resolver_match = resolve(request.path)
        html = render_to_string("fluentory_bookings/base.html", request=request)
        assert ('<nav aria-label="Bookings"' in html) is True
        assert (url("teacher_availability") in html) is shown
        if shown:
            [link] = links_to(html, url("teacher_availability"))
            assert 'aria-current="page"' in link


def test_the_course_select_s_empty_choice_is_ours_not_django_s(teacher, group):
    for language in ("en", "de"):
        html = signed_in(teacher, language).get(url("teacher_schedule")).content.decode()
        assert "Select an option" not in html
        assert re.search(r'<option value="" selected>[^<-][^<]*</option>', html)
