"""The example LMS's own pages: home (the user's courses), sign-in, sign-out and a profile.

The booking pages themselves come from fluentory-bookings (included under ``/bookings/``); these
pages only link to them by their URL names.
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.human import booking_type_label, viewer_zone
from fluentory_bookings.core.policy import BookingType
from lms.forms import DemoLoginForm, ProfileForm, demo_accounts
from lms.models import Course, CourseTeacher, UserProfile


@dataclass(frozen=True)
class CourseRow:
    """A course on the home page with its booking type, named plainly."""

    course: Course
    label: str
    group: bool
    one_on_one: bool

    @classmethod
    def of(cls, course: Course) -> "CourseRow":
        kind = get_adapter().get_booking_type(course)
        return cls(
            course=course,
            label=booking_type_label(kind),
            group=kind is BookingType.GROUP_SESSION,
            one_on_one=kind is BookingType.ONE_ON_ONE,
        )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    learning = Course.objects.filter(enrollments__student=request.user).order_by("title", "pk")
    teaching = Course.objects.filter(teachers__teacher=request.user).order_by("title", "pk")
    return render(
        request,
        "lms/home.html",
        {
            "learning": [CourseRow.of(c) for c in learning],
            "teaching": [CourseRow.of(c) for c in teaching],
            # With DEBUG, settings.py sends e-mails to runserver's console: say where to look.
            "emails_printed": settings.DEBUG,
            "api": apps.is_installed("rest_framework"),
        },
    )


def demo_login_enabled() -> bool:
    """One-click sign-in is for a local demo only: on with DEBUG or ``LMS_DEMO_LOGIN``."""
    return bool(settings.DEBUG or getattr(settings, "LMS_DEMO_LOGIN", False))


def demo_users() -> list:
    users = (
        demo_accounts()
        .select_related("profile")
        .annotate(teaches=Exists(CourseTeacher.objects.filter(teacher=OuterRef("pk"))))
        .order_by("-teaches", "username")
    )
    return list(users)


class LoginView(auth_views.LoginView):
    """Django's sign-in form, with the demo users listed above it while the demo login is on."""

    template_name = "lms/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_users"] = demo_users() if demo_login_enabled() else []
        return context


class LogoutView(auth_views.LogoutView):
    """Django's sign-out, a POST; a GET shows the button. The header links here rather than
    carrying a form (and a CSRF token) on every page."""

    http_method_names = ["get", "post", "options"]
    template_name = "lms/logout.html"


@require_POST
def demo_login(request: HttpRequest) -> HttpResponse:
    """Signs in as the demo user named in the POST (one button per user on the login page)."""
    if not demo_login_enabled():
        raise Http404
    form = DemoLoginForm(request.POST)
    target = request.POST.get("next", "")
    if not form.is_valid():
        context = {
            "form": AuthenticationForm(request),
            "demo_users": demo_users(),
            "demo_errors": form.errors["username"],
            "next": target,
        }
        return render(request, "lms/login.html", context, status=400)
    login(request, form.user, backend="lms.auth.LmsBackend")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = resolve_url(settings.LOGIN_REDIRECT_URL)
    return redirect(target)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    try:
        current = request.user.profile
    except UserProfile.DoesNotExist:
        current = UserProfile(user=request.user)  # saved only when the form is sent
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your time zone is saved."))
        return redirect("profile")
    return render(request, "lms/profile.html", {"form": form, "zone": viewer_zone(request)})
