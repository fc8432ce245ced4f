"""The app without the [api] extra: nothing outside ``api/`` imports DRF, and pages still work."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import os, pkgutil, importlib, sys
    sys.modules["rest_framework"] = None  # as if DRF were not installed: importing it fails
    os.environ["DJANGO_SETTINGS_MODULE"] = "example_project.settings"
    from django.conf import settings
    import django
    django.setup()
    settings.DATABASES["default"]["NAME"] = ":memory:"
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    import fluentory_bookings.contrib.django as app

    skipped = []
    for info in pkgutil.walk_packages(app.__path__, app.__name__ + "."):
        if ".api" in info.name or ".migrations." in info.name:
            skipped.append(info.name)
            continue
        importlib.import_module(info.name)
    try:
        import fluentory_bookings.contrib.django.api.urls  # noqa: F401
    except ImportError:
        api = "needs drf"
    else:
        api = "imported"

    setup_test_environment()
    from django.db import connections
    connections["default"].settings_dict["NAME"] = ":memory:"
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    user = get_user_model().objects.create_user("nodrf")
    client = Client()
    client.force_login(user)
    status = client.get("/bookings/my/").status_code
    print(api, status, any(n.endswith(".api.views") for n in skipped))
    """
)


def test_the_app_imports_and_serves_pages_without_drf():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={
            "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'example_project'}:{ROOT}",
            "PATH": "/usr/bin:/bin",
            "DJANGO_SECRET_KEY": "tests-only-not-a-secret",  # without DEBUG the example needs one
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["needs", "drf", "200", "True"], result.stdout
