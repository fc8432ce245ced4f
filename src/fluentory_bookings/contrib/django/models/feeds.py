"""Private calendar feed tokens: one per (user, kind), kept only as a SHA-256 digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedKind(models.TextChoices):
    """Whose view of the calendar a feed shows: a user who teaches and studies has two feeds, so
    each can be subscribed (and revoked) on its own."""

    STUDENT = "student", _("student")
    TEACHER = "teacher", _("teacher")


class FeedToken(models.Model):
    """The digest of a feed URL's secret. Revoking deletes the row; regenerating replaces it.

    Only ``token_hash`` is stored: a copy of the database opens no feed. The raw token is shown
    once, when it is made (see ``calendar/tokens.py``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
        db_index=False,  # fb_feed_one_per_kind leads with it
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FeedKind.choices)
    token_hash = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="fb_feed_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"
