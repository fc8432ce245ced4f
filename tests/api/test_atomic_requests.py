"""A host with ``ATOMIC_REQUESTS = True``: the API's views step out of the per-request
transaction, so at PostgreSQL's REPEATABLE READ and SERIALIZABLE the services can still take
their locks before their snapshot (inside a request's transaction they refuse with try_again).

scripts/test.sh runs this at every isolation level; at READ COMMITTED and on SQLite the services
work inside an outer transaction too, so there it only checks that nothing else changes.
"""

from __future__ import annotations

import pytest
from django.db import connections

from fluentory_bookings.contrib.django.models import Booking
from tests.api.conftest import API

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.isolation]


@pytest.fixture
def atomic_requests():
    settings = connections["default"].settings_dict
    settings["ATOMIC_REQUESTS"] = True
    yield
    settings["ATOMIC_REQUESTS"] = False


def test_booking_through_the_api_works_under_atomic_requests(
    atomic_requests, client_for, student, group, session_in, enroll
):
    enroll(group, student)
    session = session_in(group)
    response = client_for(student).post(
        API + "bookings/group/", {"session": session.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Booking.objects.get(pk=response.json()["id"]).status == "confirmed"
