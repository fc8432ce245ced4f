from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FluentoryBookingsConfig(AppConfig):
    name = "fluentory_bookings.contrib.django"
    label = "fluentory_bookings"
    verbose_name = _("Bookings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fluentory_bookings.contrib.django import (  # noqa: F401  (registers them)
            checks,
            receivers,
        )
        from fluentory_bookings.contrib.django.notifications import (  # noqa: F401
            receivers as notification_receivers,
        )
