"""The committed OpenAPI schema: what the code generates, and what it promises clients."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import fluentory_bookings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((ROOT / "docs" / "api" / "openapi.yaml").read_text())
OPERATIONS = [
    (path, method, op)
    for path, item in SCHEMA["paths"].items()
    for method, op in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
]


def test_the_committed_schema_is_what_the_code_generates():
    """The drift check CI runs (scripts/openapi.sh --check), run here too."""
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "openapi.sh"), "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, "FLUENTORY_PYTHON": sys.executable},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_names_the_package_version():
    assert SCHEMA["info"]["version"] == fluentory_bookings.__version__
    assert SCHEMA["info"]["title"] == "fluentory-bookings API"


def test_the_seed_paths_exist():
    for path in ("/api/bookings/group/", "/api/bookings/one-on-one/", "/api/availability/"):
        assert path in SCHEMA["paths"]


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda x: str(x)[:40])
def test_every_operation_documents_its_refusals(path, method, op):
    errors = {"400", "401", "403", "409"}
    if "{id}" in path:
        errors.add("404")
    if replays(path, method):
        errors.add("422")
    for code in errors:
        body = op["responses"][code]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Error"}, (code, body)


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda x: str(x)[:40])
def test_posts_take_an_idempotency_key_and_nothing_else_does(path, method, op):
    headers = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
    assert headers == (["Idempotency-Key"] if replays(path, method) else [])
    successes = [r for code, r in op["responses"].items() if code.startswith("2")]
    replayed = [r.get("headers", {}).get("Idempotent-Replayed") for r in successes]
    assert all(replayed) if replays(path, method) else not any(replayed), replayed


def replays(path: str, method: str) -> bool:
    """Every POST replays its key but the feed link's, whose answer is a secret never stored."""
    return method == "post" and not path.startswith("/api/calendar-feeds/")


def test_the_error_shape():
    error = SCHEMA["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "error", "message", "field"}
    assert error["properties"]["field"]["nullable"] is True


def test_local_times_carry_no_offset():
    """Availability times are wall-clock times in the rule's zone, not JSON Schema's "time"."""
    start = SCHEMA["components"]["schemas"]["Availability"]["properties"]["start_time"]
    assert start["format"] == "partial-time"
    assert "Z" not in start["pattern"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/bookings/group/abc/", "/api/bookings/group/-1/cancel/", "/api/nothing/", "/api/"]
)
def test_a_path_that_names_no_endpoint_is_the_api_s_json_404(client_for, student, url):
    """Not the host's HTML page: the documented error body (schemathesis found the HTML)."""
    for client in (client_for(student), client_for(None)):
        response = client.post(url) if "cancel" in url else client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"
        assert response.json()["message"]
