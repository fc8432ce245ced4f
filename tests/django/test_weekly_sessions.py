"""create_weekly_sessions: a weekly run of group sessions, decided and written at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fluentory_bookings.contrib.django.models import LiveClassSession
from fluentory_bookings.contrib.django.services import create_session, create_weekly_sessions
from fluentory_bookings.core.errors import Conflict, InvalidRule, NotPermitted, PolicyViolation
from tests.django.conftest import race


def rows():
    return list(LiveClassSession.objects.order_by("pk").values())


def run(course, teacher, start, weeks, **extra):
    return create_weekly_sessions(
        course=course,
        teacher=teacher,
        title="Run",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/Berlin",
        weeks=weeks,
        **extra,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("weeks", [0, -1, 105, True, "3", 2.0, None])
def test_bad_weeks_are_refused_and_nothing_is_written(group, teacher, soon, weeks):
    with pytest.raises(InvalidRule) as exc:
        run(group, teacher, soon, weeks)
    assert exc.value.field == "weeks"
    assert rows() == []


@pytest.mark.django_db
def test_every_session_is_checked_like_one(group, teacher, soon, make_user, make_course):
    with pytest.raises(NotPermitted):
        run(group, make_user(), soon, 2)
    with pytest.raises(PolicyViolation) as exc:
        run(make_course("one_on_one", teacher=teacher), teacher, soon, 2)
    assert exc.value.rule == "booking_type"
    with pytest.raises(PolicyViolation) as exc:
        run(group, teacher, soon - timedelta(days=30), 2)
    assert exc.value.rule == "past"
    assert rows() == []


@pytest.mark.django_db
def test_every_clash_of_the_run_is_reported_at_once(group, teacher, soon):
    for week in (1, 3):
        at = soon + timedelta(days=7 * week)
        create_session(
            course=group,
            teacher=teacher,
            title="Busy",
            starts_at=at,
            ends_at=at + timedelta(hours=1),
        )
    before = rows()
    with pytest.raises(Conflict) as exc:
        run(group, teacher, soon, 5)
    assert len(exc.value.conflicts) == 2
    assert rows() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_overlapping_runs_at_once_one_wins_whole(group, teacher, soon):
    # The second run starts a week later: they share three weeks.
    results = race(run, [(group, teacher, soon, 4), (group, teacher, soon + timedelta(days=7), 4)])
    won = [r for r in results if isinstance(r, list)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (1, 1), results
    assert LiveClassSession.objects.count() == 4
    assert sorted(LiveClassSession.objects.values_list("pk", flat=True)) == sorted(
        s.pk for s in won[0]
    )
