"""The first result of a POST sent with an ``Idempotency-Key``, replayed to its retries."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecordQuerySet(models.QuerySet["IdempotencyRecord"]):
    def expired(self, now: datetime | None = None) -> IdempotencyRecordQuerySet:
        """Records no longer replayed: the housekeeping command deletes them."""
        return self.filter(expires_at__lte=now or timezone.now())


class IdempotencyRecord(models.Model):
    """One (user, key): claimed in the same transaction as the write it guards.

    The unique constraint settles racing retries: the second insert waits for the first
    transaction and fails once it commits, so exactly one request runs the write.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
        db_index=False,  # fb_idempotency_user_key leads with it
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    # SHA-256 of method, path and canonical body: the same key with another request is refused.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    body = models.TextField(_("response body"))
    created = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires at"))

    objects = IdempotencyRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="fb_idempotency_user_key"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="fb_idempotency_expiry")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
