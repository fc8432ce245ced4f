"""Settings of the example LMS. The fluentory-bookings part is marked; the rest is plain Django."""

import os
from importlib.util import find_spec
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

import django

BASE_DIR = Path(__file__).resolve().parent.parent

# Safe unless told otherwise: DEBUG only when DJANGO_DEBUG=1 (`make demo` sets it), and outside
# that demo no start without a secret key of the site's own.
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY to a long random secret of this site's own (python -c "
            '"import secrets; print(secrets.token_urlsafe(50))"), or DJANGO_DEBUG=1 for a '
            "local demo (make demo)."
        )
    SECRET_KEY = "demo-only-insecure-key-never-use-it-for-a-site"  # DEBUG on 127.0.0.1 only
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "lms",
    "fluentory_bookings.contrib.django",  # <- fluentory-bookings
]
# The REST API (the [api] extra) when Django REST framework is installed, as the dev requirements
# do; without it the site is the same minus `api/` (urls.py asks the app registry).
if find_spec("rest_framework") is not None:
    INSTALLED_APPS += ["rest_framework"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Each visitor gets the pages in their browser's language, where a translation exists.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "example_project.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DB", BASE_DIR / "db.sqlite3"),
        # Serialises writers instead of failing with "database is locked" (Django >= 5.1).
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }
}

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The signed-in user comes with their profile (time zone) joined: see lms/auth.py.
AUTHENTICATION_BACKENDS = ["lms.auth.LmsBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# One-click sign-in as a demo user (lms/views.py): on with DEBUG, or set LMS_DEMO_LOGIN=1. It
# never signs in staff or superusers, whatever their profile says.
LMS_DEMO_LOGIN = os.environ.get("LMS_DEMO_LOGIN", "0") == "1"

# The REST API signs in with the site's session only (and its CSRF token), as the pages do: no
# HTTP Basic authentication, which would take a password on every request.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}

# The demo's e-mails (notifications, reminders) are printed where runserver runs. Django 6.1
# replaces EMAIL_BACKEND by MAILERS and warns about the old name, which 5.2 does not know.
if DEBUG:
    _console = "django.core.mail.backends.console.EmailBackend"
    if django.VERSION >= (6, 1):
        MAILERS = {"default": {"BACKEND": _console}}
    else:
        EMAIL_BACKEND = _console

# --- fluentory-bookings ---------------------------------------------------------------------------
FLUENTORY_BOOKINGS_COURSE_MODEL = "lms.Course"
FLUENTORY_BOOKINGS_COURSE_TEACHER_MODEL = "lms.CourseTeacher"
FLUENTORY_BOOKINGS_ADAPTER = "lms.adapter.LmsBookingAdapter"
# Where the e-mails' links point: the address `make demo` serves.
FLUENTORY_BOOKINGS_SITE_URL = os.environ.get("LMS_SITE_URL", "http://127.0.0.1:8000")
# The API's writes per user (the package's default, said here): each request and each cancel
# may send e-mails. None turns the throttle off. The counts live in the default cache, here
# Django's per-process LocMemCache: with several server processes, use a shared cache.
FLUENTORY_BOOKINGS_API_WRITE_RATE = "60/minute"
