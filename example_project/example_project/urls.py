from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from lms import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/demo/", views.demo_login, name="demo_login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("admin/", admin.site.urls),
    path("bookings/", include("fluentory_bookings.contrib.django.urls")),
]
# The REST API needs Django REST framework (the [api] extra): settings.py installs it if present.
if apps.is_installed("rest_framework"):
    urlpatterns += [path("api/", include("fluentory_bookings.contrib.django.api.urls"))]
